"""Feedback plots of graded submissions, kept in the file store by content hash."""

from __future__ import annotations

import logging
import re
from typing import Any

from grader.models import Submission
from grader.storage import BlobStore

log = logging.getLogger(__name__)

PLOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}$")


def store_plots(
    store: BlobStore, assignment: Any, result: Any, job_id: str, submission_id: str
) -> dict[str, str] | None:
    """Render the feedback plots (trusted process) and keep each PNG in the file store.

    Returns {plot name: sha256}, names without ".png"; None when there are none. A failure
    here is logged and costs only the plots, never the grade."""
    from grader.plots import render_plots

    try:
        rendered = render_plots(assignment, result)
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


def plot_caption(name: str) -> str:
    """Alt text / caption of a plot, from its name ("<check>-loss", "<check>-boundary")."""
    check, _, kind = name.rpartition("-")
    if kind == "loss" and check:
        return f"{check}: training loss of your code next to the reference's"
    if kind == "boundary" and check:
        return f"{check}: decision boundary of your trained network over the data"
    return f"plot {name}"
