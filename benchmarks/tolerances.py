"""Where correct solutions and known mistakes land against the comparison tolerance.

    python benchmarks/tolerances.py [SLUG ...] [--seeds N]

For every function and gradient check of each assignment, on N seeds of random
inputs (graded in this process, as ``grader validate`` does), prints:
  * the largest relative error of the correct examples (``submissions/SLUG/correct*.py``)
    as written (float64) and run in float32 (every argument cast to float32, so numpy
    computes in single precision), and the largest one not explained by float32
    rounding of the check's scale (the part only the tolerance can accept);
  * the smallest relative error of a catalogue mistake on the check that catches it
    (the largest over that check's inputs, the smallest over mistakes and seeds).
The default tolerance (``grader.checks.compare.DEFAULT_TOLERANCE``) belongs between
the last two numbers.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import math
import sys
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import assignment_folder  # noqa: E402
from grader.checks import Context  # noqa: E402
from grader.checks.compare import (  # noqa: E402
    DEFAULT_TOLERANCE,
    relative_error,
    rounding_floor,
    scales,
)
from grader.checks.gradient import numerical_gradient  # noqa: E402
from grader.diagnosis.catalogue import catalogue_for, dependencies  # noqa: E402
from grader.diagnosis.report import DIRECT_KINDS, run_task  # noqa: E402

SUBMISSIONS = ROOT / "submissions"


def load_module(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_float32(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(to_float32(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, float):
        return np.float32(value)
    return value


def float32_version(module: types.ModuleType) -> types.ModuleType:
    """The same solution run in single precision: each of its functions gets float32 arguments
    (calls between them too), so numpy computes in float32 unless the code itself upcasts."""
    copy = types.ModuleType(f"{module.__name__}_float32")

    def wrap(fn):
        @functools.wraps(fn)
        def in_float32(*args, **kwargs):
            return fn(*to_float32(args), **{k: to_float32(v) for k, v in kwargs.items()})

        return in_float32

    for name, value in vars(module).items():
        own = isinstance(value, types.FunctionType) and value.__module__ == module.__name__
        setattr(copy, name, wrap(value) if own else value)
    return copy


def correct_examples(slug: str) -> dict[str, types.ModuleType]:
    """Every correct example as written, and in float32 (unless it is float32 already)."""
    found = {}
    for path in sorted((SUBMISSIONS / slug).glob("correct*.py")):
        module = load_module(path)
        found[path.name] = module
        if "float32" not in path.stem:
            found[f"{path.name} in float32"] = float32_version(module)
    return found


def planned(assignment, seed: int) -> list[tuple[Any, dict, Any]]:
    """(check, task, state) for the function and gradient checks, as one grading plans them."""
    ctx = Context(reference=assignment.reference, limits=assignment.limits)
    rng = np.random.default_rng(seed)
    out = []
    for check in assignment.checks:
        task, state = check.plan(np.random.default_rng(rng.integers(2**63)), ctx)
        if check.kind in DIRECT_KINDS:
            out.append((check, task, state))
    return out


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _expected(assignment, check, state) -> list[Any]:
    if check.kind == "function":
        return [expected for _, expected in state]
    cost = getattr(assignment.reference, check.cost)
    names = [a["name"] for a in check.args]
    return [
        [numerical_gradient(cost, values, names.index(n), check.eps)[0] for n in check.wrt]
        for values in state
    ]


def trial_errors(assignment, check, task, state, module) -> Iterator[tuple[float, bool]]:
    """(relative error, within float32 rounding of the scale) per input and returned array."""
    expected = _expected(assignment, check, state)
    scale = _leaves(scales(expected))
    for want, call in zip(expected, run_task(task, module).calls, strict=True):
        got = call.value
        if check.kind == "gradient" and len(check.wrt) == 1:
            got = [got]
        wanted, gots = _leaves(want), _leaves(got) if call.error is None else []
        if len(gots) != len(wanted):
            yield math.inf, False
            continue
        for w, g, s in zip(wanted, gots, scale, strict=True):
            try:
                w, g = np.asarray(w, dtype=float), np.asarray(g, dtype=float)
                g = g.reshape(w.shape) if g.size == w.size else g
            except (TypeError, ValueError):
                yield math.inf, False
                continue
            if g.shape != w.shape or not np.all(np.isfinite(g)):
                yield math.inf, False
                continue
            yield relative_error(w, g), bool(np.all(np.abs(g - w) <= rounding_floor(s)))


def correct_figures(assignment, seeds: range) -> dict[str, tuple[float, float]]:
    """Per example: (largest relative error, largest one not within float32 rounding)."""
    examples = correct_examples(assignment.slug)
    worst = {name: (0.0, 0.0) for name in examples}
    for seed in seeds:
        for check, task, state in planned(assignment, seed):
            for name, module in examples.items():
                for rel, floored in trial_errors(assignment, check, task, state, module):
                    top, bare = worst[name]
                    worst[name] = (max(top, rel), bare if floored else max(bare, rel))
    return worst


def mistake_figures(assignment, seeds: range) -> tuple[float, str]:
    """The smallest relative error by which a catalogue mistake shows on the check that
    catches it best (differences within float32 rounding do not count)."""
    reference = assignment.reference
    catalogue = catalogue_for(reference)
    graded = {c.function for c in assignment.checks if c.kind in DIRECT_KINDS}
    uses = {
        c.name: set().union(*(dependencies(reference, n) or {n} for n in c.student_functions()))
        for c in assignment.checks
    }
    smallest, which = math.inf, ""
    for mutation in catalogue.mutations:
        if mutation.origin != "assignment" and mutation.function not in graded:
            continue
        module = catalogue.module(mutation)
        for seed in seeds:
            best = 0.0
            for check, task, state in planned(assignment, seed):
                if mutation.function in uses[check.name]:
                    errors = trial_errors(assignment, check, task, state, module)
                    best = max([best] + [rel for rel, floored in errors if not floored])
            if 0 < best < smallest:  # 0: the mistake changes nothing on these inputs
                smallest, which = best, mutation.id
    return smallest, which


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*")
    parser.add_argument("--seeds", type=int, default=50)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    seeds = range(args.seeds)
    for slug in args.slugs or sorted(assignment_folder.discover()):
        assignment = assignment_folder.find(slug)
        print(f"{slug} ({args.seeds} seeds; tolerance {DEFAULT_TOLERANCE:g})")
        for name, (top, bare) in correct_figures(assignment, seeds).items():
            print(f"  {name:38s} largest {top:8.2e}   beyond float32 rounding {bare:8.2e}")
        smallest, which = mistake_figures(assignment, seeds)
        print(f"  smallest catalogue mistake: {smallest:8.2e} ({which})")


if __name__ == "__main__":
    main()
