"""Grading one submission by id, as a job runner does: take its lease, grade it
with the engine while a heartbeat renews the lease, write the run only if the
lease is still held. No Flask; both job runners and the tests call it."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from grader import assignment_folder, metrics
from grader.db import Database, changed_rows
from grader.errors import GraderError, SandboxUnavailable
from grader.leases import DEFAULT_SECONDS, NO_LEASE, Heartbeat, Lease, claim, held
from grader.logs import log_context
from grader.models import CheckRecord, GradingRun, Submission, SubmissionStatus, utcnow
from grader.results import jsonable
from grader.storage import BlobStore
from grader.stored_plots import (
    PLOT_DATA,
    PlotRenderer,
    drawable,
    load_plot_data,
    store_plot_data,
    store_plots,
)
from grader.uploads import read_upload

if TYPE_CHECKING:
    from grader.sandbox.pool import WarmPool

log = logging.getLogger(__name__)


@dataclass
class Graded:
    """What one grading job did: what the runner counts (``count``) and draws after."""

    submission_id: str
    slug: str = ""
    #: graded, rejected, error; discarded (lost its lease); None: not graded by this job
    outcome: str | None = None
    seconds: float = 0.0
    sandbox_failed: bool = False
    run_id: int | None = None  # written, with plots to draw

    @property
    def status(self) -> str | None:
        return None if self.outcome == "discarded" else self.outcome

    def count(self) -> None:
        """The grading's metrics, in the process whose registry is scraped."""
        if self.outcome is None:
            return
        if self.sandbox_failed:
            metrics.count_sandbox_failure()
        metrics.observe_grading(self.slug, self.outcome, self.seconds)


def grade_submission(
    database: Database,
    store: BlobStore,
    submission_id: str,
    *,
    job_id: str = "-",
    pool: WarmPool | None = None,
    lease_seconds: float = DEFAULT_SECONDS,
    owner: str | None = None,
    render: PlotRenderer | None = None,
    defer: Callable[[Callable[[], None]], None] | None = None,
) -> str | None:
    """Grade one submission by id with the engine and write the run; returns the final status.

    The score and checks are written (and visible) as soon as the checks are evaluated;
    the feedback plots come after, as their own step (``draw_plots``): here, before this
    returns, or, given ``defer``, as a job handed to it.

    Returns None when the submission is gone, finished or held by another live
    lease (someone else has it), and when this run lost its lease before it was
    done: its result is then discarded, the submission is scored once.
    """
    graded = grade_only(
        database,
        store,
        submission_id,
        job_id=job_id,
        pool=pool,
        lease_seconds=lease_seconds,
        owner=owner,
    )
    graded.count()
    if graded.run_id is not None:
        job = functools.partial(
            draw_plots, database, store, graded.run_id, job_id, submission_id, render
        )
        (defer or _now)(job)
    return graded.status


def grade_only(
    database: Database,
    store: BlobStore,
    submission_id: str,
    *,
    job_id: str = "-",
    pool: WarmPool | None = None,
    lease_seconds: float = DEFAULT_SECONDS,
    owner: str | None = None,
) -> Graded:
    """Claim, grade and write one submission, without its plots and metrics (the caller
    draws and counts them: a worker process of the embedded runner returns this to it)."""
    graded = Graded(submission_id)
    with log_context(submission_id=submission_id, job_id=job_id):
        lease = claim(database, submission_id, owner=owner, duration=lease_seconds)
        if lease is None:
            log.info("not queued (finished, or another worker holds it): skipped")
            return graded
        with database.session() as session:
            sub = session.get(Submission, submission_id)
            assert sub is not None
            graded.slug = sub.assignment.slug
            folder, filename, blob = sub.assignment.path, sub.filename, sub.blob_sha256
        started, clock = utcnow(), time.monotonic()
        log.info("grading submission %s (%s) of %s", submission_id, filename, graded.slug)
        with Heartbeat(database, lease):
            run = _grade(store, folder, filename, blob, pool, job_id, submission_id)
        graded.sandbox_failed = run.sandbox_failed
        if run.drawable is not None:
            run.log = {**(run.log or {}), PLOT_DATA: store_plot_data(store, *run.drawable)}
        run_id = write_run(database, lease, run, started)
        graded.outcome = run.status if run_id is not None else "discarded"
        graded.seconds = time.monotonic() - clock
        if run_id is None:
            log.warning("the lease was lost while grading: result (%s) discarded", run.status)
            return graded
        log.info("submission %s %s score=%s", submission_id, run.status, run.score)
        if run.drawable is not None:
            graded.run_id = run_id
        return graded


def _now(job: Callable[[], None]) -> None:
    job()


