"""Deadlines, late penalties and attempts: whether an upload is open, late or
closed for one student (with their extension), what a late upload's score is
worth, which attempt counts, how many are left. Pure functions of the release's
policy and the time: no database, no Flask. Times are aware datetimes; they are
compared in UTC and shown in the course's time zone."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

PENALTY_KINDS = ("none", "per_day", "factor")
COUNTS = ("last", "best")
FEEDBACK = ("immediately", "after_due")
DAY = timedelta(days=1)


#: more is "unlimited" in practice; the bound keeps the number a database integer
MAX_ATTEMPTS = 1000


class PolicyError(ValueError):
    """A release or extension that cannot be: its message says which value and why."""


@dataclass(frozen=True)
class ReleasePolicy:
    opens_at: datetime | None = None
    due_at: datetime | None = None
    late_until: datetime | None = None
    penalty_kind: str = "none"
    penalty_value: float = 0.0
    max_attempts: int | None = None
    counts: str = "last"
    feedback: str = "immediately"


@dataclass(frozen=True)
class Extension:
    due_at: datetime
    late_until: datetime | None = None


@dataclass(frozen=True)
class Deadlines:
    """One student's deadlines: the release's, or their extension's."""

    due_at: datetime | None
    late_until: datetime | None
    extended: bool = False

    @property
    def closes_at(self) -> datetime | None:
        return self.late_until or self.due_at


class Phase(Enum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    LATE = "late"
    CLOSED = "closed"


@dataclass(frozen=True)
class Window:
    phase: Phase
    deadlines: Deadlines
    factor: float  # what a score uploaded now is multiplied by
    message: str  # why it is refused, or what the late penalty is; "" when on time

    @property
    def accepts(self) -> bool:
        return self.phase in (Phase.OPEN, Phase.LATE)


@functools.cache
def _zones() -> frozenset[str]:
    # "localtime" is the server's own zone and "Factory" no place at all
    return frozenset(available_timezones()) - {"localtime", "Factory"}


def zone(name: str) -> ZoneInfo:
    try:
        if name not in _zones():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PolicyError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
        ) from exc


def show(moment: datetime | None, tz: str) -> str:
    """A time as a course shows it: ``2026-12-01 23:59 CET``."""
    if moment is None:
        return "-"
    return moment.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M %Z")


