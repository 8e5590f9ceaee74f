"""Back-pressure: how many submissions wait and for how long, and the refusal (503 with
Retry-After, nothing stored) of a new upload while the queue is too long."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from grader.db import Database
from grader.errors import GraderError
from grader.models import Submission, SubmissionStatus, utcnow

#: seconds a refused upload is told to wait: about what a worker needs to free a place
BUSY_RETRY_AFTER = 60


class Busy(GraderError):
    status_code = 503
    code = "busy"

    def __init__(self, message: str, retry_after: int = BUSY_RETRY_AFTER) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class QueueState:
    queued: int
    running: int
    oldest_age: float | None  # seconds the oldest queued submission has waited


def queue_state(database: Database) -> QueueState:
    """How many submissions wait and are being graded, and the oldest wait (one query)."""
    with database.session() as session:
        rows = session.execute(
            select(Submission.status, func.count(), func.min(Submission.created_at))
            .where(Submission.status.in_((SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)))
            .group_by(Submission.status)
        ).all()
    counts = {status: (n, oldest) for status, n, oldest in rows}
    queued, oldest = counts.get(SubmissionStatus.QUEUED, (0, None))
    age = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return QueueState(queued, counts.get(SubmissionStatus.RUNNING, (0, None))[0], age)


def check_capacity(database: Database, *, limit: int, max_age: float) -> None:
    """Refuse a new submission (503, nothing stored) while more than ``limit`` wait or
    the oldest has waited over ``max_age`` seconds; 0 turns either bound off. What was
    accepted before is graded all the same."""
    if limit <= 0 and max_age <= 0:
        return
    state = queue_state(database)
    too_many = limit > 0 and state.queued >= limit
    too_old = max_age > 0 and state.oldest_age is not None and state.oldest_age > max_age
    if too_many or too_old:
        waited = _duration(state.oldest_age or 0)
        raise Busy(
            f"The grader is busy: {state.queued} submissions are waiting to be graded "
            f"(the oldest for {waited}). Yours was not saved; please submit it again in "
            f"a minute. Everything already submitted will be graded."
        )


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
