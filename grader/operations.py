"""What the web pages, the API, the CLI and the job runner share: registering
assignments, accepting a submission (or refusing it while the queue is too long),
grading one by id, the gradebook. No Flask."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from grader import assignment_folder
from grader.backpressure import Busy, check_capacity
from grader.db import Database
from grader.errors import AssignmentNotFound, GraderError
from grader.grading import grade_submission  # noqa: F401 - callers find it here too
from grader.models import (
    FINISHED,
    MAX_STUDENT_ID,
    Assignment,
    GradingRun,
    Student,
    Submission,
    SubmissionStatus,
    utcnow,
)
from grader.ratelimit import RateLimited, RateLimiter
from grader.storage import BlobStore
from grader.uploads import read_upload

log = logging.getLogger(__name__)

MAX_FILENAME = 255


class BadRequest(GraderError):
    status_code = 400
    code = "bad_request"


# -- assignments ------------------------------------------------------------


def register_assignment(session: Session, folder: Path | str) -> tuple[Assignment, str]:
    """Load the folder with the engine and upsert its row. Returns (row, outcome).

    The outcome is "added", "updated" (checks changed: regrade), "refreshed" (only the
    title, text or folder changed) or "unchanged"."""
    loaded = assignment_folder.load_assignment(Path(folder))
    row = session.scalar(select(Assignment).where(Assignment.slug == loaded.slug))
    fields: dict[str, Any] = {
        "title": loaded.title,
        "description": loaded.description or "",
        "version": int(loaded.version),
        "digest": loaded.digest,
        "max_score": float(loaded.max_score),
        "path": str(Path(loaded.path).resolve()),
        "functions": [
            {"name": f.name, "signature": f.signature, "doc": f.doc} for f in loaded.functions
        ],
    }
    if row is None:
        row = Assignment(slug=loaded.slug, **fields)
        session.add(row)
        return row, "added"
    if all(getattr(row, k) == v for k, v in fields.items()):
        return row, "unchanged"
    graded_differently = (row.digest, row.version) != (fields["digest"], fields["version"])
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    return row, "updated" if graded_differently else "refreshed"


def sync_bundled(database: Database, root: Path | str) -> dict[str, str]:
    """Register every assignment folder under ``root``; one broken folder does not stop the rest."""
    outcome: dict[str, str] = {}
    root = Path(root)
    if not root.is_dir():
        return outcome
    for folder in sorted(p for p in root.iterdir() if (p / "assignment.toml").is_file()):
        try:
            with database.begin() as session:
                _, outcome[folder.name] = register_assignment(session, folder)
        except GraderError as exc:
            log.error("assignment %s not loaded: %s", folder.name, exc.message)
            outcome[folder.name] = f"error: {exc.message}"
    return outcome


def get_assignment(session: Session, slug: str) -> Assignment:
    row = session.scalar(select(Assignment).where(Assignment.slug == slug))
    if row is None:
        raise AssignmentNotFound(f"no assignment {slug!r}")
    return row


def list_assignments(session: Session) -> list[Assignment]:
    return list(session.scalars(select(Assignment).order_by(Assignment.slug)))


# -- submissions ------------------------------------------------------------


def clean_student_id(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_STUDENT_ID or any(ord(ch) < 32 for ch in value):
        raise BadRequest(
            f"the student id must be one line of at most {MAX_STUDENT_ID} characters",
            field="student",
        )
    return value


def get_or_create_student(session: Session, external_id: str) -> Student:
    student = session.scalar(select(Student).where(Student.external_id == external_id))
    if student is None:
        student = Student(external_id=external_id)
        session.add(student)
        session.flush()
    return student


def accept_submission(
    database: Database,
    store: BlobStore,
    *,
    slug: str,
    filename: str,
    data: bytes,
    student: str | None,
    token_id: int | None = None,
) -> Submission:
    """Validate, store the file, commit the row as queued. Nothing is written if it is refused.

    The caller enqueues the returned id only after this returns, i.e. after the commit.
    """
    student = clean_student_id(student)
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not filename:
        raise BadRequest("no file was uploaded", field="file")
    if len(filename) > MAX_FILENAME:
        raise BadRequest(f"the file name is longer than {MAX_FILENAME} characters", field="file")
    with database.session() as session:
        get_assignment(session, slug)
    read_upload(filename, data)  # raises SubmissionRejected (422) with the reason
    digest = store.put(data)
    with database.begin() as session:
        assignment = get_assignment(session, slug)
        row = Submission(
            assignment_id=assignment.id,
            filename=filename,
            blob_sha256=digest,
            size=len(data),
            status=SubmissionStatus.QUEUED,
            max_score=assignment.max_score,
            token_id=token_id,
        )
        if student:
            row.student_id = get_or_create_student(session, student).id
        session.add(row)
    return row


def load_submission(session: Session, submission_id: str) -> Submission | None:
    return session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            selectinload(Submission.runs).selectinload(GradingRun.checks),
            selectinload(Submission.assignment),
            selectinload(Submission.student),
        )
    )


def requeue(session: Session, submission_ids: list[str]) -> None:
    """Finished submissions back to queued (a regrade); running ones are left alone."""
    if submission_ids:
        session.execute(
            update(Submission)
            .where(Submission.id.in_(submission_ids), Submission.status.in_(FINISHED))
            .values(status=SubmissionStatus.QUEUED, graded_at=None, dispatched_at=None)
        )


def queued_ids(database: Database) -> list[str]:
    """Submissions waiting to be graded, oldest first."""
    with database.session() as session:
        return list(
            session.scalars(
                select(Submission.id)
                .where(Submission.status == SubmissionStatus.QUEUED)
                .order_by(Submission.created_at)
            )
        )


# -- admission: rate limits and back-pressure --------------------------------


def admit_upload(
    database: Database, limiter: RateLimiter, key: str, config: dict[str, Any]
) -> None:
    """Refuse an upload before anything is read or stored: ``key`` (a token, else the
    client address) has used up its submissions (429), or the queue is too long (503).
    Nothing is counted here: ``limiter.record`` counts a submission once it is accepted,
    so refused and invalid uploads use up no one's limit."""
    from grader import metrics

    rate = config["RATE_LIMIT_TOKEN"] if key.startswith("token:") else config["RATE_LIMIT_IP"]
    try:
        limiter.check(key, rate, "submissions")
    except RateLimited:
        metrics.count_refused("rate_limited")
        raise
    try:
        check_capacity(database, limit=config["QUEUE_LIMIT"], max_age=config["QUEUE_MAX_AGE"])
    except Busy:
        metrics.count_refused("busy")
        raise


