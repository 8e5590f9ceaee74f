"""Who may see and do what: pure rules over a ``Viewer`` (a signed-in user with
their roles per course, or an API token acting in one course). No Flask, no
database. What a viewer may not see answers as unknown (404), so ids cannot be
probed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from grader import policy

STAFF = ("instructor", "ta")


@dataclass(frozen=True)
class Viewer:
    user_id: int | None = None
    admin: bool = False
    #: course id -> role in that course
    roles: dict[int, str] = field(default_factory=dict)

    @property
    def anonymous(self) -> bool:
        return self.user_id is None and not self.admin and not self.roles


ANONYMOUS = Viewer()


def for_token(course_id: int | None, role: str) -> Viewer:
    """An API token: a role in one course, or (no course) a site administrator's."""
    return Viewer(admin=True) if course_id is None else Viewer(roles={course_id: role})


def is_staff(viewer: Viewer, course_id: int) -> bool:
    return viewer.admin or viewer.roles.get(course_id) in STAFF


def manages(viewer: Viewer, course_id: int) -> bool:
    return viewer.admin or viewer.roles.get(course_id) == "instructor"


def may_create_courses(viewer: Viewer) -> bool:
    """Site administrators, and anyone who already teaches a course."""
    return viewer.admin or "instructor" in viewer.roles.values()


def in_course(viewer: Viewer, course_id: int) -> bool:
    return viewer.admin or course_id in viewer.roles


def may_see_submission(viewer: Viewer, course_id: int, owner_id: int | None) -> bool:
    """Its student, the staff of its course, a site administrator."""
    if is_staff(viewer, course_id):
        return True
    return viewer.user_id is not None and owner_id == viewer.user_id


def sees_hidden_details(
    viewer: Viewer,
    course_id: int,
    release: policy.ReleasePolicy,
    own: policy.Deadlines,
    now: datetime,
) -> bool:
    """Whether ``viewer`` sees the details of checks marked hidden (their messages and all
    that is derived from them) on a submission whose student's deadlines are ``own``:
    the course's staff and site administrators always; the student once the release
    shows full feedback (at once, or after their own due date, an extension's included)."""
    return is_staff(viewer, course_id) or policy.feedback_visible(release, own, now)
