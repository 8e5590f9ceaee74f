"""Feedback plots of graded submissions, kept in the file store by content hash.

They are drawn after the score is written, as their own step, from what the grading kept
for them in the file store (``store_plot_data``): by a Celery pool process after its score,
by the embedded runner's plot process, or again on first view when they never came (the
process drawing them died: ``plots_overdue``). Never in the web server's process.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from grader.models import Submission, SubmissionStatus, utcnow
from grader.storage import BlobStore

log = logging.getLogger(__name__)

PLOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}$")


#: (assignment folder, its digest, ``drawable(result)``) -> {file name: PNG bytes}
PlotRenderer = Callable[[str, str, Any], dict[str, bytes]]

#: seconds a child process may take over one submission's plots before they are given up
PLOT_SECONDS = 120.0


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
    return render_plots(assignment_folder.load_cached(Path(folder), digest), result)


#: the key, in a graded run's log, of the file-store digest of what its plots are drawn from
PLOT_DATA = "plot_data"


def store_plot_data(store: BlobStore, folder: str, digest: str, result: Any) -> str:
    """Keep what a graded run's plots are drawn from (``drawable``) in the file store, as
    JSON: any process can draw them later from the run alone. Returns its digest."""
    data = {
        "folder": folder,
        "digest": digest,
        "status": result.status,
        "checks": [{"name": c.name, "details": _encode(c.details)} for c in result.checks],
    }
    return store.put(json.dumps(data, separators=(",", ":")).encode())


ARRAY = "__ndarray__"


def _encode(value: Any) -> Any:
    """JSON for the details the plots read: arrays stay arrays (tagged), floats exact."""
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, np.ndarray):
        return {ARRAY: value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if ARRAY in value:
            return np.asarray(value[ARRAY], dtype=np.dtype(str(value["dtype"])))
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def load_plot_data(store: BlobStore, digest: str) -> tuple[str, str, SimpleNamespace]:
    """(assignment folder, assignment digest, ``drawable``) kept by ``store_plot_data``."""
    data = json.loads(store.get(digest))
    result = SimpleNamespace(
        status=str(data["status"]),
        checks=[
            SimpleNamespace(name=str(c["name"]), details=_decode(c["details"]))
            for c in data["checks"]
        ],
    )
    return str(data["folder"]), str(data["digest"]), result


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


def plots_overdue(sub: Submission) -> int | None:
    """The id of the latest run if its plots should be there by now and are not (the process
    drawing them died): it has what they are drawn from, and was scored longer ago than a
    drawing may take. None otherwise."""
    run = sub.latest_run
    if (
        sub.status == "graded"
        and run is not None
        and run.plots is None
        and isinstance(run.log, dict)
        and run.log.get(PLOT_DATA)
        and run.finished_at is not None
        and utcnow() - run.finished_at > timedelta(seconds=PLOT_SECONDS)
    ):
        return int(run.id)
    return None


def plot_caption(name: str) -> str:
    """Alt text / caption of a plot, from its name ("<check>-loss", "<check>-boundary")."""
    check, _, kind = name.rpartition("-")
    if kind == "loss" and check:
        return f"{check}: training loss of your code next to the reference's"
    if kind == "boundary" and check:
        return f"{check}: decision boundary of your trained network over the data"
    return f"plot {name}"
