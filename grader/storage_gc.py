"""Garbage collection of the file store: blobs no submission, no grading run's plots
and no run still waiting for its plots refer to any more (a crash between storing an upload and committing its row,
plots of runs that are gone, temporary files of interrupted writes).

A blob is written before the row that refers to it is committed, so only files older
than ``min_age`` seconds are ever removed: an upload in flight keeps its file."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select

from grader.db import Database
from grader.models import GradingRun, Submission
from grader.storage import BlobStore
from grader.stored_plots import PLOT_DATA


@dataclass
class Collected:
    kept: int = 0
    removed: list[str] = field(default_factory=list)
    removed_bytes: int = 0
    young: int = 0  # unreferenced, but too recent to be sure


def referenced_digests(database: Database) -> set[str]:
    with database.session() as session:
        digests = set(session.scalars(select(Submission.blob_sha256)))
        for plots in session.scalars(select(GradingRun.plots).where(GradingRun.plots.is_not(None))):
            if isinstance(plots, dict):
                digests.update(str(v) for v in plots.values())
        # what the plots of graded runs still without them are to be drawn from
        pending = select(GradingRun.plots, GradingRun.log).where(GradingRun.status == "graded")
        for plots, log in session.execute(pending.execution_options(yield_per=500)):
            if plots is None and isinstance(log, dict) and log.get(PLOT_DATA):
                digests.add(str(log[PLOT_DATA]))
    return digests


def collect_garbage(
    database: Database, store: BlobStore, *, min_age: float = 3600, dry_run: bool = False
) -> Collected:
    # list the files first, then read the references: a blob stored in between is
    # young, and one referenced in between was already old and referenced before
    files = list(store.files())
    referenced = referenced_digests(database)
    now = time.time()
    out = Collected()
    for digest, path in files:
        if digest in referenced:
            out.kept += 1
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if now - stat.st_mtime < min_age:
            out.young += 1
            continue
        out.removed.append(path.name)
        out.removed_bytes += stat.st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    return out
