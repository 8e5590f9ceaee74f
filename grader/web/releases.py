"""A course's assignments for its staff: releasing one with its dates and policy, the
gradebook (students x assignments, and one assignment in full), its CSV export and a
zip of every submission, regrading (through the job queue, never in this process) and
per-student extensions. Dates are typed and shown in the course's time zone."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from grader import access, policy
from grader.course_admin import find_release, grant_extension, release_assignment, releases_of
from grader.courses import Course, Release
from grader.errors import BadRequest, Forbidden, NotFound
from grader.gradebook import gradebook, write_csv
from grader.http_common import services, submission_or_404, viewer
from grader.models import Assignment, Submission
from grader.operations import get_assignment, list_assignments, queue_regrade
from grader.submission_archive import archive_name, write_archive
from grader.web.courses import course_or_404, member_or_404, person_page
from grader.web.staff_forms import ButtonForm, ExtensionForm, ReleaseForm
from grader.web.views import bp


def release_or_404(session: Session, course: Course, slug: str) -> Release:
    assignment = session.scalar(select(Assignment).where(Assignment.slug == slug))
    release = find_release(session, course, assignment) if assignment else None
    if release is None:
        raise NotFound(f"{slug!r} is not released in {course.slug}.")
    return release


def utc(value: datetime | None, tz: str, what: str = "date") -> datetime | None:
    """A date typed in the course's zone, in UTC (BadRequest naming the field ``what``
    for one the zone skips or UTC cannot hold)."""
    try:
        return None if value is None else policy.local_to_utc(value, tz)
    except policy.PolicyError as exc:
        raise BadRequest(f"{what}: {exc}") from exc


def local(value: datetime | None, tz: str) -> datetime | None:
    """A stored UTC date as the form shows it: in the course's zone, without the zone."""
    return None if value is None else value.astimezone(policy.zone(tz)).replace(tzinfo=None)


@bp.route("/courses/<course>/assignments/<slug>", methods=["GET", "POST"])
@login_required
def course_assignment(course: str, slug: str) -> Any:
    """The assignment as released in this course: its deadline and the asker's attempts,
    and the upload form that submits in this course."""
    from grader.my_work import release_row
    from grader.web.views import assignment_page

    who = viewer()
    with services().db.session() as session:
        row = course_or_404(session, course)
        release = release_or_404(session, row, slug)
        assignment = release.assignment
        context = {
            "course": row,
            "enrolled": row.id in who.roles,
            "mine": release_row(session, release, who.user_id, datetime.now(UTC))
            if who.user_id is not None
            else None,
        }
    action = url_for("web.course_assignment", course=course, slug=slug)
    return assignment_page(assignment, row.id, action, context)


@bp.route("/courses/<course>/releases", methods=["GET", "POST"])
@login_required
def release_form(course: str) -> Any:
    """Release an assignment in the course, or change its release (``?assignment=``)."""
    status = 200
    with services().db.session() as session:
        row = course_or_404(session, course, access.manages)
        course_id, tz = row.id, row.timezone
        choices = [SelectChoice(a.slug, f"{a.title} ({a.slug})") for a in list_assignments(session)]
        existing = None
        if request.method == "GET" and request.args.get("assignment"):
            existing = release_or_404(session, row, request.args["assignment"])
            prefill: dict[str, Any] = {
                "assignment": existing.assignment.slug,
                "opens_at": local(existing.opens_at, tz),
                "due_at": local(existing.due_at, tz),
                "late_until": local(existing.late_until, tz),
                "penalty_kind": existing.penalty_kind,
                "penalty_value": Decimal(str(existing.penalty_value)),
                "max_attempts": existing.max_attempts,
                "counts": existing.counts,
                "feedback": existing.feedback,
            }
    form = ReleaseForm(data=prefill) if existing is not None else ReleaseForm()
    form.assignment.choices = choices
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                rules = policy.ReleasePolicy(
                    opens_at=utc(form.opens_at.data, tz, "opens at"),
                    due_at=utc(form.due_at.data, tz, "due at"),
                    late_until=utc(form.late_until.data, tz, "late until"),
                    penalty_kind=form.penalty_kind.data,
                    penalty_value=float(form.penalty_value.data or 0),
                    max_attempts=form.max_attempts.data,
                    counts=form.counts.data,
                    feedback=form.feedback.data,
                )
                with services().db.begin() as session:
                    assignment = get_assignment(session, form.assignment.data)
                    release_assignment(
                        session, session.get_one(Course, course_id), assignment, rules
                    )
            except BadRequest as exc:
                form.form_errors.append(exc.message)
                status = 400
            else:
                flash(f"{form.assignment.data} is released: due {policy.show(rules.due_at, tz)}.")
                return redirect(url_for("web.course", course=course), code=303)
        else:
            status = 400
    with services().db.session() as session:
        row = session.get_one(Course, course_id)
        return render_template("release_form.html", course=row, form=form), status


