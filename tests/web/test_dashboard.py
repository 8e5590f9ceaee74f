"""The instructor dashboard through the Flask test client, with CSRF on as a browser
sends it: a new course, a roster import (and refused ones that write nothing), a
release with its dates in the course's zone, the gradebook, its CSV and zip, regrades
through the job queue, extensions, sign-in links, and uploads in a named course."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from grader import policy
from grader.course_admin import (
    create_course,
    create_user,
    enrol,
    find_release,
    find_user,
    get_course,
    release_assignment,
)
from grader.courses import Course, Enrollment, Extension, Release, User
from grader.http_common import Services
from grader.models import Submission, utcnow
from grader.operations import get_assignment
from tests.service_helpers import (
    CODE,
    change_release,
    count,
    csrf,
    post_upload,
    set_graded,
    sign_in,
    upload_as,
)

CANVAS = (
    "Student,ID,SIS User ID,SIS Login ID,Section\n"
    "    Points Possible,,,,\n"
    '"Lovelace, Ada",101,S-101,ada,A\n'
    '"Turing, Alan",102,S-102,alan,A\n'
)


@pytest.mark.databases
def test_an_instructor_creates_a_course_imports_a_roster_and_releases(app, prof):
    token = csrf(prof, "/courses")
    bad = prof.post(
        "/courses",
        data={"csrf_token": token, "slug": "nn-2026", "title": "NN", "timezone": "Mars/Olympus"},
    )
    assert bad.status_code == 400 and "unknown time zone" in bad.get_data(True)
    assert count(app, Course) == 2  # default and intro: nothing written
    made = prof.post(
        "/courses",
        data={"csrf_token": token, "slug": "nn-2026", "title": "NN", "timezone": "Europe/Berlin"},
    )
    assert made.status_code == 303 and made.headers["Location"].endswith("/courses/nn-2026")
    with Services.of(app).db.session() as s:
        course = get_course(s, "nn-2026")
        roles = {e.user.login: e.role for e in course.enrollments}
    assert roles == {"prof": "instructor"}

    people = "/courses/nn-2026/people"
    token = csrf(prof, people)
    duplicate = CANVAS + '"Lovelace, A.",103,S-103,ada,B\n'
    response = prof.post(people, data={"csrf_token": token, "text": duplicate})
    assert response.status_code == 400
    assert "line 5: the login &#39;ada&#39; is also on line 3; nothing was imported" in (
        response.get_data(True)
    )
    response = prof.post(people, data={"csrf_token": token, "text": "Name,Section\nAda,A\n"})
    assert response.status_code == 400 and "line 1: no login column" in response.get_data(True)
    assert count(app, User) == 1 and count(app, Enrollment) == 2  # only prof: intro, nn-2026

    response = prof.post(
        people,
        data={"csrf_token": token, "file": (io.BytesIO(CANVAS.encode()), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(True)
    assert "2 new user(s), 2 enrolled" in response.get_data(True)
    with Services.of(app).db.session() as s:
        enrolled = {
            (u.login, u.display_name, e.sis_id)
            for u, e in s.execute(
                select(User, Enrollment).join(Enrollment).where(Enrollment.role == "student")
            )
        }
    assert enrolled == {("ada", "Lovelace, Ada", "S-101"), ("alan", "Turing, Alan", "S-102")}

    form = "/courses/nn-2026/releases"
    token = csrf(prof, form)
    fields = {
        "csrf_token": token,
        "assignment": "chain-rule",
        "due_at": "2026-12-20T23:59",
        "late_until": "2026-12-19T12:00",
        "penalty_kind": "per_day",
        "penalty_value": "10",
        "max_attempts": "3",
        "counts": "best",
        "feedback": "immediately",
    }
    response = prof.post(form, data=fields)
    assert response.status_code == 400
    assert "&#39;late until&#39; is before &#39;due at&#39;" in response.get_data(True)
    assert count(app, Release) == 3  # the three assignments in default, none more
    response = prof.post(form, data={**fields, "late_until": "2026-12-22T23:59"})
    assert response.status_code == 303
    with Services.of(app).db.session() as s:
        release = find_release(s, get_course(s, "nn-2026"), get_assignment(s, "chain-rule"))
        assert release is not None
        # Berlin is UTC+1 in December
        assert release.due_at == datetime(2026, 12, 20, 22, 59, tzinfo=UTC)
        assert (release.penalty_kind, release.penalty_value) == ("per_day", 10.0)
        assert (release.max_attempts, release.counts) == (3, "best")
    course_page = prof.get("/courses/nn-2026").get_data(True)
    assert "2026-12-20 23:59 CET" in course_page
    prefilled = prof.get(form + "?assignment=chain-rule").get_data(True)
    assert 'value="2026-12-20T23:59"' in prefilled


def test_the_gradebook_its_csv_and_the_zip_of_submissions(app, client, nn):
    first = upload_as(app, nn["ada"])
    second = upload_as(app, nn["ada"], data=b"def sigmoid(x):\n    return 1\n")
    set_graded(app, first, 40)
    set_graded(app, second, 80, factor=0.5)
    with Services.of(app).db.begin() as s:
        s.get(Submission, second).late = True
    sign_in(app, client, "tia", role=None)

    book = client.get("/courses/nn/gradebook")
    assert book.status_code == 200
    html = book.get_data(True)
    ada_row = re.search(
        r"<tr>\s*<td><a href=\"/courses/nn/people/\d+\">ada</a>(.*?)</tr>", html, re.S
    )
    assert ada_row, html
    # counts "last" (the default): the late second attempt, halved, with both attempts
    assert f'/submissions/{second}">40</a> <span class="late">late</span>' in ada_row.group(1)
    assert "<small>(2)</small>" in ada_row.group(1)
    assert ">alan</a>" in html  # enrolled, no attempts yet

    grades = client.get("/courses/nn/assignments/chain-rule/grades.csv")
    assert grades.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(grades.get_data(True))))
    ada = next(r for r in rows if r["student_id"] == "ada")
    assert (ada["score"], ada["counted_score"], ada["late"], ada["attempts"]) == (
        "80",
        "40",
        "late",
        "2",
    )
    assert next(r for r in rows if r["student_id"] == "alan")["attempts"] == "0"

    archive = client.get("/courses/nn/assignments/chain-rule/submissions.zip")
    assert archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as z:
        names = z.namelist()
        manifest = list(csv.DictReader(io.StringIO(z.read("submissions.csv").decode())))
        files = {m["submission"]: z.read(m["file"]) for m in manifest}
    ada = f"ada-{nn['ada']}/"
    assert all(n == "submissions.csv" or n.startswith(ada) for n in names)
    assert files == {first: CODE, second: b"def sigmoid(x):\n    return 1\n"}
    assert {m["late"] for m in manifest} == {"", "late"}


def test_regrades_go_through_the_queue(app, client, grading, fixture_file, nn):
    sub = upload_as(app, nn["ada"], data=fixture_file("chain-rule/correct.py"))
    grading.enqueue(sub)
    assert grading.join(timeout=120)
    sign_in(app, client, "tia", role=None)
    page = f"/submissions/{sub}"
    token = csrf(client, page)
    assert 'id="regrade-one"' in client.get(page).get_data(True)
    response = client.post(f"{page}/regrade", data={"csrf_token": token})
    assert response.status_code == 303
    assert grading.join(timeout=120)
    with Services.of(app).db.session() as s:
        row = s.get(Submission, sub)
        assert row.status == "graded" and len(row.runs) == 2

    grades = "/courses/nn/assignments/chain-rule/grades"
    response = client.post(
        "/courses/nn/assignments/chain-rule/regrade", data={"csrf_token": csrf(client, grades)}
    )
    assert response.status_code == 303
    assert "1 submission(s) of chain-rule queued" in client.get(grades).get_data(True)
    assert grading.join(timeout=120)
    with Services.of(app).db.session() as s:
        assert len(s.get(Submission, sub).runs) == 3
    # without the CSRF token: refused, nothing queued
    response = client.post("/courses/nn/assignments/chain-rule/regrade", data={})
    assert response.status_code == 400
    with Services.of(app).db.session() as s:
        assert s.get(Submission, sub).status == "graded"

    student = app.test_client()
    sign_in(app, student, "ada", role=None)
    token = csrf(student, page)
    assert 'id="regrade-one"' not in student.get(page).get_data(True)
    assert student.post(f"{page}/regrade", data={"csrf_token": token}).status_code == 403


@pytest.mark.databases
def test_an_extension_from_the_person_page(app, prof, nn):
    change_release(
        app,
        due_at=utcnow() - timedelta(days=1),
        late_until=utcnow() + timedelta(hours=1),
        penalty_kind="factor",
        penalty_value=0.5,
    )
    penalised = upload_as(app, nn["alan"])  # late: counts half
    set_graded(app, penalised, 80, factor=0.5)
    change_release(app, late_until=None)  # uploads closed from now on
    person = f"/courses/nn/people/{nn['alan']}"
    token = csrf(prof, person)
    response = prof.post(
        f"{person}/extension",
        data={
            "csrf_token": token,
            "assignment": "chain-rule",
            "due_at": "2099-01-10T12:00",
            "late_until": "2099-01-09T12:00",
        },
    )
    assert response.status_code == 400
    assert "is before its" in response.get_data(True)
    assert count(app, Extension) == 0
    response = prof.post(
        f"{person}/extension",
        data={"csrf_token": token, "assignment": "chain-rule", "due_at": "2099-01-10T12:00"},
    )
    assert response.status_code == 303
    html = prof.get(person).get_data(True)
    assert "Extension granted: chain-rule due 2099-01-10 12:00 CET" in html
    assert "due 2099-01-10 12:00 CET" in html
    upload_as(app, nn["alan"])  # accepted: alan's own due date
    with Services.of(app).db.session() as s:  # and his late upload is on time now
        row = s.get(Submission, penalised)
        assert (row.late, row.late_factor, row.counted_score) == (False, 1.0, 80)
    with pytest.raises(Exception, match="Uploads are closed"):
        upload_as(app, nn["ada"])
    assert prof.get(f"/courses/nn/people/{nn['alan'] + 1000}").status_code == 404


@pytest.mark.databases
def redeem(app, link_token: str):
    """A new browser that follows the link and presses its button: (client, status)."""
    visitor = app.test_client()
    page = visitor.get(f"/sign-in/{link_token}").get_data(True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return visitor, visitor.post(f"/sign-in/{link_token}", data={"csrf_token": token}).status_code


def links_on(response) -> dict[str, str]:
    html = response.get_data(True)
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td>[^<]*</td><td><code class=\"link\">[^<]*"
        r"/sign-in/([^<]+)</code>",
        html,
    )
    return dict(rows)


@pytest.mark.databases
def test_sign_in_links_reach_only_the_instructors_own_students(app, prof, nn):
    with Services.of(app).db.begin() as s:
        other = create_course(s, "other", "Other")
        enrol(s, other, s.get(User, nn["alan"]), "student")  # alan is also elsewhere
        enrol(s, get_course(s, "nn"), create_user(s, "boss", admin=True), "student")
        create_user(s, "future", email="future@uni.example")  # made by an administrator
    people = "/courses/nn/people"
    # a roster may enrol an account made elsewhere, but that gives no power over it
    imported = prof.post(
        people,
        data={"csrf_token": csrf(prof, people), "text": "name,email\nF,future@uni.example\n"},
    )
    assert imported.status_code == 200
    response = prof.post(f"{people}/sign-in-links", data={"csrf_token": csrf(prof, people)})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    first = links_on(response)
    assert list(first) == ["ada"]
    assert "No link for alan, boss, future:" in response.get_data(True)

    # one person's link, from their page: a new one spends the older
    person = f"/courses/nn/people/{nn['ada']}"
    assert 'id="person-link"' in prof.get(person).get_data(True)
    second = links_on(
        prof.post(
            f"{people}/sign-in-links", data={"csrf_token": csrf(prof, person), "user": nn["ada"]}
        )
    )
    assert list(second) == ["ada"] and second["ada"] != first["ada"]
    assert redeem(app, first["ada"])[1] == 400
    ada, status = redeem(app, second["ada"])
    assert status == 303
    assert "<span>ada</span>" in ada.get("/me/submissions").get_data(True)
    assert redeem(app, second["ada"])[1] == 400  # single use
    # signed in by the link, ada sets a password without an old one; then it is asked
    page = "/account/password"
    new = {"password": "correct horse battery", "confirm": "correct horse battery"}
    assert ada.post(page, data={"csrf_token": csrf(ada, page), **new}).status_code == 200
    again = {"password": "another long secret", "confirm": "another long secret"}
    response = ada.post(page, data={"csrf_token": csrf(ada, page), **again})
    assert response.status_code == 400 and "not your current password" in response.get_data(True)
    ok = {**again, "current": "correct horse battery"}
    assert ada.post(page, data={"csrf_token": csrf(ada, page), **ok}).status_code == 200

    for login in ("alan", "future", "tia"):  # elsewhere too; an administrator's; staff
        with Services.of(app).db.session() as s:
            user_id = find_user(s, login).id
        page = f"/courses/nn/people/{user_id}"
        assert 'id="person-link"' not in prof.get(page).get_data(True)
        response = prof.post(
            f"{people}/sign-in-links", data={"csrf_token": csrf(prof, page), "user": user_id}
        )
        assert response.status_code == 200 and links_on(response) == {}, login
        assert f"No link for {login}:" in response.get_data(True)
    response = prof.post(
        f"{people}/sign-in-links", data={"csrf_token": csrf(prof, people), "user": "abc"}
    )
    assert response.status_code == 400 and links_on(response) == {}


def test_a_student_in_two_courses_uploads_in_the_course_the_address_names(app, client, nn):
    with Services.of(app).db.begin() as s:
        second = create_course(s, "nn-b", "Neural nets B")
        enrol(s, second, s.get(User, nn["ada"]), "student")
        release_assignment(s, second, get_assignment(s, "chain-rule"), policy.ReleasePolicy())
    sign_in(app, client, "ada", role=None)
    both = client.get("/assignments/chain-rule").get_data(True)
    assert 'href="/courses/nn/assignments/chain-rule"' in both
    assert 'href="/courses/nn-b/assignments/chain-rule"' in both
    assert 'name="file"' not in both  # which course's deadline? the course's page says
    page = "/courses/nn-b/assignments/chain-rule"
    html = client.get(page).get_data(True)
    assert 'id="check-points"' in html and "starter notebook" in html
    assert post_upload(client, page).status_code == 303
    with Services.of(app).db.session() as s:
        sub = s.scalar(select(Submission))
        assert sub.release.course.slug == "nn-b"
    starter = client.get("/assignments/chain-rule/starter")
    assert starter.status_code == 200 and b'"cells"' in starter.data


@pytest.mark.databases
def test_the_assignment_page_says_late_and_refuses_when_no_attempt_is_left(app, client, nn):
    change_release(
        app,
        due_at=utcnow() - timedelta(hours=2),
        late_until=utcnow() + timedelta(days=1),
        penalty_kind="per_day",
        penalty_value=10.0,
        max_attempts=2,
    )
    sign_in(app, client, "ada", role=None)
    page = "/courses/nn/assignments/chain-rule"
    html = client.get(page).get_data(True)
    assert "so this upload counts 90% of its score" in html
    for _ in range(2):
        assert post_upload(client, page).status_code == 303
    with Services.of(app).db.session() as s:
        assert {(x.late, x.late_factor) for x in s.scalars(select(Submission))} == {(True, 0.9)}
    html = client.get(page).get_data(True)
    assert (
        "No attempts left: all 2 attempts are used." in html
        and "<form" not in html.split("Submit")[-1]
    )
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = post_upload(client, page, token)  # the sign-out form's token: same session
    assert response.status_code == 403
    assert 'role="alert"' in response.get_data(True)
    assert count(app, Submission) == 2
