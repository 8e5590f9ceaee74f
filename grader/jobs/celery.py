"""The Celery backend of the job queue: the service only sends submission ids to
the broker (Redis); ``grader worker`` processes load each submission by id,
grade it with ``grader.grading.grade_submission`` and write the result.

Nothing accepted is lost when a worker dies mid-grade, and it is back in the
queue within a lease (``GRADER_LEASE_SECONDS``) and a third, not after Redis's
visibility timeout. Each grading holds a lease on its row (``grader.leases``),
renewed by the pool process that grades:

- a pool process that dies (an OOM kill): its worker, which sees it go,
  releases the lease at once (``GradeRequest``) and Celery puts the job back
  on the queue (acks late, reject on worker lost);
- a whole worker that vanishes (kill -9, machine lost): its leases lapse, and
  every worker's sweeper (every third of a lease) sets such submissions back to
  queued and sends them again.

The message of a vanished worker comes back from Redis after
``GRADER_BROKER_VISIBILITY_TIMEOUT``, and a live worker's message may too if
its grading outlasts that: both are duplicates, which ``claim`` skips.

Nothing accepted is lost when the broker is down either. A submission the web
side cannot publish stays committed and queued (the upload still succeeds);
every ``grader worker`` sweeps the database at start-up (all queued rows) and
then every ``GRADER_BROKER_SWEEP_INTERVAL`` seconds (rows never sent, and rows
sent a visibility timeout ago and still queued), see ``grader.jobs.dispatch``.
Duplicate ids cost nothing: ``claim`` grades an id once.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

from celery import Celery, Task, signals
from celery.exceptions import WorkerLostError
from celery.worker.request import Request
from kombu.exceptions import OperationalError
from sqlalchemy.exc import SQLAlchemyError

from grader import metrics
from grader.db import Database
from grader.grading import grade_submission
from grader.jobs.dispatch import due_for_dispatch, mark_dispatched
from grader.leases import log_reclaimed, reclaim_expired, release_owner
from grader.logs import configure_logging, log_context
from grader.sandbox.pool import WarmPool
from grader.storage import BlobStore

log = logging.getLogger(__name__)

TASK_NAME = "grader.grade_submission"
QUEUE = "grader"


def celery_config(config: dict[str, Any]) -> dict[str, Any]:
    timeout = int(config["BROKER_VISIBILITY_TIMEOUT"])
    return {
        "broker_url": config["BROKER_URL"],
        "broker_connection_retry_on_startup": True,
        # an upload must not hang on a dead broker: the sweep sends what fails here
        "broker_connection_timeout": 2,
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0.2},
        "broker_transport_options": {
            "visibility_timeout": timeout,
            # look for the jobs of vanished workers often enough for a short timeout
            "unacked_restore_interval": max(1, min(10, timeout // 4)),
            "unacked_restore_throttle": 1,
        },
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,  # the database holds the outcome
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # a live worker's task must never outlast the visibility timeout (it would be
        # redelivered while still running); the soft limit lets the job write an error
        "task_soft_time_limit": timeout * 0.8,
        "task_time_limit": timeout * 0.9,
        "worker_prefetch_multiplier": 1,
        "worker_send_task_events": False,
    }


class GradeRequest(Request):
    """A grading job as the worker's main process sees it: it knows when the pool
    process running the job died, and so that the lease that process held is void."""

    def on_failure(
        self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False
    ) -> None:
        exc = getattr(exc_info.exception, "exc", exc_info.exception)  # ExceptionWithTraceback
        if isinstance(exc, WorkerLostError) and self.worker_pid and self.args:
            # before the job is put back on the queue, so that whoever takes it can claim it
            self.task.grader_queue.release_lost(str(self.args[0]), self.worker_pid, self.id)
        super().on_failure(exc_info, send_failed_event, return_ok)


class CeleryQueue:
    """Same interface as ``EmbeddedRunner``; ``start``/``stop`` do nothing on the web side."""

    def __init__(self, config: dict[str, Any], database: Database, store: BlobStore) -> None:
        self.database = database
        self.store = store
        self.warm = max(0, int(config["WARM_SANDBOXES"]))
        self.visibility_timeout = int(config["BROKER_VISIBILITY_TIMEOUT"])
        self.sweep_interval = float(config["BROKER_SWEEP_INTERVAL"])
        self.lease_seconds = float(config["LEASE_SECONDS"])
        self.log_format = str(config["LOG_FORMAT"])
        self.reference_cache = config["REFERENCE_CACHE_DIR"]
        self.sweeping = threading.Event()
        self.pool: WarmPool | None = None
        self.flask_app: Any = None
        queue = self

        class AppTask(Task):
            """Runs inside the Flask app context once ``celery_init_app`` bound an app."""

            Request = GradeRequest
            grader_queue = queue

            def __call__(self, *args: Any, **kwargs: Any) -> Any:
                if queue.flask_app is None:
                    return self.run(*args, **kwargs)
                with queue.flask_app.app_context():
                    return self.run(*args, **kwargs)

        self.celery = Celery("grader", task_cls=AppTask, set_as_current=False)
        self.celery.conf.update(celery_config(config))

        @self.celery.task(name=TASK_NAME, bind=True)
        def grade(task: Task, submission_id: str) -> str | None:
            return queue.grade(task.request, submission_id)

        self.task = grade

    def enqueue(self, submission_id: str) -> None:
        """Publish a committed submission; if the broker is unreachable it stays queued
        (and the caller's request succeeds): a worker's sweep sends it later."""
        if self._publish(submission_id):
            try:
                mark_dispatched(self.database, [submission_id])
            except SQLAlchemyError:
                log.exception("submission %s was sent but not marked as sent", submission_id)

    def _publish(self, submission_id: str) -> bool:
        try:
            self.task.apply_async(args=[submission_id])
        except (OperationalError, OSError) as exc:
            log.warning(
                "broker unreachable (%s): submission %s stays queued until a worker's sweep "
                "sends it",
                exc,
                submission_id,
            )
            return False
        return True

    def sweep(self, *, everything: bool = False) -> int:
        """Send the queued submissions the broker may not hold; returns how many were sent.
        ``everything``: every queued one (a worker's start-up, after any broker outage)."""
        due = due_for_dispatch(
            self.database,
            grace=0 if everything else self.sweep_interval,
            resend_after=0 if everything else self.visibility_timeout,
        )
        sent = [i for i in due if self._publish(i)]
        mark_dispatched(self.database, sent)
        if sent:
            log.info("sent %d queued submission(s) to the broker", len(sent))
        return len(sent)

    def start(self) -> None:
        """Nothing to start here: ``grader worker`` processes grade."""

    def stop(self, timeout: float | None = None) -> None:
        """Nothing to stop here."""

    def grade(self, request: Any, submission_id: str) -> str | None:
        return grade_submission(
            self.database,
            self.store,
            submission_id,
            job_id=request.id or "-",
            pool=self.pool,
            lease_seconds=self.lease_seconds,
        )

    def release_lost(self, submission_id: str, pid: int, job_id: str) -> None:
        """The pool process ``pid`` died grading ``submission_id``: void its lease now."""
        owner = f"{socket.gethostname()}/{pid}"
        with log_context(submission_id=submission_id, job_id=job_id):
            try:
                released = release_owner(self.database, submission_id, owner)
            except SQLAlchemyError:
                log.exception("could not release the lease of the lost worker process")
                return
            if released:
                metrics.count_reclaimed("worker_lost")
                log.warning("left running by a lost worker process (%s): grading it again", owner)

    def reclaim(self) -> int:
        """Send again the submissions whose lease lapsed (their worker vanished)."""
        reclaimed = reclaim_expired(self.database)
        log_reclaimed(reclaimed)
        sent = [i for i, _ in reclaimed if self._publish(i)]
        mark_dispatched(self.database, sent)
        return len(reclaimed)

    # -- worker side ----------------------------------------------------------

    def init_worker(self) -> None:
        """Hooks of a ``grader worker`` process (connected only there)."""
        # a receiver here keeps Celery's own logging set-up away: ours names submissions
        signals.setup_logging.connect(self._setup_logging, weak=False)
        signals.worker_process_init.connect(self._process_init, weak=False)
        signals.worker_process_shutdown.connect(self._process_shutdown, weak=False)
        signals.worker_ready.connect(self._ready, weak=False)
        signals.worker_shutdown.connect(self._shutdown, weak=False)

    def _setup_logging(self, **_: Any) -> None:
        configure_logging(self.log_format, others=logging.INFO)

    def _process_init(self, **_: Any) -> None:
        # a forked pool process must not share the parent's database connections
        self.database.engine.dispose(close=False)
        from grader import reference_curves

        # the plots are drawn here, after each score: their reference curves on disk
        reference_curves.use_directory(self.reference_cache)
        if self.warm:
            from grader.sandbox.backends import make_backend

            # each pool process grades one submission at a time: one warm sandbox is enough
            self.pool = WarmPool(make_backend(), size=1)

    def _process_shutdown(self, **_: Any) -> None:
        if self.pool:
            self.pool.close()
            self.pool = None

    def _ready(self, **_: Any) -> None:
        self.reclaim()
        self.sweep(everything=True)
        threading.Thread(target=self._sweep_forever, name="grader-sweep", daemon=True).start()

    def _sweep_forever(self) -> None:
        """Lapsed leases every third of a lease; unsent submissions every sweep interval."""
        tick = min(self.sweep_interval, self.lease_seconds / 3)
        last_sweep = time.monotonic()
        while not self.sweeping.wait(tick):
            try:
                self.reclaim()
                if time.monotonic() - last_sweep >= self.sweep_interval:
                    last_sweep = time.monotonic()
                    self.sweep()
            except SQLAlchemyError:
                log.exception("sweep for lapsed leases and unsent submissions failed; later again")

    def _shutdown(self, **_: Any) -> None:
        self.sweeping.set()


def celery_init_app(app: Any) -> Celery:
    """Bind the Flask app's queue to its app context (the worker side); returns the Celery app."""
    queue = app.extensions["grader"].queue  # the app's Services
    if not isinstance(queue, CeleryQueue):
        raise RuntimeError("GRADER_BROKER_URL is not set: there is no broker to take jobs from")
    queue.flask_app = app
    queue.init_worker()
    queue.celery.set_default()
    app.extensions["celery"] = queue.celery
    return queue.celery
