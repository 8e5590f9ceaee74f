"""Instructor commands: assignments, API tokens, submissions, regrading, export."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from grader.cli.naming import slug_of
from grader.cli.service import make_app, require_schema
from grader.errors import GraderError
from grader.http_common import Services
from grader.models import SubmissionStatus


@contextmanager
def instance_services() -> Iterator[Services]:
    """The configured instance's services, for one command; the database must be up to date."""
    app = make_app()
    require_schema(app)
    svc = Services.of(app)
    try:
        yield svc
    finally:
        svc.db.dispose()


def _fmt_time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


# -- assignment ---------------------------------------------------------------


@click.group("assignment")
def assignment_group() -> None:
    """Register and inspect the assignments the service grades."""


@assignment_group.command("add")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def assignment_add(path: Path) -> None:
    """Register the assignment folder PATH (or update it if its content changed)."""
    from grader.operations import register_assignment

    with instance_services() as svc:
        try:
            with svc.db.begin() as session:
                row, outcome = register_assignment(session, path)
                slug, version, points = row.slug, row.version, row.max_score
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"{slug}: {outcome} (version {version}, {points:g} points)")
    if outcome == "updated":
        click.echo(f"run `grader regrade {slug}` to regrade its submissions", err=True)


@assignment_group.command("list")
def assignment_list() -> None:
    """List the assignments: the bundled ones (GRADER_ASSIGNMENTS_DIR) and those registered
    with `grader assignment add`, with their submission counts. Each slug names its
    assignment in every command."""
    from grader.assignment_folder import discover
    from grader.config import default_instance_path, existing_database_url
    from grader.models import Assignment, Submission

    try:
        bundled = {slug: (a.version, a.max_score, a.title) for slug, a in discover().items()}
    except GraderError as exc:
        raise click.ClickException(exc.message) from exc
    registered: dict[str, tuple[int, float, str, int]] = {}
    if existing_database_url(default_instance_path()) is not None:
        with instance_services() as svc, svc.db.session() as session:
            rows = session.execute(
                select(Assignment, func.count(Submission.id))
                .outerjoin(Submission)
                .group_by(Assignment.id)
            ).all()
            registered = {a.slug: (a.version, a.max_score, a.title, n) for a, n in rows}
    if not bundled and not registered:
        click.echo("no assignments (add one with `grader assignment add PATH`)")
    for slug in sorted({*bundled, *registered}):
        if slug in registered:
            version, points, title, count = registered[slug]
            where = f"{count} submissions"
        else:
            (version, points, title), where = bundled[slug], "bundled"
        click.echo(f"{slug:20} v{version:<3} {points:6g} pts {where:>16}  {title}")


@click.command("assignments", hidden=True, deprecated="use `grader assignment list`")
@click.pass_context
def assignments_alias(ctx: click.Context) -> None:
    """List the assignments (deprecated: `grader assignment list`)."""
    ctx.invoke(assignment_list)


@assignment_group.command("show")
@click.argument("assignment")
def assignment_show(assignment: str) -> None:
    """Show the registered ASSIGNMENT (a slug or its folder): version, folder, functions,
    submissions by status."""
    from grader.models import Submission
    from grader.operations import get_assignment

    slug = slug_of(assignment)
    with instance_services() as svc, svc.db.session() as session:
        try:
            a = get_assignment(session, slug)
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
        counts = dict(
            session.execute(
                select(Submission.status, func.count())
                .where(Submission.assignment_id == a.id)
                .group_by(Submission.status)
            ).all()
        )
        click.echo(f"{a.slug}: {a.title}")
        click.echo(f"  version {a.version}, {a.max_score:g} points, digest {a.digest[:12]}")
        click.echo(f"  folder  {a.path}")
        for f in a.functions or []:
            click.echo(f"  writes  {f['signature']}")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"
        click.echo(f"  submissions: {summary}")


@assignment_group.command(
    "validate", hidden=True, deprecated="use `grader validate --reference-only ASSIGNMENT`"
)
@click.argument("assignment")
@click.pass_context
def assignment_validate(ctx: click.Context, assignment: str) -> None:
    """Grade ASSIGNMENT's reference (deprecated: `grader validate --reference-only`)."""
    from grader.cli.grading import validate_command

    ctx.invoke(validate_command, assignment=assignment, as_json=False, reference_only=True)


