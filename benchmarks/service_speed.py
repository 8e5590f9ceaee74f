"""The service next to the plain floor, measured side by side in one run (medians).

    python benchmarks/service_speed.py [NOTEBOOK] [--assignment SLUG] [--runs N] [--batch N]
                                       [--cli] [--plots] [--cold]

Prints two tables, each as ratios to floors measured in the same run:

  * latency of one notebook on an idle service, upload -> score visible (and -> plots
    stored), next to the floor (the notebook's cells run plainly by the sandbox
    interpreter: no sandbox, no checks) and to plain cells + checks (the same grading
    with no sandbox: a plain interpreter runs the cells and the checks' calls, this
    process judges them). The rounds are interleaved (floor, plain + checks, service,
    again), so that the others' load on a shared machine touches all of them alike;
  * ``--batch`` submissions accepted at once, per minute to their scores (and to their
    plots), next to plain cells + checks ``--batch`` times, as many at a time as the
    machine has cores (measured, not estimated).

The service is its job runner as ``grader serve`` starts it (the embedded runner, its
worker processes and warm sandboxes) on a SQLite database in a temporary folder; the upload
is ``accept_submission`` and the runner's ``enqueue``, what the upload view does after
reading the request: HTTP itself is not timed. ``--cold`` adds the idle latency with no
warm sandboxes (what a warm sandbox saves); ``--cli`` the CLI (``grader grade --json``),
``--plots`` one result's plots drawn in this process.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import assignment_folder  # noqa: E402
from grader.db import Database, upgrade  # noqa: E402
from grader.engine import grade  # noqa: E402
from grader.jobs.embedded import EmbeddedRunner  # noqa: E402
from grader.models import FINISHED, Submission  # noqa: E402
from grader.operations import accept_submission, sync_bundled  # noqa: E402
from grader.sandbox.backends import default_python, make_backend  # noqa: E402
from grader.storage import BlobStore  # noqa: E402
from grader.uploads import read_upload  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_overhead import median_time, run_plain  # noqa: E402

POLL = 0.02


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def plain_checks(slug: str, notebook: str) -> float:
    """Seconds to grade without a sandbox: a plain interpreter runs the cells and the checks'
    calls, this process plans and judges (the work any grading of this notebook does)."""
    assignment = assignment_folder.find(slug)
    submission = read_upload(Path(notebook).name, Path(notebook).read_bytes())
    start = time.perf_counter()
    result = grade(assignment, submission, seed=1, backend=make_backend("process"))
    elapsed = time.perf_counter() - start
    assert result.score == result.max_score, result.to_dict()
    return elapsed


def plain_checks_batch(slug: str, notebook: Path, count: int) -> float:
    """Per minute: ``count`` plain gradings, one per core at a time."""
    with ProcessPoolExecutor(cores()) as pool:
        list(pool.map(plain_checks, [slug] * cores(), [str(notebook)] * cores()))  # imports
        start = time.perf_counter()
        list(pool.map(plain_checks, [slug] * count, [str(notebook)] * count))
        return count * 60 / (time.perf_counter() - start)


def plot_cost(slug: str, notebook: Path, runs: int) -> tuple[float, float]:
    """Seconds to draw one result's plots the first time, and again (median)."""
    from grader.engine import grade_file
    from grader.plots import render_plots

    assignment = assignment_folder.find(slug)
    result = grade_file(assignment, notebook, seed=1)
    start = time.perf_counter()
    render_plots(assignment, result)
    first = time.perf_counter() - start
    return first, median_time(lambda: render_plots(assignment, result), runs)


