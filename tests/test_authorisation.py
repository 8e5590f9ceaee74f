"""Every route of the app (walked from Flask's URL map) against six askers: anonymous,
student A (owner of the submission asked for), student B (same course), a TA of that
course, an instructor of another course, a site administrator. A route without a rule
here fails the test. Foreign and unknown ids answer 404 alike.

Pages are asked with the askers' sessions; the API with their tokens (a student has
none: the API is for LMSs and staff). CSRF is off in this app so that the rules, not
the token check, decide the answer to a POST (CSRF has its own tests)."""

from __future__ import annotations

import io

import pytest

from grader import policy
from grader.course_admin import create_course, create_user, enrol, get_course, release_assignment
from grader.http_common import Services
from grader.intake import Uploader, accept_submission
from grader.models import ApiToken, GradingRun, Submission
from grader.operations import get_assignment
from tests.service_helpers import sign_in

ROLES = ("anonymous", "student_a", "student_b", "ta", "other_instructor", "admin")
CODE = b"def sigmoid(x):\n    return x\n"
OK, REDIRECT, SEE_OTHER, CREATED = 200, 302, 303, 202

#: (endpoint, method) -> status for each of ROLES, in order
RULES: dict[tuple[str, str], tuple[int, ...]] = {
    ("web.static", "GET"): (OK,) * 6,
    ("web.index", "GET"): (OK,) * 6,
    ("web.healthz", "GET"): (OK,) * 6,
    ("metrics", "GET"): (OK,) * 6,
    ("web.assignment", "GET"): (OK,) * 6,
    # an upload: needs a session; lands in a course of the uploader that released it
    ("web.assignment", "POST"): (REDIRECT, SEE_OTHER, SEE_OTHER, SEE_OTHER, 404, 404),
    ("web.submission", "GET"): (404, OK, 404, OK, 404, OK),
    ("web.submission_status", "GET"): (404, OK, 404, OK, 404, OK),
    ("web.my_submissions", "GET"): (REDIRECT,) + (OK,) * 5,
    ("web.submission_file", "GET"): (404, OK, 404, OK, 404, OK),
    ("web.submission_plot", "GET"): (404, OK, 404, OK, 404, OK),
    ("web.sign_in", "GET"): (OK,) * 6,
    ("web.sign_in", "POST"): (400,) * 6,  # a wrong password, whoever asks
    ("web.sign_in_link", "GET"): (OK,) * 6,
    ("web.sign_in_link", "POST"): (400,) * 6,  # an unknown link
    ("web.account_password", "GET"): (REDIRECT,) + (OK,) * 5,
    ("web.account_password", "POST"): (REDIRECT,) + (400,) * 5,  # an empty form
    ("web.sign_out", "POST"): (SEE_OTHER,) * 6,
    # the dashboard: members see their course, its staff its people and grades, its
    # instructors change it; other courses' people get 404, members without the role 403
    ("web.courses", "GET"): (REDIRECT,) + (OK,) * 5,
    ("web.courses", "POST"): (REDIRECT, 403, 403, 403, 400, 400),  # an empty form
    ("web.course", "GET"): (REDIRECT, OK, OK, OK, 404, OK),
    ("web.course_gradebook", "GET"): (REDIRECT, 403, 403, OK, 404, OK),
    ("web.people", "GET"): (REDIRECT, 403, 403, OK, 404, OK),
    ("web.people", "POST"): (REDIRECT, 403, 403, 403, 404, 400),  # no roster
    ("web.person", "GET"): (REDIRECT, 403, 403, OK, 404, OK),
    ("web.person_extension", "POST"): (REDIRECT, 403, 403, 403, 404, 400),
    ("web.sign_in_links", "POST"): (REDIRECT, 403, 403, 403, 404, OK),
    ("web.release_form", "GET"): (REDIRECT, 403, 403, 403, 404, OK),
    ("web.release_form", "POST"): (REDIRECT, 403, 403, 403, 404, 400),
    ("web.course_assignment", "GET"): (REDIRECT, OK, OK, OK, 404, OK),
    # an admin is not enrolled: no attempts of their own
    ("web.course_assignment", "POST"): (REDIRECT, SEE_OTHER, SEE_OTHER, SEE_OTHER, 404, 404),
    ("web.assignment_starter", "GET"): (OK,) * 6,
    ("web.release_grades", "GET"): (REDIRECT, 403, 403, OK, 404, OK),
    ("web.release_grades_csv", "GET"): (REDIRECT, 403, 403, OK, 404, OK),
    ("web.release_archive", "GET"): (REDIRECT, 403, 403, OK, 404, OK),
    ("web.release_regrade", "POST"): (REDIRECT, 403, 403, SEE_OTHER, 404, SEE_OTHER),
    ("web.submission_regrade", "POST"): (REDIRECT, 403, 404, SEE_OTHER, 404, SEE_OTHER),
    ("api.openapi", "GET"): (OK,) * 6,
    ("api.get_assignments", "GET"): (401, 401, 401, OK, OK, OK),
    ("api.get_assignment_route", "GET"): (401, 401, 401, OK, 404, OK),
    ("api.create_submission", "POST"): (401, 401, 401, CREATED, 404, CREATED),
    ("api.get_submission", "GET"): (401, 401, 401, OK, 404, OK),
    ("api.get_submission_file", "GET"): (401, 401, 401, OK, 404, OK),
    ("api.get_submission_plot", "GET"): (401, 401, 401, OK, 404, OK),
    ("api.get_grades", "GET"): (401, 401, 401, OK, 404, OK),
    ("api.list_submissions", "GET"): (401, 401, 401, OK, OK, OK),
}


