"""One way to name an assignment in every command: its slug, or the path of its folder.

A slug is looked up in the bundled assignments folder (GRADER_ASSIGNMENTS_DIR), then
among the assignments registered with `grader assignment add` in the instance's
database, when there is one. Looking creates nothing."""

from __future__ import annotations

from pathlib import Path

import click

from grader.assignment_folder import SPEC_FILE, LoadedAssignment, load_assignment
from grader.config import assignments_dir, default_instance_path, existing_database_url
from grader.errors import AssignmentNotFound, GraderError


class AssignmentProblem(click.ClickException):
    """An assignment's files are wrong: the message names the file and the field, without
    the usage lines of a mistyped command. Exits 2, as a usage error does."""

    exit_code = 2

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"grader: {self.format_message()}", err=True)


def is_folder(name: str) -> bool:
    return (Path(name) / SPEC_FILE).is_file()


def slug_of(name: str) -> str:
    """The slug an assignment is registered under: NAME, or the name of the folder NAME."""
    return Path(name).resolve().name if is_folder(name) else name


def load_named(name: str) -> LoadedAssignment:
    """The assignment NAME (a slug or a folder), with its reference checked."""
    try:
        assignment = load_assignment(find_folder(name))
        assignment.verify_reference()
    except AssignmentNotFound as exc:
        raise click.UsageError(exc.message) from exc
    except GraderError as exc:
        raise AssignmentProblem(exc.message) from exc
    return assignment


def find_folder(name: str) -> Path:
    if is_folder(name):
        return Path(name)
    root = assignments_dir()
    plain = bool(name) and "/" not in name and not name.startswith(".")
    if plain and (root / name / SPEC_FILE).is_file():
        return root / name
    registered, where = registered_folder(name) if plain else (None, "")
    if registered is not None:
        return registered
    raise AssignmentNotFound(
        f"no assignment {name!r}: not a folder with {SPEC_FILE}, not in {root}{where}"
    )


def registered_folder(slug: str) -> tuple[Path | None, str]:
    """The folder of the assignment registered as SLUG, and where it was looked for."""
    url = existing_database_url(default_instance_path())
    if url is None:
        return None, " (and no service database to look in)"
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from grader.db import Database, shown_url
    from grader.models import Assignment

    database = Database(url)
    try:
        with database.session() as session:
            path = session.scalar(select(Assignment.path).where(Assignment.slug == slug))
    except SQLAlchemyError:
        return None, f", and the database {shown_url(url)} cannot be read"
    finally:
        database.dispose()
    where = f", not registered in the database {shown_url(url)}"
    return (Path(path) if path else None), where
