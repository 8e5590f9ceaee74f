"""Who acts, in which course, and by when: users (with the external identities an
LMS launch will bring), courses, enrolments, the release of an assignment in a
course with its deadlines and policy, per-student extensions, and single-use
sign-in links. Tables only; the rules live in ``grader.policy``. ``grader.models``
imports this module, so importing either maps both."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grader.orm import Base, UTCDateTime, utcnow
from grader.policy import ReleasePolicy

if TYPE_CHECKING:
    from grader.models import Assignment

ROLES = ("instructor", "ta", "student")
MAX_LOGIN = 200
#: the course that holds what was submitted before courses existed, and what an
#: API token without a course of its own submits to
DEFAULT_COURSE = "default"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the person signs in with: a login name or an e-mail address
    login: Mapped[str] = mapped_column(String(MAX_LOGIN), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    #: argon2 hash; None: signs in only through links (or an LMS)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the course the account was made for (its roster, its LMS): the only course whose
    #: instructors may hand it sign-in links; None: made by an administrator
    home_course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", name="fk_users_home_course_id")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    identities: Mapped[list[ExternalIdentity]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="user")


class ExternalIdentity(Base):
    """The same person as an LMS names them (an LTI launch's ``iss`` and ``sub``)."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))

    user: Mapped[User] = relationship(back_populates="identities")


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    #: IANA name; deadlines are stored in UTC and shown in this zone
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="course")
    releases: Mapped[list[Release]] = relationship(back_populates="course")


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("course_id", "user_id"),
        CheckConstraint("role IN ('instructor', 'ta', 'student')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    sis_id: Mapped[str | None] = mapped_column(String(100))
    #: written by every upload first: the row lock that serialises a student's
    #: uploads in a course, so two cannot both take the last attempt
    last_upload_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="enrollments")
    user: Mapped[User] = relationship(back_populates="enrollments")


class Release(Base):
    """An assignment released in a course, with its dates and policy."""

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("course_id", "assignment_id"),
        CheckConstraint("late_until IS NULL OR due_at IS NOT NULL", name="late_needs_due"),
        CheckConstraint("late_until IS NULL OR late_until >= due_at", name="late_after_due"),
        CheckConstraint("penalty_kind IN ('none', 'per_day', 'factor')", name="penalty_kind"),
        CheckConstraint("counts IN ('last', 'best')", name="counts"),
        CheckConstraint("feedback IN ('immediately', 'after_due')", name="feedback"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "per_day": penalty_value percent per started day late; "factor": the score
    #: of a late upload times penalty_value; "none"
    penalty_kind: Mapped[str] = mapped_column(String(16), default="none")
    penalty_value: Mapped[float] = mapped_column(Float, default=0.0)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[str] = mapped_column(String(8), default="last")
    feedback: Mapped[str] = mapped_column(String(16), default="immediately")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="releases")
    assignment: Mapped[Assignment] = relationship()
    extensions: Mapped[list[Extension]] = relationship(back_populates="release")

    def policy(self) -> ReleasePolicy:
        return ReleasePolicy(
            opens_at=self.opens_at,
            due_at=self.due_at,
            late_until=self.late_until,
            penalty_kind=self.penalty_kind,
            penalty_value=self.penalty_value,
            max_attempts=self.max_attempts,
            counts=self.counts,
            feedback=self.feedback,
        )


class Extension(Base):
    """One student's own deadlines for one release."""

    __tablename__ = "extensions"
    __table_args__ = (
        UniqueConstraint("release_id", "user_id"),
        CheckConstraint("late_until IS NULL OR late_until >= due_at", name="late_after_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    release: Mapped[Release] = relationship(back_populates="extensions")


class SignInLink(Base):
    """A single-use, expiring sign-in (or password reset) link; only its hash is stored."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def generate(
        cls, user_id: int, lifetime: timedelta, created_by_id: int | None = None
    ) -> tuple[SignInLink, str]:
        """A new link row and its plain token, which is shown once and never stored."""
        plain = secrets.token_urlsafe(32)
        row = cls(
            user_id=user_id,
            token_hash=cls.hash(plain),
            created_by_id=created_by_id,
            expires_at=utcnow() + lifetime,
        )
        return row, plain
