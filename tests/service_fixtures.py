"""Fixtures for the service tests, after flaskr's conftest: ``app``, ``client``,
``runner`` (the ``grader`` CLI against the same database). A pytest plugin that
tests/conftest.py registers, so that every test folder has them (web, API, CLI, jobs,
database and the service's own modules); what tests import lives in service_helpers.py.

Every test that takes ``app`` runs on SQLite; the database-sensitive ones (marked
``databases``: migrations, leases, queue claims and counts, transactions that must
write nothing) run on PostgreSQL too. Each test gets a fresh, migrated database: a
copy of a migrated SQLite file, or a PostgreSQL database created from a migrated
template (one per session).
PostgreSQL is found through GRADER_TEST_POSTGRES_URL (default: postgres on
127.0.0.1:5432, trust auth); when it is unreachable its tests are skipped,
unless GRADER_TEST_REQUIRE_POSTGRES=1, where they fail.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.app import create_app
from grader.db import upgrade
from grader.http_common import Services
from grader.operations import accept_submission, sync_bundled
from tests.service_helpers import ASSIGNMENTS, SUBMISSIONS, sign_in

REDIS_URL = os.environ.get("GRADER_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
PG_ADMIN_URL = os.environ.get(
    "GRADER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _pg_conninfo(url: str, dbname: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    parts = {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "dbname": dbname or parsed.database,
    }
    if parsed.password:
        parts["password"] = parsed.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


def _pg_url(dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_ADMIN_URL).set(database=dbname).render_as_string(hide_password=False)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True, connect_timeout=3) as c:
        c.execute(sql)


class PostgresServer:
    """One migrated template database per session; a fresh copy per test."""

    def __init__(self) -> None:
        self.prefix = f"grader_test_{uuid.uuid4().hex[:8]}"
        self.template = f"{self.prefix}_template"
        self.created: list[str] = []

    def start(self) -> None:
        _pg_admin(f'CREATE DATABASE "{self.template}"')
        self.created.append(self.template)
        upgrade(_pg_url(self.template))

    def fresh(self, empty: bool = False) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        template = "template0" if empty else self.template
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return _pg_url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in reversed(self.created):
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    server = PostgresServer()
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001 - any reason: no server, no auth, no driver
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}: {exc}"
        if os.environ.get("GRADER_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        yield None
        return
    yield server
    server.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "grader.db"
    upgrade(f"sqlite:///{path}")
    return path


#: fixtures that make a database: a test that asks for one of them has a ``backend``
DATABASE_USERS = {"database_factory", "database_url", "app_config"}


@pytest.hookimpl(tryfirst=True)  # before a ``parametrize("backend", ...)`` mark is read
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test with a database gets its ``backend``. Only those: the sandbox tests
    have a ``backend`` fixture of their own (the sandbox's), and no database."""
    explicit = any(
        "backend" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize")
    )
    database = bool(DATABASE_USERS & set(metafunc.fixturenames))
    if database and "backend" not in metafunc.fixturenames:
        # behind an override that asks for the fixture it overrides (``app_config``),
        # pytest 8 does not see the database that fixture depends on, nor its ``backend``
        metafunc.fixturenames.append("backend")
    if database and not explicit:
        both = metafunc.definition.get_closest_marker("databases") is not None
        names = ["sqlite", "postgresql"] if both else ["sqlite"]
        metafunc.parametrize("backend", names, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database of this test: SQLite, and PostgreSQL too where marked ``databases``."""
    return request.param


@pytest.fixture
def database_factory(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., str]]:
    """Makes database URLs for this test's backend: migrated (default) or empty. The
    PostgreSQL template and the SQLite one are made on first use only."""
    made: list[str] = []
    postgres: PostgresServer | None = None

    def make(empty: bool = False) -> str:
        nonlocal postgres
        if backend == "postgresql":
            postgres = request.getfixturevalue("postgres")
            if postgres is None:
                pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
            url = postgres.fresh(empty=empty)
            made.append(url)
            return url
        path = tmp_path / f"db-{uuid.uuid4().hex[:6]}.db"
        if not empty:
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"

    yield make
    for url in made:
        assert postgres is not None
        postgres.drop(url)


@pytest.fixture
def database_url(database_factory: Callable[..., str]) -> str:
    return database_factory()


@pytest.fixture
def instance_path(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def app_config(database_url: str, instance_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "DATABASE_URL": database_url,
        "ASSIGNMENTS_DIR": str(ASSIGNMENTS),
        "WORKERS": 2,
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Any]:
    app = create_app(app_config)
    svc = Services.of(app)
    outcome = sync_bundled(svc.db, ASSIGNMENTS)
    assert not [v for v in outcome.values() if v.startswith("error")], outcome
    yield app
    svc.queue.stop(timeout=30)
    svc.db.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def grading(app: Any) -> Any:
    """The app's embedded runner, started; ``grading.join()`` waits for the queue."""
    queue = Services.of(app).queue
    queue.start()
    return queue


@pytest.fixture
def runner(app: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Invoke the ``grader`` CLI against this test's instance folder and database."""
    from grader.cli import cli

    monkeypatch.setenv("GRADER_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("GRADER_ASSIGNMENTS_DIR", str(ASSIGNMENTS))

    def invoke(*args: str, **kwargs: Any) -> Any:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def token(app: Any) -> str:
    from grader.course_admin import default_course
    from grader.models import ApiToken

    with Services.of(app).db.begin() as session:
        row, plain = ApiToken.generate("test-lms", course_id=default_course(session).id)
        session.add(row)
    return plain


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def signed_in(app: Any, client: Any) -> int:
    """The test client signed in as student s-1 of the default course."""
    return sign_in(app, client, "s-1")


@pytest.fixture
def csrf_token(client: Any, signed_in: int) -> Callable[[str], str]:
    """The CSRF token of the upload form on an assignment page (as a browser would send it),
    for the signed-in student s-1."""

    def get(slug: str) -> str:
        page = client.get(f"/assignments/{slug}").get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match, "no CSRF token on the assignment page"
        return match.group(1)

    return get


@pytest.fixture
def fixture_file() -> Callable[[str], bytes]:
    """A submission from the repository's submissions/ folder, e.g. 'chain-rule/correct.py'."""
    return lambda name: (SUBMISSIONS / name).read_bytes()


@pytest.fixture
def accepted(app: Any, fixture_file: Callable[[str], bytes]) -> Callable[..., Any]:
    """Accept a bundled submission straight through the service layer (no HTTP), queued."""
    svc = Services.of(app)

    def accept(name: str = "chain-rule/correct.py", student: str | None = None) -> Any:
        slug, filename = name.split("/", 1)
        return accept_submission(
            svc.db,
            svc.store,
            slug=slug,
            filename=filename,
            data=fixture_file(name),
            student=student,
        )

    return accept


class LiveServer:
    """`grader serve` in its own process group, so a test can kill it like a crash would."""

    def __init__(self, instance: Path, database_url: str, workers: int = 2) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "GRADER_INSTANCE_PATH": str(instance),
            "DATABASE_URL": database_url,
            "GRADER_ASSIGNMENTS_DIR": str(ASSIGNMENTS),
            "GRADER_WORKERS": str(workers),
            "GRADER_PUBLIC_URL": self.url,
        }
        self.log = instance.parent / f"serve-{self.port}.log"
        self.process: Any = None

    def cli(self, *args: str) -> str:
        import subprocess
        import sys

        done = subprocess.run(
            [sys.executable, "-m", "grader", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def start(self, timeout: float = 60) -> LiveServer:
        import subprocess
        import sys
        import time
        import urllib.request

        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"grader serve exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"grader serve did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the server and its sandbox children: no clean shutdown, like a crash."""
        import signal

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        import signal

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except Exception:  # noqa: BLE001
                self.kill()


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "live-instance", database_url)
    yield server
    server.stop()


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - no server, no auth, wrong URL
        reason = f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}: {exc}"
        if os.environ.get("GRADER_TEST_REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    lock_path = Path(tempfile.gettempdir()) / f"grader-test-redis-{db}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client.flushdb()
        try:
            yield REDIS_URL
        finally:
            client.flushdb()
            client.close()
