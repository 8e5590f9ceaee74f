"""Is this training step a gradient step? The convergence check's test of the procedure.

Accuracy after training says nothing about *how* the parameters were reached:
hand-written weights, another library's or a fake curve towards either reach it
too. So the convergence check also looks at single steps of the student's own
training and recomputes them with the reference gradient, in the trusted process:

* ``descent_step``: one epoch of a ``train()`` (parameters after ``k`` and after
  ``k + 1`` epochs): a full-batch step ``-c * grad`` for a learning-rate scale
  ``c`` in ``lr * {1, 2, 1/n, 2/n}`` (sum or mean loss, with or without the
  factor 0.5), or per-sample steps in some order (every order when there are at
  most ``MAX_ORDERS_N`` samples, else the data's order and its reverse);
* ``momentum_steps``: recorded iterations of the momentum loop,
  ``V' = mu * V - lr * grad(P)`` and ``P' = P + V'``, chained from the
  grader's own initial parameters.

The tolerance is relative (``RTOL``, far above what computing the same gradient
in another order or in float32 changes) plus the rounding of the parameters
themselves (float32 when every value is a float32, else float64). A step too
small to tell from that rounding proves nothing and does not pass.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, TypeGuard

import numpy as np

from grader.checks.base import Call, Context, Outcome, explain_error

RTOL = 1e-3
MAX_ORDERS_N = 5  # 5! = 120 orders of per-sample steps to try
MEASURABLE = 3.0  # a step must exceed the rounding slack this many times to prove anything

Gradient = Callable[..., Sequence[np.ndarray]]


def flat(params: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(p, dtype=float).ravel() for p in params])


def unflat(vector: np.ndarray, shapes: Sequence[Sequence[int]]) -> list[np.ndarray]:
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(vector[start : start + size].reshape(shape))
        start += size
    return out


def epsilon(*arrays: np.ndarray) -> float:
    """float32's resolution when every value is a float32 (a float32 implementation), else
    float64's."""
    single = all(
        np.array_equal(a, a.astype(np.float32).astype(float), equal_nan=True) for a in arrays
    )
    return float(np.finfo(np.float32 if single else np.float64).eps)


def _norm(v: np.ndarray) -> float:
    return float(np.linalg.norm(v))


def _matches(step: np.ndarray, expected: np.ndarray, slack: float) -> bool:
    return _norm(step - expected) <= RTOL * _norm(expected) + slack


def _per_sample(
    grad: Gradient, X: np.ndarray, Y: np.ndarray, params: list[np.ndarray], order, rate: float
) -> list[np.ndarray]:
    params = [p.copy() for p in params]
    for i in order:
        g = grad(X[i : i + 1], Y[i : i + 1], *params)
        params = [p - rate * np.asarray(d, dtype=float) for p, d in zip(params, g, strict=True)]
    return params


def descent_step(
    grad: Gradient,
    X: np.ndarray,
    Y: np.ndarray,
    before: list[np.ndarray],
    after: list[np.ndarray],
    learning_rate: float,
) -> str | None:
    """None when ``after`` is one epoch of gradient descent from ``before``, else why not."""
    start, end = flat(before), flat(after)
    step = end - start
    slack = epsilon(start, end) * (_norm(start) + _norm(end))
    g = flat(grad(X, Y, *before))
    n = len(X)
    scales = [learning_rate * s for s in (1.0, 2.0, 1.0 / n, 2.0 / n)]
    if not np.all(np.isfinite(step)) or not np.all(np.isfinite(g)):
        return "the parameters or the loss's gradient there are not finite numbers"
    scales = [r for r in scales if r * _norm(g) > MEASURABLE * slack]
    if not scales:
        return (
            "the loss's gradient there is too small for a step to show within the rounding of "
            "the parameters: were they trained, or written down?"
        )
    for rate in scales:
        if _matches(step, -rate * g, slack):
            return None
    orders = itertools.permutations(range(n)) if n <= MAX_ORDERS_N else (range(n), range(n)[::-1])
    for order in orders:
        for rate in (learning_rate, 2 * learning_rate):
            expected = flat(_per_sample(grad, X, Y, before, order, rate)) - start
            if _norm(expected) > MEASURABLE * slack and _matches(step, expected, (n + 1) * slack):
                return None
    if _norm(step) == 0:
        return "the parameters did not change at all"
    rate = min(scales, key=lambda r: _norm(step + r * g))
    off = _norm(step + rate * g) / _norm(rate * g)
    return (
        f"the change of the parameters is {off:.0%} away from a gradient step "
        "(-learning_rate x the loss's gradient, full-batch or per sample)"
    )


