"""Commands for people and courses: users and their sign-in links, courses, releases
of assignments with deadlines and policy, extensions, roster imports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from grader.cli.service import make_app, require_schema
from grader.course_admin import sign_in_url
from grader.errors import GraderError
from grader.http_common import Services


@contextmanager
def instance() -> Iterator[tuple[Services, Any]]:
    """The configured instance's services and settings; the database must be up to date."""
    app = make_app()
    require_schema(app)
    svc = Services.of(app)
    try:
        yield svc, app.config
    finally:
        svc.db.dispose()


def _fail(exc: GraderError) -> click.ClickException:
    return click.ClickException(exc.message)


# -- user -----------------------------------------------------------------------


@click.group("user")
def user_group() -> None:
    """Create users and hand out their single-use sign-in links."""


@user_group.command("create")
@click.argument("login")
@click.option("--name", help="Display name (default: the login).")
@click.option("--email", help="E-mail address (they may sign in with it too).")
@click.option("--admin", is_flag=True, help="A site administrator: every course, every page.")
@click.option("--course", help="Enrol them in this course (slug).")
@click.option(
    "--role",
    type=click.Choice(["instructor", "ta", "student"]),
    default="student",
    show_default=True,
    help="Their role in --course.",
)
def user_create(
    login: str, name: str | None, email: str | None, admin: bool, course: str | None, role: str
) -> None:
    """Create the user LOGIN and print a sign-in link (single use, valid three days)."""
    from grader.course_admin import (
        LINK_LIFETIME,
        create_user,
        enrol,
        get_course,
        issue_sign_in_link,
    )

    with instance() as (svc, config):
        try:
            with svc.db.begin() as session:
                home = get_course(session, course) if course else None
                user = create_user(
                    session,
                    login,
                    display_name=name,
                    email=email,
                    admin=admin,
                    home_course=home if role == "student" else None,
                )
                if home is not None:
                    enrol(session, home, user, role)
                token = issue_sign_in_link(session, user)
        except GraderError as exc:
            raise _fail(exc) from exc
        click.echo(sign_in_url(config, token))
    what = "site administrator" if admin else "user"
    click.echo(
        f"{what} {login!r} created; the link signs them in once within "
        f"{LINK_LIFETIME.days} days (they can then set a password)",
        err=True,
    )


@user_group.command("link")
@click.argument("login")
def user_link(login: str) -> None:
    """Print a new single-use sign-in link for LOGIN (a forgotten password)."""
    from grader.course_admin import find_user, issue_sign_in_link

    with instance() as (svc, config):
        with svc.db.begin() as session:
            user = find_user(session, login)
            if user is None:
                raise click.ClickException(f"no user {login!r}")
            token = issue_sign_in_link(session, user)
        click.echo(sign_in_url(config, token))


# -- course ---------------------------------------------------------------------


@click.group("course")
def course_group() -> None:
    """Create and list courses."""


@course_group.command("create")
@click.argument("slug")
@click.argument("title")
@click.option(
    "--timezone", default="UTC", show_default=True, help="IANA zone deadlines are shown in."
)
@click.option("--instructor", "instructors", multiple=True, help="Login of an instructor.")
def course_create(slug: str, title: str, timezone: str, instructors: tuple[str, ...]) -> None:
    """Create the course SLUG called TITLE."""
    from grader.course_admin import create_course, enrol, find_user

    with instance() as (svc, config):
        try:
            with svc.db.begin() as session:
                course = create_course(session, slug, title, timezone)
                for login in instructors:
                    user = find_user(session, login)
                    if user is None:
                        raise click.ClickException(f"no user {login!r}; nothing was created")
                    enrol(session, course, user, "instructor")
        except GraderError as exc:
            raise _fail(exc) from exc
    click.echo(f"course {slug!r} created ({timezone})")


@course_group.command("list")
def course_list() -> None:
    """List courses with their number of students and releases."""
    from grader.courses import Course, Enrollment, Release

    with instance() as (svc, _), svc.db.session() as session:
        students = dict(
            session.execute(
                select(Enrollment.course_id, func.count())
                .where(Enrollment.role == "student")
                .group_by(Enrollment.course_id)
            ).all()
        )
        releases = dict(
            session.execute(
                select(Release.course_id, func.count()).group_by(Release.course_id)
            ).all()
        )
        for course in session.scalars(select(Course).order_by(Course.slug)):
            click.echo(
                f"{course.slug:20} {students.get(course.id, 0):5} students "
                f"{releases.get(course.id, 0):3} releases  {course.timezone:16} {course.title}"
            )


# -- release --------------------------------------------------------------------


@click.group("release")
def release_group() -> None:
    """Release assignments in a course, with deadlines, late penalty and attempt limit."""


