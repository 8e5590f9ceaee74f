"""The embedded runner's worker processes: what runs in them, and the pools that start them.

The web server's process only accepts uploads and serves pages: grading (the sandbox run,
checking the results, diagnosis) and drawing the plots run here, in processes started from
a fork server that imported the grader once (so a new worker costs a fork, not the imports).
Each process opens its own database engine and file store, from plain settings; its
environment (the sandbox's settings) is the service's when the fork server started.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: imported once by the fork server: what every worker needs, before any job arrives
PRELOAD = ["grader.grading", "grader.engine", "grader.plots", "grader.sandbox.pool"]


def cores() -> int:
    """Cores this process may run on (the default number of grading processes)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """What a worker process needs to open the service's database and file store."""

    database_url: str
    store_root: str
    reference_cache: str | None = None
    log_format: str | None = None
    warm: int = 0  # warm sandboxes kept by each grading process
    nice: int = 0  # the plot process yields to the graders


class _Worker:
    """The state of one worker process (set by ``_init``)."""

    database: Any = None
    store: Any = None
    pool: Any = None


def _init(settings: Settings) -> None:
    from grader import reference_curves
    from grader.db import Database
    from grader.storage import BlobStore

    if settings.log_format:
        from grader.logs import configure_logging

        configure_logging(settings.log_format)
    if settings.nice:
        with contextlib.suppress(OSError):
            os.nice(settings.nice)
    _Worker.database = Database(settings.database_url)
    _Worker.store = BlobStore(settings.store_root)
    reference_curves.use_directory(settings.reference_cache)
    if settings.warm:
        from grader.sandbox.backends import make_backend
        from grader.sandbox.pool import WarmPool

        _Worker.pool = WarmPool(make_backend(), size=settings.warm)


def grade(submission_id: str, job_id: str, lease_seconds: float) -> Any:
    """Grade one submission here; returns its ``Graded`` (plots and metrics left to the runner)."""
    from grader.grading import grade_only

    return grade_only(
        _Worker.database,
        _Worker.store,
        submission_id,
        job_id=job_id,
        pool=_Worker.pool,
        lease_seconds=lease_seconds,
    )


def draw(run_id: int, job_id: str, submission_id: str) -> None:
    from grader.grading import draw_plots

    draw_plots(_Worker.database, _Worker.store, run_id, job_id, submission_id)


def ready(timeout: float) -> bool:
    """This process's warm sandbox is started (benchmarks, tests)."""
    return _Worker.pool is None or _Worker.pool.wait(timeout)


def pid() -> int:
    return os.getpid()


def _context() -> multiprocessing.context.BaseContext:
    """A fork server (safe beside the web server's threads); plain spawn where there is none."""
    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    context.set_forkserver_preload(PRELOAD)
    return context


class ProcessPool:
    """``size`` worker processes with ``settings``; a pool whose process died (a broken
    pool) is replaced at the next job. ``pids`` are every process it ever started."""

    def __init__(self, size: int, settings: Settings) -> None:
        self.size = max(1, size)
        self.settings = settings
        self.pids: set[int] = set()
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.size,
                    mp_context=_context(),
                    initializer=_init,
                    initargs=(self.settings,),
                )
            return self._executor

    def submit(self, fn: Any, *args: Any) -> Future:
        """Run ``fn(*args)`` in a process; the future's ``executor`` is the pool it went to
        (``discard`` it when the future says it broke)."""
        executor = self._pool()
        future = executor.submit(fn, *args)
        future.executor = executor  # type: ignore[attr-defined]
        with self._lock:
            self.pids.update(getattr(executor, "_processes", None) or {})
        return future

    def start(self) -> None:
        """Start every process (and its warm sandboxes) now, without waiting."""
        for _ in range(self.size):
            self.submit(pid)

    def wait_ready(self, timeout: float) -> bool:
        """Every process started and its warm sandbox ready (benchmarks, tests)."""
        jobs = [self.submit(ready, timeout) for _ in range(self.size)]
        return all(job.result(timeout + 30) for job in jobs)

    def discard(self, broken: ProcessPoolExecutor | None = None) -> None:
        """Drop the current pool (broken, or ``broken`` if it is still the current one): the
        next job starts a new one. Its live processes are killed (a stuck job holds a core)."""
        with self._lock:
            executor = self._executor
            if executor is None or (broken is not None and executor is not broken):
                return
            self._executor = None
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self, timeout: float | None = None) -> None:
        """Stop taking jobs; wait up to ``timeout`` for the running ones, then kill them."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = None if timeout is None else time.monotonic() + timeout
        for process in processes:
            process.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(5)


def per_process(total: int, processes: int) -> int:
    """Warm sandboxes per grading process for ``total`` in all: at least one each if any."""
    return math.ceil(total / processes) if total > 0 else 0
