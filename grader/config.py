"""Service configuration: documented defaults, an instance folder, environment variables.

Precedence, lowest first: the defaults below, ``<instance>/config.py`` (plain
``KEY = value`` lines), the environment, then ``overrides`` passed to the app
factory (tests). Every setting is listed in ``SETTINGS`` with its environment
variable and what it does, so the README table and ``--help`` never drift.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    key: str
    env: str
    default: Any
    doc: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "DATABASE_URL",
        None,
        "SQLAlchemy URL. Default: SQLite (WAL) file grader.db in the instance folder. "
        "PostgreSQL: postgresql+psycopg://user@host/db.",
    ),
    Setting(
        "SECRET_KEY",
        "GRADER_SECRET_KEY",
        None,
        "Signs sessions and CSRF tokens. Default: random, kept in <instance>/secret_key.",
    ),
    Setting(
        "PUBLIC_URL",
        "GRADER_PUBLIC_URL",
        "http://127.0.0.1:5000",
        "The address people open the service at; sign-in links start with it. An https:// "
        "address also marks the session cookie Secure (sent over HTTPS only).",
    ),
    Setting(
        "BROKER_URL",
        "GRADER_BROKER_URL",
        None,
        "Celery broker, e.g. redis://127.0.0.1:6379/0: the service only queues submissions "
        "and `grader worker` processes grade them. Default: none, the embedded runner grades.",
    ),
    Setting(
        "BROKER_VISIBILITY_TIMEOUT",
        "GRADER_BROKER_VISIBILITY_TIMEOUT",
        900,
        "Seconds after which Redis hands out again a job no worker acknowledged. Recovery "
        "does not wait for it (leases do, see GRADER_LEASE_SECONDS); a job is stopped at "
        "80 % of it, so keep it above the longest grading.",
        int,
    ),
    Setting(
        "LEASE_SECONDS",
        "GRADER_LEASE_SECONDS",
        30.0,
        "A grading holds a lease on its submission, renewed every third of this; a "
        "submission whose lease lapsed (its worker was killed or lost) is graded again. "
        "Recovery takes at most this plus a third of it, however long grading takes.",
        float,
    ),
    Setting(
        "BROKER_SWEEP_INTERVAL",
        "GRADER_BROKER_SWEEP_INTERVAL",
        30,
        "Seconds between a worker's sweeps for queued submissions the broker does not "
        "hold (it was unreachable when they were accepted, or lost them); they are sent again.",
        float,
    ),
    Setting(
        "ASSIGNMENTS_DIR",
        "GRADER_ASSIGNMENTS_DIR",
        str(PROJECT_ROOT / "assignments"),
        "Folder of bundled assignments loaded by `grader serve` and `grader db upgrade`.",
    ),
    Setting(
        "STORAGE_DIR",
        "GRADER_STORAGE_DIR",
        None,
        "Where uploaded files are kept, content-addressed. Default: <instance>/uploads.",
    ),
    Setting(
        "REFERENCE_CACHE_DIR",
        "GRADER_REFERENCE_CACHE_DIR",
        None,
        "Where the reference's loss curves for the plots are kept, one small file per "
        "assignment version and run. Default: <instance>/reference-cache.",
    ),
    Setting(
        "WORKERS",
        "GRADER_WORKERS",
        0,
        "Grading processes of the embedded job runner, or pool processes of a `grader worker` "
        "(each grades one submission at a time). 0: one per core.",
        int,
    ),
    Setting(
        "WARM_SANDBOXES",
        "GRADER_WARM_SANDBOXES",
        2,
        "Sandboxes kept started, with numpy / matplotlib / scikit-learn already imported, so a "
        "submission does not wait for them (each serves one submission). 0 starts each cold.",
        int,
    ),
    Setting(
        "MAX_UPLOAD_BYTES",
        "GRADER_MAX_UPLOAD_BYTES",
        64 * 1024 * 1024,
        "Largest accepted request body (uploads); larger ones get 413. Notebooks carry their "
        "plots, so this is far above the limit on code (2 MiB of source).",
        int,
    ),
    Setting(
        "RATE_LIMIT_IP",
        "GRADER_RATE_LIMIT_IP",
        "20/minute",
        "Submissions one client address may create (web form and API), as N/second|minute|hour.",
    ),
    Setting(
        "RATE_LIMIT_TOKEN",
        "GRADER_RATE_LIMIT_TOKEN",
        "120/minute",
        "Submissions one API token may create, as N/second|minute|hour.",
    ),
    Setting(
        "RATE_LIMIT_SIGN_IN",
        "GRADER_RATE_LIMIT_SIGN_IN",
        "10/minute",
        "Failed web sign-ins per client address and per login, as N/second|minute|hour; "
        "past it every sign-in from that address or for that login gets 429 until the "
        "window frees up.",
    ),
    Setting(
        "RATE_LIMIT_AUTH_FAILURES",
        "GRADER_RATE_LIMIT_AUTH_FAILURES",
        "10/minute",
        "Wrong API tokens one client address may send, as N/second|minute|hour; past it the "
        "address gets 429 for any token until the window frees up. Other addresses are not "
        "slowed.",
    ),
    Setting(
        "RATE_LIMIT_STORAGE",
        "GRADER_RATE_LIMIT_STORAGE",
        None,
        "Where rate limits are counted: memory:// (this process) or redis://host:6379/1 "
        "(shared by every web process). Default: the broker when it is Redis, else memory://.",
    ),
    Setting(
        "PROXY_COUNT",
        "GRADER_PROXY_COUNT",
        0,
        "Number of reverse proxies in front of the service whose X-Forwarded-For is trusted.",
        int,
    ),
    Setting(
        "QUEUE_LIMIT",
        "GRADER_QUEUE_LIMIT",
        1000,
        "Back-pressure: while this many submissions wait to be graded, new uploads are "
        "refused with 503 and Retry-After (nothing accepted is dropped). 0: no limit.",
        int,
    ),
    Setting(
        "QUEUE_MAX_AGE",
        "GRADER_QUEUE_MAX_AGE",
        0.0,
        "Back-pressure: while the oldest waiting submission has waited longer than this "
        "many seconds, new uploads are refused with 503 and Retry-After. 0: no limit.",
        float,
    ),
    Setting(
        "LOG_FORMAT",
        "GRADER_LOG_FORMAT",
        "text",
        "Log lines of `grader serve` and `grader worker`: text, or json (one object a "
        "line); a grading's lines carry its submission_id and job_id either way.",
    ),
    Setting(
        "WORKER_METRICS_PORT",
        "GRADER_WORKER_METRICS_PORT",
        0,
        "Port on which `grader worker` serves its Prometheus metrics (grading durations "
        "and outcomes of its pool processes). 0: not served.",
        int,
    ),
)


_BY_KEY = {s.key: s for s in SETTINGS}


def default(key: str) -> Any:
    """The documented default of a setting (for code that runs without a loaded config)."""
    return _BY_KEY[key].default


def assignments_dir(environ: dict[str, str] | None = None) -> Path:
    """The folder of bundled assignments: GRADER_ASSIGNMENTS_DIR, else the default above
    (for the commands that grade without an instance: `grader grade`, `grader validate`)."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    setting = _BY_KEY["ASSIGNMENTS_DIR"]
    return Path(env.get(setting.env) or setting.default)