@release_group.command("create")
@click.argument("course")
@click.argument("assignment")
@click.option("--opens", help="Opens at (course time, e.g. '2026-12-01 09:00').")
@click.option("--due", help="Due at (course time).")
@click.option("--late-until", help="Late uploads accepted until (course time).")
@click.option("--penalty-per-day", type=float, help="Percent off per started day late.")
@click.option("--late-factor", type=float, help="A late score is multiplied by this (0-1).")
@click.option("--max-attempts", type=int, help="Attempts per student (default: unlimited).")
@click.option("--counts", type=click.Choice(["last", "best"]), default="last", show_default=True)
@click.option(
    "--feedback",
    type=click.Choice(["immediately", "after_due"]),
    default="immediately",
    show_default=True,
    help="When hidden checks show their messages.",
)
def release_create(
    course: str,
    assignment: str,
    opens: str | None,
    due: str | None,
    late_until: str | None,
    penalty_per_day: float | None,
    late_factor: float | None,
    max_attempts: int | None,
    counts: str,
    feedback: str,
) -> None:
    """Release ASSIGNMENT in COURSE (or change its release)."""
    from grader import policy
    from grader.course_admin import get_course, release_assignment
    from grader.operations import get_assignment

    if penalty_per_day is not None and late_factor is not None:
        raise click.UsageError("give --penalty-per-day or --late-factor, not both")
    kind, value = "none", 0.0
    if penalty_per_day is not None:
        kind, value = "per_day", penalty_per_day
    elif late_factor is not None:
        kind, value = "factor", late_factor
    with instance() as (svc, config):
        try:
            with svc.db.begin() as session:
                row = get_course(session, course)

                def when(text: str | None) -> datetime | None:
                    return policy.parse_local(text, row.timezone) if text else None

                rules = policy.ReleasePolicy(
                    opens_at=when(opens),
                    due_at=when(due),
                    late_until=when(late_until),
                    penalty_kind=kind,
                    penalty_value=value,
                    max_attempts=max_attempts,
                    counts=counts,
                    feedback=feedback,
                )
                release_assignment(session, row, get_assignment(session, assignment), rules)
                tz = row.timezone
        except policy.PolicyError as exc:
            raise click.ClickException(str(exc)) from exc
        except GraderError as exc:
            raise _fail(exc) from exc
    click.echo(
        f"{assignment} released in {course}: due {policy.show(rules.due_at, tz)}, "
        f"late until {policy.show(rules.late_until, tz)}"
    )


@release_group.command("list")
@click.argument("course")
def release_list(course: str) -> None:
    """List the releases of COURSE with their dates (in the course's time zone) and policy."""
    from grader import policy
    from grader.course_admin import get_course
    from grader.courses import Release

    with instance() as (svc, _), svc.db.session() as session:
        try:
            row = get_course(session, course)
        except GraderError as exc:
            raise _fail(exc) from exc
        releases = session.scalars(select(Release).where(Release.course_id == row.id)).all()
        if not releases:
            click.echo(f"nothing released in {course} (use `grader release create`)")
        for r in sorted(releases, key=lambda r: r.assignment.slug):
            penalty = {
                "none": "no penalty",
                "per_day": f"-{r.penalty_value:g}%/day",
                "factor": f"x{r.penalty_value:g}",
            }[r.penalty_kind]
            attempts = r.max_attempts if r.max_attempts is not None else "unlimited"
            click.echo(
                f"{r.assignment.slug:20} due {policy.show(r.due_at, row.timezone):22} "
                f"late until {policy.show(r.late_until, row.timezone):22} {penalty:12} "
                f"attempts {attempts}  counts {r.counts}  feedback {r.feedback}"
            )


@release_group.command("extend")
@click.argument("course")
@click.argument("assignment")
@click.argument("login")
@click.option("--due", required=True, help="The student's own due date (course time).")
@click.option("--late-until", help="Their late uploads until (default: the same late window).")
def release_extend(
    course: str, assignment: str, login: str, due: str, late_until: str | None
) -> None:
    """Give the student LOGIN an extension for ASSIGNMENT in COURSE."""
    from grader import policy
    from grader.course_admin import find_release, find_user, get_course, grant_extension
    from grader.operations import get_assignment

    with instance() as (svc, config):
        try:
            with svc.db.begin() as session:
                row = get_course(session, course)
                release = find_release(session, row, get_assignment(session, assignment))
                user = find_user(session, login)
                if release is None or user is None:
                    raise click.ClickException(f"no release of {assignment} or no user {login!r}")
                due_at = policy.parse_local(due, row.timezone)
                until = policy.parse_local(late_until, row.timezone) if late_until else None
                grant_extension(session, release, user, due_at, until)
        except policy.PolicyError as exc:
            raise click.ClickException(str(exc)) from exc
        except GraderError as exc:
            raise _fail(exc) from exc
    click.echo(f"{login}: {assignment} due {policy.show(due_at, row.timezone)}")


# -- roster ---------------------------------------------------------------------


@click.group("roster")
def roster_group() -> None:
    """Enrol a course's people from a CSV export (Canvas, Moodle, or plain)."""


@roster_group.command("import")
@click.argument("course")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def roster_import(course: str, file: Path) -> None:
    """Enrol everyone in FILE in COURSE, creating missing users: all of it, or nothing."""
    from grader.course_admin import get_course
    from grader.roster import import_roster, parse

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text") from exc
    with instance() as (svc, config):
        try:
            people = parse(text)
            with svc.db.begin() as session:
                done = import_roster(session, get_course(session, course), people)
        except GraderError as exc:
            raise click.ClickException(f"{file}: {exc.message}; nothing was imported") from exc
    click.echo(
        f"{course}: {len(people)} people: {done.created} new users, {done.enrolled} enrolled, "
        f"{done.updated} already enrolled"
    )
