"""Job runners. The web side only ever calls ``enqueue(submission_id)`` after the
submission is committed; a worker loads the submission by id, grades it and
writes the status (``grader.operations.grade_submission``). The embedded runner
is the default; with ``BROKER_URL`` the Celery queue (``grader.jobs.celery``)
implements the same interface and ``grader worker`` processes grade."""

from __future__ import annotations

from typing import Protocol

from grader.db import Database
from grader.storage import BlobStore


class JobQueue(Protocol):
    def enqueue(self, submission_id: str) -> None:
        """Hand a committed submission to a worker (never blocks on grading)."""

    def start(self) -> None:
        """Start workers, and the sweeper that hands out again submissions left queued
        or whose lease lapsed (their worker died)."""

    def stop(self, timeout: float | None = None) -> None:
        """Stop taking jobs; wait up to ``timeout`` for running ones."""


def make_queue(config: dict, database: Database, store: BlobStore) -> JobQueue:
    """The job queue the resolved ``config`` (``grader.config.load_config``) asks for."""
    if config.get("BROKER_URL"):
        from grader.jobs.celery import CeleryQueue

        return CeleryQueue(config, database, store)

    from grader.jobs.embedded import EmbeddedRunner

    return EmbeddedRunner(
        database,
        store,
        workers=int(config["WORKERS"]),
        warm=int(config["WARM_SANDBOXES"]),
        lease_seconds=float(config["LEASE_SECONDS"]),
        reference_cache=config["REFERENCE_CACHE_DIR"],
    )
