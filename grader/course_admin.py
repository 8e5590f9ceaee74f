"""Creating users, courses, enrolments, releases and extensions, and the single-use
sign-in links that stand in for e-mail. Shared by the CLI and the web pages; no
Flask. Functions take an open session; the caller's transaction commits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from grader import access, policy
from grader.courses import (
    DEFAULT_COURSE,
    MAX_LOGIN,
    ROLES,
    Course,
    Enrollment,
    Extension,
    Release,
    SignInLink,
    User,
)
from grader.db import changed_rows
from grader.errors import BadRequest, NotFound
from grader.models import Assignment, utcnow

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?")
#: how long a sign-in link an instructor hands out stays valid
LINK_LIFETIME = timedelta(days=3)


def one_line(value: str | None, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise BadRequest(f"the {what} is empty", field=what)
    if len(value) > limit or any(ord(ch) < 32 for ch in value):
        raise BadRequest(f"the {what} must be one line of at most {limit} characters", field=what)
    return value


# -- users ------------------------------------------------------------------


class UserDirectory:
    """Users looked up by login, whatever its case, and by e-mail, all in a few queries
    (a roster's whole file at once). ``find`` takes the exact login, else the one that
    differs only in case when it is the only one ("Ada" signs in as "ada", and a roster's
    "Ada" is no new person), else an e-mail address (case-insensitive)."""

    CHUNK = 500

    def __init__(self, session: Session, logins: Iterable[str], emails: Iterable[str]) -> None:
        self.by_login: dict[str, User] = {}
        self.by_lower: dict[str, list[User]] = {}
        self.by_email: dict[str, User] = {}
        lowered = sorted({login.lower() for login in logins})
        addresses = sorted({email.lower() for email in emails})
        for column, values in ((func.lower(User.login), lowered), (User.email, addresses)):
            for i in range(0, len(values), self.CHUNK):
                chunk = values[i : i + self.CHUNK]
                for user in session.scalars(select(User).where(column.in_(chunk))):
                    self.add(user)

    def add(self, user: User) -> None:
        if user.login in self.by_login:
            return
        self.by_login[user.login] = user
        self.by_lower.setdefault(user.login.lower(), []).append(user)
        if user.email:
            self.by_email[user.email] = user

    def find(self, login: str) -> User | None:
        user = self.by_login.get(login)
        alike = self.by_lower.get(login.lower(), [])
        if user is None and len(alike) == 1:
            user = alike[0]
        if user is None and "@" in login:
            user = self.by_email.get(login.lower())
        return user


def find_user(session: Session, login: str) -> User | None:
    """One user by login or e-mail, as ``UserDirectory.find`` chooses."""
    return UserDirectory(session, [login], [login] if "@" in login else []).find(login)


def create_user(
    session: Session,
    login: str,
    *,
    display_name: str | None = None,
    email: str | None = None,
    admin: bool = False,
    home_course: Course | None = None,
    unique_checked: bool = False,
) -> User:
    """A new user; ``unique_checked``: the caller has made sure no user has the login
    (in any case) or the e-mail (a roster import looks everyone up at once)."""
    login = one_line(login, "login", MAX_LOGIN)
    email = email.strip().lower() if email and email.strip() else None
    if email is not None and "@" not in email:
        raise BadRequest(f"{email!r} is not an e-mail address", field="email")
    if not unique_checked and find_user(session, login) is not None:
        raise BadRequest(f"there is already a user {login!r}", field="login")
    taken = email is not None and not unique_checked
    if taken and session.scalar(select(User).where(User.email == email)):
        raise BadRequest(f"there is already a user with the e-mail {email!r}", field="email")
    user = User(
        login=login,
        email=email,
        display_name=(display_name or "").strip() or login,
        is_admin=admin,
        home_course_id=home_course.id if home_course else None,
    )
    session.add(user)
    session.flush()
    return user


def student_for_upload(session: Session, course: Course, login: str) -> Enrollment:
    """The enrolment of the student an LMS (an instructor token) uploads for: the LMS
    holds the roster, so a student it names for the first time is enrolled here."""
    user = find_user(session, login)
    if user is None:
        user = create_user(session, login, home_course=course)
    enrollment = session.scalar(
        select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.user_id == user.id)
    )
    if enrollment is None:
        enrollment = enrol(session, course, user, "student")
    return enrollment


def issue_sign_in_link(
    session: Session,
    user: User,
    *,
    created_by: User | None = None,
    lifetime: timedelta = LINK_LIFETIME,
) -> str:
    """A new single-use link token for ``user``; their earlier unused links stop working.
    Returns the plain token (shown once)."""
    spend_sign_in_links(session, user.id)
    row, plain = SignInLink.generate(
        user.id, lifetime, created_by_id=created_by.id if created_by else None
    )
    session.add(row)
    session.flush()
    return plain


def may_issue_link(session: Session, viewer: access.Viewer, user: User) -> bool:
    """A sign-in link signs in as its user, so an instructor hands one only to an account
    made for a course they teach (by its roster or its LMS) that is a student's, and only
    a student's, in courses they teach: never to staff, administrators, accounts an
    administrator made, or people with work in other courses."""
    if viewer.admin:
        return True
    if user.is_admin or user.home_course_id is None:
        return False
    if not access.manages(viewer, user.home_course_id):
        return False
    enrolled = session.execute(
        select(Enrollment.course_id, Enrollment.role).where(Enrollment.user_id == user.id)
    ).all()
    return bool(enrolled) and all(
        role == "student" and access.manages(viewer, course_id) for course_id, role in enrolled
    )


def spend_sign_in_links(session: Session, user_id: int, now: datetime | None = None) -> None:
    """Mark every unused link of the user used: a new link or a new password makes the
    older links worthless."""
    session.execute(
        update(SignInLink)
        .where(SignInLink.user_id == user_id, SignInLink.used_at.is_(None))
        .values(used_at=now or utcnow())
    )


def sign_in_url(config: Mapping[str, Any], token: str) -> str:
    """The address of a sign-in link, under the service's ``PUBLIC_URL``."""
    return f"{config['PUBLIC_URL'].rstrip('/')}/sign-in/{token}"


def redeem_sign_in_link(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The user of a valid link, marking it used in the same statement (so two requests
    cannot both use it); None for an unknown, used or expired link."""
    now = now or utcnow()
    digest = SignInLink.hash(token)
    used = changed_rows(
        session,
        update(SignInLink)
        .where(
            SignInLink.token_hash == digest,
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
        )
        .values(used_at=now),
    )
    if not used:
        return None
    link = session.scalar(select(SignInLink).where(SignInLink.token_hash == digest))
    return session.get(User, link.user_id) if link else None


# -- courses and enrolments ---------------------------------------------------


def create_course(session: Session, slug: str, title: str, timezone: str = "UTC") -> Course:
    slug = slug.strip()
    if not SLUG.fullmatch(slug):
        raise BadRequest(
            "a course slug is lower-case letters, digits and dashes (not at its ends; at most 100)",
            field="slug",
        )
    try:
        policy.zone(timezone)
    except policy.PolicyError as exc:
        raise BadRequest(str(exc), field="timezone") from exc
    if session.scalar(select(Course).where(Course.slug == slug)):
        raise BadRequest(f"there is already a course {slug!r}", field="slug")
    course = Course(slug=slug, title=one_line(title, "title", 300), timezone=timezone)
    session.add(course)
    session.flush()
    return course


def get_course(session: Session, slug: str) -> Course:
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound(f"no course {slug!r}")
    return course


def default_course(session: Session) -> Course:
    """The course of legacy uploads and of API tokens without a course (made by the
    migration; made here too for a database built from the models alone)."""
    course = session.scalar(select(Course).where(Course.slug == DEFAULT_COURSE))
    if course is None:
        course = Course(slug=DEFAULT_COURSE, title="Default course", timezone="UTC")
        session.add(course)
        session.flush()
    return course


def enrol(
    session: Session, course: Course, user: User, role: str, sis_id: str | None = None
) -> Enrollment:
    """Enrol ``user`` (or change their role and SIS id if already enrolled)."""
    if role not in ROLES:
        raise BadRequest(f"the role is one of {', '.join(ROLES)}", field="role")
    row = session.scalar(
        select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.user_id == user.id)
    )
    if row is None:
        row = Enrollment(course_id=course.id, user_id=user.id, role=role, sis_id=sis_id)
        session.add(row)
    else:
        row.role, row.sis_id = role, sis_id or row.sis_id
    session.flush()
    return row


# -- releases and extensions --------------------------------------------------


def release_assignment(
    session: Session, course: Course, assignment: Assignment, rules: policy.ReleasePolicy
) -> Release:
    """Release ``assignment`` in ``course`` with ``rules``, or change an existing release's."""
    try:
        policy.validate(rules)
    except policy.PolicyError as exc:
        raise BadRequest(str(exc)) from exc
    row = find_release(session, course, assignment)
    if row is None:
        row = Release(course_id=course.id, assignment_id=assignment.id)
        session.add(row)
    for field in policy.ReleasePolicy.__dataclass_fields__:
        setattr(row, field, getattr(rules, field))
    session.flush()
    reapply_deadlines(session, row)
    return row


def reapply_deadlines(session: Session, release: Release, user_id: int | None = None) -> int:
    """Price the uploads already made again under the release's deadlines as they are now
    (and each student's extension): a due date moved later, or an extension, waives a
    penalty already applied; one moved earlier applies it. Nothing is refused after the
    fact. Returns how many uploads changed."""
    from grader.models import Submission

    rules = release.policy()
    extensions = {
        e.user_id: policy.Extension(e.due_at, e.late_until)
        for e in session.scalars(select(Extension).where(Extension.release_id == release.id))
    }
    query = select(Submission).where(Submission.release_id == release.id)
    if user_id is not None:
        query = query.where(Submission.user_id == user_id)
    changed = 0
    for sub in session.scalars(query):
        own = policy.deadlines(rules, extensions.get(sub.user_id) if sub.user_id else None)
        late = own.due_at is not None and sub.created_at > own.due_at
        factor = policy.late_factor(rules, own.due_at, sub.created_at)
        if (sub.late, sub.late_factor) != (late, factor):
            sub.late, sub.late_factor = late, factor
            sub.counted_score = policy.counted_score(sub.score, factor)
            changed += 1
    session.flush()
    return changed


def find_release(session: Session, course: Course, assignment: Assignment) -> Release | None:
    return session.scalar(
        select(Release).where(
            Release.course_id == course.id, Release.assignment_id == assignment.id
        )
    )


def releases_of(session: Session, course: Course) -> list[Release]:
    """The course's releases, soonest due first (those without a due date last)."""
    return list(
        session.scalars(
            select(Release)
            .where(Release.course_id == course.id)
            .order_by(Release.due_at.is_(None), Release.due_at, Release.id)
        )
    )


def release_in_default_course(session: Session, assignment: Assignment) -> None:
    """A newly registered assignment is open in the default course (no deadline), so the
    API tokens and uploads of before courses keep working."""
    course = default_course(session)
    if find_release(session, course, assignment) is None:
        session.add(Release(course_id=course.id, assignment_id=assignment.id))
        session.flush()


def grant_extension(
    session: Session, release: Release, user: User, due_at: datetime, late_until: datetime | None
) -> Extension:
    try:
        policy.validate_extension(policy.Extension(due_at, late_until))
    except policy.PolicyError as exc:
        raise BadRequest(str(exc)) from exc
    tz = session.get_one(Course, release.course_id).timezone
    if release.due_at is None:
        raise BadRequest("this release has no due date to extend", field="due_at")
    if due_at <= release.due_at:
        raise BadRequest(
            f"an extension moves the due date later: {policy.show(due_at, tz)} is not after "
            f"the release's {policy.show(release.due_at, tz)}",
            field="due_at",
        )
    row = session.scalar(
        select(Extension).where(Extension.release_id == release.id, Extension.user_id == user.id)
    )
    if row is None:
        row = Extension(release_id=release.id, user_id=user.id, due_at=due_at)
        session.add(row)
    row.due_at, row.late_until = due_at, late_until
    session.flush()
    reapply_deadlines(session, release, user.id)
    return row
