"""A student's own work: per course and released assignment, the attempts used and
left, the counted score and the time left before their own due date. No Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import policy
from grader.courses import Course, Enrollment, Release
from grader.intake import upload_window
from grader.models import Submission


@dataclass(frozen=True)
class ReleaseRow:
    course: Course
    release: Release
    attempts: list[Submission]  # newest first
    max_attempts: int | None
    attempts_left: int | None
    counted: Submission | None
    due: str  # in the course's time zone, "-" without a deadline
    time_left: timedelta | None
    phase: str
    message: str = ""  # late (with its penalty), closed or not open yet: why


def my_work(
    session: Session, user_id: int, now: datetime, course_id: int | None = None
) -> list[ReleaseRow]:
    """The released assignments of the user's courses, and any they uploaded to (of the
    course ``course_id`` only, if given)."""
    mine = select(Enrollment.course_id).where(Enrollment.user_id == user_id)
    uploaded = select(Submission.release_id).where(Submission.user_id == user_id)
    query = (
        select(Release)
        .join(Course, Course.id == Release.course_id)
        .where((Release.course_id.in_(mine)) | (Release.id.in_(uploaded)))
        .order_by(Course.slug, Release.id)
    )
    if course_id is not None:
        query = query.where(Release.course_id == course_id)
    releases = session.scalars(query).all()
    rows = []
    for release in releases:
        row = release_row(session, release, user_id, now)
        if row.attempts or release.opens_at is None or release.opens_at <= now:
            rows.append(row)  # not listed before it opens
    return rows


def release_row(session: Session, release: Release, user_id: int, now: datetime) -> ReleaseRow:
    """The user's attempts at one release, its counted score and their own deadline."""
    subs = list(
        session.scalars(
            select(Submission)
            .where(Submission.release_id == release.id, Submission.user_id == user_id)
            .order_by(Submission.created_at.desc())
        )
    )
    rules = release.policy()
    graded = [s for s in subs if s.has_grade and s.counted_score is not None]
    counted = policy.counted_attempt(
        rules, [policy.Attempt(s.id, s.created_at, s.counted_score) for s in graded]
    )
    window = upload_window(session, release, user_id, now)
    tz = release.course.timezone
    return ReleaseRow(
        course=release.course,
        release=release,
        attempts=subs,
        max_attempts=rules.max_attempts,
        attempts_left=policy.attempts_left(rules, len(subs)),
        counted=next((s for s in graded if counted and s.id == counted.key), None),
        due=policy.show(window.deadlines.due_at, tz),
        time_left=policy.time_left(window.deadlines, now),
        phase=window.phase.value,
        message=window.message,
    )


def describe(left: timedelta | None) -> str:
    """``2 days 3 h``, ``45 min``; ``-`` without a deadline."""
    if left is None:
        return "-"
    if left <= timedelta(0):
        return "passed"
    minutes = int(left.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"
