"""Checks marked hidden, in the service: a release whose full feedback shows after the due
date shows its student only the name, result and points of a hidden check until their own
due date (an extension moves it): no message, no diagnosis, no gradient table, no plot, on
the result page, at the plot's URL and in the API's JSON. The course's staff and site
administrators see everything, as do API tokens; score and results are never hidden.

The assignment is a copy of xor-mlp (in the test's folder) with its gradient check and its
training check hidden, graded for real; the clock is moved by changing the release's due
date."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import g

from grader import policy
from grader.access import Viewer
from grader.api.views import submission_json
from grader.course_admin import (
    create_course,
    create_user,
    enrol,
    find_release,
    find_user,
    get_course,
    grant_extension,
    release_assignment,
)
from grader.http_common import Services
from grader.intake import Uploader, accept_submission
from grader.models import ApiToken, Submission, utcnow
from grader.operations import get_assignment, grade_submission, register_assignment
from tests.helpers import SUBMISSIONS, with_hidden_checks
from tests.service_helpers import sign_in, sign_in_admin

pytestmark = pytest.mark.databases

SLUG = "xor-mlp-hidden"
HIDDEN = {"backward-numerical", "xor-converges"}
ZONE = "Europe/Berlin"
#: fails backward (shown), backward-numerical and xor-converges (hidden), with diagnoses
BUG = SUBMISSIONS / "xor-mlp" / "bug_backward_sign.py"


class World:
    """Course nn (Berlin time) releasing the copy with feedback after the due date; students
    ann and bob, TA tess, instructor ian; an instructor's and a TA's token."""

    def __init__(self, app: Any, folder: Path) -> None:
        self.app = app
        self.svc = Services.of(app)
        self.due = utcnow() + timedelta(days=2)
        with self.svc.db.begin() as s:
            register_assignment(s, folder)
            nn = create_course(s, "nn", "Neural nets", ZONE)
            self.course_id = nn.id
            self.users = {}
            for login, role in [("ann", "student"), ("bob", "student"), ("tess", "ta")]:
                user = create_user(s, login)
                enrol(s, nn, user, role)
                self.users[login] = user.id
            enrol(s, nn, create_user(s, "ian"), "instructor")
            self.tokens = {}
            for name, role in [("instructor", "instructor"), ("ta", "ta")]:
                row, plain = ApiToken.generate(f"nn-{name}", course_id=nn.id, role=role)
                s.add(row)
                self.tokens[name] = {"Authorization": f"Bearer {plain}"}
        self.release(due_at=self.due)

    def release(self, **rules: Any) -> None:
        """Release (again) with these rules: how the tests move the clock."""
        rules.setdefault("feedback", "after_due")
        with self.svc.db.begin() as s:
            release_assignment(
                s, get_course(s, "nn"), get_assignment(s, SLUG), policy.ReleasePolicy(**rules)
            )

    def extend(self, login: str, due_at: datetime) -> None:
        with self.svc.db.begin() as s:
            release = find_release(s, get_course(s, "nn"), get_assignment(s, SLUG))
            assert release is not None
            grant_extension(s, release, find_user(s, login), due_at, None)

    def graded(self, login: str) -> str:
        """``login`` uploads the buggy submission; it is graded (plots too) before this returns."""
        sub = accept_submission(
            self.svc.db,
            self.svc.store,
            slug=SLUG,
            filename="hw.py",
            data=BUG.read_bytes(),
            uploader=Uploader(course_id=self.course_id, user_id=self.users[login]),
        )
        assert grade_submission(self.svc.db, self.svc.store, sub.id) == "graded"
        return sub.id

    def stored(self, sub_id: str) -> dict[str, Any]:
        """{check name: its stored row} of the submission's latest run."""
        with self.svc.db.session() as s:
            sub = s.get_one(Submission, sub_id)
            run = sub.latest_run
            assert run is not None and run.plots
            return {c.name: c for c in run.checks} | {"plots": dict(run.plots)}

    def client(self, login: str | None = None) -> Any:
        client = self.app.test_client()
        if login == "admin":
            sign_in_admin(self.app, client)
        elif login is not None:
            sign_in(self.app, client, login, role=None)
        return client


@pytest.fixture
def world(app: Any, tmp_path: Path) -> World:
    return World(app, with_hidden_checks("xor-mlp", tmp_path / SLUG, HIDDEN))


def shows(page: str, message: str) -> bool:
    """Whether the page shows (the start of) a check's message."""
    return html.escape(message[:60]) in page


