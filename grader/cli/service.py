"""Service commands: ``serve`` and ``db`` (registered lazily in ``grader.cli``)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click

log = logging.getLogger(__name__)


def instance_path() -> Path:
    """The instance folder (GRADER_INSTANCE_PATH, else ./instance). When a command is
    about to create it in the current folder, it says so on stderr."""
    from grader.config import INSTANCE_ENV, default_instance_path

    path = default_instance_path()
    if not path.exists() and not os.environ.get(INSTANCE_ENV):
        click.echo(
            f"grader: {INSTANCE_ENV} is not set: creating the instance folder {path} "
            f"(database, uploads, secret key); set {INSTANCE_ENV} to keep it elsewhere",
            err=True,
        )
    return path


def make_app(**overrides: Any) -> Any:
    """The configured Flask app (config from the instance folder and environment)."""
    from grader.app import create_app

    try:
        return create_app({"INSTANCE_PATH": instance_path(), **overrides})
    except (ValueError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc


def require_schema(app: Any) -> None:
    """Refuse to run against a database that `grader db upgrade` has not brought up to date."""
    from alembic.script import ScriptDirectory

    from grader.db import alembic_config, current_revision, shown_url

    url = app.config["DATABASE_URL"]
    try:
        current = current_revision(url)
    except Exception as exc:  # noqa: BLE001 - any driver error means: cannot reach it
        raise click.ClickException(f"cannot open the database {shown_url(url)}: {exc}") from exc
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if current != head:
        raise click.ClickException(
            f"the database {shown_url(url)} is at revision {current or 'none'}, not {head}: "
            "run `grader db upgrade`"
        )


def upgrade_database(app: Any) -> None:
    from grader.db import upgrade

    try:
        upgrade(app.config["DATABASE_URL"])
    except Exception as exc:  # noqa: BLE001 - report the driver's reason in one line
        raise click.ClickException(f"database upgrade failed: {exc}") from exc


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Grading processes of the embedded runner [default: GRADER_WORKERS, or one per core].",
)
@click.option(
    "--threads", default=8, show_default=True, type=int, help="Threads answering HTTP requests."
)
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the site and the API; grade with the embedded job runner (or, when
    GRADER_BROKER_URL is set, only enqueue for `grader worker`).

    Upgrades the database, (re)loads the bundled assignments, picks up any
    submission a crash left queued or running, then serves until interrupted.
    """
    from waitress import serve

    from grader.http_common import Services
    from grader.logs import configure_logging
    from grader.operations import sync_bundled

    overrides: dict[str, Any] = {} if workers is None else {"WORKERS": workers}
    app = make_app(**overrides)
    configure_logging(app.config["LOG_FORMAT"])
    logging.getLogger("waitress").setLevel(logging.INFO)
    upgrade_database(app)
    svc = Services.of(app)
    for slug, outcome in sync_bundled(svc.db, app.config["ASSIGNMENTS_DIR"]).items():
        click.echo(f"assignment {slug}: {outcome}", err=True)
    _announce_first_admin(svc)
    svc.queue.start()
    grading = "a Celery worker" if app.config.get("BROKER_URL") else "the embedded job runner"
    click.echo(
        f"serving on http://{host}:{port} (instance folder {app.instance_path}; "
        f"grading by {grading})",
        err=True,
    )
    try:
        serve(app, host=host, port=port, threads=threads, ident="grader")
    finally:
        svc.queue.stop(timeout=5)


def _announce_first_admin(svc: Any) -> None:
    """A fresh instance has no one who can sign in: say how to make the first account."""
    from sqlalchemy import select

    from grader.courses import User

    with svc.db.session() as session:
        if session.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1)) is None:
            click.echo(
                "no site administrator yet: create one (it prints a single-use sign-in link) "
                "with\n  grader user create LOGIN --admin",
                err=True,
            )


@click.group("db")
def db_group() -> None:
    """Manage the service database (DATABASE_URL; SQLite in the instance folder by default)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade_command(revision: str) -> None:
    """Create the tables, or migrate an existing database to the latest schema."""
    from grader.db import current_revision, upgrade

    app = make_app()
    url = app.config["DATABASE_URL"]
    try:
        upgrade(url, revision)
        click.echo(f"database at revision {current_revision(url)}")
    except Exception as exc:  # noqa: BLE001
        raise click.ClickException(f"database upgrade failed: {exc}") from exc


@db_group.command("current")
def db_current_command() -> None:
    """Print the schema revision of the database."""
    from grader.db import current_revision

    app = make_app()
    click.echo(current_revision(app.config["DATABASE_URL"]) or "empty (run `grader db upgrade`)")
