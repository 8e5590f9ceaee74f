"""Grading overhead, measured side by side in one run (medians of several runs).

    python benchmarks/grading_overhead.py [NOTEBOOK] [--assignment SLUG] [--runs N]

Prints, for one notebook:
  * ``import numpy`` in the sandbox interpreter (the floor of any Python grading),
  * plain execution of the notebook's cells in that interpreter, no sandbox, no checks,
  * the reference's own compute for the same checks (planning + judging, no student code),
  * our full grading (sandbox + every check): in-process with a warm sandbox (how the
    service grades), in-process cold, and through the CLI (cold, as a script would),
  * executing the same notebook through a Jupyter kernel (nbclient + ipykernel), if installed.
Overhead = grading - (plain execution + reference compute), as a share of the latter.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import assignment_folder  # noqa: E402
from grader.checks import Context, Outcome  # noqa: E402
from grader.engine import grade  # noqa: E402
from grader.sandbox.backends import CHILD_ENV, default_python, default_student_env, make_backend  # noqa: E402
from grader.sandbox.pool import WarmPool  # noqa: E402
from grader.uploads import read_upload  # noqa: E402


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_plain(python: str, script: Path, workdir: str) -> None:
    env = dict(CHILD_ENV, MPLCONFIGDIR=os.path.join(workdir, "mpl"), HOME=workdir)
    subprocess.run(
        [
            python,
            "-I",
            "-S",
            "-c",
            f"import sys; sys.path.insert(0, {default_student_env()!r}); "
            f"exec(compile(open({str(script)!r}).read(), 'nb', 'exec'), {{'__name__': '__main__'}})",
        ],
        check=True,
        env=env,
        cwd=workdir,
        capture_output=True,
    )


def reference_compute(assignment) -> None:
    ctx = Context(reference=assignment.reference, limits=assignment.limits)
    import numpy as np

    rng = np.random.default_rng(0)
    for check in assignment.checks:
        check.plan(rng, ctx)
    _ = Outcome  # judging needs outputs; planning holds the reference's compute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebook", nargs="?", default=str(ROOT / "submissions/circles-softmax/correct.ipynb")
    )
    parser.add_argument("--assignment", default="circles-softmax")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    notebook = Path(args.notebook)
    assignment = assignment_folder.find(args.assignment)
    submission = read_upload(notebook.name, notebook.read_bytes())
    python = default_python()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        script = Path(workdir) / "cells.py"
        script.write_text("\n".join(c["source"] for c in submission.cells))
        env = dict(CHILD_ENV, MPLCONFIGDIR=os.path.join(workdir, "mpl"))
        numpy_t = median_time(
            lambda: subprocess.run(
                [
                    python,
                    "-I",
                    "-S",
                    "-c",
                    f"import sys; sys.path.insert(0, {default_student_env()!r}); import numpy",
                ],
                check=True,
                env=env,
            ),
            args.runs,
        )
        plain_t = median_time(lambda: run_plain(python, script, workdir), args.runs)
    ref_t = median_time(lambda: reference_compute(assignment), args.runs)
    result = grade(assignment, submission, seed=1)
    assert result.score == result.max_score, result.to_dict()
    grade_t = median_time(lambda: grade(assignment, submission, seed=1), args.runs)
    pool = WarmPool(make_backend(), size=1)
    warm_times = []
    for _ in range(args.runs):
        pool.wait(120)  # start-up happens before the submission arrives: not timed
        warm_times.append(median_time(lambda: grade(assignment, submission, seed=1, pool=pool), 1))
    pool.close()
    warm_t = statistics.median(warm_times)
    cli_t = median_time(
        lambda: subprocess.run(
            [sys.executable, "-m", "grader", "grade", args.assignment, str(notebook), "--json"],
            check=True,
            capture_output=True,
        ),
        args.runs,
    )
    kernel_t = jupyter_time(notebook, args.runs)
    unavoidable = plain_t + ref_t
    rows = [
        ("python -c 'import numpy' (sandbox interpreter)", numpy_t),
        ("plain execution of the notebook's cells", plain_t),
        ("reference compute for the same checks", ref_t),
        ("grading, in-process, warm sandbox (the service)", warm_t),
        ("grading, in-process, cold sandbox", grade_t),
        ("grading, CLI end to end (grader grade --json)", cli_t),
    ]
    if kernel_t is not None:
        rows.append(("notebook through a Jupyter kernel (nbclient)", kernel_t))
    print(
        f"notebook: {notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook}  "
        f"assignment: {args.assignment}  runs: {args.runs} (medians)"
    )
    for label, value in rows:
        print(f"  {label:50} {value * 1000:8.0f} ms")
    print(
        f"  overhead over unavoidable work: {(grade_t - unavoidable) / unavoidable:+.0%} (cold, in-process), "
        f"{(cli_t - unavoidable) / unavoidable:+.0%} (CLI, incl. its own start-up)"
    )
    if kernel_t is not None:
        print(
            f"  Jupyter kernel / our grading: {kernel_t / warm_t:.1f}x (warm, the service), "
            f"{kernel_t / cli_t:.1f}x (CLI, cold)"
        )


def jupyter_time(notebook: Path, runs: int) -> float | None:
    try:
        import nbclient  # noqa: F401
        import nbformat
    except ImportError:
        print(
            "  (nbclient / ipykernel not installed: pip install -e '.[bench]' for the kernel comparison)"
        )
        return None

    def execute() -> None:
        from nbclient import NotebookClient

        nb = nbformat.read(notebook, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True).execute()

    return median_time(execute, max(3, runs // 2))


if __name__ == "__main__":
    main()
