"""Leases on grading runs: recovery that does not wait for a broker's timeout.

A worker that takes a submission (``claim``) writes a lease on its row: who it
is, a random token, and an expiry ``duration`` seconds ahead, which a heartbeat
thread renews every third of that. A worker that dies stops renewing; once its
lease lapsed, a sweeper (``reclaim_expired``, run by every Celery worker and by
the embedded runner) sets the row back to queued and hands it out again. So a
SIGKILLed worker's submissions are graded again within one lease and one sweep,
however long a grading takes, and no timeout has to exceed the longest grading.

The result of a run is written only while its row still carries the run's token
(``grader.grading``): a run whose lease lapsed and was taken over is discarded,
so a submission is scored once even if a stalled worker wakes up late.

Expiries are written and compared with each process's clock: the machines'
clocks must agree to within a small part of a lease (NTP does).
"""

from __future__ import annotations

import contextvars
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from grader.config import default
from grader.db import Database, changed_rows
from grader.models import Submission, SubmissionStatus, utcnow

log = logging.getLogger(__name__)

DEFAULT_SECONDS: float = default("LEASE_SECONDS")

#: what a lease holds while it is not held
NO_LEASE: dict[str, Any] = {"lease_owner": None, "lease_token": None, "lease_expires_at": None}


#: this worker among those with the same host name: containers on the host's network share
#: its host name, and each counts its process ids from 1. Kept in the environment, so the
#: processes it starts (forked, or from a fork server or spawned) carry the same one
INSTANCE = os.environ.setdefault("GRADER_WORKER_INSTANCE", secrets.token_hex(3))


def worker_id(pid: int | None = None) -> str:
    """A process (this one by default) as it appears in a lease: host name, this worker's
    instance and process id."""
    return f"{socket.gethostname()}/{INSTANCE}/{pid or os.getpid()}"


@dataclass(frozen=True)
class Lease:
    submission_id: str
    owner: str
    token: str
    duration: float


def _lapsed(now: datetime) -> ColumnElement[bool]:
    # no lease at all: a row left running by a version of the grader before leases
    return or_(Submission.lease_expires_at.is_(None), Submission.lease_expires_at < now)


def claim(
    database: Database,
    submission_id: str,
    *,
    owner: str | None = None,
    duration: float = DEFAULT_SECONDS,
) -> Lease | None:
    """Take a queued submission (or a running one whose lease lapsed) for grading;
    None if it is finished, gone or held by a live lease: it is graded once."""
    now = utcnow()
    lease = Lease(submission_id, (owner or worker_id())[:200], secrets.token_hex(16), duration)
    with database.begin() as session:
        changed = changed_rows(
            session,
            update(Submission)
            .where(
                Submission.id == submission_id,
                or_(
                    Submission.status == SubmissionStatus.QUEUED,
                    and_(Submission.status == SubmissionStatus.RUNNING, _lapsed(now)),
                ),
            )
            .values(
                status=SubmissionStatus.RUNNING,
                lease_owner=lease.owner,
                lease_token=lease.token,
                lease_expires_at=now + timedelta(seconds=duration),
            ),
        )
    return lease if changed == 1 else None


def held(lease: Lease) -> ColumnElement[bool]:
    """The rows this lease still holds: at most its own submission, running, with its token."""
    return and_(
        Submission.id == lease.submission_id,
        Submission.status == SubmissionStatus.RUNNING,
        Submission.lease_token == lease.token,
    )


def renew(database: Database, lease: Lease) -> bool:
    """Push the expiry one lease ahead; False once the lease was lost."""
    with database.begin() as session:
        changed = changed_rows(
            session,
            update(Submission)
            .where(held(lease))
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease.duration)),
        )
    return changed == 1


def reclaim_expired(database: Database) -> list[tuple[str, str | None]]:
    """Set running submissions whose lease lapsed back to queued, oldest first.

    Returns (id, former owner) of each. Several sweepers at once are safe: each
    row is set back by one of them."""
    now = utcnow()
    with database.session() as session:
        rows = session.execute(
            select(Submission.id, Submission.lease_owner)
            .where(Submission.status == SubmissionStatus.RUNNING, _lapsed(now))
            .order_by(Submission.created_at)
        ).all()
    reclaimed = []
    for submission_id, owner in rows:
        with database.begin() as session:
            changed = changed_rows(
                session,
                update(Submission)
                .where(
                    Submission.id == submission_id,
                    Submission.status == SubmissionStatus.RUNNING,
                    _lapsed(now),
                )
                .values(status=SubmissionStatus.QUEUED, dispatched_at=None, **NO_LEASE),
            )
        if changed == 1:
            reclaimed.append((submission_id, owner))
    return reclaimed


def log_reclaimed(reclaimed: list[tuple[str, str | None]]) -> None:
    """One line per submission handed out again, and the metric."""
    from grader import metrics
    from grader.logs import log_context

    for submission_id, owner in reclaimed:
        with log_context(submission_id=submission_id):
            log.warning(
                "its lease (held by %s) lapsed: grading it again",
                owner or "a grader from before leases",
            )
    metrics.count_reclaimed("expired", len(reclaimed))


def release_owner(database: Database, submission_id: str, owner: str) -> bool:
    """Set a submission back to queued at once, if ``owner`` still holds it.

    Only for an owner known to be dead: a Celery worker releases the lease of a
    pool process it lost, instead of waiting for the lease to lapse."""
    with database.begin() as session:
        changed = changed_rows(
            session,
            update(Submission)
            .where(
                Submission.id == submission_id,
                Submission.status == SubmissionStatus.RUNNING,
                Submission.lease_owner == owner,
            )
            .values(status=SubmissionStatus.QUEUED, **NO_LEASE),
        )
    return changed == 1


class Heartbeat:
    """Renews a lease every third of its duration while the grading runs (a thread)."""

    def __init__(self, database: Database, lease: Lease) -> None:
        self.database = database
        self.lease = lease
        self.lost = False
        self._stop = threading.Event()
        context = contextvars.copy_context()  # its log lines name the submission too
        self._thread = threading.Thread(
            target=context.run, args=(self._beat,), name="grader-lease", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.lease.duration / 3):
            try:
                if renew(self.database, self.lease):
                    continue
            except SQLAlchemyError as exc:
                log.warning("could not renew the lease (%s); trying again", exc)
                continue
            self.lost = True
            log.warning("the lease lapsed and was taken over: this run's result will be discarded")
            return