def parse_local(text: str, tz: str) -> datetime:
    """``2026-12-01 23:59`` (or ISO 8601) in the course's zone, unless it names its own."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise PolicyError(f"{text!r} is not a date and time like 2026-12-01 23:59") from exc
    if moment.tzinfo is None:
        return local_to_utc(moment, tz)
    return moment.astimezone(UTC)


def local_to_utc(moment: datetime, tz: str) -> datetime:
    """A time without a zone, read in ``tz``, in UTC. PolicyError for a time the zone
    skips (the hour its clocks jump over) and one that UTC cannot hold."""
    where = zone(tz)
    shown = moment.isoformat(" ", "minutes")
    try:
        found = moment.replace(tzinfo=where).astimezone(UTC)
        back = found.astimezone(where).replace(tzinfo=None)
    except (OverflowError, ValueError) as exc:
        raise PolicyError(f"{shown} is out of range") from exc
    if back != moment:
        raise PolicyError(f"{shown} does not exist in {tz} (the clocks skip it)")
    return found


def validate(policy: ReleasePolicy) -> None:
    """Raise PolicyError for dates out of order or a policy value out of range."""
    if policy.late_until is not None and policy.due_at is None:
        raise PolicyError("'late until' needs a 'due at' date")
    if policy.late_until is not None and policy.due_at and policy.late_until < policy.due_at:
        raise PolicyError("'late until' is before 'due at'")
    if policy.opens_at and policy.due_at and policy.due_at < policy.opens_at:
        raise PolicyError("'due at' is before 'opens at'")
    if not math.isfinite(policy.penalty_value):
        raise PolicyError("the late penalty is a finite number")
    if policy.penalty_kind not in PENALTY_KINDS:
        raise PolicyError(f"the late penalty is one of {', '.join(PENALTY_KINDS)}")
    if policy.penalty_kind == "per_day" and not 0 <= policy.penalty_value <= 100:
        raise PolicyError("a penalty per day is a percentage between 0 and 100")
    if policy.penalty_kind == "factor" and not 0 <= policy.penalty_value <= 1:
        raise PolicyError("a late factor is between 0 and 1 (0.5 halves a late score)")
    if policy.max_attempts is not None and not 1 <= policy.max_attempts <= MAX_ATTEMPTS:
        raise PolicyError(
            f"the maximum number of attempts is from 1 to {MAX_ATTEMPTS} (or none: unlimited)"
        )
    if policy.counts not in COUNTS:
        raise PolicyError(f"the counted attempt is one of {', '.join(COUNTS)}")
    if policy.feedback not in FEEDBACK:
        raise PolicyError(f"feedback is shown {' or '.join(FEEDBACK)}")


def validate_extension(extension: Extension) -> None:
    if extension.late_until is not None and extension.late_until < extension.due_at:
        raise PolicyError("the extension's 'late until' is before its 'due at'")


def deadlines(policy: ReleasePolicy, extension: Extension | None = None) -> Deadlines:
    """The student's deadlines. An extension moves the due date (never earlier than the
    release's); without its own 'late until' it keeps the release's late window length."""
    if extension is None or policy.due_at is None or extension.due_at <= policy.due_at:
        return Deadlines(policy.due_at, policy.late_until)
    late_until = extension.late_until
    if late_until is None and policy.late_until is not None:
        late_until = extension.due_at + (policy.late_until - policy.due_at)
    return Deadlines(extension.due_at, late_until, extended=True)


def late_factor(policy: ReleasePolicy, due_at: datetime | None, at: datetime) -> float:
    """What the score of an upload at ``at`` is multiplied by (1.0 on time)."""
    if due_at is None or at <= due_at or policy.penalty_kind == "none":
        return 1.0
    if policy.penalty_kind == "factor":
        return policy.penalty_value
    started_days = math.ceil((at - due_at) / DAY)
    return max(0.0, 1.0 - policy.penalty_value / 100 * started_days)


def window(
    policy: ReleasePolicy, now: datetime, tz: str, extension: Extension | None = None
) -> Window:
    """Whether an upload at ``now`` is accepted, late (and at what factor) or refused."""
    own = deadlines(policy, extension)
    if policy.opens_at is not None and now < policy.opens_at:
        return Window(
            Phase.NOT_OPEN, own, 0.0, f"This assignment opens at {show(policy.opens_at, tz)}."
        )
    if own.due_at is None or now <= own.due_at:
        return Window(Phase.OPEN, own, 1.0, "")
    if own.late_until is not None and now <= own.late_until:
        factor = late_factor(policy, own.due_at, now)
        return Window(Phase.LATE, own, factor, _late_message(policy, own, factor, tz))
    return Window(Phase.CLOSED, own, 0.0, _closed_message(policy, own, tz))


def _late_message(policy: ReleasePolicy, own: Deadlines, factor: float, tz: str) -> str:
    how = (
        f"{policy.penalty_value:g}% per started day"
        if policy.penalty_kind == "per_day"
        else f"the score times {policy.penalty_value:g}"
    )
    if policy.penalty_kind == "none":
        return f"Late: the deadline was {show(own.due_at, tz)}; no penalty is applied."
    return (
        f"Late: the deadline was {show(own.due_at, tz)}; the penalty is {how}, "
        f"so this upload counts {factor:.0%} of its score."
    )


def _closed_message(policy: ReleasePolicy, own: Deadlines, tz: str) -> str:
    text = f"Uploads are closed: the deadline was {show(policy.due_at, tz)}"
    if policy.late_until is not None:
        text += f" and late uploads were accepted until {show(policy.late_until, tz)}"
    if own.extended:
        text += f". Your extension: due {show(own.due_at, tz)}"
        if own.late_until is not None:
            text += f", late uploads until {show(own.late_until, tz)}"
    return text + "."


def counted_score(raw: float | None, factor: float) -> float | None:
    return None if raw is None else raw * factor


def attempts_left(policy: ReleasePolicy, used: int) -> int | None:
    """None when attempts are not limited."""
    if policy.max_attempts is None:
        return None
    return max(0, policy.max_attempts - used)


@dataclass(frozen=True)
class Attempt:
    key: str
    created_at: datetime
    counted_score: float | None  # None: not graded (yet)


def counted_attempt(policy: ReleasePolicy, attempts: Sequence[Attempt]) -> Attempt | None:
    """The graded attempt that counts: the last one, or the best (the later on a tie)."""
    graded = sorted(
        (a for a in attempts if a.counted_score is not None), key=lambda a: a.created_at
    )
    if not graded:
        return None
    if policy.counts == "last":
        return graded[-1]
    return max(reversed(graded), key=lambda a: a.counted_score or 0.0)


def time_left(own: Deadlines, now: datetime) -> timedelta | None:
    """Until the due date (None: no deadline); zero once it has passed."""
    if own.due_at is None:
        return None
    return max(timedelta(0), own.due_at - now)


def feedback_visible(policy: ReleasePolicy, own: Deadlines, now: datetime) -> bool:
    """Full feedback (hidden checks' messages) now, or only after the student's due date."""
    return policy.feedback == "immediately" or own.due_at is None or now > own.due_at
