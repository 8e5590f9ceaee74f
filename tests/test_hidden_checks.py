"""Checks marked hidden: who sees their details when (the rule, without a sandbox or a
database), what the shown checks and plots are once it is applied, and that the engine's
feedback of a check that is always shown never quotes a hidden check's diagnosis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader import policy
from grader.access import Viewer, sees_hidden_details
from grader.assignment_folder import find, load_assignment
from grader.engine import grade_file
from grader.models import CheckRecord
from grader.visible_feedback import apply, of_hidden_check
from tests.helpers import CORPUS_SEED, SUBMISSIONS, with_hidden_checks

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DUE = NOW + timedelta(days=1)
COURSE = 7
STUDENT = Viewer(user_id=1, roles={COURSE: "student"})
STAFF = {
    "ta": Viewer(user_id=2, roles={COURSE: "ta"}),
    "instructor": Viewer(user_id=3, roles={COURSE: "instructor"}),
    "admin": Viewer(user_id=4, admin=True),
    "token": Viewer(roles={COURSE: "instructor"}),  # an LMS token of the course
}
AFTER_DUE = policy.ReleasePolicy(due_at=DUE, feedback="after_due")


def sees(viewer: Viewer, rules: policy.ReleasePolicy, at: datetime, extension=None) -> bool:
    own = policy.deadlines(rules, extension)
    return sees_hidden_details(viewer, COURSE, rules, own, at)


def test_the_student_sees_hidden_details_only_after_the_due_date() -> None:
    assert not sees(STUDENT, AFTER_DUE, NOW)
    assert not sees(STUDENT, AFTER_DUE, DUE)  # at the due date itself: not yet
    assert sees(STUDENT, AFTER_DUE, DUE + timedelta(seconds=1))
    assert sees(STUDENT, AFTER_DUE, DUE + timedelta(days=30))


@pytest.mark.parametrize("who", sorted(STAFF))
def test_staff_and_site_administrators_always_see_them(who: str) -> None:
    assert sees(STAFF[who], AFTER_DUE, NOW)
    assert sees(STAFF[who], AFTER_DUE, DUE + timedelta(days=1))


def test_staff_of_another_course_are_no_staff_here() -> None:
    other = Viewer(user_id=5, roles={COURSE + 1: "instructor"})
    assert not sees(other, AFTER_DUE, NOW)


def test_feedback_shown_immediately_or_without_a_due_date_hides_nothing() -> None:
    assert sees(STUDENT, policy.ReleasePolicy(due_at=DUE, feedback="immediately"), NOW)
    assert sees(STUDENT, policy.ReleasePolicy(feedback="after_due"), NOW)


def test_an_extension_keeps_them_hidden_until_the_students_own_due_date() -> None:
    extension = policy.Extension(due_at=DUE + timedelta(days=3))
    later = DUE + timedelta(days=1)
    assert sees(STUDENT, AFTER_DUE, later)  # a classmate without the extension
    assert not sees(STUDENT, AFTER_DUE, later, extension)
    assert sees(STUDENT, AFTER_DUE, extension.due_at + timedelta(minutes=1), extension)
    assert sees(STAFF["ta"], AFTER_DUE, later, extension)
    # an extension never moves the due date earlier
    assert not sees(STUDENT, AFTER_DUE, NOW, policy.Extension(due_at=NOW - timedelta(days=1)))


def rows() -> list[CheckRecord]:
    return [
        CheckRecord(name="forward", passed=False, score=0.0, max_score=10.0, message="got 3"),
        CheckRecord(name="xor-converges", passed=False, score=0.0, max_score=30, message="seed 4"),
        CheckRecord(name="backward", passed=True, score=25.0, max_score=25, message="correct"),
    ]


PLOTS = {"xor-converges-loss": "a", "xor-converges-boundary": "b", "forward-loss": "c"}


def test_withheld_checks_show_name_result_and_points_only() -> None:
    records = rows()
    records[1].hidden = records[2].hidden = True
    checks, plots = apply(records, PLOTS, details=False)
    assert [c.to_dict() for c in checks] == [
        {
            "name": "forward",
            "passed": False,
            "score": 0.0,
            "max_score": 10.0,
            "message": "got 3",
            "hidden": False,
            "withheld": False,
        },
        {
            "name": "xor-converges",
            "passed": False,
            "score": 0.0,
            "max_score": 30,
            "message": "",
            "hidden": True,
            "withheld": True,
        },
        {
            "name": "backward",
            "passed": True,
            "score": 25.0,
            "max_score": 25,
            "message": "",
            "hidden": True,
            "withheld": True,
        },
    ]
    assert plots == {"forward-loss": "c"}
    checks, plots = apply(records, PLOTS, details=True)
    assert [c.message for c in checks] == ["got 3", "seed 4", "correct"]
    assert [(c.hidden, c.withheld) for c in checks] == [
        (False, False),
        (True, False),
        (True, False),
    ]
    assert plots == PLOTS


def test_a_plot_belongs_to_the_check_its_name_starts_with() -> None:
    assert of_hidden_check("xor-converges-loss", ["xor-converges"])
    assert of_hidden_check("xor-converges-boundary", ["forward", "xor-converges"])
    # a name that starts with a hidden check's is taken as its: better one plot too few
    assert of_hidden_check("xor-converges-loss", ["xor"])
    assert not of_hidden_check("xor-loss", ["xor-converges"])
    assert not of_hidden_check("forward-loss", ["xor-converges"])
    assert not of_hidden_check("xor-converges", ["xor-converges"])
    assert not of_hidden_check("xor-converges-loss", [])


def test_the_built_in_assignments_hide_no_check() -> None:
    for slug in ("chain-rule", "xor-mlp", "circles-softmax"):
        assert not [c.name for c in find(slug).checks if c.hidden], slug


ROOT_CAUSE = "the check of your `backward` found this mistake there"


def test_a_shown_check_never_quotes_a_hidden_checks_diagnosis(tmp_path: Path) -> None:
    """The training check's feedback names the mistake the check of ``backward`` found; with
    the checks of ``backward`` hidden it does not (theirs still do: the engine keeps every
    message, the service decides who sees it)."""
    bug = SUBMISSIONS / "xor-mlp" / "bug_backward_sign.py"
    shown = grade_file(find("xor-mlp"), bug, seed=CORPUS_SEED)
    by_name = {c.name: c for c in shown.checks}
    assert ROOT_CAUSE in by_name["xor-converges"].message
    assert not any(c.hidden for c in shown.checks)

    folder = with_hidden_checks(
        "xor-mlp", tmp_path / "xor-mlp-hidden", {"backward", "backward-numerical"}
    )
    hidden = grade_file(load_assignment(folder), bug, seed=CORPUS_SEED)
    by_name = {c.name: c for c in hidden.checks}
    assert [c.name for c in hidden.checks if c.hidden] == ["backward", "backward-numerical"]
    assert [c.to_dict()["hidden"] for c in hidden.checks] == [c.hidden for c in hidden.checks]
    assert hidden.score == shown.score  # the points and results are the same
    assert [c.passed for c in hidden.checks] == [c.passed for c in shown.checks]
    explanation = "the sign is flipped"
    assert explanation in by_name["backward"].message
    for check in hidden.checks:
        if not check.hidden:
            assert ROOT_CAUSE not in check.message, check.name
            assert explanation not in check.message, check.name
