"""Grade one submission: plan every check, one sandbox run, judge in the trusted process."""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

import numpy as np

from grader.assignment_folder import LoadedAssignment
from grader.checks import Context, read_outcome
from grader.diagnosis import diagnose_check, refine
from grader.errors import SubmissionRejected
from grader.forbidden_imports import scan
from grader.results import CheckResult, GradeResult
from grader.sandbox.backends import make_backend
from grader.sandbox.inside import protocol
from grader.sandbox.inside.protocol import CellReport, Job, Task
from grader.sandbox.pool import WarmPool
from grader.sandbox.runner import SandboxProcess
from grader.sandbox.student_env import missing_package, unavailable
from grader.uploads import StudentCode, read_upload

log = logging.getLogger(__name__)


def grade(
    assignment: LoadedAssignment,
    submission: StudentCode,
    *,
    seed: int | None = None,
    backend=None,
    pool: WarmPool | None = None,
) -> GradeResult:
    """Never raises for anything the student did: every problem becomes feedback.

    With a ``pool``, the submission runs in a sandbox that is already warm.
    """
    seed = secrets.randbits(32) if seed is None else seed
    backend = backend or (pool.backend if pool else make_backend())
    limits = assignment.limits
    forbidden = [use.message() for use in scan(submission.cells, assignment.forbidden_imports)]
    ctx = Context(
        reference=assignment.reference,
        limits=limits,
        forbidden=forbidden,
        sources=submission.cells,
    )
    rng = np.random.default_rng(seed)
    plans: list[tuple] = []
    tasks: list[Task] = []
    for index, check in enumerate(assignment.checks):
        task, state = check.plan(np.random.default_rng(rng.integers(2**63)), ctx)
        task["id"] = f"check-{index}"
        task["seconds"] = float(check.seconds or limits.task_seconds)
        tasks.append(task)
        plans.append((check, task, state))
    job = Job(
        module=submission.module,
        cell_seconds=limits.cell_seconds,
        cells=submission.cells,
        tasks=tasks,
        forbidden_imports=list(assignment.forbidden_imports),
    )
    sandbox = (pool.take(limits) if pool else None) or SandboxProcess(backend, limits)
    raw = sandbox.run(job, limits)
    ctx.cells = raw.cells
    results = []
    for check, task, state in plans:
        outcome = read_outcome(raw, task["id"], len(protocol.items(task)), limits)
        try:
            judged = check.evaluate(state, outcome, ctx)
            results.append(diagnose_check(judged, ctx))  # the mistake, named where it shows
        except Exception:
            log.exception("check %s of %s failed to evaluate", check.name, assignment.slug)
            results.append(
                CheckResult(
                    name=check.name,
                    max_score=check.points,
                    message="the grader failed on this check (our bug, not yours); "
                    "it has been logged",
                )
            )
    refine(results, assignment.checks, ctx)  # the root cause, named where it is made
    for check, checked in zip(assignment.checks, results, strict=True):
        checked.hidden = check.hidden  # also on a result the check did not make itself
    result = GradeResult(
        assignment=assignment.slug,
        status="graded",
        checks=results,
        max_score=assignment.max_score,
        error="; ".join(p for p in [*forbidden, _run_problems(raw)] if p)[:500] or None,
    )
    result.log = {
        "seed": seed,
        "sandbox": raw.backend,
        "seconds": raw.seconds,
        **_cell_log(raw.cells),
        "stdout": raw.stdout,
        "stderr": raw.stderr,
        "timed_out": raw.timed_out,
    }
    return result


#: bytes of cell report stored per run: with stdout and stderr (``output_kb`` each), the
#: whole stored log is bounded whatever the sandbox sends back
CELL_LOG_BYTES = 64 * 1024


def _cell_log(cells: list[CellReport]) -> dict:
    """The cells' report for the log, cut at ``CELL_LOG_BYTES`` (the rest only counted)."""
    kept: list[dict] = []
    size = 0
    for cell in cells:
        entry = {k: v for k, v in cell.items() if k in ("name", "status", "error", "seconds")}
        size += len(json.dumps(entry))
        if size > CELL_LOG_BYTES:
            return {"cells": kept, "cells_omitted": len(cells) - len(kept)}
        kept.append(entry)
    return {"cells": kept}


def _run_problems(raw) -> str | None:
    """One line on what went wrong while running the code itself (cells, limits), or None."""
    problems = []
    for cell in raw.cells:
        if not isinstance(cell, dict) or cell.get("status") == "ok":
            continue
        if cell.get("status") == "timeout":
            problems.append(f"{cell.get('name')} was stopped after its time budget")
        elif package := missing_package(cell.get("error")):
            problems.append(f"{cell.get('name')} stopped: {unavailable(package)}")
        else:
            err = cell.get("error") or {}
            problems.append(
                f"{cell.get('name')} raised {err.get('type')}: {str(err.get('message'))[:120]}"
            )
    if raw.timed_out:
        problems.append("the run exceeded its total time limit")
    if not raw.cells and not raw.timed_out:
        problems.append("your code stopped the grading process while it was loading")
    return "; ".join(problems)[:500] or None


def grade_bytes(assignment: LoadedAssignment, filename: str, data: bytes, **kwargs) -> GradeResult:
    try:
        submission = read_upload(filename, data)
    except SubmissionRejected as exc:
        return GradeResult.rejected(assignment.slug, exc.message, assignment.max_score)
    return grade(assignment, submission, **kwargs)


def grade_file(assignment: LoadedAssignment, path: Path | str, **kwargs) -> GradeResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return GradeResult.rejected(
            assignment.slug, f"cannot read {path.name}: {exc.strerror}", assignment.max_score
        )
    return grade_bytes(assignment, path.name, data, **kwargs)
