"""The service next to the CLI and the plain floor, in one run (medians of several runs).

    python benchmarks/service_speed.py [NOTEBOOK] [--assignment SLUG] [--runs N] [--batch N]

Prints, for one notebook, side by side and as ratios to the floor:
  * the floor: the notebook's cells run plainly by the sandbox interpreter (no sandbox,
    no checks);
  * the CLI, cold (``grader grade --json``), one at a time, and a batch of ``--batch``
    files two at a time (the machine's cores);
  * the plots of one graded result, drawn in this process: the first time (the reference's
    curves computed) and again (matplotlib's own cost, the curves cached);
  * the service's job runner (the embedded runner with warm sandboxes, on a SQLite database
    in a temporary folder): upload -> score visible and upload -> plots stored while it is
    idle, and a batch of ``--batch`` submissions accepted at once (submissions per minute
    to their scores, and to their plots).
The upload is ``accept_submission`` and the runner's ``enqueue``, what the upload view does
after reading the request: HTTP itself is not timed.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.db import Database, upgrade  # noqa: E402
from grader.jobs.embedded import EmbeddedRunner  # noqa: E402
from grader.models import FINISHED, Submission  # noqa: E402
from grader.operations import accept_submission, sync_bundled  # noqa: E402
from grader.sandbox.backends import default_python  # noqa: E402
from grader.storage import BlobStore  # noqa: E402
from grader.uploads import read_upload  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_overhead import median_time, run_plain  # noqa: E402

POLL = 0.02


def plot_cost(slug: str, notebook: Path, runs: int) -> tuple[float, float]:
    """Seconds to draw one result's plots the first time, and again (median)."""
    from grader import assignment_folder
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
    """Submissions per minute through the CLI, two processes at a time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: cli(slug, notebook), range(count)))
    return count * 60 / (time.perf_counter() - start)


class Service:
    """The service's grading path without HTTP: a database, a file store, the embedded runner."""

    def __init__(self, folder: str) -> None:
        url = f"sqlite:///{folder}/grader.db"
        upgrade(url)
        self.database = Database(url)
        self.store = BlobStore(Path(folder) / "files")
        sync_bundled(self.database, ROOT / "assignments")
        self.runner = EmbeddedRunner(self.database, self.store, workers=2, warm=2)
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

    def idle(self, slug: str, notebook: Path, runs: int) -> tuple[float, float]:
        scores, plots = [], []
        for _ in range(runs):
            if self.runner.pool:
                self.runner.pool.wait(120)  # warm sandboxes: the service is idle
            time.sleep(0.5)
            start = time.perf_counter()
            ids = [self.submit(slug, notebook)]
            upload = time.perf_counter() - start
            score, plot = self.wait(ids)
            scores.append(upload + score)
            plots.append(upload + plot)
        return statistics.median(scores), statistics.median(plots)

    def batch(self, slug: str, notebook: Path, count: int) -> tuple[float, float]:
        self.runner.join(600)
        if self.runner.pool:
            self.runner.pool.wait(120)
        start = time.perf_counter()
        ids = [self.submit(slug, notebook) for _ in range(count)]
        upload = time.perf_counter() - start
        score, plot = self.wait(ids)
        return count * 60 / (upload + score), count * 60 / (upload + plot)

    def close(self) -> None:
        self.runner.join(600)
        self.runner.stop(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebook", nargs="?", default=str(ROOT / "submissions/xor-mlp/correct.ipynb")
    )
    parser.add_argument("--assignment", default="xor-mlp")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    notebook = Path(args.notebook).resolve()
    submission = read_upload(notebook.name, notebook.read_bytes())
    with tempfile.TemporaryDirectory() as workdir:
        script = Path(workdir) / "cells.py"
        script.write_text("\n".join(c["source"] for c in submission.cells))
        os.makedirs(Path(workdir) / "mpl", exist_ok=True)
        floor = median_time(lambda: run_plain(default_python(), script, workdir), args.runs)
    first_plots, warm_plots = plot_cost(args.assignment, notebook, args.runs)
    cli_t = median_time(lambda: cli(args.assignment, notebook), args.runs)
    cli_rate = cli_batch(args.assignment, notebook, args.batch)
    with tempfile.TemporaryDirectory() as folder:
        service = Service(folder)
        try:
            service.idle(args.assignment, notebook, 1)  # first grading: imports, caches
            idle_score, idle_plots = service.idle(args.assignment, notebook, args.runs)
            rate_score, rate_plots = service.batch(args.assignment, notebook, args.batch)
        finally:
            service.close()
    floor_rate = 2 * 60 / floor  # two plain runs at a time on the two cores
    print(f"notebook: {notebook.name}  assignment: {args.assignment}  runs: {args.runs} (medians)")
    print(f"  {'':44} {'time':>9} {'x floor':>8}")
    rows = [
        ("floor: the cells run plainly", floor),
        ("CLI grade --json, cold", cli_t),
        ("plots of one result, first time", first_plots),
        ("plots of one result, reference cached", warm_plots),
        ("service idle: upload -> score", idle_score),
        ("service idle: upload -> plots", idle_plots),
    ]
    for label, value in rows:
        print(f"  {label:44} {value * 1000:7.0f} ms {value / floor:7.1f}x")
    print(f"  {'':44} {'per min':>9} {'/ floor':>8}")
    rates = [
        (f"floor: {args.batch} plain runs, 2 at a time (est.)", floor_rate),
        (f"CLI: {args.batch} files, 2 at a time", cli_rate),
        (f"service: {args.batch} at once, to their scores", rate_score),
        (f"service: {args.batch} at once, to their plots", rate_plots),
    ]
    for label, value in rates:
        print(f"  {label:44} {value:9.1f} {value / floor_rate:7.2f}")


if __name__ == "__main__":
    main()