# -- token --------------------------------------------------------------------


@click.group("token")
def token_group() -> None:
    """API tokens for LMS integrations (stored hashed; shown once)."""


@token_group.command("create")
@click.argument("name")
@click.option("--course", default="default", show_default=True, help="The course it acts in.")
@click.option(
    "--role",
    type=click.Choice(["instructor", "ta"]),
    default="instructor",
    show_default=True,
    help="As whom it acts in the course (an LMS token is an instructor's).",
)
@click.option("--all-courses", is_flag=True, help="A site administrator's token: every course.")
def token_create(name: str, course: str, role: str, all_courses: bool) -> None:
    """Create a token called NAME and print it (it cannot be shown again)."""
    from grader.course_admin import get_course
    from grader.models import ApiToken

    with instance_services() as svc, svc.db.begin() as session:
        if session.scalar(select(ApiToken).where(ApiToken.name == name)):
            raise click.ClickException(f"a token called {name!r} exists; pick another name")
        try:
            course_id = None if all_courses else get_course(session, course).id
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
        row, plain = ApiToken.generate(name, course_id=course_id, role=role)
        session.add(row)
    click.echo(plain)
    click.echo(f"token {name!r} created; store it now, it is not shown again", err=True)


@token_group.command("list")
def token_list() -> None:
    """List tokens (name, prefix, created, last used, revoked)."""
    from grader.models import ApiToken

    with instance_services() as svc, svc.db.session() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.name)).all()
        if not rows:
            click.echo("no tokens (create one with `grader token create NAME`)")
        for t in rows:
            state = f"revoked {_fmt_time(t.revoked_at)}" if t.revoked_at else "active"
            click.echo(
                f"{t.name:20} {t.prefix}...  created {_fmt_time(t.created_at)}  "
                f"last used {_fmt_time(t.last_used_at)}  {state}"
            )