def _coerce(setting: Setting, value: Any) -> Any:
    if value is None or setting.kind is str:
        return value
    try:
        return setting.kind(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{setting.env} must be {setting.kind.__name__}, got {value!r}") from exc


def read_instance_config(instance_path: Path) -> dict[str, Any]:
    """Upper-case names assigned in ``<instance>/config.py`` (executed like Flask's from_pyfile)."""
    path = instance_path / "config.py"
    if not path.is_file():
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - admin-owned file
    return {k: v for k, v in namespace.items() if k.isupper()}


def _secret_key(instance_path: Path) -> str:
    """A random key kept in the instance folder, so restarts keep sessions and CSRF valid."""
    path = instance_path / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


#: the environment variable that names the instance folder
INSTANCE_ENV = "GRADER_INSTANCE_PATH"


def default_instance_path() -> Path:
    """GRADER_INSTANCE_PATH, else ``instance/`` in the current folder (documented; the
    commands that create it say where)."""
    return Path(os.environ.get(INSTANCE_ENV) or (Path.cwd() / "instance")).resolve()


def existing_database_url(instance_path: Path, environ: dict[str, str] | None = None) -> str | None:
    """The service database's URL if there is one to look in, creating nothing: DATABASE_URL,
    the instance's config.py, or the default SQLite file when it exists."""
    environ = dict(os.environ) if environ is None else environ
    url = environ.get("DATABASE_URL")
    if not url and instance_path.is_dir():
        url = read_instance_config(instance_path).get("DATABASE_URL")
        if not url and (instance_path / "grader.db").is_file():
            url = f"sqlite:///{instance_path / 'grader.db'}"
    if not url:
        return None
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None  # connecting would create an empty file
    return normalise_database_url(url)


def load_config(
    instance_path: Path,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Resolve every setting; creates the instance folder (and its secret key) if needed."""
    environ = dict(os.environ) if environ is None else environ
    instance_path.mkdir(parents=True, exist_ok=True)
    from_file = read_instance_config(instance_path)
    overrides = overrides or {}
    config: dict[str, Any] = {}
    for s in SETTINGS:
        value = s.default
        if s.key in from_file:
            value = from_file[s.key]
        if environ.get(s.env):
            value = environ[s.env]
        if s.key in overrides:
            value = overrides[s.key]
        config[s.key] = _coerce(s, value)
    extra = {k: v for k, v in {**from_file, **overrides}.items() if k not in config}
    config.update(extra)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'grader.db'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(instance_path)
    if not config["STORAGE_DIR"]:
        config["STORAGE_DIR"] = str(instance_path / "uploads")
    if not config["REFERENCE_CACHE_DIR"]:
        config["REFERENCE_CACHE_DIR"] = str(instance_path / "reference-cache")
    config["DATABASE_URL"] = normalise_database_url(config["DATABASE_URL"])
    from grader.logs import FORMATS
    from grader.ratelimit import parse_rate

    if config["LOG_FORMAT"] not in FORMATS:
        raise ValueError(f"GRADER_LOG_FORMAT must be text or json, got {config['LOG_FORMAT']!r}")
    for key in ("LEASE_SECONDS", "BROKER_VISIBILITY_TIMEOUT", "BROKER_SWEEP_INTERVAL"):
        if config[key] <= 0:
            raise ValueError(f"{_BY_KEY[key].env} must be above 0")

    for s in SETTINGS:
        if s.key.startswith("RATE_LIMIT_") and s.key != "RATE_LIMIT_STORAGE":
            try:
                parse_rate(config[s.key])
            except ValueError as exc:
                raise ValueError(f"{s.env}: {exc}") from exc
    return config


def normalise_database_url(url: str) -> str:
    """Accept the postgres:// and postgresql:// spellings hosting platforms hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