def draw_plots(
    database: Database,
    store: BlobStore,
    run_id: int,
    job_id: str = "-",
    submission_id: str = "-",
    render: PlotRenderer | None = None,
) -> None:
    """Draw a written run's plots from what its grading kept for them (``PLOT_DATA`` in its
    log), keep them in the file store and add them to the run. Drawing again gives the
    same plots: a second job for the same run (a view that found them missing) is harmless."""
    with log_context(submission_id=submission_id, job_id=job_id):
        clock = time.monotonic()
        with database.session() as session:
            row = session.get(GradingRun, run_id)
            digest = (row.log or {}).get(PLOT_DATA) if row is not None else None
        if row is None or not digest:
            log.warning("run %s has nothing to draw plots from", run_id)
            return
        try:
            folder, assignment_digest, result = load_plot_data(store, str(digest))
        except (OSError, ValueError, KeyError, TypeError):
            log.exception("the plot data of run %s cannot be read", run_id)
            save_plots(database, run_id, None)
            return
        plots = store_plots(
            store, folder, assignment_digest, result, job_id, submission_id, render=render
        )
        save_plots(database, run_id, plots)
        log.info(
            "plots of submission %s: %d in %.2f s",
            submission_id,
            len(plots or {}),
            time.monotonic() - clock,
        )


@dataclass
class Run:
    """What one grading found, as it is written (``write_run``)."""

    version: int
    digest: str
    status: str
    error: str | None
    score: float | None = None
    max_score: float | None = None
    checks: list[dict[str, Any]] | None = None
    log: dict[str, Any] | None = None
    plots: dict[str, str] | None = None
    #: (assignment folder, digest, what the plots need) of a graded run; kept in the file
    #: store (``PLOT_DATA``), not in the run's row
    drawable: tuple[str, str, Any] | None = None
    sandbox_failed: bool = False


def _grade(
    store: BlobStore,
    folder: str,
    filename: str,
    blob: str,
    pool: WarmPool | None,
    job_id: str,
    submission_id: str,
) -> Run:
    """The engine's verdict as a run to write; a failure of ours is an honest error run."""
    from grader.engine import grade

    run = Run(version=0, digest="", status=SubmissionStatus.ERROR, error=None)
    try:
        assignment = assignment_folder.load_cached(Path(folder))
        run.version, run.digest = int(assignment.version), assignment.digest
        data = store.get(blob)
        try:
            parsed = read_upload(filename, data)
        except GraderError as exc:
            run.status, run.error, run.max_score = (
                SubmissionStatus.REJECTED,
                exc.message,
                assignment.max_score,
            )
        else:
            if pool is not None:
                pool.expect(parsed.cells)  # its next sandbox preloads what this one imports
            result = grade(assignment, parsed, pool=pool)
            run.status, run.error = result.status, result.error
            run.score, run.max_score = result.score, result.max_score
            run.checks = [c.to_dict() for c in result.checks]
            run.log = jsonable(result.log)
            if result.status == SubmissionStatus.GRADED:
                run.drawable = (str(folder), assignment.digest, drawable(result))
    except Exception as exc:  # the grader's fault, not the student's: keep the row honest
        log.exception("grading failed")
        run.sandbox_failed = isinstance(exc, SandboxUnavailable)
        reason = exc.message if isinstance(exc, GraderError) else type(exc).__name__
        run.status, run.error = SubmissionStatus.ERROR, f"the grader failed: {reason}"
    return run


class _LeaseLost(Exception):
    pass


def write_run(database: Database, lease: Lease, run: Run, started: datetime) -> int | None:
    """Write the run and the submission's status in one transaction, if the lease
    is still held; returns the run's id, None (nothing written) if it was lost."""
    finished = utcnow()
    values: dict[str, Any] = {
        "status": run.status,
        "score": run.score,
        # what counts: the late penalty recorded at upload applies to every grading
        "counted_score": None if run.score is None else Submission.late_factor * run.score,
        "error": run.error,
        "graded_at": finished,
        **NO_LEASE,
    }
    if run.max_score is not None:
        values["max_score"] = run.max_score
    try:
        with database.begin() as session:
            if changed_rows(session, update(Submission).where(held(lease)).values(**values)):
                record = _record(lease.submission_id, run, started, finished)
                session.add(record)
                session.flush()
                run_id = int(record.id)
            else:
                raise _LeaseLost
    except _LeaseLost:
        return None
    return run_id


def save_plots(database: Database, run_id: int, plots: dict[str, str] | None) -> None:
    """Add the plots to a written run: {} when there are none (None means still to come)."""
    with database.begin() as session:
        session.execute(update(GradingRun).where(GradingRun.id == run_id).values(plots=plots or {}))


def _record(submission_id: str, run: Run, started: datetime, finished: datetime) -> GradingRun:
    record = GradingRun(
        submission_id=submission_id,
        assignment_version=run.version,
        assignment_digest=run.digest,
        status=run.status,
        score=run.score,
        max_score=run.max_score,
        error=run.error,
        log=run.log,
        plots=run.plots,
        started_at=started,
        finished_at=finished,
    )
    for i, check in enumerate(run.checks or []):
        record.checks.append(
            CheckRecord(
                position=i,
                name=str(check["name"]),
                passed=bool(check["passed"]),
                score=float(check["score"]),
                max_score=float(check["max_score"]),
                message=str(check.get("message") or ""),
                hidden=bool(check.get("hidden", False)),
            )
        )
    return record
