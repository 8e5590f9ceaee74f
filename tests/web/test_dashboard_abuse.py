"""What a review of the dashboard found, as an attacker and as a careless instructor
would do it, and the bound each must keep: a clear refusal with nothing written, or
no data lost. (Account takeover through sign-in links is in test_dashboard.py.)"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from grader.course_admin import create_user, enrol, get_course
from grader.courses import Enrollment, Extension, Release, User
from grader.http_common import Services
from grader.models import Submission, utcnow
from grader.operations import requeue
from tests.service_helpers import change_release, count, csrf, set_graded, sign_in, upload_as

FORM = "/courses/nn/releases"


def release_fields(token: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "assignment": "chain-rule",
        "due_at": "2026-12-20T23:59",
        "penalty_kind": "per_day",
        "penalty_value": "10",
        "max_attempts": "3",
        "counts": "last",
        "feedback": "immediately",
        **changes,
    }


@pytest.mark.databases
@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"penalty_value": "NaN"}, "Enter a number."),
        ({"penalty_value": "sNaN"}, "Enter a number."),
        ({"penalty_kind": "none", "penalty_value": "Infinity"}, "Enter a number."),
        ({"max_attempts": str(2**63)}, "From 1 to 1000 attempts."),
        ({"due_at": "0001-01-01T00:00"}, "due at: 0001-01-01 00:00 is out of range"),
        ({"late_until": "0001-01-01T00:30"}, "late until: 0001-01-01 00:30 is out of range"),
        # the hour Berlin's clocks skip on the last Sunday of March
        ({"due_at": "2026-03-29T02:30"}, "does not exist in Europe/Berlin"),
        ({"penalty_value": "150"}, "a percentage between 0 and 100"),
    ],
)
def test_release_form_refuses_what_no_policy_can_hold(app, prof, nn, changes, says):
    with Services.of(app).db.session() as s:
        before = s.scalars(select(Release).where(Release.course_id == get_course(s, "nn").id))
        before_rules = [r.policy() for r in before]
    response = prof.post(FORM, data=release_fields(csrf(prof, FORM), **changes))
    assert response.status_code == 400
    html = response.get_data(True)
    assert says in html.replace("&#39;", "'") and "Traceback" not in html
    assert 'id="release-errors"' in html
    if "penalty_value" not in changes or changes.get("penalty_value") == "150":
        assert "Due at: a percentage" not in html  # a policy error is the form's, not a field's
    with Services.of(app).db.session() as s:
        after = s.scalars(select(Release).where(Release.course_id == get_course(s, "nn").id))
        assert [r.policy() for r in after] == before_rules


@pytest.mark.databases
def test_a_roster_keeps_roles_it_does_not_name_and_its_instructor(app, prof, nn):
    people = "/courses/nn/people"
    token = csrf(prof, people)
    # no role column: the TA stays a TA, a new person is a student
    response = prof.post(people, data={"csrf_token": token, "text": "name;login\nT;tia\nN;neo\n"})
    assert response.status_code == 200, response.get_data(True)
    with Services.of(app).db.session() as s:
        roles = dict(
            s.execute(
                select(User.login, Enrollment.role)
                .join(Enrollment)
                .where(Enrollment.course_id == get_course(s, "nn").id)
            ).all()
        )
    assert roles["tia"] == "ta" and roles["neo"] == "student" and roles["prof"] == "instructor"
    # a role column that demotes the course's only instructor: refused whole
    text = "name,login,role\nP,prof,student\nQ,quinn,student\n"
    response = prof.post(people, data={"csrf_token": token, "text": text})
    assert response.status_code == 400
    assert "would leave the course without an instructor" in response.get_data(True)
    assert "nothing was imported" in response.get_data(True)
    with Services.of(app).db.session() as s:
        assert s.scalar(select(User).where(User.login == "quinn")) is None
    assert prof.get(people).status_code == 200  # still their course


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('N,"bad\nlogin"', "line 2: a control character (a line break?) in a field"),
        ("N,n1,x" + "9" * 101, "line 2: the SIS id is longer than 100 characters"),
        ("N,n1,,@", "line 2: '@' is not an e-mail address"),
    ],
)
def test_roster_lines_that_cannot_be_stored_are_named(app, prof, nn, line, says):
    people = "/courses/nn/people"
    header = "name,login,sis id,email\n"
    response = prof.post(people, data={"csrf_token": csrf(prof, people), "text": header + line})
    assert response.status_code == 400
    assert says.replace("'", "&#39;") in response.get_data(True)
    assert count(app, User) == 4


@pytest.mark.databases
def test_an_extension_before_the_due_date_is_refused_on_the_person_page(app, prof, nn):
    change_release(app, due_at=utcnow() + timedelta(days=10))
    person = f"/courses/nn/people/{nn['alan']}"
    early = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = prof.post(
        f"{person}/extension",
        data={"csrf_token": csrf(prof, person), "assignment": "chain-rule", "due_at": early},
    )
    assert response.status_code == 400
    html = response.get_data(True)
    assert "an extension moves the due date later" in html and 'id="extension-form"' in html
    assert count(app, Extension) == 0


def test_a_regrade_keeps_the_grade_it_replaces_and_staff_uploads_are_no_grades(app, client, nn):
    graded = upload_as(app, nn["ada"])
    set_graded(app, graded, 70)
    trial = upload_as(app, nn["tia"])  # the TA tries the assignment
    set_graded(app, trial, 100)
    with Services.of(app).db.begin() as s:
        requeue(s, [graded])  # being graded again, as a regrade leaves it
    sign_in(app, client, "prof", role=None)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/courses/nn/assignments/chain-rule/grades.csv").get_data(True))
        )
    )
    assert [(r["student_id"], r["score"], r["counted_score"]) for r in rows] == [
        ("ada", "70", "70"),
        ("alan", "", ""),
    ]


def test_the_zip_keeps_students_apart_whose_logins_clean_to_one_name(app, client, nn):
    svc = Services.of(app)
    ids = {}
    with svc.db.begin() as s:
        course = get_course(s, "nn")
        for login in ("José", "Jose", "submissions.csv"):
            user = create_user(s, login)
            enrol(s, course, user, "student")
            ids[login] = user.id
    for user_id in ids.values():
        upload_as(app, user_id)
    sign_in(app, client, "prof", role=None)
    data = client.get("/courses/nn/assignments/chain-rule/submissions.zip").data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        manifest = list(csv.DictReader(io.StringIO(z.read("submissions.csv").decode())))
    folders = {n.split("/")[0] for n in names if "/" in n}
    assert len(folders) == 3 and "submissions.csv" in names
    assert {m["student"] for m in manifest} == set(ids)
    with svc.db.session() as s:
        assert len(s.scalars(select(Submission)).all()) == 3


@pytest.mark.parametrize(
    ("slug", "zone", "says"),
    [
        ("c10-", "UTC", "not at its ends"),
        ("c10", "localtime", "unknown time zone"),
        ("c10", "Factory", "unknown time zone"),
    ],
)
def test_a_course_needs_a_clean_slug_and_a_real_time_zone(app, prof, slug, zone, says):
    response = prof.post(
        "/courses",
        data={"csrf_token": csrf(prof, "/courses"), "slug": slug, "title": "C", "timezone": zone},
    )
    assert response.status_code == 400 and says in response.get_data(True)


@pytest.mark.databases
def test_a_roster_finds_people_whatever_the_case_and_names_its_own_accounts(app, prof, nn):
    people = "/courses/nn/people"
    text = "name,login,email\nAda Lovelace,ADA,ada@uni.example\nTia T.,Tia,tia@uni.example\n"
    response = prof.post(people, data={"csrf_token": csrf(prof, people), "text": text})
    assert response.status_code == 200, response.get_data(True)
    assert "0 new user(s)" in response.get_data(True)
    with Services.of(app).db.session() as s:
        users = {u.login: (u.display_name, u.email) for u in s.scalars(select(User))}
    assert len(users) == 4  # prof, tia, ada, alan: no "ADA" beside "ada"
    # the course's own account takes the roster's name and e-mail; the TA's (made by an
    # administrator) is not the roster's to change
    assert users["ada"] == ("Ada Lovelace", "ada@uni.example")
    assert users["tia"] == ("tia", None)