def assert_withheld(world: World, client: Any, sub_id: str, due: datetime) -> str:
    stored = world.stored(sub_id)
    response = client.get(f"/submissions/{sub_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in HIDDEN:
        assert stored[name].hidden and stored[name].message, name
        assert not shows(page, stored[name].message), name
        assert f'<code>{name}</code> <span class="tag">hidden</span>' in page
    assert "gradients are wrong" not in page and "WRONG" not in page  # the gradient table
    assert page.count("shown after the due date") == len(HIDDEN)
    note = f"Hidden checks show their details after the due date ({policy.show(due, ZONE)})."
    assert note in page
    # what is never hidden: the score, every check's result and points, the summary line
    assert 'id="score">25 / 100<' in page
    assert "3 of 7 checks failed: backward, backward-numerical, xor-converges" in page
    assert page.count('class="fail">failed<') == 3
    assert "0 / 20" in page and "0 / 30" in page
    # the shown checks keep their feedback
    assert not stored["backward"].hidden and shows(page, stored["backward"].message)
    assert shows(page, stored["sigmoid"].message)
    # no plot of the training check, neither on the page nor at its address
    plots = stored["plots"]
    assert {"xor-converges-loss", "xor-converges-boundary"} <= set(plots)
    assert 'id="plots"' not in page and "xor-converges-loss" not in page
    for name in plots:
        assert client.get(f"/submissions/{sub_id}/plots/{name}.png").status_code == 404
    return page


def assert_shown(world: World, client: Any, sub_id: str) -> str:
    stored = world.stored(sub_id)
    response = client.get(f"/submissions/{sub_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in (*HIDDEN, "backward", "sigmoid"):
        assert shows(page, stored[name].message), name
    assert "gradients are wrong" in page
    assert "shown after the due date" not in page
    assert "Hidden checks show their details" not in page
    assert 'id="score">25 / 100<' in page
    for name in stored["plots"]:
        assert f'/submissions/{sub_id}/plots/{name}.png"' in page
        plot = client.get(f"/submissions/{sub_id}/plots/{name}.png")
        assert plot.status_code == 200 and plot.data.startswith(b"\x89PNG")
    return page


def test_the_student_sees_hidden_details_only_after_the_due_date(world: World) -> None:
    ann = world.graded("ann")
    client = world.client("ann")
    assert_withheld(world, client, ann, world.due)
    world.release(due_at=utcnow() + timedelta(minutes=1))  # still before it
    assert_withheld(world, client, ann, utcnow() + timedelta(minutes=1))
    world.release(due_at=utcnow() - timedelta(minutes=1))  # the due date has passed
    assert_shown(world, client, ann)
    world.release(due_at=world.due, feedback="immediately")  # full feedback at once
    assert_shown(world, client, ann)


def test_staff_and_administrators_see_everything_before_the_due_date(world: World) -> None:
    ann = world.graded("ann")
    for who in ("tess", "ian", "admin"):
        page = assert_shown(world, world.client(who), ann)
        when = policy.show(world.due, ZONE)
        assert f"The student sees the details of the checks marked hidden after {when}." in page
        for name in HIDDEN:  # marked, for staff too
            assert f'<code>{name}</code> <span class="tag">hidden</span>' in page


def test_an_extension_keeps_them_hidden_for_that_student(world: World) -> None:
    ann, bob = world.graded("ann"), world.graded("bob")
    extended = utcnow() + timedelta(days=5)
    world.extend("bob", extended)
    world.release(due_at=utcnow() - timedelta(hours=1))
    assert_shown(world, world.client("ann"), ann)
    page = assert_withheld(world, world.client("bob"), bob, extended)
    assert policy.show(extended, ZONE) in page  # their own due date, in the course's zone
    assert_shown(world, world.client("tess"), bob)
    world.extend("bob", utcnow() - timedelta(minutes=1))
    assert_shown(world, world.client("bob"), bob)


def test_the_api_shows_tokens_everything_and_a_student_view_withholds(world: World) -> None:
    ann = world.graded("ann")
    stored = world.stored(ann)
    api = world.app.test_client()
    for headers in world.tokens.values():
        body = api.get(f"/api/v1/submissions/{ann}", headers=headers).get_json()
        assert body["score"] == 25 and body["full_feedback_at"] == world.due.isoformat()
        assert [(c["name"], c["hidden"], c["withheld"]) for c in body["checks"]] == [
            (name, name in HIDDEN, False) for name in stored if name != "plots"
        ]
        for check in body["checks"]:
            assert check["message"] == stored[check["name"]].message
        assert {p["name"] for p in body["plots"]} == set(stored["plots"])
        plot = api.get(body["plots"][0]["url"], headers=headers)
        assert plot.status_code == 200
        [listed] = api.get(f"/api/v1/submissions?assignment={SLUG}", headers=headers).get_json()
        assert listed["checks"] == body["checks"] and listed["plots"] == body["plots"]

    # the same JSON for the student (no token is a student's: the API's own builder, as
    # the student sees it), before the due date and after it
    student = Viewer(user_id=world.users["ann"], roles={world.course_id: "student"})

    def as_student() -> dict[str, Any]:
        with world.app.test_request_context(), world.svc.db.session() as s:
            g.viewer = student
            return submission_json(s, s.get_one(Submission, ann))

    body = as_student()
    assert body["score"] == 25 and body["full_feedback_at"] == world.due.isoformat()
    for check in body["checks"]:
        hidden = check["name"] in HIDDEN
        assert (check["hidden"], check["withheld"]) == (hidden, hidden)
        assert check["message"] == ("" if hidden else stored[check["name"]].message)
        assert check["score"] == stored[check["name"]].score
        assert check["passed"] == stored[check["name"]].passed
    assert not [p for p in body["plots"] if p["name"].startswith("xor-converges")]
    world.release(due_at=utcnow() - timedelta(minutes=1))
    body = as_student()
    assert all(c["message"] == stored[c["name"]].message for c in body["checks"])
    assert not any(c["withheld"] for c in body["checks"])
    assert {p["name"] for p in body["plots"]} == set(stored["plots"])
