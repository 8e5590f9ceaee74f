"""The gradebook of a release: one row per student of the course (and anyone else who
uploaded to it), with the attempt that counts under the release's policy, and its CSV
export (the CLI's and the dashboard's). No Flask."""

from __future__ import annotations

import csv
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader import policy
from grader.courses import Enrollment, Release, User
from grader.models import Submission

COLUMNS = (
    "student",
    "name",
    "sis_id",
    "submissions",
    "best_score",
    "latest_score",
    "counted_score",
    "max_score",
    "late",
    "graded_at",
    "latest_submission",
    "counted_submission",
)


def gradebook(session: Session, release: Release) -> list[dict[str, Any]]:
    """Rows sorted by login. ``*_score`` are raw scores of graded attempts;
    ``counted_score`` is the counted attempt's score after its late penalty, ``late``
    whether that attempt was late."""
    rules = release.policy()
    enrolled = session.execute(
        select(User, Enrollment.sis_id)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == release.course_id, Enrollment.role == "student")
    ).all()
    staff = select(Enrollment.user_id).where(
        Enrollment.course_id == release.course_id, Enrollment.role != "student"
    )
    uploads = list(
        session.scalars(
            select(Submission)
            .where(
                Submission.release_id == release.id,
                Submission.user_id.is_not(None),
                Submission.user_id.not_in(staff),  # staff's trial uploads are no grades
            )
            .order_by(Submission.created_at)
        )
    )
    people: dict[int, tuple[User, str | None]] = {u.id: (u, sis) for u, sis in enrolled}
    others = {s.user_id for s in uploads} - set(people)
    if others:
        for user in session.scalars(select(User).where(User.id.in_(others))):
            people[user.id] = (user, None)
    by_user: dict[int, list[Submission]] = {uid: [] for uid in people}
    for sub in uploads:
        by_user[sub.user_id].append(sub)  # type: ignore[index]
    rows = [_row(user, sis, by_user[user.id], rules, release) for user, sis in people.values()]
    return sorted(rows, key=lambda r: r["student"])


def _row(
    user: User,
    sis_id: str | None,
    subs: list[Submission],
    rules: policy.ReleasePolicy,
    release: Release,
) -> dict[str, Any]:
    graded = [s for s in subs if s.has_grade]
    attempts = [policy.Attempt(s.id, s.created_at, s.counted_score) for s in graded]
    counted = policy.counted_attempt(rules, attempts)
    counted_sub = next((s for s in graded if counted and s.id == counted.key), None)
    latest = graded[-1] if graded else None
    return {
        "student": user.login,
        "name": user.display_name,
        "sis_id": sis_id,
        "submissions": len(subs),  # attempts
        "best_score": max((s.score for s in graded), default=None),  # type: ignore[type-var]
        "latest_score": latest.score if latest else None,
        "counted_score": counted_sub.counted_score if counted_sub else None,
        "max_score": release.assignment.max_score,
        "late": bool(counted_sub and counted_sub.late),
        "graded_at": latest.graded_at if latest else None,
        "latest_submission": latest.id if latest else None,
        "counted_submission": counted_sub.id if counted_sub else None,
    }


#: the CSV an LMS gradebook imports: raw score (best or latest), counted score, late, attempts
EXPORT_COLUMNS = (
    "student_id",
    "score",
    "max_score",
    "graded_at",
    "counted_score",
    "late",
    "attempts",
)


def write_csv(rows: list[dict[str, Any]], out: IO[str], which: str = "best") -> None:
    """``rows`` from ``gradebook`` as CSV; ``which`` raw score: "best" or "latest"."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for entry in rows:
        writer.writerow(
            [
                csv_safe(entry["student"]),
                number(entry[f"{which}_score"]),
                f"{entry['max_score']:g}",
                entry["graded_at"].isoformat() if entry["graded_at"] else "",
                number(entry["counted_score"]),
                "late" if entry["late"] else "",
                entry["submissions"],
            ]
        )


def number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def csv_safe(value: str) -> str:
    """Logins and file names come from people: keep spreadsheets from reading them as
    formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
