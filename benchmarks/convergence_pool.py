"""Calibrate a convergence check's seed pool: on which seeds does training converge?

A grading run draws its seeds from the check's ``seeds`` and, with ``shuffle`` and
``swap_classes``, a sample order and class labels of its own. Every seed of the pool
must therefore converge in every variant, for the reference and for the correct
submissions of the corpus alike. This script trains them all, in this process
(instructors' own code only: never run a student's file with it), and prints the
seeds on which every one of them reaches the check's ``min_accuracy``:

    python benchmarks/convergence_pool.py xor-mlp --seeds 0-49 \\
        submissions/xor-mlp/correct*.py submissions/xor-mlp/correct.ipynb

``tests/checks/test_convergence_pool.py`` re-checks the reference on the pool written in
``assignment.toml``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import types
import warnings
from pathlib import Path

import numpy as np

from grader.assignment_folder import find
from grader.checks.convergence import ConvergenceCheck
from grader.checks.pool import accuracy, variants
from grader.uploads import read_upload


def load(path: Path) -> types.SimpleNamespace:
    """A corpus file's functions (its cells run in order, failing ones skipped)."""
    submission = read_upload(path.name, path.read_bytes())
    ns: dict = {"__name__": "corpus"}
    for cell in submission.cells:
        with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell["source"], f"<{path.name}: {cell['name']}>", "exec"), ns)
    return types.SimpleNamespace(**ns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slug")
    parser.add_argument("submissions", nargs="*", type=Path, help="correct corpus files")
    parser.add_argument("--check", help="the convergence check (default: the first)")
    parser.add_argument("--seeds", default="0-49", help="a range FIRST-LAST")
    parser.add_argument("--orders", type=int, default=2, help="sample orders per seed")
    parser.add_argument(
        "--margin",
        type=float,
        default=0.8,
        help="the reference must converge within this share of the training already, "
        "so that no seed of the pool is a borderline case",
    )
    args = parser.parse_args()
    assignment = find(args.slug)
    check = next(
        c
        for c in assignment.checks
        if isinstance(c, ConvergenceCheck) and (args.check in (None, c.name))
    )
    first, last = (int(x) for x in args.seeds.split("-"))
    modules = {"reference": assignment.reference}
    modules.update({p.name: load(p) for p in args.submissions})
    pool = []
    for seed in range(first, last + 1):
        failed = []
        for name, module in modules.items():
            for run in variants(check, seed, args.orders):
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    acc = accuracy(check, assignment.reference, module, run)
                    early = (
                        accuracy(check, assignment.reference, module, run, args.margin)
                        if module is assignment.reference
                        else 1.0
                    )
                if min(acc, early) < check.min_accuracy:
                    shuffled = run["order"] is not None
                    failed.append(
                        f"{name} (swap={run['swap']}, shuffled={shuffled}) {acc:.0%}, "
                        f"{early:.0%} after {args.margin:.0%} of the training"
                    )
        print(f"seed {seed}: " + ("converges" if not failed else "; ".join(failed)), flush=True)
        if not failed:
            pool.append(seed)
    print(f"pool ({len(pool)} seeds): {pool}")


if __name__ == "__main__":
    main()
