"""Fair to every correct solution: float32 and float64 solutions score full marks, known
mistakes still fail, and a failed comparison always shows numbers that differ."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from benchmarks.tolerances import correct_examples, mistake_figures, planned
from grader.assignment_folder import find
from grader.checks import Context
from grader.checks.compare import DEFAULT_TOLERANCE, compare, scales
from grader.checks.drivers import simulate
from grader.engine import grade_file
from tests.helpers import SUBMISSIONS

SLUGS = ["chain-rule", "xor-mlp", "circles-softmax"]
SEEDS = range(50)


@pytest.mark.parametrize("slug", SLUGS)
def test_correct_examples_in_float32_and_float64_score_full_marks_on_50_seeds(slug: str) -> None:
    """Every function and gradient check, judged by its own ``evaluate`` in this process on
    the inputs of 50 gradings (training is judged by accuracy, not by these comparisons)."""
    assignment = find(slug)
    ctx = Context(reference=assignment.reference, limits=assignment.limits)
    examples = correct_examples(slug)
    assert any("float32" in name for name in examples) and len(examples) >= 4
    lost = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in SEEDS:
            for check, task, state in planned(assignment, seed):
                for name, module in examples.items():
                    result = check.evaluate(state, simulate(task, module), ctx).result
                    if result.score < check.points:
                        lost.append(f"{name}, seed {seed}: {check.name}: {result.message}")
    assert not lost, "\n".join(lost[:5])


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_float32_submission_scores_full_marks_through_the_sandbox(slug: str) -> None:
    for seed in (1, 2):
        result = grade_file(find(slug), SUBMISSIONS / slug / "correct_float32.py", seed=seed)
        assert result.score == result.max_score, [c.message for c in result.checks]


@pytest.mark.parametrize("slug", SLUGS)
def test_every_known_mistake_is_far_beyond_the_tolerance(slug: str) -> None:
    """Measured on seed 0: the smallest mistake is 6e-2 (chain-rule), 600 times the tolerance."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        smallest, which = mistake_figures(find(slug), range(1))
    assert smallest > 100 * DEFAULT_TOLERANCE, which


def test_cancellation_in_float32_passes_and_a_real_difference_fails() -> None:
    rng = np.random.default_rng(0)
    terms = rng.normal(size=(6, 40))
    terms[0] -= terms[0].mean()  # row 0 sums to about zero: its entry comes from cancellation
    exact = terms.sum(axis=1)
    single = terms.astype(np.float32).sum(axis=1).astype(float)
    assert abs(single[0] - exact[0]) / abs(exact[0]) > 1e-6  # elementwise, it would fail
    assert compare(exact, single) is None
    wrong = exact.copy()
    wrong[0] += 1e-2  # one entry off: relative error 6e-4 over the whole array
    assert compare(exact, wrong) is not None


def test_a_tiny_value_from_cancellation_passes_on_the_checks_scale() -> None:
    """A saturated sigmoid: h (1 - h) in float32 keeps 3 digits, the check's other inputs 7."""
    h = 1 / (1 + np.exp(-9.0))
    exact = h * (1 - h)
    h32 = np.float32(1) / (np.float32(1) + np.exp(np.float32(-9.0)))
    single = float(h32 * (np.float32(1) - h32))
    assert abs(single - exact) / exact > DEFAULT_TOLERANCE
    typical = 0.2  # what the same function returns for unsaturated inputs
    assert compare(exact, single, scale=scales([exact, typical])) is None
    assert compare(exact, 2 * exact, scale=scales([exact, typical])) is not None


def test_a_failure_never_prints_the_same_numbers() -> None:
    expected = np.array([[0.004710, -0.052160, 0.057808512345, 0.029030]])
    got = expected.copy()
    got[0, 2] = 0.0578085198765
    mismatch = compare(expected, got, tolerance=1e-9, scale=1e-12)
    assert mismatch is not None
    assert "expected 0.05780851, got 0.05780852" in mismatch.message, mismatch.message
    for a, b in [(-0.0051839001, -0.0051839072), (1.0, 1 + 2e-16), (3e-300, 3.0000001e-300)]:
        scalar = compare(a, b, tolerance=0, scale=0)
        shown = re.search(r"expected (\S+), got (\S+) \(", scalar.message)
        assert shown and shown[1] != shown[2], scalar.message
    assert "tolerance 0" in scalar.message


def test_an_assignment_sets_its_own_tolerance() -> None:
    from grader.checks.function import FunctionCheck

    spec = {"points": 1, "function": "f", "args": [{"name": "x", "gen": "normal"}]}
    assert FunctionCheck(spec, dims=[{}], source="t").tolerance == DEFAULT_TOLERANCE
    tight = FunctionCheck({**spec, "tolerance": 1e-9}, dims=[{}], source="t")
    assert tight.tolerance == 1e-9
    assert FunctionCheck({**spec, "rtol": 1e-3}, dims=[{}], source="t").tolerance == 1e-3
