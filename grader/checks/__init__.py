"""The registry of check kinds an assignment can use."""

from __future__ import annotations

from grader.checks.base import Check, Context, Outcome, read_outcome
from grader.checks.convergence import ConvergenceCheck
from grader.checks.function import FunctionCheck
from grader.checks.gradient import GradientCheck
from grader.errors import AssignmentError

KINDS: dict[str, type[Check]] = {
    cls.kind: cls for cls in (FunctionCheck, GradientCheck, ConvergenceCheck)
}


def build_check(spec: dict, *, dims: list[dict], source: str) -> Check:
    kind = spec.get("kind") if isinstance(spec, dict) else None
    if kind not in KINDS:
        raise AssignmentError(
            f"{source}: unknown check kind {kind!r} (one of {', '.join(KINDS)})", field="kind"
        )
    return KINDS[kind](spec, dims=dims, source=source)


__all__ = ["KINDS", "Check", "Context", "Outcome", "build_check", "read_outcome"]
