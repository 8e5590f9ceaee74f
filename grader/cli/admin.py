"""Instructor commands: assignments, API tokens, submissions, regrading, export."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from grader.cli.service import make_app, require_schema
from grader.errors import GraderError


@contextmanager
def services() -> Iterator[dict[str, Any]]:
    app = make_app()
    require_schema(app)
    svc = app.extensions["grader"]
    try:
        yield {**svc, "config": app.config}
    finally:
        svc["db"].dispose()


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
    from grader.service import register_assignment

    with services() as svc:
        try:
            with svc["db"].begin() as session:
                row, outcome = register_assignment(session, path)
                slug, version, points = row.slug, row.version, row.max_score
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"{slug}: {outcome} (version {version}, {points:g} points)")
    if outcome == "updated":
        click.echo(f"run `grader regrade {slug}` to regrade its submissions", err=True)


@assignment_group.command("list")
def assignment_list() -> None:
    """List registered assignments with their submission counts."""
    from grader.models import Assignment, Submission

    with services() as svc, svc["db"].session() as session:
        rows = session.execute(
            select(Assignment, func.count(Submission.id))
            .outerjoin(Submission)
            .group_by(Assignment.id)
            .order_by(Assignment.slug)
        ).all()
        if not rows:
            click.echo("no assignments (add one with `grader assignment add PATH`)")
        for a, count in rows:
            click.echo(
                f"{a.slug:20} v{a.version:<3} {a.max_score:6g} pts {count:6} submissions  {a.title}"
            )


@assignment_group.command("show")
@click.argument("slug")
def assignment_show(slug: str) -> None:
    """Show one assignment: version, folder, functions, submissions by status."""
    from grader.models import Submission
    from grader.service import get_assignment

    with services() as svc, svc["db"].session() as session:
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


@assignment_group.command("validate")
@click.argument("slug")
def assignment_validate(slug: str) -> None:
    """Grade the registered assignment's reference solution: it must score full marks."""
    from grader.assignments import load_assignment
    from grader.engine import grade_file
    from grader.service import get_assignment

    with services() as svc, svc["db"].session() as session:
        try:
            folder = Path(get_assignment(session, slug).path)
            target = load_assignment(folder)
            target.verify_reference()
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
    result = grade_file(target, target.reference_file, seed=0)
    for check in result.checks:
        mark = "ok  " if check.passed else "FAIL"
        click.echo(f"  {mark} {check.name}: {check.score:g} / {check.max_score:g} {check.message}")
    if result.status != "graded" or result.score < target.max_score:
        raise click.ClickException(
            f"the reference scores {result.score:g} / {target.max_score:g}, not full marks"
            + (f": {result.error}" if result.error else "")
        )
    click.echo(f"{slug}: the reference scores full marks")


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

    with services() as svc, svc["db"].begin() as session:
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

    with services() as svc, svc["db"].session() as session:
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

    with services() as svc, svc["db"].begin() as session:
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
@click.option("--assignment", "slug", help="Only this assignment (slug).")
@click.option("--student", help="Only this student id.")
@click.option("--status", type=click.Choice(["queued", "running", "graded", "rejected", "error"]))
@click.option("--limit", default=50, show_default=True, type=int, help="Newest N.")
def submissions_list(slug: str | None, student: str | None, status: str | None, limit: int) -> None:
    """List submissions, newest first."""
    from grader.courses import User
    from grader.models import Assignment, Submission

    with services() as svc, svc["db"].session() as session:
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
@click.argument("slug")
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
def regrade_command(slug: str, stale: bool, wait: bool, timeout: float | None) -> None:
    """Queue every submission of SLUG to be graded again, with the assignment as it is
    now on disk.

    The service grades them as it grades uploads: the job runner of `grader serve`,
    or `grader worker` processes when GRADER_BROKER_URL is set. Nothing is graded in
    this process, so a regrade never holds up the web side.
    """
    from grader.models import FINISHED, Submission
    from grader.service import get_assignment, register_assignment, requeue

    with services() as svc:
        db = svc["db"]
        try:
            with db.begin() as session:
                row, _ = register_assignment(session, get_assignment(session, slug).path)
                digest, assignment_id = row.digest, row.id
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
        with db.begin() as session:
            subs = session.scalars(
                select(Submission).where(
                    Submission.assignment_id == assignment_id, Submission.status.in_(FINISHED)
                )
            ).all()
            if stale:
                subs = [s for s in subs if not s.runs or s.runs[-1].assignment_digest != digest]
            ids = [s.id for s in subs]
            requeue(session, ids)
        if not ids:
            click.echo("nothing to regrade")
            return
        for submission_id in ids:
            svc["queue"].enqueue(submission_id)
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
            finished = len(ids) - statuses.get("queued", 0) - statuses.get("running", 0)
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
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv"]),
    default="csv",
    show_default=True,
    help="Output format (a CSV an LMS gradebook imports).",
)
@click.option(
    "--score",
    "which",
    type=click.Choice(["best", "latest"]),
    default="best",
    show_default=True,
    help="Which score of each student.",
)
@click.option("--course", default="default", show_default=True, help="Course (slug).")
@click.option("--output", "-o", type=click.File("w"), default="-", help="File (default stdout).")
def export_command(slug: str, fmt: str, which: str, course: str, output: Any) -> None:
    """Export one row per student: student id, score, max score, graded at, and the
    counted score (after late penalties, of the attempt the policy counts), late flag
    and attempt count."""
    from grader.course_admin import get_course
    from grader.gradebook import gradebook
    from grader.intake import resolve_release

    with services() as svc, svc["db"].session() as session:
        try:
            release = resolve_release(session, get_course(session, course).id, slug)
        except GraderError as exc:
            raise click.ClickException(exc.message) from exc
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow(
            ["student_id", "score", "max_score", "graded_at", "counted_score", "late", "attempts"]
        )
        for entry in gradebook(session, release):
            score = entry[f"{which}_score"]
            writer.writerow(
                [
                    _csv_safe(entry["student"]),
                    _number(score),
                    f"{entry['max_score']:g}",
                    entry["graded_at"].isoformat() if entry["graded_at"] else "",
                    _number(entry["counted_score"]),
                    "late" if entry["late"] else "",
                    entry["submissions"],
                ]
            )


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _csv_safe(value: str) -> str:
    """Student ids come from students: keep spreadsheets from reading them as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
