"""Job runners. The web side only ever calls ``enqueue(submission_id)`` after the
submission is committed; a worker loads the submission by id, grades it and
writes the status (``grader.grading.grade_submission``). The embedded runner
(worker processes beside the web server) is the default; with ``BROKER_URL`` the
Celery queue (``grader.jobs.celery``)
implements the same interface and ``grader worker`` processes grade."""

from __future__ import annotations

import logging
from typing import Protocol

from grader.db import Database
from grader.storage import BlobStore

log = logging.getLogger(__name__)


class JobQueue(Protocol):
    def enqueue(self, submission_id: str) -> None:
        """Hand a committed submission to a worker (never blocks on grading)."""

    def start(self) -> None:
        """Start workers, and the sweeper that hands out again submissions left queued
        or whose lease lapsed (their worker died)."""

    def stop(self, timeout: float | None = None) -> None:
        """Stop taking jobs; wait up to ``timeout`` for running ones."""

    def request_plots(self, run_id: int, submission_id: str = "-") -> bool:
        """Draw a written run's plots again (they never came); True if they are on the way."""


def make_queue(config: dict, database: Database, store: BlobStore) -> JobQueue:
    """The job queue the resolved ``config`` (``grader.config.load_config``) asks for."""
    if config.get("BROKER_URL"):
        from grader.jobs.celery import CeleryQueue

        return CeleryQueue(config, database, store)

    from grader.jobs.embedded import EmbeddedRunner

    return EmbeddedRunner(
        database,
        store,
        workers=int(config["WORKERS"]) or None,  # None: one per core
        warm=int(config["WARM_SANDBOXES"]),
        lease_seconds=float(config["LEASE_SECONDS"]),
        reference_cache=config["REFERENCE_CACHE_DIR"],
        log_format=config.get("LOG_FORMAT"),
    )


def request_overdue_plots(queue: JobQueue, run_id: int, submission_id: str) -> bool:
    """A page found a run's plots overdue (the process drawing them died): have a worker
    draw them again (the page shows them pending and refreshes). True while on the way."""
    try:
        return queue.request_plots(run_id, submission_id)
    except Exception:  # noqa: BLE001 - a page is served whatever happens to its plots
        log.exception("could not ask for the plots of run %s", run_id)
        return False
