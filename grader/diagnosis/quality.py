"""The assignment quality report of ``grader validate``: does every known mistake cost points?

Every catalogue mutation of every graded function is applied to the reference
(in a copy of its module, so callers see it) and graded *in the trusted process*:
each check's task is run against the mutated reference instead of the sandbox (by its
driver's in-process simulation, grader.checks.drivers),
and judged by the check's own ``evaluate``. This is the instructors' own code,
so no sandbox is needed. A mutation no check catches is a hole; a check that no
mutation fails is listed as useless (it may still guard against other mistakes).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from grader.checks import Context
from grader.checks.drivers import simulate
from grader.diagnosis import diagnose_check
from grader.diagnosis.catalogue import Mutation, catalogue_for, dependencies
from grader.diagnosis.matching import same

DIRECT_KINDS = ("function", "gradient")


@dataclass
class MutantResult:
    mutation: Mutation
    score: float = 0.0
    failed: list[str] = field(default_factory=list)  # names of the checks that lost points
    named_in: list[str] = field(default_factory=list)  # checks whose diagnosis names it
    alongside: list[str] = field(default_factory=list)  # named with it wherever it is named
    applicable: bool = True
    only_convergence: bool = False

    @property
    def caught(self) -> bool:
        return bool(self.failed)

    def to_dict(self) -> dict:
        return {
            "mutation": self.mutation.id,
            "origin": self.mutation.origin,
            "score": self.score,
            "failed_checks": self.failed,
            "diagnosed_in": self.named_in,
            "alongside": self.alongside,
        }


@dataclass
class QualityReport:
    assignment: str
    max_score: float
    reference_score: float | None = None
    mutants: list[MutantResult] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    check_names: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def applicable(self) -> list[MutantResult]:
        return [m for m in self.mutants if m.applicable]

    @property
    def holes(self) -> list[str]:
        return [m.mutation.id for m in self.applicable if not m.caught]

    @property
    def undiagnosed(self) -> list[str]:
        """Caught by a function or gradient check, yet not named by its diagnosis."""
        return [
            m.mutation.id
            for m in self.applicable
            if m.caught and not m.named_in and not m.only_convergence
        ]

    @property
    def useless_checks(self) -> list[str]:
        used = {name for m in self.applicable for name in m.failed}
        return [name for name in self.check_names if name not in used]

    @property
    def coverage(self) -> float:
        total = len(self.applicable)
        return 1.0 if total == 0 else sum(m.caught for m in self.applicable) / total

    @property
    def reference_ok(self) -> bool:
        return self.reference_score is None or self.reference_score >= self.max_score

    @property
    def ok(self) -> bool:
        return self.reference_ok and not self.holes and not self.errors

    def to_dict(self) -> dict:
        return {
            "assignment": self.assignment,
            "reference_score": self.reference_score,
            "max_score": self.max_score,
            "coverage": self.coverage,
            "mutants": [m.to_dict() for m in self.applicable],
            "holes": self.holes,
            "undiagnosed": self.undiagnosed,
            "useless_checks": self.useless_checks,
            "not_applicable": self.not_applicable,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
        }

    def text(self) -> str:
        applicable = self.applicable
        caught = sum(m.caught for m in applicable)
        lines = [
            f"{self.assignment}: mutation report ({len(applicable)} known mistakes, "
            f"{self.seconds:.1f} s)"
        ]
        if self.reference_score is not None:
            lines.append(f"  reference: {self.reference_score:g} / {self.max_score:g}")
        width = max((len(m.mutation.id) for m in applicable), default=10)
        for m in applicable:
            if not m.caught:
                verdict = "HOLE: no check catches it"
            else:
                if m.named_in:
                    named = "diagnosed by name"
                elif m.only_convergence:
                    named = "caught by training only (no diagnosis there)"
                else:
                    named = "caught, but NOT diagnosed by name"
                if m.alongside:
                    named += f" (never apart from {', '.join(m.alongside)})"
                failed = ", ".join(m.failed[:3]) + (
                    f" +{len(m.failed) - 3}" if len(m.failed) > 3 else ""
                )
                verdict = f"{m.score:>5g} / {self.max_score:g}  {named}; fails {failed}"
            lines.append(f"  {m.mutation.id:<{width}}  {verdict}")
        lines.append(f"  mutation coverage: {caught} / {len(applicable)} ({self.coverage:.0%})")
        if self.holes:
            lines.append(f"  holes (mistakes no check catches): {', '.join(self.holes)}")
        if self.useless_checks:
            lines.append(f"  checks no known mistake fails: {', '.join(self.useless_checks)}")
        if self.not_applicable:
            lines.append(
                f"  not applicable on these checks' inputs: {len(self.not_applicable)} "
                "generic mutations (they do not change any output)"
            )
        for error in self.errors:
            lines.append(f"  error: {error}")
        return "\n".join(lines) + "\n"


def quality_report(
    assignment, *, seed: int = 0, reference_score: float | None = None
) -> QualityReport:
    """Apply every catalogue mutation of every graded function to the reference and grade it."""
    start = time.monotonic()
    reference = assignment.reference
    catalogue = catalogue_for(reference)
    report = QualityReport(
        assignment=assignment.slug,
        max_score=assignment.max_score,
        reference_score=reference_score,
        check_names=[c.name for c in assignment.checks],
        errors=list(catalogue.errors),
    )
    ctx = Context(reference=reference, limits=assignment.limits)
    rng = np.random.default_rng(seed)
    plans = []
    for check in assignment.checks:
        task, state = check.plan(np.random.default_rng(rng.integers(2**63)), ctx)
        uses = set()
        for name in check.student_functions():
            uses |= dependencies(reference, name) or {name}
        plans.append((check, task, state, uses))
    baseline = {
        check.name: simulate(task, reference)
        for check, task, _, _ in plans
        if check.kind in DIRECT_KINDS
    }
    graded = {c.function for c in assignment.checks if c.kind in DIRECT_KINDS}
    for mut in catalogue.mutations:
        if mut.origin != "assignment" and mut.function not in graded:
            continue
        module = catalogue.module(mut)
        affected = [p for p in plans if mut.function in p[3]]
        outcomes = {}
        changed = False
        for check, task, _, _ in affected:
            if check.kind in DIRECT_KINDS:
                outcome = simulate(task, module)
                outcomes[check.name] = outcome
                changed |= not all(
                    a.error is None and b.error is None and same(a.value, b.value)
                    for a, b in zip(outcome.calls, baseline[check.name].calls, strict=True)
                )
        if mut.origin != "assignment" and not changed:
            report.not_applicable.append(mut.id)
            continue
        result = MutantResult(mutation=mut, score=assignment.max_score)
        others: set[str] | None = None  # named with it by every check that names it
        for check, task, state, _ in affected:
            outcome = outcomes.get(check.name) or simulate(task, module)
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    graded_check = diagnose_check(check.evaluate(state, outcome, ctx), ctx)
            except Exception as exc:  # noqa: BLE001
                report.errors.append(f"check {check.name} failed to evaluate {mut.id}: {exc}")
                continue
            lost = check.points - graded_check.score
            if lost > 1e-9 or not graded_check.passed:
                result.failed.append(check.name)
                result.score -= lost
                named = [d["mutation"] for d in graded_check.details.get("diagnosis", [])]
                if mut.id in named:
                    result.named_in.append(check.name)
                    rest = set(named) - {mut.id}
                    others = rest if others is None else others & rest
        kinds = {c.name: c.kind for c in assignment.checks}
        result.only_convergence = bool(result.failed) and all(
            kinds[name] == "convergence" for name in result.failed
        )
        result.score = round(result.score, 4)
        result.alongside = sorted(others or ())
        report.mutants.append(result)
    report.seconds = time.monotonic() - start
    return report
