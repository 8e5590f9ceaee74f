"""Result records. A crash still yields a result: a check that could not run
is a failed check with a message, never an exception."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def jsonable(value: Any) -> Any:
    """Details hold numpy values (inputs, outputs); JSON gets plain lists and numbers."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass
class CheckResult:
    name: str
    max_score: float
    score: float = 0.0
    passed: bool = False
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    #: the assignment marks the check hidden: before the due date its student may be
    #: shown only its name, result and points (the service decides, per release)
    hidden: bool = False

    def to_dict(self, *, details: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "passed": self.passed,
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "message": self.message,
            "hidden": self.hidden,
        }
        if details and self.details:
            out["details"] = jsonable(self.details)
        return out


@dataclass
class GradeResult:
    assignment: str
    status: str  # "graded" | "rejected"
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None
    max_score: float = 0.0
    log: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 4)

    def to_dict(self, *, details: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "assignment": self.assignment,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "checks": [c.to_dict(details=details) for c in self.checks],
            "error": self.error,
        }
        if details and self.log:
            out["log"] = jsonable(self.log)
        return out

    @classmethod
    def rejected(cls, assignment: str, reason: str, max_score: float = 0.0) -> GradeResult:
        return cls(assignment=assignment, status="rejected", error=reason, max_score=max_score)