@pytest.fixture
def backend():
    return "sqlite"  # the rules live above the database; one backend is enough


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": False}


@pytest.fixture
def world(app):
    """Course nn (A, B, TA, chain-rule released), course other (its instructor), an admin;
    A's graded submission with a plot; a token per staff asker."""
    svc = Services.of(app)
    with svc.db.begin() as s:
        nn = create_course(s, "nn", "Neural nets")
        other = create_course(s, "other", "Other")
        release_assignment(s, nn, get_assignment(s, "chain-rule"), policy.ReleasePolicy())
        ids = {}
        for login, course, role in [
            ("a", nn, "student"),
            ("b", nn, "student"),
            ("t", nn, "ta"),
            ("o", other, "instructor"),
        ]:
            user = create_user(s, login)
            enrol(s, course, user, role)
            ids[login] = user.id
        admin = create_user(s, "root", admin=True)
        ids["root"] = admin.id
        tokens = {}
        for name, course_id, role in [
            ("ta", nn.id, "ta"),
            ("other_instructor", other.id, "instructor"),
            ("admin", None, "instructor"),
        ]:
            row, plain = ApiToken.generate(name, course_id=course_id, role=role)
            s.add(row)
            tokens[name] = plain
    sub = accept_submission(
        svc.db,
        svc.store,
        slug="chain-rule",
        filename="a.py",
        data=CODE,
        uploader=Uploader(course_id=get_nn(app), user_id=ids["a"]),
    )
    plot = svc.store.put(b"\x89PNG not really")
    with svc.db.begin() as s:
        row = s.get(Submission, sub.id)
        row.status = "graded"
        s.add(
            GradingRun(
                submission_id=sub.id,
                assignment_version=1,
                assignment_digest="d",
                status="graded",
                plots={"loss": plot},
            )
        )
    return {"sub": sub.id, "ids": ids, "tokens": tokens}


def get_nn(app) -> int:
    with Services.of(app).db.session() as s:
        return get_course(s, "nn").id


def client_for(app, world, role: str):
    client = app.test_client()
    logins = {"student_a": "a", "student_b": "b", "ta": "t", "other_instructor": "o"}
    if role in logins:
        sign_in(app, client, logins[role], role=None)
    elif role == "admin":
        sign_in(app, client, "root", role=None)
    headers = {}
    if role in world["tokens"]:
        headers["Authorization"] = f"Bearer {world['tokens'][role]}"
    return client, headers


def url_for_rule(rule, world) -> str:
    values = {
        "filename": "style.css",
        "slug": "chain-rule",
        "submission_id": world["sub"],
        "name": "loss",
        "token": "not-a-link",
        "course": "nn",
        "user_id": str(world["ids"]["a"]),
    }
    path = rule.rule
    for key, value in values.items():
        for kind in ("", "path:", "int:"):
            path = path.replace(f"<{kind}{key}>", value)
    assert "<" not in path, f"no value for a parameter of {rule.rule}"
    return path


def ask(client, headers, endpoint: str, method: str, path: str):
    if method == "GET":
        return client.get(path, headers=headers)
    if endpoint in ("web.assignment", "web.course_assignment", "api.create_submission"):
        data = {"file": (io.BytesIO(CODE), "hw.py")}
        if endpoint == "api.create_submission":
            data["student"] = "a"
        return client.post(path, headers=headers, data=data, content_type="multipart/form-data")
    if endpoint == "web.sign_in":
        return client.post(path, data={"login": "a", "password": "wrong password"})
    return client.post(path, headers=headers, data={})


def routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_rule(app):
    assert routes(app) - set(RULES) == set(), "routes without an authorisation rule"
    assert set(RULES) - routes(app) == set(), "rules for routes that do not exist"


def test_every_route_answers_each_asker_as_its_rule_says(app, world):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    wrong = []
    for (endpoint, method), expected in sorted(RULES.items()):
        path = url_for_rule(rules[endpoint], world)
        for role, status in zip(ROLES, expected, strict=True):
            client, headers = client_for(app, world, role)
            got = ask(client, headers, endpoint, method, path).status_code
            if endpoint.endswith("regrade"):  # graded again: the next askers see it graded
                with Services.of(app).db.begin() as s:
                    s.get(Submission, world["sub"]).status = "graded"
            if got != status:
                wrong.append(f"{method} {path} as {role}: {got}, expected {status}")
    assert wrong == []


def test_lists_show_no_foreign_work(app, world):
    client, headers = client_for(app, world, "other_instructor")
    listed = client.get("/api/v1/submissions", headers=headers).get_json()
    assert world["sub"] not in {s["id"] for s in listed}
    names = {a["slug"] for a in client.get("/api/v1/assignments", headers=headers).get_json()}
    assert names == set()  # nothing is released in the other course
    client, headers = client_for(app, world, "ta")
    listed = client.get("/api/v1/submissions", headers=headers).get_json()
    assert world["sub"] in {s["id"] for s in listed}


def test_unknown_ids_answer_like_foreign_ones(app, world):
    client, _ = client_for(app, world, "student_b")
    foreign = client.get(f"/submissions/{world['sub']}")
    unknown = client.get("/submissions/" + "0" * 24)
    assert foreign.status_code == unknown.status_code == 404
