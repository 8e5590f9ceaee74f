"""The embedded runner: a few worker threads inside the service process.

Grading runs in the engine's sandbox (a child process), so threads are enough
here: they only wait on it. Submissions survive a crash because they are in the
database as queued before they are enqueued, and each grading holds a lease
(``grader.leases``). A sweeper thread, at start and then every third of a lease,
hands out again the submissions whose lease lapsed (a killed ``grader serve``,
here or in another process on the same database) and picks up queued ones this
runner does not hold (left by a crash, or queued by ``grader regrade``).
The feedback plots are drawn after each score is written, by a plot thread that hands
them to one child process (at a lower priority): the graders go on meanwhile."""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from grader.db import Database
from grader.grading import grade_submission
from grader.leases import log_reclaimed, reclaim_expired
from grader.operations import queued_ids
from grader.sandbox.backends import make_backend
from grader.sandbox.pool import WarmPool
from grader.storage import BlobStore
from grader.stored_plots import PlotProcess

log = logging.getLogger(__name__)

_STOP = object()


class EmbeddedRunner:
    def __init__(
        self,
        database: Database,
        store: BlobStore,
        *,
        workers: int,
        warm: int,
        lease_seconds: float,
        reference_cache: str | None,
    ) -> None:
        self.database = database
        self.store = store
        self.workers = max(1, workers)
        self.warm = max(0, warm)
        self.lease_seconds = lease_seconds
        self.pool: WarmPool | None = None
        self.plots = PlotProcess(
            reference_cache
        )  # the plots are drawn there, not in the web server
        self._queue: queue.Queue[object] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._counter = itertools.count(1)
        self._idle = threading.Condition()
        self._busy = 0
        self._pending: set[str] = set()  # in the local queue, not yet taken by a thread
        self._stopping = threading.Event()
        self._plot_jobs: queue.Queue[object] = queue.Queue()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def enqueue(self, submission_id: str) -> None:
        with self._idle:
            if submission_id in self._pending:
                return
            self._pending.add(submission_id)
            self._busy += 1
        self._queue.put(submission_id)

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self.sweep(starting=True)
        if self.warm:
            self.pool = WarmPool(make_backend(), size=self.warm)
            self.plots.start()  # a service with warm sandboxes has its plot process ready too
        self._threads = [
            threading.Thread(target=self._work, name=f"grader-worker-{i}", daemon=True)
            for i in range(self.workers)
        ]
        self._threads.append(
            threading.Thread(target=self._sweep_forever, name="grader-sweep", daemon=True)
        )
        self._threads.append(
            threading.Thread(target=self._draw_forever, name="grader-plots", daemon=True)
        )
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        for _ in range(self.workers):
            self._queue.put(_STOP)
        self._plot_jobs.put(_STOP)
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        if self.pool:
            self.pool.close()
            self.pool = None
        self.plots.close()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every enqueued job is done, plots included (tests, CLI); False on
        time-out."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def sweep(self, *, starting: bool = False) -> None:
        """Hand out again what lost its lease; take up queued submissions not held here."""
        log_reclaimed(reclaim_expired(self.database))
        waiting = [i for i in queued_ids(self.database) if i not in self._pending]
        if waiting:
            what = "left unfinished" if starting else "queued elsewhere (a regrade, a crash)"
            log.info("re-queueing %d submission(s) %s", len(waiting), what)
        for submission_id in waiting:
            self.enqueue(submission_id)

    def _defer(self, job: Callable[[], None]) -> None:
        """A written run's plots, for the plot thread: the grader takes the next submission."""
        with self._idle:
            self._busy += 1
        self._plot_jobs.put(job)

    def _draw_forever(self) -> None:
        """One submission's plots at a time, drawn by the child process (``self.plots``)."""
        while True:
            job = self._plot_jobs.get()
            if job is _STOP:
                return
            try:
                job()  # type: ignore[operator]
            except Exception:  # the score is written: only these plots are lost
                log.exception("plots could not be drawn or stored")
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def _sweep_forever(self) -> None:
        while not self._stopping.wait(self.lease_seconds / 3):
            try:
                self.sweep()
            except SQLAlchemyError:
                log.exception("sweep for lapsed leases failed; trying again later")

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            with self._idle:
                self._pending.discard(str(item))
            job_id = f"{threading.current_thread().name}-{next(self._counter)}"
            try:
                grade_submission(
                    self.database,
                    self.store,
                    str(item),
                    job_id=job_id,
                    pool=self.pool,
                    lease_seconds=self.lease_seconds,
                    render=self.plots,
                    defer=self._defer,
                )
            except Exception:  # keep the worker alive; the lease lapses, the sweeper retries
                log.exception("[job %s] submission %s could not be graded", job_id, item)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()
