"""Deadlines, late penalties, extensions and attempts (``grader.policy``), in time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from grader.policy import (
    Attempt,
    Extension,
    Phase,
    PolicyError,
    ReleasePolicy,
    attempts_left,
    counted_attempt,
    counted_score,
    deadlines,
    feedback_visible,
    late_factor,
    parse_local,
    show,
    time_left,
    validate,
    window,
)

DUE = datetime(2026, 12, 1, 22, 59, tzinfo=UTC)  # 23:59 in Berlin (CET, UTC+1)
LATE = DUE + timedelta(days=3)
PER_DAY = ReleasePolicy(due_at=DUE, late_until=LATE, penalty_kind="per_day", penalty_value=10)
BERLIN = "Europe/Berlin"


def at(**delta: float) -> datetime:
    return DUE + timedelta(**delta)


def test_on_time_up_to_and_including_the_due_instant():
    assert window(PER_DAY, at(days=-1), BERLIN).phase is Phase.OPEN
    on_the_dot = window(PER_DAY, DUE, BERLIN)
    assert on_the_dot.phase is Phase.OPEN and on_the_dot.factor == 1.0
    assert on_the_dot.message == ""


@pytest.mark.parametrize(
    "delta, factor",
    [
        (timedelta(seconds=1), 0.9),  # a started day counts whole
        (timedelta(hours=24), 0.9),
        (timedelta(hours=24, seconds=1), 0.8),
        (timedelta(days=3), 0.7),  # the last instant of the late window
    ],
)
def test_late_penalty_per_started_day(delta, factor):
    late = window(PER_DAY, DUE + delta, BERLIN)
    assert late.phase is Phase.LATE and late.accepts
    assert late.factor == pytest.approx(factor)
    assert "2026-12-01 23:59 CET" in late.message and f"{factor:.0%}" in late.message


def test_penalty_never_goes_below_zero():
    rules = ReleasePolicy(
        due_at=DUE, late_until=DUE + timedelta(days=30), penalty_kind="per_day", penalty_value=25
    )
    assert late_factor(rules, DUE, DUE + timedelta(days=5)) == 0.0


def test_fixed_factor_and_no_penalty():
    factor = ReleasePolicy(due_at=DUE, late_until=LATE, penalty_kind="factor", penalty_value=0.5)
    assert window(factor, at(days=2), "UTC").factor == 0.5
    lenient = ReleasePolicy(due_at=DUE, late_until=LATE)
    late = window(lenient, at(hours=1), "UTC")
    assert late.phase is Phase.LATE and late.factor == 1.0 and "no penalty" in late.message


def test_closed_after_late_until_names_the_deadlines():
    closed = window(PER_DAY, LATE + timedelta(seconds=1), BERLIN)
    assert closed.phase is Phase.CLOSED and not closed.accepts
    assert "2026-12-01 23:59 CET" in closed.message
    assert "2026-12-04 23:59 CET" in closed.message
    assert "extension" not in closed.message


def test_no_late_window_closes_at_the_due_date():
    strict = ReleasePolicy(due_at=DUE)
    assert window(strict, at(seconds=1), "UTC").phase is Phase.CLOSED


def test_extension_moves_the_deadline_and_keeps_the_late_window_length():
    ext = Extension(due_at=DUE + timedelta(days=7))
    own = deadlines(PER_DAY, ext)
    assert own.extended and own.due_at == ext.due_at
    assert own.late_until == ext.due_at + timedelta(days=3)
    assert window(PER_DAY, at(days=5), BERLIN, ext).phase is Phase.OPEN
    late = window(PER_DAY, ext.due_at + timedelta(hours=1), BERLIN, ext)
    assert late.phase is Phase.LATE and late.factor == pytest.approx(0.9)
    closed = window(PER_DAY, ext.due_at + timedelta(days=4), BERLIN, ext)
    assert closed.phase is Phase.CLOSED
    assert "Your extension: due 2026-12-08 23:59 CET" in closed.message
    assert "late uploads until 2026-12-11 23:59 CET" in closed.message


def test_an_earlier_extension_does_not_shorten_the_deadline():
    own = deadlines(PER_DAY, Extension(due_at=DUE - timedelta(days=1)))
    assert not own.extended and own.due_at == DUE


def test_not_open_before_opens_at():
    rules = ReleasePolicy(opens_at=DUE - timedelta(days=7), due_at=DUE)
    early = window(rules, DUE - timedelta(days=8), BERLIN)
    assert early.phase is Phase.NOT_OPEN and "2026-11-24 23:59 CET" in early.message


def test_no_deadline_is_always_open():
    assert window(ReleasePolicy(), datetime(2099, 1, 1, tzinfo=UTC), "UTC").phase is Phase.OPEN
    assert time_left(deadlines(ReleasePolicy()), DUE) is None


@pytest.mark.parametrize(
    "rules, words",
    [
        (ReleasePolicy(due_at=DUE, late_until=DUE - timedelta(seconds=1)), "before 'due at'"),
        (ReleasePolicy(late_until=DUE), "needs a 'due at'"),
        (ReleasePolicy(opens_at=DUE + timedelta(days=1), due_at=DUE), "before 'opens at'"),
        (ReleasePolicy(penalty_kind="per_day", penalty_value=120), "percentage"),
        (ReleasePolicy(penalty_kind="factor", penalty_value=1.5), "between 0 and 1"),
        (ReleasePolicy(penalty_kind="sometimes"), "late penalty"),
        (ReleasePolicy(max_attempts=0), "from 1 to 1000"),
        (ReleasePolicy(max_attempts=2**63), "from 1 to 1000"),
        (ReleasePolicy(penalty_value=float("nan")), "finite number"),
        (ReleasePolicy(counts="first"), "counted attempt"),
        (ReleasePolicy(feedback="never"), "feedback"),
    ],
)
def test_invalid_policies_are_refused_with_the_reason(rules, words):
    with pytest.raises(PolicyError, match=words):
        validate(rules)


def test_attempts_left():
    limited = ReleasePolicy(max_attempts=3)
    assert [attempts_left(limited, n) for n in range(5)] == [3, 2, 1, 0, 0]
    assert attempts_left(ReleasePolicy(), 99) is None


def test_counted_attempt_last_or_best():
    t0 = DUE - timedelta(days=2)
    tries = [
        Attempt("a", t0, 60.0),
        Attempt("b", t0 + timedelta(hours=1), 90.0),
        Attempt("c", t0 + timedelta(hours=2), None),  # not graded yet: never counts
        Attempt("d", t0 + timedelta(hours=3), 70.0),
        Attempt("e", t0 + timedelta(hours=4), 90.0),
    ]
    assert counted_attempt(ReleasePolicy(counts="last"), tries).key == "e"
    assert counted_attempt(ReleasePolicy(counts="best"), tries).key == "e"  # the later tie
    assert counted_attempt(ReleasePolicy(counts="best"), tries[:4]).key == "b"
    assert counted_attempt(ReleasePolicy(), [tries[2]]) is None
    assert counted_score(80.0, 0.9) == pytest.approx(72.0) and counted_score(None, 0.5) is None


def test_time_left_and_feedback_after_due():
    own = deadlines(PER_DAY)
    assert time_left(own, at(hours=-2)) == timedelta(hours=2)
    assert time_left(own, at(hours=2)) == timedelta(0)
    after_due = ReleasePolicy(due_at=DUE, feedback="after_due")
    assert not feedback_visible(after_due, deadlines(after_due), DUE)
    assert feedback_visible(after_due, deadlines(after_due), at(seconds=1))
    assert feedback_visible(ReleasePolicy(feedback="immediately"), own, at(days=-9))


def test_local_times_across_daylight_saving():
    # 23:59 local on each side of the end of summer time in Berlin (25 October 2026)
    summer = parse_local("2026-10-24 23:59", BERLIN)
    winter = parse_local("2026-10-25 23:59", BERLIN)
    assert summer == datetime(2026, 10, 24, 21, 59, tzinfo=UTC)
    assert winter == datetime(2026, 10, 25, 22, 59, tzinfo=UTC)
    assert winter - summer == timedelta(hours=25)
    assert show(summer, BERLIN) == "2026-10-24 23:59 CEST"
    assert parse_local("2026-10-24T23:59+00:00", BERLIN) == datetime(
        2026, 10, 24, 23, 59, tzinfo=UTC
    )
    with pytest.raises(PolicyError, match="not a date"):
        parse_local("next friday", BERLIN)
    with pytest.raises(PolicyError, match="unknown time zone"):
        parse_local("2026-10-24 23:59", "Mars/Olympus")
    # the CLI's dates as the web form's: the hour Berlin skips in March, and year 1
    with pytest.raises(PolicyError, match="2026-03-29 02:30 does not exist in Europe/Berlin"):
        parse_local("2026-03-29 02:30", BERLIN)
    with pytest.raises(PolicyError, match="0001-01-01 00:00 is out of range"):
        parse_local("0001-01-01 00:00", BERLIN)
