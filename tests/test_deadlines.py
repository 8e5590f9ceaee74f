"""Deadlines and attempts enforced at upload: a late upload records its penalty and
counts less once graded; after 'late until' (or the student's own extension) it is
refused with the dates and nothing is written; the attempt limit holds, also for
uploads that arrive at the same moment."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grader import policy
from grader.course_admin import (
    create_course,
    create_user,
    enrol,
    grant_extension,
    release_assignment,
)
from grader.errors import UploadRefused
from grader.http_common import Services
from grader.intake import Uploader
from grader.models import ApiToken, Submission, utcnow
from grader.operations import accept_submission, get_assignment

CORRECT = "chain-rule/correct.py"


@pytest.fixture
def course(app):
    """Course 'nn' (Berlin time) with students ann and bob; returns helpers."""
    db = Services.of(app).db
    with db.begin() as s:
        nn = create_course(s, "nn", "Neural nets", "Europe/Berlin")
        ids = {}
        for login in ("ann", "bob"):
            user = create_user(s, login)
            enrol(s, nn, user, "student")
            ids[login] = user.id
        row, plain = ApiToken.generate("nn-lms", course_id=nn.id)
        s.add(row)
        course_id = nn.id

    def release(**rules):
        with db.begin() as s:
            from grader.courses import Course

            release_assignment(
                s,
                s.get(Course, course_id),
                get_assignment(s, "chain-rule"),
                policy.ReleasePolicy(**rules),
            )

    def extend(login, due_at, late_until=None):
        from grader.course_admin import find_release, find_user
        from grader.courses import Course

        with db.begin() as s:
            rel = find_release(s, s.get(Course, course_id), get_assignment(s, "chain-rule"))
            grant_extension(s, rel, find_user(s, login), due_at, late_until)

    return type(
        "Course",
        (),
        {
            "id": course_id,
            "users": ids,
            "auth": {"Authorization": f"Bearer {plain}"},
            "release": staticmethod(release),
            "extend": staticmethod(extend),
        },
    )


def post(client, auth, fixture_file, student="ann", name=CORRECT):
    slug, filename = name.split("/", 1)
    return client.post(
        f"/api/v1/assignments/{slug}/submissions",
        headers=auth,
        data={"file": (io.BytesIO(fixture_file(name)), filename), "student": student},
        content_type="multipart/form-data",
    )


def count(app) -> int:
    with Services.of(app).db.session() as s:
        return s.scalar(select(func.count()).select_from(Submission))


def test_late_upload_records_its_penalty_and_counts_less(
    app, client, course, grading, fixture_file
):
    now = utcnow()
    course.release(
        due_at=now - timedelta(hours=1),
        late_until=now + timedelta(days=2),
        penalty_kind="per_day",
        penalty_value=10,
    )
    response = post(client, course.auth, fixture_file)
    assert response.status_code == 202, response.get_data(as_text=True)
    assert grading.join(timeout=120)
    body = client.get(response.get_json()["url"], headers=course.auth).get_json()
    assert body["course"] == "nn" and body["late"] is True
    assert body["score"] == 100 and body["counted_score"] == pytest.approx(90)
    grades = client.get("/api/v1/assignments/chain-rule/grades", headers=course.auth).get_json()
    ann = next(r for r in grades if r["student"] == "ann")
    assert ann["counted_score"] == pytest.approx(90) and ann["late"] is True
    assert ann["best_score"] == 100 and ann["submissions"] == 1
    assert {r["student"] for r in grades} == {"ann", "bob"}  # bob: enrolled, no attempt yet


def test_after_late_until_the_upload_is_refused_with_the_dates(app, client, course, fixture_file):
    now = utcnow()
    course.release(due_at=now - timedelta(days=3), late_until=now - timedelta(days=1))
    course.extend("bob", now - timedelta(hours=5), now - timedelta(hours=1))
    refused = post(client, course.auth, fixture_file, student="ann")
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "assignment_closed"
    due = policy.show(now - timedelta(days=3), "Europe/Berlin")
    assert f"the deadline was {due}" in error["message"] and "extension" not in error["message"]
    bob = post(client, course.auth, fixture_file, student="bob").get_json()["error"]
    assert (
        "Your extension: due " + policy.show(now - timedelta(hours=5), "Europe/Berlin")
        in (bob["message"])
    )
    assert count(app) == 0


def test_an_extension_keeps_the_upload_open(app, client, course, fixture_file):
    now = utcnow()
    course.release(due_at=now - timedelta(days=1))
    course.extend("bob", now + timedelta(days=1))
    assert post(client, course.auth, fixture_file, student="ann").status_code == 403
    accepted = post(client, course.auth, fixture_file, student="bob")
    assert accepted.status_code == 202
    with Services.of(app).db.session() as s:
        sub = s.get(Submission, accepted.get_json()["id"])
        assert not sub.late and sub.late_factor == 1.0


def test_not_yet_open_and_not_released_elsewhere(app, client, course, fixture_file):
    course.release(opens_at=utcnow() + timedelta(days=1))
    early = post(client, course.auth, fixture_file)
    assert early.status_code == 403 and early.get_json()["error"]["code"] == "assignment_not_open"
    other = post(client, course.auth, fixture_file, name="xor-mlp/correct.py")
    assert other.status_code == 404  # xor-mlp is not released in this course
    assert count(app) == 0


def test_attempt_limit(app, client, course, fixture_file):
    course.release(max_attempts=2)
    for _ in range(2):
        assert post(client, course.auth, fixture_file).status_code == 202
    third = post(client, course.auth, fixture_file)
    assert third.status_code == 403
    assert third.get_json()["error"]["code"] == "no_attempts_left"
    assert "all 2 attempts" in third.get_json()["error"]["message"]
    assert post(client, course.auth, fixture_file, student="bob").status_code == 202
    assert count(app) == 3


def test_simultaneous_uploads_cannot_both_take_the_last_attempt(app, course, fixture_file):
    """Several uploads of one student race for the last attempt: exactly one wins."""
    course.release(max_attempts=2)
    svc = Services.of(app)
    uploader = Uploader(course_id=course.id, user_id=course.users["ann"])
    data = fixture_file(CORRECT)
    accept_submission(
        svc.db, svc.store, slug="chain-rule", filename="a.py", data=data, uploader=uploader
    )
    racers = 6
    start = threading.Barrier(racers)
    outcomes: list[str] = []

    def race(n: int) -> None:
        start.wait(timeout=30)
        try:
            accept_submission(
                svc.db,
                svc.store,
                slug="chain-rule",
                filename=f"race{n}.py",
                data=data,
                uploader=uploader,
            )
            outcomes.append("accepted")
        except UploadRefused as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["accepted"] + ["no_attempts_left"] * (racers - 1)
    with svc.db.session() as s:
        assert s.scalar(select(func.count()).where(Submission.user_id == course.users["ann"])) == 2


def test_a_signed_in_user_must_be_enrolled(app, course, fixture_file):
    svc = Services.of(app)
    with svc.db.begin() as s:
        stranger = create_user(s, "eve").id
    course.release()
    with pytest.raises(Exception) as refused:
        accept_submission(
            svc.db,
            svc.store,
            slug="chain-rule",
            filename="a.py",
            data=fixture_file(CORRECT),
            uploader=Uploader(course_id=course.id, user_id=stranger),
        )
    assert getattr(refused.value, "status_code", None) == 404
    assert count(app) == 0
