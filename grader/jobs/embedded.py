"""The embedded runner: worker processes beside the service's web server.

The web server's process only accepts uploads and serves pages. Grading (the sandbox
run, checking the results, diagnosis) runs in ``workers`` grading processes, one per core
by default, and the feedback plots are drawn after each score by one plot process at a
lower priority (``grader.jobs.processes``): the scores come first and the graders go on to
the next submission meanwhile.

Submissions survive a crash because they are in the database as queued before they are
enqueued, and each grading holds a lease (``grader.leases``) taken by the process that
grades. A sweeper thread, at start and then every third of a lease, hands out again the
submissions whose lease lapsed (a killed ``grader serve``, here or in another process on
the same database) and picks up queued ones this runner does not hold (left by a crash,
or queued by ``grader regrade``). A grading process that dies (an OOM kill) breaks its
pool: the runner releases the leases its dead processes held at once, starts new ones
and hands their submissions out again; plots whose drawing died are drawn again once.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy.exc import SQLAlchemyError

from grader import metrics
from grader.db import Database
from grader.jobs import processes
from grader.jobs.processes import ProcessPool, Settings, per_process
from grader.leases import (
    DEFAULT_SECONDS,
    log_reclaimed,
    reclaim_expired,
    release_owner,
    worker_id,
)
from grader.logs import log_context
from grader.operations import queued_ids
from grader.storage import BlobStore

log = logging.getLogger(__name__)

#: times a submission is handed out again after its grading process died
RETRIES = 2


class EmbeddedRunner:
    def __init__(
        self,
        database: Database,
        store: BlobStore,
        *,
        workers: int | None = None,
        warm: int = 0,
        lease_seconds: float = DEFAULT_SECONDS,
        reference_cache: str | None = None,
        log_format: str | None = None,
    ) -> None:
        self.database = database
        self.store = store
        self.workers = max(1, workers or processes.cores())
        self.warm = max(0, warm)
        self.lease_seconds = lease_seconds
        settings = Settings(
            database_url=database.url,
            store_root=str(store.root),
            reference_cache=reference_cache,
            log_format=log_format,
        )
        self.graders = ProcessPool(
            self.workers, _replace(settings, warm=per_process(self.warm, self.workers))
        )
        self.plots = ProcessPool(1, _replace(settings, nice=10))
        self._counter = itertools.count(1)
        self._idle = threading.Condition()
        self._busy = 0
        self._pending: set[str] = set()  # handed to the graders, not finished
        self._drawing: set[int] = set()  # runs whose plots are being drawn
        self._failures: dict[str, int] = {}
        self._started = False
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._started

    def enqueue(self, submission_id: str) -> None:
        """Grade a committed submission. Before ``start`` (a command such as ``grader
        regrade``, not the service) nothing is done here: the row stays queued, and the
        service's runner takes it up (its sweep), or this one at its start."""
        with self._idle:
            if not self._started or submission_id in self._pending or self._stopping.is_set():
                return
            self._pending.add(submission_id)
            self._busy += 1
        job_id = f"grader-worker-{next(self._counter)}"
        try:
            future = self.graders.submit(processes.grade, submission_id, job_id, self.lease_seconds)
        except RuntimeError:  # shut down meanwhile: it stays queued for the next start
            self._done(submission_id)
            return
        future.add_done_callback(
            lambda f: self._graded(f, submission_id, job_id, f.executor)  # type: ignore[attr-defined]
        )

    def request_plots(self, run_id: int, submission_id: str = "-") -> bool:
        """Draw a written run's plots (again: a view found them missing); False if stopped."""
        with self._idle:
            if not self._started or self._stopping.is_set():
                return False
            if run_id in self._drawing:
                return True
            self._drawing.add(run_id)
            self._busy += 1
        self._draw(run_id, f"plots-{run_id}", submission_id, retry=True)
        return True

    def start(self) -> None:
        if self._started:
            return
        self._stopping.clear()
        self._started = True
        self.sweep(starting=True)
        if self.warm:  # a service with warm sandboxes has its processes ready too
            self.graders.start()
            self.plots.start()
        self._sweeper = threading.Thread(
            target=self._sweep_forever, name="grader-sweep", daemon=True
        )
        self._sweeper.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout)
            self._sweeper = None
        self.graders.close(timeout)
        self.plots.close(timeout)
        self._started = False
        with self._idle:  # what was cancelled stays queued in the database
            self._busy, self._pending, self._drawing = 0, set(), set()
            self._idle.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every enqueued job is done, plots included (tests, CLI); False on
        time-out."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def wait_ready(self, timeout: float) -> bool:
        """Every grading process started, its warm sandbox ready (benchmarks, tests)."""
        return self.graders.wait_ready(timeout)

    def sweep(self, *, starting: bool = False) -> None:
        """Hand out again what lost its lease; take up queued submissions not held here."""
        log_reclaimed(reclaim_expired(self.database))
        with self._idle:
            pending = set(self._pending)
        waiting = [i for i in queued_ids(self.database) if i not in pending]
        if waiting:
            what = "left unfinished" if starting else "queued elsewhere (a regrade, a crash)"
            log.info("re-queueing %d submission(s) %s", len(waiting), what)
        for submission_id in waiting:
            self.enqueue(submission_id)

    def _sweep_forever(self) -> None:
        while not self._stopping.wait(self.lease_seconds / 3):
            try:
                self.sweep()
            except SQLAlchemyError:
                log.exception("sweep for lapsed leases failed; trying again later")

    # -- completions (run by the pools' threads) -----------------------------------------

    def _done(self, submission_id: str | None = None, run_id: int | None = None) -> None:
        with self._idle:
            if submission_id is not None:
                self._pending.discard(submission_id)
            if run_id is not None:
                self._drawing.discard(run_id)
            self._busy = max(0, self._busy - 1)
            self._idle.notify_all()

    def _graded(self, future: Future, submission_id: str, job_id: str, executor) -> None:
        again = False
        try:
            graded = future.result()
        except CancelledError:
            graded = None
        except BrokenProcessPool:
            graded = None
            again = self._lost(submission_id, job_id, executor)
        except Exception:  # keep the runner alive; the lease lapses, the sweeper retries
            graded = None
            with log_context(submission_id=submission_id, job_id=job_id):
                log.exception("submission %s could not be graded", submission_id)
        if graded is not None:
            self._failures.pop(submission_id, None)
            graded.count()  # the metrics of this process: the one /metrics is served from
            if graded.run_id is not None:
                with self._idle:
                    self._drawing.add(graded.run_id)
                    self._busy += 1
                self._draw(graded.run_id, job_id, submission_id, retry=True)
        self._done(submission_id)
        if again:
            self.enqueue(submission_id)

    def _lost(self, submission_id: str, job_id: str, executor) -> bool:
        """A grading process died: release the lease it held; True to grade it again."""
        self.graders.discard(executor)
        with log_context(submission_id=submission_id, job_id=job_id):
            if self._stopping.is_set():
                return False
            released = False
            for pid in list(self.graders.pids):
                if not _alive(pid):
                    try:
                        released |= release_owner(self.database, submission_id, worker_id(pid))
                    except SQLAlchemyError:
                        log.exception("could not release the lease of the lost process")
            if released:
                metrics.count_reclaimed("worker_lost")
                log.warning("its grading process died: grading it again")
            self._failures[submission_id] = failures = self._failures.get(submission_id, 0) + 1
            if failures > RETRIES:
                log.error("its grading process died %d times: left to the sweeper", failures)
                return False
            return True

    def _draw(self, run_id: int, job_id: str, submission_id: str, *, retry: bool) -> None:
        try:
            future = self.plots.submit(processes.draw, run_id, job_id, submission_id)
        except RuntimeError:  # shut down meanwhile
            self._done(run_id=run_id)
            return
        executor = future.executor  # type: ignore[attr-defined]

        def drawn(f: Future) -> None:
            again = False
            try:
                f.result()
            except CancelledError:
                pass
            except BrokenProcessPool:
                self.plots.discard(executor)
                again = retry and not self._stopping.is_set()
                with log_context(submission_id=submission_id, job_id=job_id):
                    log.warning("the plot process died; %s", "drawing again" if again else "")
            except Exception:  # the score is written: only these plots are lost
                with log_context(submission_id=submission_id, job_id=job_id):
                    log.exception("plots could not be drawn or stored")
            if again:
                self._draw(run_id, job_id, submission_id, retry=False)
            else:
                self._done(run_id=run_id)

        future.add_done_callback(drawn)


def _replace(settings: Settings, **changes: object) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)  # type: ignore[arg-type]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
