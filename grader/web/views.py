"""Page routes. Student-supplied text reaches templates only as data (autoescaped)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from grader import http_common
from grader.errors import BadRequest, SubmissionRejected, UploadRefused
from grader.http_common import NotFound, services, submission_or_404, viewer
from grader.intake import Uploader
from grader.jobs import request_overdue_plots
from grader.models import Submission, utcnow
from grader.operations import (
    accept_submission,
    admit_upload,
    count_upload,
    get_assignment,
    list_assignments,
)
from grader.stored_plots import plot_caption, plots_overdue, plots_pending
from grader.visible_feedback import shown
from grader.web.forms import UploadForm

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static")

MAX_OUTPUT_CHARS = 20_000


def render_markdown(text: str) -> Markup:
    """Assignment descriptions are written by instructors (trusted), in Markdown."""
    import markdown

    # aligned table columns as align attributes: the CSP refuses inline style attributes
    html = markdown.markdown(
        text or "",
        extensions=["fenced_code", "tables"],
        extension_configs={"tables": {"use_align_attribute": True}},
    )
    return Markup(html)


@bp.app_template_filter("time_left")
def time_left(left: Any) -> str:
    """``2 days 3 h left``, or that the due date has passed."""
    from datetime import timedelta

    from grader.my_work import describe

    return "the due date has passed" if left <= timedelta(0) else f"{describe(left)} left"


@bp.app_template_filter("in_zone")
def in_zone(tz: str) -> Any:
    """``moment|…`` for a course: ``(course.timezone|in_zone)(moment)`` shows it there."""
    from grader import policy

    return lambda moment: policy.show(moment, tz)


@bp.get("/")
def index() -> str:
    with services().db.session() as session:
        return render_template("index.html", assignments=list_assignments(session))


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    from sqlalchemy import text

    with services().db.session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/assignments/<slug>", methods=["GET", "POST"])
def assignment(slug: str) -> Any:
    """The assignment; an upload lands in a course of the uploader that released it
    (``/courses/<course>/assignments/<slug>`` names the course)."""
    with services().db.session() as session:
        row = get_assignment(session, slug)
    course_id = None
    if request.method == "POST" and current_user.is_authenticated:
        course_id = _course_of(slug)
    courses = _courses_of(slug) if request.method == "GET" else []
    context = {"released_in": courses} if len(courses) > 1 else None
    return assignment_page(row, course_id, url_for("web.assignment", slug=slug), context)


def assignment_page(row: Any, course_id: int | None, action: str, context: Any = None) -> Any:
    """The assignment's page and its upload form (posted to ``action``, into ``course_id``);
    ``context`` is what the page says of the release (due date, attempts left)."""
    svc = services()
    if request.method == "POST" and request.mimetype != "multipart/form-data":
        raise BadRequest("The upload form is sent as multipart/form-data, with a file.")
    form = UploadForm()
    status = 200
    if request.method == "POST":
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        key = f"ip:{request.remote_addr}"
        admit_upload(svc.db, svc.limiter, key, current_app.config)
        if form.validate_on_submit():
            upload = form.file.data
            try:
                sub = accept_submission(
                    svc.db,
                    svc.store,
                    slug=row.slug,
                    filename=upload.filename,
                    data=upload.read(),
                    uploader=Uploader(course_id=course_id, user_id=current_user.viewer.user_id),
                )
            except (SubmissionRejected, BadRequest, UploadRefused) as exc:
                form.file.errors = [exc.message]
                status = exc.status_code
            else:
                count_upload(svc.limiter, key, current_app.config)
                svc.queue.enqueue(sub.id)
                return redirect(url_for("web.submission", submission_id=sub.id), code=303)
        else:
            status = 400
    loaded = _loaded(row)
    return render_template(
        "assignment.html",
        assignment=row,
        form=form,
        action=action,
        context=context,
        checks=loaded.checks if loaded else [],
        starter=bool(loaded and loaded.starter),
        description=render_markdown(row.description),
    ), status


def _loaded(row: Any) -> Any:
    """The assignment as the engine loads it (cached), for its checks and starter file;
    None if its folder cannot be read here."""
    from grader.assignment_folder import load_cached
    from grader.errors import GraderError

    try:
        return load_cached(row.path, row.digest)
    except (GraderError, OSError):
        return None


@bp.get("/assignments/<slug>/starter")
def assignment_starter(slug: str) -> Response:
    """The starter notebook (or file) the assignment ships."""
    from flask import send_file

    with services().db.session() as session:
        row = get_assignment(session, slug)
    loaded = _loaded(row)
    if loaded is None or loaded.starter is None:
        raise NotFound(f"{slug!r} has no starter file.")
    return send_file(
        loaded.starter,
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=f"{slug}-{loaded.starter.name}",
    )


def _courses_of(slug: str) -> list[Any]:
    """The signed-in user's courses that released ``slug``: (id, slug, title), the real
    courses before the default one."""
    from grader.courses import DEFAULT_COURSE, Course, Release
    from grader.models import Assignment

    if not current_user.is_authenticated:
        return []
    mine = list(current_user.viewer.roles)
    with services().db.session() as session:
        rows = session.execute(
            select(Course.id, Course.slug, Course.title)
            .join(Release, Release.course_id == Course.id)
            .join(Assignment, Assignment.id == Release.assignment_id)
            .where(Assignment.slug == slug, Course.id.in_(mine))
            .order_by(Course.id)
        ).all()
    return sorted(rows, key=lambda r: r.slug == DEFAULT_COURSE)


def _course_of(slug: str) -> int | None:
    """The course an upload to ``slug``'s own page lands in: the first of ``_courses_of``."""
    courses = _courses_of(slug)
    if not courses:
        raise NotFound(f"{slug!r} is not an assignment of your courses.")
    return courses[0].id


