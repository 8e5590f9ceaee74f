"""Accepting an upload: the file is readable, the assignment is released in the
uploader's course, the deadline (or the student's extension) allows it, and an
attempt is left. A late upload records its penalty. Nothing is written when it
is refused. No Flask.

Two uploads of one student cannot both take the last attempt: the transaction
that counts the attempts and inserts the new one first writes the student's
enrolment row, which locks it (PostgreSQL) or the database (SQLite) until commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader import policy
from grader.course_admin import default_course, find_release, find_user, student_for_upload
from grader.courses import Course, Enrollment, Extension, Release
from grader.db import Database
from grader.errors import AssignmentNotFound, BadRequest, UploadRefused
from grader.models import MAX_STUDENT_ID, Assignment, Submission, SubmissionStatus, utcnow
from grader.storage import BlobStore
from grader.uploads import read_upload

MAX_FILENAME = 255


@dataclass(frozen=True)
class Uploader:
    """Who uploads into which course: a signed-in user (``user_id``), or an API token or
    legacy form naming a student by login (``student``), or no one (anonymous)."""

    course_id: int | None = None  # None: the default course
    user_id: int | None = None
    student: str | None = None
    token_id: int | None = None


def clean_student_id(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_STUDENT_ID or any(ord(ch) < 32 for ch in value):
        raise BadRequest(
            f"the student id must be one line of at most {MAX_STUDENT_ID} characters",
            field="student",
        )
    return value


def clean_filename(filename: str | None) -> str:
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not filename:
        raise BadRequest("no file was uploaded", field="file")
    if len(filename) > MAX_FILENAME:
        raise BadRequest(f"the file name is longer than {MAX_FILENAME} characters", field="file")
    return filename


def resolve_release(session: Session, course_id: int | None, slug: str) -> Release:
    """The release of ``slug`` in the course; 404 when it is not released there."""
    course = session.get(Course, course_id) if course_id is not None else default_course(session)
    assignment = session.scalar(select(Assignment).where(Assignment.slug == slug))
    release = find_release(session, course, assignment) if course and assignment else None
    if release is None:
        raise AssignmentNotFound(f"no assignment {slug!r} in this course")
    return release


def student_extension(
    session: Session, release: Release, user_id: int | None
) -> policy.Extension | None:
    """The student's extension of the release, if they have one."""
    if user_id is None:
        return None
    row = session.scalar(
        select(Extension).where(Extension.release_id == release.id, Extension.user_id == user_id)
    )
    return policy.Extension(row.due_at, row.late_until) if row else None


def upload_window(
    session: Session, release: Release, user_id: int | None, now: datetime
) -> policy.Window:
    extension = student_extension(session, release, user_id)
    return policy.window(release.policy(), now, release.course.timezone, extension)


def attempts_used(session: Session, release_id: int, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Submission.id)).where(
                Submission.release_id == release_id, Submission.user_id == user_id
            )
        )
        or 0
    )


def _refuse_closed(window: policy.Window) -> None:
    if not window.accepts:
        raise UploadRefused(window.message, code=f"assignment_{window.phase.value}")


def accept_submission(
    database: Database,
    store: BlobStore,
    *,
    slug: str,
    filename: str,
    data: bytes,
    student: str | None = None,
    token_id: int | None = None,
    uploader: Uploader | None = None,
    now: datetime | None = None,
) -> Submission:
    """Validate, store the file, commit the row as queued; raise with the reason otherwise.

    The caller enqueues the returned id only after this returns, i.e. after the commit.
    """
    uploader = uploader or Uploader(student=student, token_id=token_id)
    login = clean_student_id(uploader.student)
    filename = clean_filename(filename)
    with database.session() as session:
        release = resolve_release(session, uploader.course_id, slug)
        release_id, course_id = release.id, release.course_id
        known = find_user(session, login) if login else None
        user_id = uploader.user_id or (known.id if known else None)
        _refuse_closed(upload_window(session, release, user_id, now or utcnow()))
    read_upload(filename, data)  # raises SubmissionRejected (422) with the reason
    enrollment_id = _enrollment(database, course_id, uploader, login)
    digest = store.put(data)
    with database.begin() as session:
        if enrollment_id is not None:  # first statement: the lock (see the module's text)
            session.execute(
                update(Enrollment)
                .where(Enrollment.id == enrollment_id)
                .values(last_upload_at=utcnow())
            )
        release = session.get_one(Release, release_id)
        user_id = session.get_one(Enrollment, enrollment_id).user_id if enrollment_id else None
        moment = now or utcnow()
        window = upload_window(session, release, user_id, moment)
        _refuse_closed(window)
        if user_id is not None:
            used = attempts_used(session, release.id, user_id)
            if policy.attempts_left(release.policy(), used) == 0:
                raise UploadRefused(
                    f"No attempts left: all {release.max_attempts} attempts at this "
                    "assignment are used.",
                    code="no_attempts_left",
                )
        row = Submission(
            assignment_id=release.assignment_id,
            release_id=release.id,
            user_id=user_id,
            filename=filename,
            blob_sha256=digest,
            size=len(data),
            status=SubmissionStatus.QUEUED,
            max_score=release.assignment.max_score,
            token_id=uploader.token_id,
            late=window.phase is policy.Phase.LATE,
            late_factor=window.factor,
            created_at=moment,
        )
        session.add(row)
    return row


def _enrollment(
    database: Database, course_id: int, uploader: Uploader, login: str | None
) -> int | None:
    """The uploader's enrolment id in the course (None: anonymous). A signed-in user must
    be enrolled (404 otherwise); a student an API token names is enrolled on first sight."""
    if uploader.user_id is not None:
        with database.session() as session:
            enrollment_id = session.scalar(
                select(Enrollment.id).where(
                    Enrollment.course_id == course_id, Enrollment.user_id == uploader.user_id
                )
            )
        if enrollment_id is None:
            raise AssignmentNotFound("no such assignment in your courses")
        return enrollment_id
    if login is None:
        return None
    for attempt in range(2):  # two first uploads of one new student: one creates, one finds
        try:
            with database.begin() as session:
                course = session.get(Course, course_id)
                assert course is not None
                return student_for_upload(session, course, login).id
        except IntegrityError:
            if attempt:
                raise
    return None
