"""Database models (SQLAlchemy 2.x, typed). The schema itself is owned by the
Alembic migrations in ``grader/migrations``; a test keeps the two identical."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

# the course tables share the metadata and mapper registry: loaded with these models
from grader.courses import MAX_LOGIN, Course, Release, User
from grader.orm import Base, UTCDateTime, utcnow

__all__ = ["Base", "UTCDateTime", "utcnow"]

#: the longest student id (a user's login; the upload form and the API check it)
MAX_STUDENT_ID = MAX_LOGIN


class SubmissionStatus(StrEnum):
    """Where a submission (and a grading run) is. Members are ``str``: the database
    keeps the same words."""

    QUEUED = "queued"
    RUNNING = "running"
    GRADED = "graded"
    REJECTED = "rejected"
    ERROR = "error"


FINISHED = (SubmissionStatus.GRADED, SubmissionStatus.REJECTED, SubmissionStatus.ERROR)


def new_public_id() -> str:
    """Submission ids are unguessable: a result URL is all a student needs to see it."""
    return secrets.token_hex(12)


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    digest: Mapped[str] = mapped_column(String(128))
    max_score: Mapped[float] = mapped_column(Float)
    path: Mapped[str] = mapped_column(String(1000))
    functions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submissions: Mapped[list[Submission]] = relationship(back_populates="assignment")

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "version": self.version,
            "max_score": self.max_score,
            "functions": self.functions or [],
        }


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the course the token acts in, and as whom: an LMS token is an instructor of one
    #: course; a site-wide token (no course) is used by site administrators only
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    role: Mapped[str] = mapped_column(String(16), default="instructor")

    course: Mapped[Course | None] = relationship()

    TOKEN_PREFIX = "grd_"

    @staticmethod
    def hash(token: str) -> str:
        # Tokens are 256 random bits, so a fast hash cannot be brute-forced.
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def generate(
        cls, name: str, course_id: int | None = None, role: str = "instructor"
    ) -> tuple[ApiToken, str]:
        """A new token row and the plain token, which is shown once and never stored."""
        plain = cls.TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls(
            name=name, token_hash=cls.hash(plain), prefix=plain[:10], course_id=course_id, role=role
        )
        return row, plain

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_release_user", "release_id", "user_id"),
        Index("ix_submissions_assignment_id", "assignment_id"),
        Index("ix_submissions_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_public_id)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    #: the release (assignment in a course) it was uploaded to, and by whom (None: an
    #: anonymous upload from before courses existed, or an API upload naming no student)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    filename: Mapped[str] = mapped_column(String(255))
    blob_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.QUEUED)
    #: the raw score of the latest grading run, and what counts after the late penalty
    score: Mapped[float | None] = mapped_column(Float)
    counted_score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    #: uploaded after the (student's own) due date; its score is multiplied by late_factor
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_factor: Mapped[float] = mapped_column(Float, default=1.0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: last handed to the broker (Celery backend only); NULL: not yet
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the lease of the grading run in progress (``grader.leases``): who holds it, the
    #: token its result must still carry to be written, and when it lapses unless renewed
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="submissions")
    release: Mapped[Release] = relationship()
    user: Mapped[User | None] = relationship()
    runs: Mapped[list[GradingRun]] = relationship(
        back_populates="submission", order_by="GradingRun.id", cascade="all, delete-orphan"
    )

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def has_grade(self) -> bool:
        """Graded, or graded before and being graded again (a regrade keeps the score it
        replaces until the new one is written: a gradebook read meanwhile loses nothing)."""
        waiting = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)
        return self.score is not None and (
            self.status == SubmissionStatus.GRADED or self.status in waiting
        )

    @property
    def latest_run(self) -> GradingRun | None:
        return self.runs[-1] if self.runs else None


class GradingRun(Base):
    """One grading of a submission against one version of its assignment; regrades add runs."""

    __tablename__ = "grading_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    assignment_version: Mapped[int] = mapped_column(Integer)
    assignment_digest: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.RUNNING)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    log: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # feedback plots of this run: plot name -> SHA-256 of the PNG in the file store
    plots: Mapped[dict[str, str] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship(back_populates="runs")
    checks: Mapped[list[CheckRecord]] = relationship(
        back_populates="run", order_by="CheckRecord.position", cascade="all, delete-orphan"
    )


class CheckRecord(Base):
    """One check of a grading run as it was graded. What a viewer is shown of it (and its
    JSON in the API) is ``grader.visible_feedback``'s to say."""

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grading_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    passed: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    #: the assignment marked the check hidden when it was graded: its student may see only
    #: its name, result and points before the due date (``grader.visible_feedback``)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)

    run: Mapped[GradingRun] = relationship(back_populates="checks")