@token_group.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke the token called NAME; requests using it are refused from now on."""
    from grader.models import ApiToken, utcnow

    with instance_services() as svc, svc.db.begin() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.name == name))
        if row is None:
            raise click.ClickException(f"no token called {name!r}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
    click.echo(f"token {name!r} revoked")


# -- submissions, regrade, export ---------------------------------------------


@click.group("submissions")
def submissions_group() -> None:
    """Inspect submissions."""


@submissions_group.command("list")
@click.option("--assignment", "name", help="Only this assignment (a slug or its folder).")
@click.option("--student", help="Only this student id.")
@click.option("--status", type=click.Choice([s.value for s in SubmissionStatus]))
@click.option("--limit", default=50, show_default=True, type=int, help="Newest N.")
def submissions_list(name: str | None, student: str | None, status: str | None, limit: int) -> None:
    """List submissions, newest first."""
    from grader.courses import User
    from grader.models import Assignment, Submission

    slug = slug_of(name) if name else None

    with instance_services() as svc, svc.db.session() as session:
        query = (
            select(Submission, Assignment.slug, User.login)
            .join(Assignment)
            .outerjoin(User, Submission.user_id == User.id)
            .order_by(Submission.created_at.desc())
            .limit(limit)
        )
        if slug:
            query = query.where(Assignment.slug == slug)
        if student:
            query = query.where(User.login == student)
        if status:
            query = query.where(Submission.status == status)
        rows = session.execute(query).all()
        if not rows:
            click.echo("no submissions")
        for sub, a_slug, ext in rows:
            score = f"{sub.score:g}/{sub.max_score:g}" if sub.score is not None else "-"
            click.echo(
                f"{sub.id}  {_fmt_time(sub.created_at)}  {a_slug:16} {ext or '-':16} "
                f"{sub.status:9} {score:>9}  {sub.filename}"
            )


@click.command("regrade")
@click.argument("assignment")
@click.option(
    "--stale",
    is_flag=True,
    help="Only submissions last graded against another version of the assignment.",
)
@click.option(
    "--wait",
    is_flag=True,
    help="Wait until every one is graded again, with a progress bar, and print the outcomes.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    help="With --wait: stop waiting after this many seconds (the regrade goes on).",
)
def regrade_command(assignment: str, stale: bool, wait: bool, timeout: float | None) -> None:
    """Queue every submission of ASSIGNMENT (a slug or its folder) to be graded again,
    with the assignment as it is now on disk.

    The service grades them as it grades uploads: the job runner of `grader serve`,
    or `grader worker` processes when GRADER_BROKER_URL is set. Nothing is graded in
    this process, so a regrade never holds up the web side.
    """
    from grader.models import FINISHED, Submission
    from grader.operations import get_assignment, queue_regrade, register_assignment

    slug = slug_of(assignment)

    with instance_services() as svc:
        db = svc.db
        try:
            with db.begin() as session:
                row, _ = register_assignment(session, get_assignment(session, slug).path)
                digest, assignment_id = row.digest, row.id
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
        with db.session() as session:
            subs = session.scalars(
                select(Submission).where(
                    Submission.assignment_id == assignment_id, Submission.status.in_(FINISHED)
                )
            ).all()
            if stale:
                subs = [s for s in subs if not s.runs or s.runs[-1].assignment_digest != digest]
            wanted = [s.id for s in subs]
        ids = queue_regrade(db, svc.queue, wanted)
        if not ids:
            click.echo("nothing to regrade")
            return
        click.echo(f"{len(ids)} submission(s) of {slug} queued for regrading", err=True)
        if wait:
            _wait_for(db, ids, slug, timeout)


def _wait_for(db: Any, ids: list[str], slug: str, timeout: float | None) -> None:
    """Poll until none of ``ids`` is queued or running; print the outcomes."""
    import time

    from grader.models import Submission

    deadline = None if timeout is None else time.monotonic() + timeout
    done = 0
    with click.progressbar(length=len(ids), label=f"regrading {slug}", file=sys.stderr) as bar:
        while True:
            with db.session() as session:
                rows = session.execute(
                    select(Submission.status, func.count())
                    .where(Submission.id.in_(ids))
                    .group_by(Submission.status)
                ).all()
            statuses = dict(rows)
            waiting = statuses.get(SubmissionStatus.QUEUED, 0) + statuses.get(
                SubmissionStatus.RUNNING, 0
            )
            finished = len(ids) - waiting
            bar.update(finished - done)
            done = finished
            if finished == len(ids):
                break
            if deadline is not None and time.monotonic() > deadline:
                raise click.ClickException(
                    f"{len(ids) - finished} of {len(ids)} still waiting after {timeout:g} s; "
                    "the service grades them (is `grader serve` or `grader worker` running?)"
                )
            time.sleep(0.5)
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))


@click.command("export")
@click.argument("assignment")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "zip"]),
    default="csv",
    show_default=True,
    help="csv: the gradebook an LMS imports; zip: every submission's file, a folder per "
    "student, with a submissions.csv manifest.",
)
@click.option(
    "--score",
    "which",
    type=click.Choice(["best", "latest"]),
    default="best",
    show_default=True,
    help="Which score of each student (csv).",
)
@click.option("--course", default="default", show_default=True, help="Course (slug).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="File (default stdout).",
)
def export_command(assignment: str, fmt: str, which: str, course: str, output: str) -> None:
    """Export one row per student of ASSIGNMENT (a slug or its folder) in COURSE: student
    id, score, max score, graded at, and the counted score (after late penalties, of the
    attempt the policy counts), late flag and attempt count; or (zip) every submission."""
    from grader.course_admin import get_course
    from grader.gradebook import gradebook, write_csv
    from grader.intake import resolve_release
    from grader.submission_archive import write_archive

    slug = slug_of(assignment)
    if fmt == "zip" and output == "-" and sys.stdout.isatty():
        raise click.UsageError("a zip file is not for a terminal: give --output FILE")

    with instance_services() as svc, svc.db.session() as session:
        try:
            release = resolve_release(session, get_course(session, course).id, slug)
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
        if fmt == "zip":
            with click.open_file(output, "wb") as out:
                count = write_archive(session, svc.store, release, out)
            click.echo(f"{count} submission(s) of {slug} in {course}", err=True)
        else:
            with click.open_file(output, "w") as out:
                write_csv(gradebook(session, release), out, which)
