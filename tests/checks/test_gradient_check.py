"""The gradient check's pass rule: relative error, with a floor at the rounding noise of
the central difference so that a correct but tiny gradient is never failed on noise."""

from __future__ import annotations

import numpy as np

from grader.assignment_folder import find
from grader.checks.gradient import _row, numerical_gradient

# w1 * x = 13 saturates the hidden sigmoid: dJ/dw1 is about 3e-6, and its central
# difference carries a relative error of 3e-5 (over the 1e-5 tolerance) from rounding alone
SATURATED = [2.0, -0.7, 6.5, 1.3]  # x, y, w1, w2


def _grad_w1_row(grad_scale: float = 1.0) -> dict:
    reference = find("chain-rule").reference
    values = list(SATURATED)
    numeric, noise = numerical_gradient(reference.cost_of_weights, values, 2, 1e-6)
    grad = np.asarray(reference.grad_w1(*values) * grad_scale)
    return _row("w1", numeric, noise, grad, 1e-5)


def test_noise_floor_is_rounding_sized() -> None:
    reference = find("chain-rule").reference
    numeric, noise = numerical_gradient(reference.cost_of_weights, list(SATURATED), 2, 1e-6)
    exact = reference.grad_w1(*SATURATED)
    assert abs(float(numeric) - exact) <= float(noise)
    assert float(noise) < 1e-3 * abs(exact)


def test_exact_tiny_gradient_passes() -> None:
    row = _grad_w1_row()
    assert row["passed"], row


def test_wrong_tiny_gradient_still_fails() -> None:
    for scale in (-1.0, 0.5, 2.0):
        row = _grad_w1_row(scale)
        assert not row["passed"], (scale, row)
        assert row["rel_error"] > 0.1


def test_non_finite_gradient_fails_even_within_noise() -> None:
    numeric = np.zeros((2, 3))
    noise = np.full((2, 3), np.inf)
    grad = np.full((2, 3), np.nan)
    assert not _row("W", numeric, noise, grad, 1e-5)["passed"]


def test_example_is_over_tolerance_without_the_floor() -> None:
    row = _grad_w1_row()
    assert row["rel_error"] > 1e-5  # the case the floor exists for