def momentum_steps(
    grad: Gradient,
    X: np.ndarray,
    T: np.ndarray,
    init: list[np.ndarray],
    records: list[np.ndarray],
    final: list[np.ndarray],
    *,
    iterations: int,
    learning_rate: float,
    momentum: float,
    functions: tuple[str, str],
) -> str | None:
    """None when every recorded iteration is ``V' = mu V - lr grad(P)``, ``P' = P + V'``, the
    first starts from ``init`` with zero velocities and the last ends at ``final``.
    ``functions``: the student's step functions computing V' and P', for the feedback."""
    velocity_function, params_function = functions
    shapes = [p.shape for p in init]
    size = sum(p.size for p in init)
    recorded_at, p_in, v_in, v_out, p_out = records
    rows = len(recorded_at)
    if any(np.shape(a) != (rows, size) for a in (p_in, v_in, v_out, p_out)) or rows == 0:
        return "the training loop's recorded states do not have the parameters' sizes"
    at = [int(i) for i in recorded_at]
    if at != sorted(set(at)) or at[0] < 0 or at[-1] >= iterations:
        return "the training loop's recorded iterations are not the ones asked for"
    if at[0] == 0 and not (
        np.array_equal(p_in[0], flat(init)) and not np.any(v_in[0])
    ):  # the grader's own starting point
        return "the first iteration did not start from the grader's initial parameters"
    if at[-1] == iterations - 1 and not np.array_equal(p_out[-1], flat(final)):
        return "the returned parameters are not those of the last iteration"
    for r in range(rows):
        chained = np.array_equal(p_in[r], p_out[r - 1]) and np.array_equal(v_in[r], v_out[r - 1])
        if r and at[r] == at[r - 1] + 1 and not chained:
            return f"iteration {at[r] + 1} did not start where iteration {at[r]} ended"
        eps = epsilon(p_in[r], v_in[r], v_out[r], p_out[r])
        g = flat(grad(X, T, *unflat(p_in[r], shapes)))
        expected = momentum * v_in[r] - learning_rate * g
        slack = eps * (momentum * _norm(v_in[r]) + learning_rate * _norm(g) + _norm(v_out[r]))
        if not np.all(np.isfinite(v_out[r])) or not _matches(v_out[r], expected, slack):
            off = _norm(v_out[r] - expected) / max(_norm(expected), 1e-300)
            return (
                f"at iteration {at[r] + 1}, {velocity_function}'s result is {off:.0%} away from "
                "momentum_term * V - learning_rate * (the cost's gradient)"
            )
        moved = p_out[r] - p_in[r]
        if not _matches(moved, v_out[r], eps * (_norm(p_in[r]) + _norm(p_out[r]))):
            return f"at iteration {at[r] + 1}, {params_function} did not return P + V"
    return None


# -- the steps of a convergence check's outcome -------------------------------------------


def training_problem(
    check, state: dict, outcome: Outcome, records: list, counted: list[bool], ctx: Context
) -> str | None:
    """Why a convergence check's training is not the gradient descent it should be, or
    None. Its ``state`` is the check's plan; ``records``, a momentum loop's per run;
    ``counted``, which runs reached the target (the loops of the others earn nothing)."""
    if not check.gradient:
        return None
    grad = getattr(ctx.reference, check.gradient)
    if check.driver.loop:
        return _loop_problem(check, state, outcome, records, counted, grad)
    plan = state["steps"]
    run = state["runs"][plan["run"]]
    X, Y = state["data"][plan["run"]]
    first = plan["first"]
    once, again, before_last, at_k, after_k = outcome.calls[first : first + 5]
    final = outcome.calls[plan["run"]]
    k, total = plan["k"], plan["total"]
    who = f"your {check.function}() (seed {run['seed']})"
    calls = [(1, once), (1, again), (total - 1, before_last), (k, at_k), (k + 1, after_k)]
    for epochs, call in [*calls, (total, final)]:
        if params_of(call, state["shapes"]) is None:
            why = (
                explain_error(check.function, call.error, ctx)
                if call.error
                else "it returned no parameters of the expected shapes"
            )
            return (
                f"{who} could not be checked for gradient descent: trained for {epochs} "
                f"epochs, {why}"
            )
    if len(once.value) != len(again.value) or not all(
        np.array_equal(a, b) for a, b in zip(once.value, again.value, strict=True)
    ):
        return (
            f"{who} is not repeatable: trained twice for 1 epoch with the same seed, it "
            "returned different parameters (seed your initialisation with `seed`)"
        )
    rate = float(check.spec["kwargs"][check.rate_arg])
    for start, end, a, b in ((k, k + 1, at_k, after_k), (total - 1, total, before_last, final)):
        not_descent = descent_step(grad, X, Y, floats(a.value), floats(b.value), rate)
        if not_descent:
            return (
                f"{who} did not update the parameters by gradient descent between epochs "
                f"{start} and {end}: {not_descent}; only parameters reached by gradient steps count"
            )
    return None


def _loop_problem(
    check, state: dict, outcome: Outcome, records: list, counted: list[bool], grad
) -> str | None:
    scored = outcome.calls[: len(state["runs"])]
    for run, (X, T), start, call, record, count in zip(
        state["runs"], state["data"], state["starts"], scored, records, counted, strict=True
    ):
        if not count:
            continue
        final = call.value[0] if isinstance(call.value, list) and call.value else None
        if not arrays(record, count=5) or not arrays(final):
            return (
                f"the training loop of seed {run['seed']} could not be checked for "
                "gradient descent (its iterations were not recorded)"
            )
        why = momentum_steps(
            grad,
            X,
            T,
            start,
            record,
            floats(final),
            iterations=int(check.spec["iterations"]),
            learning_rate=float(check.spec["learning_rate"]),
            momentum=float(check.spec["momentum"]),
            functions=tuple(check.driver.student_functions()),
        )
        if why:
            return (
                f"the training loop of seed {run['seed']} did not follow the momentum "
                f"update: {why}; only parameters reached by these steps count"
            )
    return None


def arrays(value: Any, count: int | None = None) -> TypeGuard[list[np.ndarray]]:
    """A non-empty list of arrays (of ``count`` items)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(p, np.ndarray) for p in value)
        and (count is None or len(value) == count)
    )


def floats(params: list[np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(p, dtype=float) for p in params]


def shaped(params: list[np.ndarray], shapes: list) -> bool:
    """The parameters have exactly these shapes: the reference only ever runs on those."""
    return [list(p.shape) for p in params] == [list(s) for s in shapes]


def params_of(call: Call, shapes: Any) -> list[np.ndarray] | None:
    """The parameters a call returned, if they are arrays of the expected shapes."""
    if call.error or not arrays(call.value):
        return None
    if shapes and not shaped(call.value, shapes):
        return None
    return call.value
