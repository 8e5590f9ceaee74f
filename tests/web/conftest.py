"""Fixtures of the dashboard tests: an instructor signed in, and a course with its
people and a release."""

from __future__ import annotations

import pytest

from grader import policy
from grader.course_admin import create_course, create_user, enrol, find_user, release_assignment
from grader.http_common import Services
from grader.operations import get_assignment
from tests.service_helpers import sign_in


@pytest.fixture
def prof(app, client):
    """The test client signed in as ``prof``, who teaches course 'intro' (so may create
    courses)."""
    with Services.of(app).db.begin() as s:
        intro = create_course(s, "intro", "Intro")
        enrol(s, intro, create_user(s, "prof"), "instructor")
    sign_in(app, client, "prof", role=None)
    return client


@pytest.fixture
def nn(app):
    """Course nn (Berlin time): instructor prof, TA tia, students ada and alan; chain-rule
    released, max 3 attempts; returns the user ids."""
    db = Services.of(app).db
    ids = {}
    with db.begin() as s:
        course = create_course(s, "nn", "Neural nets", "Europe/Berlin")
        for login, role in [
            ("prof", "instructor"),
            ("tia", "ta"),
            ("ada", "student"),
            ("alan", "student"),
        ]:
            home = course if role == "student" else None  # as its roster would make them
            user = find_user(s, login) or create_user(s, login, home_course=home)
            enrol(s, course, user, role)
            ids[login] = user.id
        release_assignment(
            s, course, get_assignment(s, "chain-rule"), policy.ReleasePolicy(max_attempts=3)
        )
    return ids
