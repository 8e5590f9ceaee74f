"""Feedback plots of graded submissions, kept in the file store by content hash.

They are drawn after the score is written, as their own step: by a ``PlotRenderer``, in
this process (a Celery worker, the CLI) or in a child process (``PlotProcess``, for the
embedded runner, so that the web server's process never spends its CPU on them).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from grader.models import Submission, SubmissionStatus, utcnow
from grader.storage import BlobStore

log = logging.getLogger(__name__)

PLOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}$")


#: (assignment folder, its digest, ``drawable(result)``) -> {file name: PNG bytes}
PlotRenderer = Callable[[str, str, Any], dict[str, bytes]]

#: seconds a child process may take over one submission's plots before they are given up
PLOT_SECONDS = 120.0

_assignments: dict[str, Any] = {}
_assignments_lock = threading.Lock()


def drawable(result: Any) -> SimpleNamespace:
    """What the plots need of an engine result (plain data: it crosses to a child process)."""
    return SimpleNamespace(
        status=result.status,
        checks=[
            SimpleNamespace(name=c.name, details=c.details)
            for c in result.checks
            if isinstance(getattr(c, "details", None), dict) and "trained" in c.details
        ],
    )


def render_here(
    folder: str, digest: str, result: Any, reference_cache: str | None = None
) -> dict[str, bytes]:
    """Render the plots in this process; the assignment is loaded once per version. With
    ``reference_cache``, the reference's curves are kept in that folder too."""
    from grader import assignment_folder, reference_curves
    from grader.plots import render_plots

    if reference_cache:
        reference_curves.use_directory(reference_cache)
    with _assignments_lock:
        assignment = _assignments.get(folder)
    if assignment is None or assignment.digest != digest:
        assignment = assignment_folder.load_assignment(Path(folder))
        with _assignments_lock:
            _assignments[folder] = assignment
    return render_plots(assignment, result)


def _yield_to_grading() -> None:
    """The plot process runs at a lower priority: on a busy machine, scores come first."""
    with contextlib.suppress(OSError):
        os.nice(10)


def _warm_up() -> None:
    """Import what drawing needs before the first submission's plots are due."""
    import matplotlib.backends.backend_agg  # noqa: F401

    import grader.plots  # noqa: F401


class PlotProcess:
    """One child process that draws the plots, one submission at a time (one core at most).

    Started with "spawn" (the parent has threads); its reference curves stay cached in it
    across submissions. A child that dies is replaced at the next submission."""

    def __init__(self, reference_cache: str | None = None) -> None:
        self.reference_cache = reference_cache
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(
                    max_workers=1, mp_context=context, initializer=_yield_to_grading
                )
            return self._executor

    def start(self) -> None:
        """Start the child and its imports now, without waiting for them."""
        self._pool().submit(_warm_up)

    def __call__(self, folder: str, digest: str, result: Any) -> dict[str, bytes]:
        executor = self._pool()
        try:
            job = executor.submit(render_here, folder, digest, result, self.reference_cache)
            return job.result(PLOT_SECONDS)
        except (TimeoutError, BrokenProcessPool):
            with self._lock:  # a broken or stuck child: start a new one next time
                if self._executor is executor:
                    self._executor = None
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()  # a stuck child would hold a core for nothing
            executor.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def store_plots(
    store: BlobStore,
    folder: str,
    digest: str,
    result: Any,
    job_id: str,
    submission_id: str,
    *,
    render: PlotRenderer | None = None,
) -> dict[str, str] | None:
    """Render the feedback plots (trusted side) and keep each PNG in the file store.

    Returns {plot name: sha256}, names without ".png"; None when there are none. A failure
    here is logged and costs only the plots, never the grade."""
    try:
        rendered = (render or render_here)(folder, digest, result)
        plots: dict[str, str] = {}
        for filename, data in rendered.items():
            name = filename.removesuffix(".png")
            if not PLOT_NAME.match(name) or not data.startswith(b"\x89PNG"):
                log.warning("[job %s] plot %r of %s skipped", job_id, filename, submission_id)
                continue
            plots[name] = store.put(data)
    except Exception:  # noqa: BLE001 - a plot must never cost a result
        log.exception("[job %s] plots of submission %s failed", job_id, submission_id)
        return None
    return plots or None


def submission_plots(sub: Submission) -> dict[str, str]:
    """{plot name: sha256} of a finished submission's latest run (empty while it is graded)."""
    run = sub.latest_run
    if not sub.finished or run is None or not isinstance(run.plots, dict):
        return {}
    return {str(k): str(v) for k, v in run.plots.items()}


#: how long a result page waits for plots drawn after the score: a stuck drawing is killed
#: after two minutes, and a run whose plots never came is not waited for forever
PLOTS_WAIT = timedelta(minutes=3)


def plots_pending(sub: Submission) -> bool:
    """Graded, and its plots are still being drawn (they come after the score)."""
    run = sub.latest_run
    return (
        sub.status == SubmissionStatus.GRADED
        and run is not None
        and run.plots is None
        and run.finished_at is not None
        and utcnow() - run.finished_at < PLOTS_WAIT
    )


def plot_caption(name: str) -> str:
    """Alt text / caption of a plot, from its name ("<check>-loss", "<check>-boundary")."""
    check, _, kind = name.rpartition("-")
    if kind == "loss" and check:
        return f"{check}: training loss of your code next to the reference's"
    if kind == "boundary" and check:
        return f"{check}: decision boundary of your trained network over the data"
    return f"plot {name}"
