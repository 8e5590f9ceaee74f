"""The Celery backend of the job queue: the service only sends submission ids to
the broker (Redis); ``grader worker`` processes load each submission by id,
grade it with ``grader.service.grade_submission`` and write the result.

Nothing accepted is lost when a worker dies mid-grade. Tasks are acknowledged
late (after grading) and rejected back to the queue when their worker process
is lost, so the broker hands the id out again: at once when a pool process
dies, after ``GRADER_BROKER_VISIBILITY_TIMEOUT`` when the whole worker vanished
(kill -9, machine lost). The row that worker left "running" is taken back only
by such a *redelivered* task (``release_running``), which is safe with several
workers because a live worker never has its task redelivered: prefetching is
off and every task is stopped before the visibility timeout.

Nothing accepted is lost when the broker is down either. A submission the web
side cannot publish stays committed and queued (the upload still succeeds);
every ``grader worker`` sweeps the database at start-up (all queued rows) and
then every ``GRADER_BROKER_SWEEP_INTERVAL`` seconds (rows never sent, and rows
sent a visibility timeout ago and still queued), see ``grader.jobs.dispatch``.
Duplicate ids cost nothing: ``claim`` grades an id once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery, Task, signals
from kombu.exceptions import OperationalError
from sqlalchemy.exc import SQLAlchemyError

from grader.db import Database
from grader.jobs.dispatch import due_for_dispatch, mark_dispatched
from grader.sandbox.pool import WarmPool
from grader.service import grade_submission, release_running
from grader.storage import BlobStore

log = logging.getLogger(__name__)

TASK_NAME = "grader.grade_submission"
QUEUE = "grader"


def celery_config(config: dict[str, Any]) -> dict[str, Any]:
    timeout = int(config.get("BROKER_VISIBILITY_TIMEOUT") or 900)
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


class CeleryQueue:
    """Same interface as ``EmbeddedRunner``; ``start``/``stop`` do nothing on the web side."""

    def __init__(self, config: dict[str, Any], database: Database, store: BlobStore) -> None:
        self.database = database
        self.store = store
        self.warm = max(0, int(config.get("WARM_SANDBOXES", 0)))
        self.visibility_timeout = int(config.get("BROKER_VISIBILITY_TIMEOUT") or 900)
        self.sweep_interval = float(config.get("BROKER_SWEEP_INTERVAL") or 30)
        self.sweeping = threading.Event()
        self.pool: WarmPool | None = None
        self.flask_app: Any = None
        queue = self

        class AppTask(Task):
            """Runs inside the Flask app context once ``celery_init_app`` bound an app."""

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
        job_id = request.id or "-"
        redelivered = bool((request.delivery_info or {}).get("redelivered"))
        if redelivered and release_running(self.database, submission_id):
            log.warning(
                "[job %s] submission %s was left running by a lost worker: grading it again",
                job_id,
                submission_id,
            )
        return grade_submission(
            self.database, self.store, submission_id, job_id=job_id, pool=self.pool
        )

    # -- worker side ----------------------------------------------------------

    def init_worker(self) -> None:
        """Hooks of a ``grader worker`` process (connected only there)."""
        signals.worker_process_init.connect(self._process_init, weak=False)
        signals.worker_process_shutdown.connect(self._process_shutdown, weak=False)
        signals.worker_ready.connect(self._ready, weak=False)
        signals.worker_shutdown.connect(self._shutdown, weak=False)

    def _process_init(self, **_: Any) -> None:
        # a forked pool process must not share the parent's database connections
        self.database.engine.dispose(close=False)
        if self.warm:
            from grader.sandbox.backends import make_backend

            # each pool process grades one submission at a time: one warm sandbox is enough
            self.pool = WarmPool(make_backend(), size=1)

    def _process_shutdown(self, **_: Any) -> None:
        if self.pool:
            self.pool.close()
            self.pool = None

    def _ready(self, **_: Any) -> None:
        self.sweep(everything=True)
        threading.Thread(target=self._sweep_forever, name="grader-sweep", daemon=True).start()

    def _sweep_forever(self) -> None:
        while not self.sweeping.wait(self.sweep_interval):
            try:
                self.sweep()
            except SQLAlchemyError:
                log.exception("sweep for unsent submissions failed; trying again later")

    def _shutdown(self, **_: Any) -> None:
        self.sweeping.set()


def celery_init_app(app: Any) -> Celery:
    """Bind the Flask app's queue to its app context (the worker side); returns the Celery app."""
    queue = app.extensions["grader"]["queue"]
    if not isinstance(queue, CeleryQueue):
        raise RuntimeError("GRADER_BROKER_URL is not set: there is no broker to take jobs from")
    queue.flask_app = app
    queue.init_worker()
    queue.celery.set_default()
    app.extensions["celery"] = queue.celery
    return queue.celery
