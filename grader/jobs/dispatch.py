"""Which queued submissions still have to be handed to the broker.

The web side commits a submission, then publishes its id. When the broker is
unreachable at that moment the row stays queued with ``dispatched_at`` NULL and
the request still succeeds; the worker's sweep (``CeleryQueue.sweep``) sends
such rows once they are ``grace`` seconds old (the publishing request has had
its chance), and sends again rows dispatched longer than ``resend_after`` ago
and still queued (their message was lost with a broker that restarted without
persistence). A duplicate message costs nothing: ``claim`` grades an id once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from grader.db import Database
from grader.models import Submission, SubmissionStatus, utcnow


def mark_dispatched(database: Database, submission_ids: list[str]) -> None:
    if not submission_ids:
        return
    with database.begin() as session:
        session.execute(
            update(Submission)
            .where(Submission.id.in_(submission_ids))
            .values(dispatched_at=utcnow())
        )


def due_for_dispatch(database: Database, *, grace: float, resend_after: float) -> list[str]:
    """Queued ids never sent (older than ``grace`` s) or sent over ``resend_after`` s ago."""
    now = utcnow()
    with database.session() as session:
        return list(
            session.scalars(
                select(Submission.id)
                .where(
                    Submission.status == SubmissionStatus.QUEUED,
                    or_(
                        and_(
                            Submission.dispatched_at.is_(None),
                            Submission.created_at < now - timedelta(seconds=grace),
                        ),
                        Submission.dispatched_at < now - timedelta(seconds=resend_after),
                    ),
                )
                .order_by(Submission.created_at)
            )
        )
