"""What a viewer is shown of a finished submission's checks and plots, on the result page
and in the API alike. A check the assignment marks ``hidden`` shows its student only its
name, result and points before their own due date (an extension moves it) when the
release shows full feedback after the due date: its message (the diagnosis, expected and
got, the gradient table) and its plots are withheld. The course's staff and site
administrators see everything. The rule is ``access.sees_hidden_details``; this module
reads the student's deadlines and applies it to the stored rows. No Flask."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from grader import access, policy
from grader.intake import student_extension
from grader.models import CheckRecord, Submission
from grader.stored_plots import submission_plots


@dataclass(frozen=True)
class ShownCheck:
    """A stored check as one viewer sees it."""

    name: str
    passed: bool
    score: float
    max_score: float
    message: str  # "" when withheld
    hidden: bool  # the assignment marks it hidden
    withheld: bool  # its details are withheld from this viewer, for now

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "score": self.score,
            "max_score": self.max_score,
            "message": self.message,
            "hidden": self.hidden,
            "withheld": self.withheld,
        }


@dataclass(frozen=True)
class Shown:
    """A submission's checks and plots as one viewer sees them now."""

    checks: list[ShownCheck]
    plots: dict[str, str]  # plot name -> sha256, those this viewer may see
    #: some hidden check's details are withheld from this viewer
    withheld: bool = False
    #: when the student sees the hidden checks' details: their own due date, if the release
    #: shows full feedback after it; None when they see them at once (or nothing is hidden)
    full_feedback_at: datetime | None = None
    #: one line for the page on when hidden details show; "" when there is nothing to say
    note: str = ""


def of_hidden_check(plot: str, hidden: Iterable[str]) -> bool:
    """Whether a plot (``<check>-loss``, ``<check>-boundary``) may be drawn from a hidden
    check: a plot whose name starts with a hidden check's name and a dash is taken as its
    (one plot too many withheld rather than one shown too early)."""
    return any(plot.startswith(f"{name}-") for name in hidden)


def apply(
    records: Iterable[CheckRecord], plots: dict[str, str], *, details: bool
) -> tuple[list[ShownCheck], dict[str, str]]:
    """The checks and plots shown: all of them with ``details``, else hidden checks show
    no message and their plots are left out."""
    checks = [
        ShownCheck(
            name=r.name,
            passed=r.passed,
            score=r.score,
            max_score=r.max_score,
            message=r.message if details or not r.hidden else "",
            hidden=bool(r.hidden),
            withheld=bool(r.hidden) and not details,
        )
        for r in records
    ]
    if details:
        return checks, dict(plots)
    hidden = [c.name for c in checks if c.hidden]
    return checks, {k: v for k, v in plots.items() if not of_hidden_check(k, hidden)}


def shown(session: Session, sub: Submission, viewer: access.Viewer, now: datetime) -> Shown:
    """What ``viewer`` (who may see ``sub``) is shown of its latest run at ``now``."""
    run = sub.latest_run
    records = list(run.checks) if run is not None and sub.finished else []
    plots = submission_plots(sub)
    if not any(r.hidden for r in records):
        return Shown(*apply(records, plots, details=True))
    release = sub.release
    rules = release.policy()
    own = policy.deadlines(rules, student_extension(session, release, sub.user_id))
    details = access.sees_hidden_details(viewer, release.course_id, rules, own, now)
    checks, visible = apply(records, plots, details=details)
    at = own.due_at if rules.feedback == "after_due" else None
    when = policy.show(at, release.course.timezone)
    if not details:
        note = f"Hidden checks show their details after the due date ({when})."
    elif at is not None and now <= at:
        note = f"The student sees the details of the checks marked hidden after {when}."
    else:
        note = ""
    return Shown(checks, visible, withheld=not details, full_feedback_at=at, note=note)