def count_upload(limiter: RateLimiter, key: str, config: dict[str, Any]) -> None:
    rate = config["RATE_LIMIT_TOKEN"] if key.startswith("token:") else config["RATE_LIMIT_IP"]
    limiter.record(key, rate)


# -- gradebook --------------------------------------------------------------


def gradebook(session: Session, assignment: Assignment) -> list[dict[str, Any]]:
    """One row per student: best and latest graded score, for an LMS to pull."""
    rows = session.execute(
        select(Submission, Student.external_id)
        .join(Student, Submission.student_id == Student.id)
        .where(Submission.assignment_id == assignment.id)
        .order_by(Student.external_id, Submission.created_at)
    ).all()
    book: dict[str, dict[str, Any]] = {}
    for sub, student in rows:
        entry = book.setdefault(
            student,
            {
                "student": student,
                "best_score": None,
                "latest_score": None,
                "max_score": assignment.max_score,
                "submissions": 0,
                "graded_at": None,
                "latest_submission": None,
            },
        )
        entry["submissions"] += 1
        if sub.status != SubmissionStatus.GRADED or sub.score is None:
            continue
        if entry["best_score"] is None or sub.score > entry["best_score"]:
            entry["best_score"] = sub.score
        entry["latest_score"] = sub.score
        entry["graded_at"] = sub.graded_at
        entry["latest_submission"] = sub.id
    return list(book.values())
