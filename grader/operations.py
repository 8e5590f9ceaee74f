"""What the web pages, the API, the CLI and the job runner share: registering
assignments, accepting a submission (or refusing it while the queue is too long),
grading one by id, the gradebook. No Flask."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from grader import assignment_folder
from grader.backpressure import Busy, check_capacity
from grader.course_admin import release_in_default_course
from grader.db import Database
from grader.errors import AssignmentNotFound, GraderError
from grader.grading import grade_submission  # noqa: F401 - callers find it here too
from grader.intake import accept_submission  # noqa: F401 - callers find it here too
from grader.models import FINISHED, Assignment, GradingRun, Submission, SubmissionStatus, utcnow
from grader.ratelimit import RateLimited, RateLimiter

if TYPE_CHECKING:
    from grader.jobs import JobQueue

log = logging.getLogger(__name__)


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
        session.flush()
        release_in_default_course(session, row)
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


def load_submission(session: Session, submission_id: str) -> Submission | None:
    return session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            selectinload(Submission.runs).selectinload(GradingRun.checks),
            selectinload(Submission.assignment),
            selectinload(Submission.user),
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


def queue_regrade(database: Database, queue: JobQueue, submission_ids: list[str]) -> list[str]:
    """Grade ``submission_ids`` again through the job queue (never in the caller's
    process): the finished ones go back to queued, then to the queue once committed.
    Returns the ids queued; running and queued ones are left as they are."""
    with database.begin() as session:
        ids = list(
            session.scalars(
                select(Submission.id).where(
                    Submission.id.in_(submission_ids), Submission.status.in_(FINISHED)
                )
            )
        )
        requeue(session, ids)
    for submission_id in ids:
        queue.enqueue(submission_id)
    return ids


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
