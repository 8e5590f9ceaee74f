"""Function check: the student's function against the reference on random inputs."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np

from grader.checks.base import Check, Context, Judged, Outcome, Trials, encode_args, explain_error
from grader.checks.compare import DEFAULT_TOLERANCE, compare, scales
from grader.checks.inputs import draw, signature
from grader.errors import AssignmentError
from grader.sandbox.inside.protocol import Task


class FunctionCheck(Check):
    kind = "function"
    required: ClassVar[tuple[str, ...]] = ("points", "function", "args")
    optional: ClassVar[tuple[str, ...]] = ("trials", "tolerance", "rtol", "atol", "returns")

    def __init__(self, spec: dict, *, dims: list[dict], source: str) -> None:
        super().__init__(spec, dims=dims, source=source)
        self.function: str = spec["function"]  # required
        self.trials = int(spec.get("trials", len(self.dims)))
        if self.trials < 1:
            raise AssignmentError(f"{source}: trials must be at least 1", field="trials")
        # rtol: the older name of tolerance (it was elementwise then)
        self.tolerance = tolerance_field(spec, "tolerance", source, spec.get("rtol"))
        self.atol = tolerance_field(spec, "atol", source, 0.0)
        self.returns: list[str] | None = spec.get("returns")

    def draw_inputs(self, rng: np.random.Generator) -> list[tuple[dict, list[Any]]]:
        trials = []
        for t in range(self.trials):
            dims = self.dims[t % len(self.dims)]
            trials.append((dims, [draw(arg, dims, rng) for arg in self.args]))
        return trials

    def plan(self, rng: np.random.Generator, ctx: Context) -> tuple[Task, Any]:
        trials = self.draw_inputs(rng)
        reference = getattr(ctx.reference, self.function)
        state = [(values, reference(*copy.deepcopy(values))) for _, values in trials]
        task: Task = {
            "driver": "call",
            "calls": [{"fn": self.function, "args": encode_args(values)} for values, _ in state],
        }
        return task, state

    def evaluate(self, state: Any, outcome: Outcome, ctx: Context) -> Judged:
        if outcome.failure:
            return Judged(self.result(False, outcome.failure))
        names = [a["name"] for a in self.args]
        scale = scales([expected for _, expected in state])
        failures: list[dict[str, Any]] = []
        for (values, expected), call in zip(state, outcome.calls, strict=True):
            call_text = signature(self.function, names, values)
            if call.error:
                failures.append(
                    {
                        "call": call_text,
                        "message": explain_error(self.function, call.error, ctx),
                        "error": call.error,
                    }
                )
                continue
            mismatch = compare(
                expected,
                call.value,
                tolerance=self.tolerance,
                scale=scale,
                atol=self.atol,
                names=self.returns,
            )
            if mismatch:
                failures.append(
                    {
                        "call": call_text,
                        "message": mismatch.text(),
                        "kind": mismatch.kind,
                        "rel_error": mismatch.rel_error,
                        "values": values,
                        "expected": expected,
                        "got": call.value,
                    }
                )
        if not failures:
            return Judged(self.result(True, f"correct on {len(state)} random inputs"))
        first = failures[0]
        if first.get("error", {}).get("type") in ("MissingFunction", "NotCallable"):
            return Judged(self.result(False, first["message"], failures=failures))
        if "error" in first:
            message = f"{first['message']} (called as {first['call']})"
        else:
            message = f"{first['call']}: {first['message']}"
        message += f" [failed on {len(failures)} of {len(state)} inputs]"
        pairs = [(values, call) for (values, _), call in zip(state, outcome.calls, strict=True)]
        return Judged(
            self.result(False, message, failures=failures),
            Trials(self.function, pairs, names=self.returns, args=self.args),
        )


def tolerance_field(spec: dict, key: str, source: str, default: Any = None) -> float:
    """A tolerance from the spec: a number >= 0 (the shared default when absent)."""
    value = spec.get(key, default)
    if value is None:
        return DEFAULT_TOLERANCE
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise AssignmentError(f"{source}: {key} must be a number >= 0", field=key)
    return float(value)