@bp.get("/courses/<course>/gradebook")
@login_required
def course_gradebook(course: str) -> str:
    """Students x assignments: the counted score of each (late marked), attempts, links."""
    with services().db.session() as session:
        row = course_or_404(session, course, access.is_staff)
        books = [
            (release, {r["student"]: r for r in gradebook(session, release)})
            for release in releases_of(session, row)
        ]
        return render_template(
            "course_gradebook.html", course=row, books=books, students=_students(session, books)
        )


def _students(
    session: Session, books: list[tuple[Release, dict[str, dict[str, Any]]]]
) -> list[tuple[str, str, int]]:
    """(login, name, user id) of everyone in the books: each book has a row for every
    student of the course (and anyone else who uploaded)."""
    from grader.courses import User

    names = {login: row["name"] for _, book in books for login, row in book.items()}
    ids = dict(session.execute(select(User.login, User.id).where(User.login.in_(names))).all())
    return [(login, names[login], ids[login]) for login in sorted(names)]


@bp.get("/courses/<course>/assignments/<slug>/grades")
@login_required
def release_grades(course: str, slug: str) -> str:
    with services().db.session() as session:
        row = course_or_404(session, course, access.is_staff)
        release = release_or_404(session, row, slug)
        return render_template(
            "release_grades.html",
            course=row,
            release=release,
            rows=gradebook(session, release),
            button=ButtonForm(),
        )


@bp.get("/courses/<course>/assignments/<slug>/grades.csv")
@login_required
def release_grades_csv(course: str, slug: str) -> Response:
    which = request.args.get("score", "best")
    if which not in ("best", "latest"):
        raise BadRequest("score is best or latest", field="score")
    out = io.StringIO()
    with services().db.session() as session:
        release = release_or_404(session, course_or_404(session, course, access.is_staff), slug)
        write_csv(gradebook(session, release), out, which)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{course}-{slug}-grades.csv"'
    return response


@bp.get("/courses/<course>/assignments/<slug>/submissions.zip")
@login_required
def release_archive(course: str, slug: str) -> Response:
    """Every attempt's file, written to a temporary file first (a class's notebooks
    can be large), then streamed."""
    svc = services()
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - send_file closes it
    with svc.db.session() as session:
        release = release_or_404(session, course_or_404(session, course, access.is_staff), slug)
        write_archive(session, svc.store, release, spool)
        name = archive_name(release)
    spool.seek(0)
    return send_file(spool, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.post("/courses/<course>/assignments/<slug>/regrade")
@login_required
def release_regrade(course: str, slug: str) -> Response:
    """Every finished submission of the release, graded again by the workers."""
    svc = services()
    with svc.db.session() as session:
        release = release_or_404(session, course_or_404(session, course, access.is_staff), slug)
        _checked_button()  # after the course: a foreign one answers 404 whatever is posted
        ids = list(
            session.scalars(select(Submission.id).where(Submission.release_id == release.id))
        )
    queued = queue_regrade(svc.db, svc.queue, ids)
    flash(f"{len(queued)} submission(s) of {slug} queued for regrading.")
    return redirect(url_for("web.release_grades", course=course, slug=slug), code=303)


@bp.post("/submissions/<submission_id>/regrade")
@login_required
def submission_regrade(submission_id: str) -> Response:
    """One submission graded again (its course's staff); others get 404 as for any
    submission they may not see, its own student 403."""
    svc = services()
    with svc.db.session() as session:
        sub = submission_or_404(session, submission_id)
        if not access.is_staff(viewer(), sub.release.course_id):
            raise Forbidden("Only the course's staff regrade a submission.")
    _checked_button()
    queued = queue_regrade(svc.db, svc.queue, [submission_id])
    flash("Queued for regrading." if queued else "It is being graded already.")
    return redirect(url_for("web.submission", submission_id=submission_id), code=303)


@bp.post("/courses/<course>/people/<int:user_id>/extension")
@login_required
def person_extension(course: str, user_id: int) -> Any:
    form = ExtensionForm()
    with services().db.session() as session:
        row = course_or_404(session, course, access.manages)
        course_id, tz = row.id, row.timezone
        member_or_404(session, row, user_id)
        form.assignment.choices = [
            SelectChoice(r.assignment.slug, r.assignment.title) for r in releases_of(session, row)
        ]
    if not form.validate_on_submit():
        return person_page(course, user_id, form, 400)
    try:
        with services().db.begin() as session:
            row = session.get_one(Course, course_id)
            release = release_or_404(session, row, form.assignment.data)
            user = member_or_404(session, row, user_id)
            due = utc(form.due_at.data, tz, "their due date")
            assert due is not None
            until = utc(form.late_until.data, tz, "their late uploads until")
            grant_extension(session, release, user, due, until)
    except BadRequest as exc:
        form.form_errors.append(exc.message)
        return person_page(course, user_id, form, 400)
    flash(f"Extension granted: {form.assignment.data} due {policy.show(due, tz)}.")
    return redirect(url_for("web.person", course=course, user_id=user_id), code=303)


def _checked_button() -> None:
    if not ButtonForm().validate_on_submit():
        raise BadRequest("The form has expired; reload the page and try again.")
