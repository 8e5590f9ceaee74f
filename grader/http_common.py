"""What the page and API blueprints share: the app's services (database, file store,
job queue, rate limiter) as one typed object, the error response (JSON for the API
or when JSON is preferred, else an HTML page), one ``NotFound``, and the responses
for a stored upload and a stored plot. Both blueprints import this module; neither
imports the other, and neither imports the app factory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from sqlalchemy.orm import Session

from grader import access
from grader.db import Database
from grader.errors import GraderError, NotFound  # noqa: F401 - the one NotFound
from grader.jobs import JobQueue
from grader.models import Submission, utcnow
from grader.operations import load_submission
from grader.ratelimit import RateLimiter
from grader.storage import BlobStore
from grader.visible_feedback import shown

#: the key of the app's ``Services`` in ``app.extensions``
EXTENSION = "grader"


@dataclass(frozen=True)
class Services:
    """The long-lived objects an app works with, made once by the app factory."""

    db: Database
    store: BlobStore
    queue: JobQueue
    limiter: RateLimiter

    @classmethod
    def of(cls, app: Flask) -> Services:
        services: Services = app.extensions[EXTENSION]
        return services


def services() -> Services:
    """The current app's services."""
    return Services.of(current_app)  # type: ignore[arg-type]


def wants_json() -> bool:
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and (
        request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]
    )


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """``{"error": {"code", "message", "field"?}}`` for the API, else the error page."""
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if field:
            body["field"] = field
        response = jsonify({"error": body})
    else:
        response = make_response(render_template("error.html", status=status, message=message))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def viewer() -> access.Viewer:
    """Who asks: set for every request (the API's token, or the page's session)."""
    return g.get("viewer", access.ANONYMOUS)


def submission_or_404(session: Session, submission_id: str) -> Submission:
    """The submission, if the asker may see it; unknown and foreign ids answer the same."""
    sub = load_submission(session, submission_id)
    if sub is None or not access.may_see_submission(viewer(), sub.release.course_id, sub.user_id):
        raise NotFound(f"There is no submission {submission_id!r}.")
    return sub


def submission_file(submission_id: str) -> Response:
    """The stored upload as an attachment that no browser will render as a page."""
    from werkzeug.utils import secure_filename

    svc = services()
    with svc.db.session() as session:
        sub = submission_or_404(session, submission_id)
        data, filename = svc.store.get(sub.blob_sha256), sub.filename
    response = Response(data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{secure_filename(filename) or "submission"}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def submission_plot(submission_id: str, name: str) -> Response:
    """A stored feedback plot: a PNG, cacheable by its content hash (a regrade may replace it).
    A plot of a hidden check the asker may not see yet answers as unknown."""
    svc = services()
    with svc.db.session() as session:
        sub = submission_or_404(session, submission_id)
        digest = shown(session, sub, viewer(), utcnow()).plots.get(name)
    if digest is None or not svc.store.exists(digest):
        raise NotFound(f"Submission {submission_id!r} has no plot {name!r}.")
    response = Response(svc.store.get(digest), mimetype="image/png")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(digest)
    response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)  # 304 or a range, set in place
    return response
