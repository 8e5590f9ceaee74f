"""Gradient check: the student's gradients against central differences of the reference cost."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from grader.checks.base import Context, Judged, Outcome, Trials, encode_args, explain_error
from grader.checks.compare import (
    digits_to_tell,
    excerpt,
    relative_error,
    rounding_floor,
    scales,
)
from grader.checks.function import FunctionCheck
from grader.checks.inputs import signature
from grader.errors import AssignmentError
from grader.sandbox.inside.protocol import Task

# Rounding in the cost itself (a few ulps per operation) divided by 2*eps is the
# noise of a central difference; entries closer than this many times
# eps_machine * |J| / (2 * eps) agree as well as the numerical gradient can tell.
NOISE_ULPS = 8


def numerical_gradient(
    cost, values: list[Any], index: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of `cost` with respect to argument `index`, and their noise floor."""
    base = np.array(values[index], dtype=float)
    grad = np.zeros_like(base)
    noise = np.zeros_like(base)
    for pos in np.ndindex(base.shape):
        shifted = []
        for sign in (1.0, -1.0):
            probe = base.copy()
            probe[pos] += sign * eps
            args = copy.deepcopy(values)
            args[index] = float(probe) if base.ndim == 0 else probe
            shifted.append(float(cost(*args)))
        grad[pos] = (shifted[0] - shifted[1]) / (2 * eps)
        scale = max(abs(shifted[0]), abs(shifted[1]))
        noise[pos] = NOISE_ULPS * np.finfo(float).eps * scale / (2 * eps)
    return grad, noise


class GradientCheck(FunctionCheck):
    kind = "gradient"
    required = ("points", "function", "args", "cost", "wrt")
    optional = ("eps",)

    def __init__(self, spec: dict, *, dims: list[dict], source: str) -> None:
        spec = {"trials": 1, **spec}
        super().__init__(spec, dims=dims, source=source)
        self.cost = spec["cost"]
        self.wrt: list[str] = list(spec["wrt"])
        names = [a["name"] for a in self.args]
        for name in self.wrt:
            if name not in names:
                raise AssignmentError(
                    f"{source}: wrt names {name!r}, which is not an argument", field="wrt"
                )
        self.eps = float(spec.get("eps", 1e-6))

    def named_functions(self) -> list[tuple[str, str]]:
        return [*super().named_functions(), ("cost", self.cost)]

    def plan(self, rng: np.random.Generator, ctx: Context) -> tuple[Task, Any]:
        trials = [values for _, values in self.draw_inputs(rng)]
        task: Task = {
            "driver": "call",
            "calls": [{"fn": self.function, "args": encode_args(v)} for v in trials],
        }
        return task, trials

    def evaluate(self, state: Any, outcome: Outcome, ctx: Context) -> Judged:
        if outcome.failure:
            return Judged(self.result(False, outcome.failure))
        names = [a["name"] for a in self.args]
        cost = getattr(ctx.reference, self.cost)
        rows, fails = [], 0
        numerics = [
            [numerical_gradient(cost, values, names.index(n), self.eps) for n in self.wrt]
            for values in state
        ]
        scale = scales([[numeric for numeric, _ in per] for per in numerics])
        for values, call, per in zip(state, outcome.calls, numerics, strict=True):
            call_text = signature(self.function, names, values)
            if call.error:
                message = explain_error(self.function, call.error, ctx)
                if call.error.get("type") not in ("MissingFunction", "NotCallable"):
                    message += f" (called as {call_text})"
                return Judged(self.result(False, message))
            got = call.value if len(self.wrt) > 1 else [call.value]
            if not isinstance(got, list) or len(got) != len(self.wrt):
                return Judged(
                    self.result(
                        False,
                        f"{call_text}: expected {len(self.wrt)} gradients "
                        f"({', '.join(self.wrt)}), got {_count(call.value)}",
                    )
                )
            for i, (name, grad) in enumerate(zip(self.wrt, got, strict=True)):
                numeric, noise = per[i]
                noise = noise + max(self.atol, rounding_floor(scale[i]))
                row = _row(name, numeric, noise, grad, self.tolerance)
                fails += not row["passed"]
                rows.append(row)
        passed = fails == 0
        table = "; ".join(_row_text(r) for r in rows)
        head = (
            "gradients match central differences"
            if passed
            else f"{fails} of {len(rows)} gradients are wrong"
        )
        result = self.result(
            passed,
            f"{head}: {table}",
            fraction=(len(rows) - fails) / len(rows),
            table=[{k: v for k, v in r.items() if k not in ("numeric", "got")} for r in rows],
            rows=rows,
            values=state[0],
        )
        k = len(self.wrt)
        numerics_per_call = [
            [r["numeric"] for r in rows[i * k : (i + 1) * k]] for i in range(len(state))
        ]
        return Judged(
            result,
            Trials(
                self.function,
                list(zip(state, outcome.calls, strict=True)),
                names=self.wrt,
                expected=None
                if callable(getattr(ctx.reference, self.function, None))
                else [n if k > 1 else n[0] for n in numerics_per_call],
                args=self.args,
            ),
        )


def _count(value: Any) -> str:
    return f"{len(value)} values" if isinstance(value, list) else "a single value"


def _row(name: str, numeric: np.ndarray, noise: np.ndarray, grad: Any, tolerance: float) -> dict:
    """Passes when the relative error is within tolerance, or when every entry is
    within the noise: that of the central difference (tiny gradients, where the
    relative error only measures rounding), plus the float32 rounding of the
    check's scale when the caller adds it (see grader.checks.compare)."""
    row = {
        "param": name,
        "shape": list(numeric.shape),
        "passed": False,
        "rel_error": None,
        "worst": None,
        "numeric": numeric,
        "got": grad,
    }
    if not isinstance(grad, np.ndarray):
        row["problem"] = "not an array"
        return row
    g = grad.reshape(numeric.shape) if numeric.size == 1 and grad.size == 1 else grad
    if g.shape != numeric.shape:
        row["problem"] = f"shape {tuple(g.shape)}, expected {tuple(numeric.shape)}"
        return row
    diff = np.abs(g - numeric)
    rel = relative_error(numeric, g)
    flat = int(np.argmax(np.where(np.isnan(diff), np.inf, diff)))
    worst = np.unravel_index(flat, diff.shape) if diff.ndim else ()
    d = digits_to_tell(float(numeric[worst]), float(g[worst]), 4)
    row.update(
        rel_error=rel,
        worst=[int(i) for i in worst],
        passed=bool(np.all(np.isfinite(g)) and (rel <= tolerance or np.all(diff <= noise))),
        expected_worst=float(numeric[worst]),
        got_worst=float(g[worst]),
        excerpt=f"numerical {excerpt(numeric, digits=d, around=flat)}, "
        f"yours {excerpt(g, digits=d, around=flat)}",
    )
    return row


def _row_text(row: dict) -> str:
    shape = tuple(row["shape"]) if row["shape"] else "scalar"
    if row.get("problem"):
        return f"{row['param']} {shape}: {row['problem']}"
    mark = "ok" if row["passed"] else "WRONG"
    text = f"{row['param']} {shape}: relative error {row['rel_error']:.2g} {mark}"
    if not row["passed"]:
        x, y = row["expected_worst"], row["got_worst"]
        d = digits_to_tell(x, y)
        text += f" (worst at {row['worst']}: numerical {x:.{d}g}, yours {y:.{d}g})"
    return text
