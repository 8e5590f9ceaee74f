"""The embedded runner: a few worker threads inside the service process.

Grading runs in the engine's sandbox (a child process), so threads are enough
here: they only wait on it. Submissions survive a crash because they are in the
database as queued before they are enqueued, and ``start`` re-queues the ones a
crash left queued or running."""

from __future__ import annotations

import itertools
import logging
import queue
import threading

from grader.db import Database
from grader.sandbox.backends import make_backend
from grader.sandbox.pool import WarmPool
from grader.service import grade_submission, unfinished_ids
from grader.storage import BlobStore

log = logging.getLogger(__name__)

_STOP = object()


class EmbeddedRunner:
    def __init__(
        self, database: Database, store: BlobStore, *, workers: int = 2, warm: int = 0
    ) -> None:
        self.database = database
        self.store = store
        self.workers = max(1, workers)
        self.warm = max(0, warm)
        self.pool: WarmPool | None = None
        self._queue: queue.Queue[object] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._counter = itertools.count(1)
        self._idle = threading.Condition()
        self._busy = 0

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def enqueue(self, submission_id: str) -> None:
        with self._idle:
            self._busy += 1
        self._queue.put(submission_id)

    def start(self) -> None:
        if self.running:
            return
        recovered = unfinished_ids(self.database)
        if recovered:
            log.info("re-queueing %d submission(s) left unfinished", len(recovered))
        for submission_id in recovered:
            self.enqueue(submission_id)
        if self.warm:
            self.pool = WarmPool(make_backend(), size=self.warm)
        self._threads = [
            threading.Thread(target=self._work, name=f"grader-worker-{i}", daemon=True)
            for i in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float | None = None) -> None:
        for _ in self._threads:
            self._queue.put(_STOP)
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        if self.pool:
            self.pool.close()
            self.pool = None

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every enqueued job is done (tests, CLI); False on time-out."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            job_id = f"{threading.current_thread().name}-{next(self._counter)}"
            try:
                grade_submission(
                    self.database, self.store, str(item), job_id=job_id, pool=self.pool
                )
            except Exception:  # keep the worker alive; the row stays queued for the next start
                log.exception("[job %s] submission %s could not be graded", job_id, item)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()