def cli(slug: str, notebook: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "grader", "grade", slug, str(notebook), "--json"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def cli_batch(slug: str, notebook: Path, count: int) -> float:
    """Submissions per minute through the CLI, one process per core at a time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(cores()) as pool:
        list(pool.map(lambda _: cli(slug, notebook), range(count)))
    return count * 60 / (time.perf_counter() - start)


class Service:
    """The service's grading path without HTTP: a database, a file store, the embedded runner."""

    def __init__(self, folder: str, warm: int) -> None:
        url = f"sqlite:///{folder}/grader.db"
        upgrade(url)
        self.database = Database(url)
        self.store = BlobStore(Path(folder) / "files")
        sync_bundled(self.database, ROOT / "assignments")
        self.runner = EmbeddedRunner(self.database, self.store, workers=cores(), warm=warm)
        self.runner.start()

    def submit(self, slug: str, notebook: Path) -> str:
        row = accept_submission(
            self.database,
            self.store,
            slug=slug,
            filename=notebook.name,
            data=notebook.read_bytes(),
            student=None,
        )
        self.runner.enqueue(row.id)
        return row.id

    def states(self, ids: list[str]) -> dict[str, tuple[bool, bool]]:
        """{id: (score visible, plots stored)}."""
        with self.database.session() as session:
            out = {}
            for sub in session.query(Submission).filter(Submission.id.in_(ids)):
                run = sub.latest_run
                scored = sub.status in FINISHED and run is not None
                out[sub.id] = (scored, scored and run.plots is not None)
            return out

    def wait(self, ids: list[str], timeout: float = 600) -> tuple[float, float]:
        """Seconds until every score is visible, and until every plot is stored (inf when
        some never come: a failed plot, 60 s after the last score)."""
        start = time.perf_counter()
        scored_at = None
        while time.perf_counter() - start < timeout:
            states = self.states(ids).values()
            if scored_at is None and len(states) == len(ids) and all(s for s, _ in states):
                scored_at = time.perf_counter() - start
            if scored_at is not None and all(p for _, p in states):
                return scored_at, time.perf_counter() - start
            if scored_at is not None and time.perf_counter() - start > scored_at + 60:
                missing = sum(not p for _, p in states)
                print(f"  ({missing} of {len(ids)} submissions never got their plots)")
                return scored_at, math.inf
            time.sleep(POLL)
        raise TimeoutError("the service did not finish in time")

    def settle(self) -> None:
        """Idle: every job done, the warm sandboxes started."""
        self.runner.join(600)
        ready = getattr(self.runner, "wait_ready", None)
        if ready is not None:
            ready(120)
        elif self.runner.pool:
            self.runner.pool.wait(120)
        time.sleep(0.5)

    def once(self, slug: str, notebook: Path) -> tuple[float, float]:
        """Upload -> score, upload -> plots of one submission on the idle service."""
        self.settle()
        start = time.perf_counter()
        ids = [self.submit(slug, notebook)]
        upload = time.perf_counter() - start
        score, plot = self.wait(ids)
        return upload + score, upload + plot

    def batch(self, slug: str, notebook: Path, count: int) -> tuple[float, float]:
        self.settle()
        start = time.perf_counter()
        ids = [self.submit(slug, notebook) for _ in range(count)]
        upload = time.perf_counter() - start
        score, plot = self.wait(ids)
        return count * 60 / (upload + score), count * 60 / (upload + plot)

    def close(self) -> None:
        self.runner.join(600)
        self.runner.stop(10)


def floor_time(notebook: Path) -> float:
    submission = read_upload(notebook.name, notebook.read_bytes())
    with tempfile.TemporaryDirectory() as workdir:
        script = Path(workdir) / "cells.py"
        script.write_text("\n".join(c["source"] for c in submission.cells))
        os.makedirs(Path(workdir) / "mpl", exist_ok=True)
        return median_time(lambda: run_plain(default_python(), script, workdir), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebook", nargs="?", default=str(ROOT / "submissions/xor-mlp/correct.ipynb")
    )
    parser.add_argument("--assignment", default="xor-mlp")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--warm", type=int, default=2, help="warm sandboxes of the service")
    parser.add_argument("--cold", action="store_true", help="also the service with none")
    parser.add_argument("--cli", action="store_true", help="also the CLI")
    parser.add_argument("--plots", action="store_true", help="also one result's plots")
    args = parser.parse_args()
    notebook = Path(args.notebook).resolve()
    slug = args.assignment
    plain_checks(slug, str(notebook))  # this process's imports and caches
    floors, checked, scores, plots, cold = [], [], [], [], []
    with tempfile.TemporaryDirectory() as folder:
        service = Service(folder, args.warm)
        other = Service(folder + "/cold", 0) if args.cold else None
        try:
            service.once(slug, notebook)  # first grading: imports, caches
            if other:
                other.once(slug, notebook)
            for _ in range(args.runs):  # interleaved: the machine's load touches all alike
                floors.append(floor_time(notebook))
                checked.append(plain_checks(slug, str(notebook)))
                score, plot = service.once(slug, notebook)
                scores.append(score)
                plots.append(plot)
                if other:
                    cold.append(other.once(slug, notebook)[0])
            if other:
                other.close()
                other = None
            floor_batch = plain_checks_batch(slug, notebook, args.batch)
            rate_score, rate_plots = service.batch(slug, notebook, args.batch)
            floor_batch = (floor_batch + plain_checks_batch(slug, notebook, args.batch)) / 2
        finally:
            service.close()
            if other:
                other.close()
    floor, plain = statistics.median(floors), statistics.median(checked)
    rows = [
        ("floor: the cells run plainly", floor),
        ("plain cells + checks (no sandbox)", plain),
        ("service idle: upload -> score", statistics.median(scores)),
        ("service idle: upload -> plots", statistics.median(plots)),
    ]
    if cold:
        rows.append(("service idle, no warm sandbox: -> score", statistics.median(cold)))
    if args.cli:
        rows.append(("CLI grade --json, cold", median_time(lambda: cli(slug, notebook), args.runs)))
    if args.plots:
        first, again = plot_cost(slug, notebook, args.runs)
        rows += [("plots of one result, first time", first), ("plots, reference cached", again)]
    print(
        f"notebook: {notebook.name}  assignment: {slug}  runs: {args.runs} (medians, "
        f"interleaved)  cores: {cores()}  warm sandboxes: {args.warm}"
    )
    print(f"  {'per notebook':44} {'time':>9} {'x floor':>8} {'x plain+checks':>15}")
    for label, value in rows:
        print(f"  {label:44} {value * 1000:7.0f} ms {value / floor:7.2f}x {value / plain:14.2f}x")
    print(
        f"    (rounds, ms: floor {_ms(floors)}; plain + checks {_ms(checked)}; "
        f"service {_ms(scores)}{'; no warm ' + _ms(cold) if cold else ''})"
    )
    rates = [
        (f"plain cells + checks, {cores()} at a time", floor_batch),
        (f"service: {args.batch} at once, to their scores", rate_score),
        (f"service: {args.batch} at once, to their plots", rate_plots),
    ]
    if args.cli:
        rates.append(
            (f"CLI: {args.batch} files, {cores()} at a time", cli_batch(slug, notebook, args.batch))
        )
    print(f"  {args.batch} submissions{'':28} {'per min':>9} {'/ plain+checks':>15}")
    for label, value in rates:
        print(f"  {label:44} {value:9.1f} {value / floor_batch:15.2f}")
    print(
        f"  service time / plain time for the batch: {floor_batch / rate_score:.2f} (<= 1.0: as fast)"
    )


def _ms(values: list[float]) -> str:
    return " ".join(f"{v * 1000:.0f}" for v in values)


if __name__ == "__main__":
    main()
