"""What the web pages, the API, the CLI and the job runner share: registering
assignments, accepting a submission, grading one by id, the gradebook. No Flask."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from grader import assignments as engine_assignments
from grader.db import Database
from grader.errors import AssignmentNotFound, GraderError
from grader.models import (
    Assignment,
    CheckRecord,
    GradingRun,
    Student,
    Submission,
    utcnow,
)
from grader.results import jsonable
from grader.storage import BlobStore
from grader.stored_plots import store_plots
from grader.submissions import read_submission

if TYPE_CHECKING:
    from grader.sandbox.pool import WarmPool

log = logging.getLogger(__name__)

MAX_STUDENT_ID = 200
MAX_FILENAME = 255


class BadRequest(GraderError):
    status_code = 400
    code = "bad_request"


# -- assignments ------------------------------------------------------------


def register_assignment(session: Session, folder: Path | str) -> tuple[Assignment, str]:
    """Load the folder with the engine and upsert its row. Returns (row, outcome).

    The outcome is "added", "updated" (checks changed: regrade), "refreshed" (only the
    title, text or folder changed) or "unchanged"."""
    loaded = engine_assignments.load_assignment(Path(folder))
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
    read_submission(filename, data)  # raises SubmissionRejected (422) with the reason
    digest = store.put(data)
    with database.begin() as session:
        assignment = get_assignment(session, slug)
        row = Submission(
            assignment_id=assignment.id,
            filename=filename,
            blob_sha256=digest,
            size=len(data),
            status="queued",
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
    if submission_ids:
        session.execute(
            update(Submission)
            .where(Submission.id.in_(submission_ids))
            .values(status="queued", graded_at=None, dispatched_at=None)
        )


def unfinished_ids(database: Database) -> list[str]:
    """Submissions a crash left queued or running, oldest first; they are set back to queued."""
    with database.begin() as session:
        ids = list(
            session.scalars(
                select(Submission.id)
                .where(Submission.status.in_(("queued", "running")))
                .order_by(Submission.created_at)
            )
        )
        session.execute(
            update(Submission).where(Submission.status == "running").values(status="queued")
        )
    return ids


# -- grading ----------------------------------------------------------------


def claim(database: Database, submission_id: str) -> bool:
    """Atomically move queued -> running, so an id enqueued twice is graded once."""
    with database.begin() as session:
        result = session.execute(
            update(Submission)
            .where(Submission.id == submission_id, Submission.status == "queued")
            .values(status="running")
        )
        return result.rowcount == 1


def release_running(database: Database, submission_id: str) -> bool:
    """Move running -> queued for one submission whose worker is known to be gone.

    Only for a job the broker redelivered because its worker died before
    finishing it (acks late); ``claim`` then takes it again. Never for a row
    another live worker may be grading."""
    with database.begin() as session:
        result = session.execute(
            update(Submission)
            .where(Submission.id == submission_id, Submission.status == "running")
            .values(status="queued")
        )
        return result.rowcount == 1


def grade_submission(
    database: Database,
    store: BlobStore,
    submission_id: str,
    *,
    job_id: str = "-",
    pool: WarmPool | None = None,
) -> str | None:
    """Grade one submission by id with the engine and write the run; returns the final status.

    Returns None when the submission is gone or not queued (someone else has it).
    """
    from grader.engine import grade

    if not claim(database, submission_id):
        log.info("[job %s] submission %s not queued, skipped", job_id, submission_id)
        return None
    with database.session() as session:
        sub = session.get(Submission, submission_id)
        assert sub is not None
        folder, filename, blob = sub.assignment.path, sub.filename, sub.blob_sha256
    started = utcnow()
    log.info("[job %s] grading submission %s (%s)", job_id, submission_id, filename)
    run = _Run(version=0, digest="", status="error", error=None)
    try:
        assignment = engine_assignments.load_assignment(Path(folder))
        run.version, run.digest = int(assignment.version), assignment.digest
        data = store.get(blob)
        try:
            parsed = read_submission(filename, data)
        except GraderError as exc:
            run.status, run.error, run.max_score = "rejected", exc.message, assignment.max_score
        else:
            result = grade(assignment, parsed, pool=pool)
            run.status, run.error = result.status, result.error
            run.score, run.max_score = result.score, result.max_score
            run.checks = [c.to_dict() for c in result.checks]
            run.log = jsonable(result.log)
            if result.status == "graded":
                run.plots = store_plots(store, assignment, result, job_id, submission_id)
    except Exception as exc:  # the grader's fault, not the student's: keep the row honest
        log.exception("[job %s] grading %s failed", job_id, submission_id)
        reason = exc.message if isinstance(exc, GraderError) else type(exc).__name__
        run.status, run.error = "error", f"the grader failed: {reason}"
    _write_run(database, submission_id, run, started)
    log.info("[job %s] submission %s %s score=%s", job_id, submission_id, run.status, run.score)
    return run.status


@dataclass
class _Run:
    version: int
    digest: str
    status: str
    error: str | None
    score: float | None = None
    max_score: float | None = None
    checks: list[dict[str, Any]] | None = None
    log: dict[str, Any] | None = None
    plots: dict[str, str] | None = None


# -- plots ------------------------------------------------------------------


def _write_run(database: Database, submission_id: str, run: _Run, started: datetime) -> None:
    finished = utcnow()
    with database.begin() as session:
        record = GradingRun(
            submission_id=submission_id,
            assignment_version=run.version,
            assignment_digest=run.digest,
            status=run.status,
            score=run.score,
            max_score=run.max_score,
            error=run.error,
            log=run.log,
            plots=run.plots,
            started_at=started,
            finished_at=finished,
        )
        for i, check in enumerate(run.checks or []):
            record.checks.append(
                CheckRecord(
                    position=i,
                    name=str(check["name"]),
                    passed=bool(check["passed"]),
                    score=float(check["score"]),
                    max_score=float(check["max_score"]),
                    message=str(check.get("message") or ""),
                )
            )
        session.add(record)
        sub = session.get(Submission, submission_id)
        assert sub is not None
        sub.status, sub.score, sub.error = run.status, run.score, run.error
        if run.max_score is not None:
            sub.max_score = run.max_score
        sub.graded_at = finished


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
        if sub.status != "graded" or sub.score is None:
            continue
        if entry["best_score"] is None or sub.score > entry["best_score"]:
            entry["best_score"] = sub.score
        entry["latest_score"] = sub.score
        entry["graded_at"] = sub.graded_at
        entry["latest_submission"] = sub.id
    return list(book.values())
