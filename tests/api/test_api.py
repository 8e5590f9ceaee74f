"""Every /api/v1 route and its errors, through Flask's test client (no grading here:
the runner is not started, so accepted submissions stay queued)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from grader.courses import User
from grader.http_common import Services
from grader.models import ApiToken, Submission, utcnow
from tests.service_helpers import assert_error, count, post_file

CORRECT = b"def sigmoid(x):\n    return x\n"


# -- authentication -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/assignments", "/api/v1/submissions/x", "/api/v1/assignments/chain-rule/grades"],
)
def test_missing_token_is_401(client, path):
    response = client.get(path)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer ", "token"])
def test_bad_token_is_401(client, header):
    assert_error(
        client.get("/api/v1/assignments", headers={"Authorization": header}), 401, "unauthorized"
    )


def test_revoked_token_is_401(app, client, auth):
    assert client.get("/api/v1/assignments", headers=auth).status_code == 200
    with Services.of(app).db.begin() as s:
        s.scalar(select(ApiToken)).revoked_at = utcnow()
    assert_error(client.get("/api/v1/assignments", headers=auth), 401, "unauthorized")
    assert_error(post_file(client, auth), 401, "unauthorized")
    assert count(app) == 0


@pytest.mark.databases
def test_token_is_stored_hashed(app, token):
    with Services.of(app).db.session() as s:
        row = s.scalar(select(ApiToken))
        assert token not in (row.token_hash, row.prefix)
        assert row.token_hash == ApiToken.hash(token)


# -- assignments ------------------------------------------------------------------


def test_list_assignments(client, auth):
    response = client.get("/api/v1/assignments", headers=auth)
    assert response.status_code == 200
    slugs = {a["slug"] for a in response.get_json()}
    assert {"chain-rule", "xor-mlp", "circles-softmax"} <= slugs
    first = response.get_json()[0]
    assert {"slug", "title", "max_score", "version", "functions", "url"} <= set(first)


def test_get_assignment_and_404(client, auth):
    body = client.get("/api/v1/assignments/chain-rule", headers=auth).get_json()
    assert body["slug"] == "chain-rule" and body["max_score"] == 100
    assert "description" in body
    assert_error(client.get("/api/v1/assignments/nope", headers=auth), 404, "assignment_not_found")


# -- creating submissions ---------------------------------------------------------------


@pytest.mark.databases
def test_submit_multipart_is_committed_and_queued(app, client, auth):
    response = post_file(client, auth, student="s-001")
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued"
    assert body["url"].endswith(f"/api/v1/submissions/{body['id']}")
    assert response.headers["Location"] == body["url"]
    with Services.of(app).db.session() as s:
        sub = s.get(Submission, body["id"])
        assert sub.status == "queued" and sub.filename == "hw.py"
        assert sub.user.login == "s-001" and sub.release.course.slug == "default"
        assert Services.of(app).store.get(sub.blob_sha256) == CORRECT
    polled = client.get(f"/api/v1/submissions/{body['id']}", headers=auth).get_json()
    assert polled["status"] == "queued" and polled["student"] == "s-001"
    assert polled["checks"] == [] and polled["graded_at"] is None


def test_submit_json_body(client, auth):
    response = client.post(
        "/api/v1/assignments/chain-rule/submissions",
        headers=auth,
        json={"filename": "hw.py", "content": CORRECT.decode(), "student": "s-2"},
    )
    assert response.status_code == 202
    import base64

    response = client.post(
        "/api/v1/assignments/chain-rule/submissions",
        headers=auth,
        json={"filename": "hw.py", "content_base64": base64.b64encode(CORRECT).decode()},
    )
    assert response.status_code == 202


@pytest.mark.parametrize(
    "body, field",
    [
        ('{"filename": "hw.py", "content": ', None),
        ("[1, 2]", None),
        ('{"content": "x = 1"}', "filename"),
        ('{"filename": "hw.py"}', "content"),
        ('{"filename": "hw.py", "content_base64": "%%%"}', "content_base64"),
        ('{"filename": "hw.py", "content": "x=1", "student": 5}', "student"),
    ],
)
@pytest.mark.databases
def test_malformed_json_is_400_and_writes_nothing(app, client, auth, body, field):
    response = client.post(
        "/api/v1/assignments/chain-rule/submissions",
        headers=auth,
        data=body,
        content_type="application/json",
    )
    error = assert_error(response, 400, "bad_request")
    assert error.get("field") == field
    assert count(app) == 0


def test_missing_file_is_400(app, client, auth):
    response = client.post(
        "/api/v1/assignments/chain-rule/submissions",
        headers=auth,
        data={"student": "x"},
        content_type="multipart/form-data",
    )
    assert assert_error(response, 400, "bad_request")["field"] == "file"
    response = client.post(
        "/api/v1/assignments/chain-rule/submissions",
        headers=auth,
        data="hello",
        content_type="text/plain",
    )
    assert_error(response, 400, "bad_request")
    assert count(app) == 0


@pytest.mark.parametrize(
    "filename, data",
    [
        ("hw.txt", CORRECT),
        ("hw.py", b""),
        ("hw.py", b"# only a comment\n"),
        ("hw.ipynb", b"{not json"),
        ("hw.py", b"\xff\xfe\x00bad"),
    ],
)
@pytest.mark.databases
def test_ungradable_file_is_422_and_writes_nothing(app, client, auth, filename, data):
    assert_error(post_file(client, auth, data=data, filename=filename), 422, "submission_rejected")
    assert count(app) == 0 and count(app, User) == 0
    store = Services.of(app).store.root
    assert not store.exists() or not any(p.is_file() for p in store.rglob("*"))


def test_too_large_is_413(app, client, auth):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = post_file(client, auth, data=b"x = 1\n" * 1000)
    assert_error(response, 413, "too_large")
    assert count(app) == 0


def test_unknown_assignment_is_404(app, client, auth):
    assert_error(post_file(client, auth, slug="nope"), 404, "assignment_not_found")
    assert count(app) == 0


@pytest.mark.parametrize("student", ["x" * 201, "line\nbreak"])
def test_bad_student_id_is_400(app, client, auth, student):
    error = assert_error(post_file(client, auth, student=student), 400, "bad_request")
    assert error["field"] == "student"
    assert count(app) == 0


def test_rate_limit_per_token(app, client, auth):
    app.config["RATE_LIMIT_TOKEN"] = "2/minute"
    assert post_file(client, auth).status_code == 202
    assert post_file(client, auth).status_code == 202
    response = post_file(client, auth)
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1
    assert count(app) == 2


def test_a_token_counts_against_its_own_limit_only(app, client, auth):
    """An LMS sends for a whole course from one address: the per-address limit is not its."""
    app.config["RATE_LIMIT_IP"] = "1/hour"
    app.config["RATE_LIMIT_TOKEN"] = "3/minute"
    with Services.of(app).db.begin() as s:
        row, other = ApiToken.generate("other")
        s.add(row)
    assert [post_file(client, auth).status_code for _ in range(3)] == [202] * 3
    assert_error(post_file(client, auth), 429, "rate_limited")
    # another token from the same address has its own count, untouched by the first's
    assert post_file(client, {"Authorization": f"Bearer {other}"}).status_code == 202
    assert count(app) == 4


def test_refused_uploads_use_up_no_limit(app, client, auth):
    app.config["RATE_LIMIT_TOKEN"] = "2/minute"
    assert post_file(client, auth, filename="hw.txt").status_code == 422
    assert post_file(client, auth, data=b"\xff\xfe not text").status_code == 422
    assert_error(post_file(client, auth, student="x" * 201), 400, "bad_request")
    assert post_file(client, auth, slug="nope").status_code == 404
    assert [post_file(client, auth).status_code for _ in range(2)] == [202, 202]
    assert_error(post_file(client, auth), 429, "rate_limited")
    assert count(app) == 2


# -- reading ------------------------------------------------------------------


def test_unknown_submission_is_404(client, auth):
    assert_error(client.get("/api/v1/submissions/doesnotexist", headers=auth), 404, "not_found")
    assert_error(
        client.get("/api/v1/submissions/doesnotexist/file", headers=auth), 404, "not_found"
    )


def test_download_is_an_inert_attachment(client, auth):
    sub = post_file(
        client, auth, data=b"print('<script>x</script>')\n", filename="<b>evil</b>.py"
    ).get_json()
    response = client.get(f"/api/v1/submissions/{sub['id']}/file", headers=auth)
    assert response.status_code == 200
    assert response.data == b"print('<script>x</script>')\n"
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "<" not in response.headers["Content-Disposition"]


@pytest.mark.databases
def test_list_submissions_filters(client, auth):
    post_file(client, auth, student="a")
    post_file(client, auth, student="b")
    post_file(client, auth, slug="xor-mlp", student="a")
    everything = client.get("/api/v1/submissions", headers=auth).get_json()
    assert len(everything) == 3
    only_a = client.get("/api/v1/submissions?student=a", headers=auth).get_json()
    assert {s["student"] for s in only_a} == {"a"} and len(only_a) == 2
    rows = client.get("/api/v1/submissions?assignment=xor-mlp&student=a", headers=auth)
    assert [s["assignment"] for s in rows.get_json()] == ["xor-mlp"]


@pytest.mark.databases
def test_grades_of_ungraded_students(client, auth):
    post_file(client, auth, student="a")
    rows = client.get("/api/v1/assignments/chain-rule/grades", headers=auth).get_json()
    assert rows == [
        {
            "student": "a",
            "name": "a",
            "sis_id": None,
            "submissions": 1,
            "best_score": None,
            "latest_score": None,
            "counted_score": None,
            "max_score": 100.0,
            "late": False,
            "graded_at": None,
            "latest_submission": None,
            "counted_submission": None,
        }
    ]
    assert_error(
        client.get("/api/v1/assignments/nope/grades", headers=auth), 404, "assignment_not_found"
    )


def test_wrong_method_and_unknown_path_answer_json(client, auth):
    assert_error(client.delete("/api/v1/assignments", headers=auth), 405, "method_not_allowed")
    assert_error(client.get("/api/v1/nothing-here", headers=auth), 404, "not_found")


def test_openapi_is_public_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.data)
    assert doc["openapi"].startswith("3.")
    assert "/assignments/{slug}/submissions" in doc["paths"]
