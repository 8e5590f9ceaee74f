"""Every seed of a built-in convergence check's pool converges in every variant a grading run
can draw (both labelings, another sample order), with a margin: the reference already
converges within 80 % of the training. (The correct corpus files were calibrated on the same
pools with ``benchmarks/convergence_pool.py``; tests/test_corpus.py grades them.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from grader.assignment_folder import discover
from grader.checks.pool import accuracy, variants

pytestmark = pytest.mark.slow

CHECKS = [
    (assignment, check)
    for assignment in discover().values()
    for check in assignment.checks
    if check.kind == "convergence"
]


@pytest.mark.parametrize(
    ("assignment", "check"), CHECKS, ids=[f"{a.slug}-{c.name}" for a, c in CHECKS]
)
def test_the_reference_converges_on_every_seed_of_the_pool(assignment, check) -> None:
    reference = assignment.reference
    failures = []
    # a quarter of the pool, spread over it: the whole pool is checked by the calibration
    # script (benchmarks/convergence_pool.py), which takes minutes
    for seed in check.seeds[::4]:
        for run in variants(check, seed, orders=1):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reached = min(
                    accuracy(check, reference, reference, run),
                    accuracy(check, reference, reference, run, budget=0.8),
                )
            if reached < check.min_accuracy:
                failures.append((seed, run["swap"], run["order"] is not None, reached))
    assert failures == []
