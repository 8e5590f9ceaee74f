"""A convergence check's seed pool: the variants a grading run can draw, and training them.

Every seed of a check's ``seeds`` must converge in every variant (both labelings, any
sample order) for the reference and the correct corpus files alike, else a correct
submission could fail on the draw of a run. ``benchmarks/convergence_pool.py`` finds
such seeds; ``tests/checks/test_convergence_pool.py`` re-checks the reference on the pools.
Trusted code only: this trains in the calling process.
"""

from __future__ import annotations

import random

import numpy as np

from grader import datasets
from grader.checks.convergence import ConvergenceCheck
from grader.checks.drivers import MomentumDriver


def variants(check: ConvergenceCheck, seed: int, orders: int) -> list[dict]:
    """The runs a grading run can draw for ``seed``: both labelings, a few sample orders."""
    n = len(datasets.make(check.dataset, seed)[0])
    rng = np.random.default_rng(seed)
    shuffles = [None]
    if check.shuffle:
        shuffles += [rng.permutation(n).tolist() for _ in range(orders)]
    swaps = (False, True) if check.swap_classes else (False,)
    return [{"seed": seed, "order": o, "swap": s} for o in shuffles for s in swaps]


def accuracy(check: ConvergenceCheck, reference, module, run: dict, budget: float = 1.0) -> float:
    """The accuracy reached in ``run``, trained for ``budget`` times the check's length."""
    X, Y = check.run_data(run)
    if isinstance(check.driver, MomentumDriver):
        params = check.driver.train(module, reference, X, Y, run["seed"], budget)[0]
    else:
        assert check.function is not None, "driver 'call' has a function"
        kwargs = {**check.spec.get("kwargs", {}), check.spec.get("seed_arg", "seed"): run["seed"]}
        kwargs[check.epochs_arg] = int(budget * int(check.total_epochs or 0))
        random.seed(run["seed"])  # as the sandbox does before every call
        np.random.seed(run["seed"])
        params = getattr(module, check.function)(X, Y, **kwargs)
    params = [np.asarray(p, dtype=float) for p in params]
    return float(getattr(reference, check.judge)(params, X, Y))