@bp.get("/me/submissions")
@login_required
def my_submissions() -> str:
    from datetime import UTC, datetime

    from grader.my_work import my_work

    with services().db.session() as session:
        rows = my_work(session, current_user.viewer.user_id, datetime.now(UTC))
        return render_template("my_submissions.html", rows=rows)


@bp.get("/submissions/<submission_id>/status")
def submission_status(submission_id: str) -> dict[str, Any]:
    """What the result page's script polls: whether to reload (graded, plots drawn)."""
    with services().db.session() as session:
        sub = submission_or_404(session, submission_id)
        return {"status": sub.status, "done": sub.finished and not plots_pending(sub)}


@bp.get("/submissions/<submission_id>")
def submission(submission_id: str) -> str:
    with services().db.session() as session:
        sub = submission_or_404(session, submission_id)
        attempts: list[Submission] = []
        if sub.user_id is not None:
            attempts = list(
                session.scalars(
                    select(Submission)
                    .where(
                        Submission.user_id == sub.user_id,
                        Submission.release_id == sub.release_id,
                    )
                    .order_by(Submission.created_at.desc())
                )
            )
        run = sub.latest_run
        output = _output(run.log if run else None)
        feedback = shown(session, sub, viewer(), utcnow())
        plots = [(name, plot_caption(name)) for name in feedback.plots]
        pending = plots_pending(sub)
        if (overdue := plots_overdue(sub)) is not None:  # drawn again, not here
            pending = request_overdue_plots(services().queue, overdue, sub.id) or pending
        failed = [c.name for c in run.checks if not c.passed] if run and sub.finished else []
        from grader import access
        from grader.web.staff_forms import ButtonForm

        staff = access.is_staff(http_common.viewer(), sub.release.course_id)
        return render_template(
            "submission.html",
            regrade=ButtonForm() if staff else None,
            summary=_summary(run, failed),
            sub=sub,
            run=run,
            feedback=feedback,
            attempts=attempts,
            output=output,
            plots=plots,
            plots_pending=pending,
        )


def _summary(run: Any, failed: list[str]) -> str:
    """The result in one line: ``3 of 19 checks failed: a, b, c``."""
    if run is None or not run.checks:
        return ""
    total = len(run.checks)
    if not failed:
        return f"All {total} checks passed"
    return f"{len(failed)} of {total} checks failed: {', '.join(failed)}"


def _output(log: dict[str, Any] | None) -> str:
    if not log:
        return ""
    text = "".join(str(log.get(k) or "") for k in ("stdout", "stderr"))
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + "\n... (output truncated)"
    return text


@bp.get("/submissions/<submission_id>/file")
def submission_file(submission_id: str) -> Response:
    """The page's link to the upload (the API's route asks for a token)."""
    return http_common.submission_file(submission_id)


@bp.get("/submissions/<submission_id>/plots/<name>.png")
def submission_plot(submission_id: str, name: str) -> Response:
    """The page's plot images (the API's route asks for a token)."""
    return http_common.submission_plot(submission_id, name)
