"""API routes. Every error leaves through the app's handler as {"error": {...}}."""

from __future__ import annotations

import binascii
from base64 import b64decode
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from grader.api.auth import authenticate
from grader.courses import Release
from grader.errors import BadRequest
from grader.gradebook import gradebook
from grader.http_common import (
    services,
    submission_file,
    submission_or_404,
    submission_plot,
    viewer,
)
from grader.intake import Uploader, resolve_release
from grader.models import GradingRun, Submission, utcnow
from grader.operations import (
    accept_submission,
    admit_upload,
    count_upload,
    get_assignment,
    list_assignments,
)
from grader.visible_feedback import shown

bp = Blueprint("api", __name__)

PUBLIC = {"api.openapi"}


@bp.before_request
def require_token() -> None:
    if request.endpoint not in PUBLIC:
        authenticate()


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def assignment_json(row: Any) -> dict[str, Any]:
    return {
        **row.to_dict(),
        "url": url_for("api.get_assignment_route", slug=row.slug, _external=True),
        "html_url": url_for("web.assignment", slug=row.slug, _external=True),
    }


def submission_json(session: Session, sub: Submission) -> dict[str, Any]:
    """The submission as the asker sees it: a hidden check's details are withheld as on
    the result page (``grader.visible_feedback``; a token acts as staff, who see them)."""
    feedback = shown(session, sub, viewer(), utcnow())
    return {
        "id": sub.id,
        "assignment": sub.assignment.slug,
        "student": sub.user.login if sub.user else None,
        "course": sub.release.course.slug,
        "counted_score": sub.counted_score,
        "late": sub.late,
        "filename": sub.filename,
        "status": sub.status,
        "score": sub.score,
        "max_score": sub.max_score,
        "error": sub.error,
        "checks": [c.to_dict() for c in feedback.checks],
        "full_feedback_at": iso(feedback.full_feedback_at),
        "created_at": iso(sub.created_at),
        "graded_at": iso(sub.graded_at),
        "url": url_for("api.get_submission", submission_id=sub.id, _external=True),
        "html_url": url_for("web.submission", submission_id=sub.id, _external=True),
        "file_url": url_for("api.get_submission_file", submission_id=sub.id, _external=True),
        "plots": [
            {
                "name": name,
                "url": url_for(
                    "api.get_submission_plot", submission_id=sub.id, name=name, _external=True
                ),
            }
            for name in feedback.plots
        ],
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    from grader.api.openapi import document

    return jsonify(document(request.url_root.rstrip("/") + "/api/v1"))


@bp.get("/assignments")
def get_assignments() -> Response:
    """The assignments released in the token's course (all of them for a site-wide token)."""
    with services().db.session() as session:
        rows = list_assignments(session)
        if g.token.course_id is not None:
            released = set(
                session.scalars(
                    select(Release.assignment_id).where(Release.course_id == g.token.course_id)
                )
            )
            rows = [a for a in rows if a.id in released]
        return jsonify([assignment_json(a) for a in rows])


@bp.get("/assignments/<slug>")
def get_assignment_route(slug: str) -> Response:
    with services().db.session() as session:
        if g.token.course_id is not None:
            row = resolve_release(session, g.token.course_id, slug).assignment
        else:
            row = get_assignment(session, slug)
        return jsonify({**assignment_json(row), "description": row.description})


def _upload() -> tuple[str, bytes, str | None]:
    """(filename, data, student) from a multipart form or a JSON body."""
    if request.mimetype == "application/json":
        body = request.get_json()  # bounded: a malformed body is a 400 with its reason
        if not isinstance(body, dict):
            raise BadRequest("The request body is not a JSON object.")
        filename, student = body.get("filename"), body.get("student")
        if not isinstance(filename, str) or not filename:
            raise BadRequest("'filename' (a string) is required.", field="filename")
        if student is not None and not isinstance(student, str):
            raise BadRequest("'student' must be a string.", field="student")
        if isinstance(body.get("content"), str):
            return filename, body["content"].encode("utf-8"), student
        if isinstance(body.get("content_base64"), str):
            try:
                return filename, b64decode(body["content_base64"], validate=True), student
            except (binascii.Error, ValueError) as exc:
                raise BadRequest(
                    "'content_base64' is not valid base64.", field="content_base64"
                ) from exc
        raise BadRequest("'content' (text) or 'content_base64' is required.", field="content")
    if request.mimetype != "multipart/form-data":
        raise BadRequest("Send multipart/form-data with a 'file' field, or a JSON body.")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("The 'file' field is missing.", field="file")
    return upload.filename, upload.read(), request.form.get("student")


@bp.post("/assignments/<slug>/submissions")
def create_submission(slug: str) -> tuple[Response, int, dict[str, str]]:
    """Counted against the token's limit only (not the address's: an LMS sends for a
    whole course from one address), and only once accepted."""
    from flask import current_app

    svc = services()
    with svc.db.session() as session:
        resolve_release(session, g.token.course_id, slug)
    key = f"token:{g.token.id}"
    admit_upload(svc.db, svc.limiter, key, current_app.config)
    filename, data, student = _upload()
    sub = accept_submission(
        svc.db,
        svc.store,
        slug=slug,
        filename=filename,
        data=data,
        uploader=Uploader(course_id=g.token.course_id, student=student, token_id=g.token.id),
    )
    count_upload(svc.limiter, key, current_app.config)
    svc.queue.enqueue(sub.id)
    url = url_for("api.get_submission", submission_id=sub.id, _external=True)
    body = {
        "id": sub.id,
        "status": sub.status,
        "url": url,
        "html_url": url_for("web.submission", submission_id=sub.id, _external=True),
    }
    return jsonify(body), 202, {"Location": url}


@bp.get("/submissions/<submission_id>")
def get_submission(submission_id: str) -> Response:
    with services().db.session() as session:
        return jsonify(submission_json(session, submission_or_404(session, submission_id)))


@bp.get("/submissions/<submission_id>/file")
def get_submission_file(submission_id: str) -> Response:
    return submission_file(submission_id)


@bp.get("/submissions/<submission_id>/plots/<name>")
def get_submission_plot(submission_id: str, name: str) -> Response:
    return submission_plot(submission_id, name)


@bp.get("/assignments/<slug>/grades")
def get_grades(slug: str) -> Response:
    """The gradebook of the assignment in the token's course."""
    with services().db.session() as session:
        release = resolve_release(session, g.token.course_id, slug)
        rows = gradebook(session, release)
        return jsonify([{**r, "graded_at": iso(r["graded_at"])} for r in rows])


@bp.get("/submissions")
def list_submissions() -> Response:
    """Recent submissions, optionally of one assignment and/or one student."""
    from grader.courses import User
    from grader.models import Assignment

    limit = min(max(request.args.get("limit", 100, type=int) or 100, 1), 1000)
    with services().db.session() as session:
        query = (
            select(Submission)
            .order_by(Submission.created_at.desc())
            .limit(limit)
            .options(
                selectinload(Submission.runs).selectinload(GradingRun.checks),
                selectinload(Submission.assignment),
                selectinload(Submission.user),
            )
        )
        if g.token.course_id is not None:
            query = query.join(Release, Submission.release_id == Release.id).where(
                Release.course_id == g.token.course_id
            )
        if request.args.get("assignment"):
            query = query.join(Assignment).where(Assignment.slug == request.args["assignment"])
        if request.args.get("student"):
            query = query.join(User, Submission.user_id == User.id).where(
                User.login == request.args["student"]
            )
        subs = session.scalars(query).all()
        return jsonify([submission_json(session, s) for s in subs])
