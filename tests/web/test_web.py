"""Every page and its errors, through Flask's test client."""

from __future__ import annotations

import io
import re

import pytest

from tests.service_helpers import assert_error_page, count, upload

CODE = b"def sigmoid(x):\n    return x\n"


def test_index_lists_assignments(client):
    html = client.get("/").get_data(as_text=True)
    for slug in ("chain-rule", "xor-mlp", "circles-softmax"):
        assert f'href="/assignments/{slug}"' in html


def test_assignment_page_has_description_functions_and_form(client, signed_in):
    response = client.get("/assignments/chain-rule")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrf_token"' in html and 'name="student"' not in html
    assert "grad_w1(x, y, w1, w2)" in html


def test_anonymous_visitors_are_asked_to_sign_in(app, client):
    html = client.get("/assignments/chain-rule").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' not in html
    assert 'href="/sign-in?next=/assignments/chain-rule"' in html
    posted = client.post(
        "/assignments/chain-rule",
        data={"file": (io.BytesIO(CODE), "hw.py")},
        content_type="multipart/form-data",
    )
    assert posted.status_code in (302, 400)  # to the sign-in page (or refused for CSRF)
    assert count(app) == 0


def test_upload_redirects_to_queued_result(app, client, csrf_token):
    response = upload(client, csrf_token)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/submissions/[0-9a-f]{24}", location)
    html = client.get(location).get_data(as_text=True)
    assert 'id="status">queued<' in html
    assert "http-equiv" not in html  # the page polls its status with a script instead
    assert '<script src="/static/poll.js" defer></script>' in html
    assert f'data-poll="{location}/status"' in html
    assert f'<noscript><p><a href="{location}">Reload this page</a>' in html
    assert client.get(f"{location}/status").get_json() == {"status": "queued", "done": False}
    assert count(app) == 1


def test_graded_result_shows_score_checks_and_attempts(client, csrf_token, grading, fixture_file):
    first = upload(
        client, csrf_token, data=fixture_file("chain-rule/correct.py"), filename="correct.py"
    ).headers["Location"]
    second = upload(
        client,
        csrf_token,
        data=fixture_file("chain-rule/bug_grad_missing_factor_2.py"),
        filename="bug.py",
    ).headers["Location"]
    assert grading.join(timeout=120)
    html = client.get(first).get_data(as_text=True)
    assert 'id="score">100 / 100<' in html
    assert "poll.js" not in html and "data-poll" not in html
    assert re.search(r'id="summary">All \d+ checks passed<', html)
    assert client.get(f"{first}/status").get_json() == {"status": "graded", "done": True}
    assert html.count('class="pass"') >= 4
    html = client.get(second).get_data(as_text=True)
    assert 'class="fail"' in html
    attempts = html.split('id="attempts"')[1]
    assert first in attempts and second in attempts


def test_csrf_is_required(app, client, csrf_token):
    response = upload(client, csrf_token, token=False)
    assert_error_page(response, 400, "reload the page")
    assert count(app) == 0


@pytest.mark.parametrize(
    "filename, data, status, words",
    [
        ("hw.txt", CODE, 400, "Only .py files"),
        ("hw.py", b"", 422, "empty"),
        ("hw.ipynb", b"{broken", 422, "notebook"),
    ],
)
def test_bad_files_show_the_reason_on_the_form(
    app, client, csrf_token, filename, data, status, words
):
    response = upload(client, csrf_token, filename=filename, data=data)
    html = assert_error_page(response, status, words)
    assert 'id="file-errors"' in html
    assert count(app) == 0


def test_missing_file(app, client, csrf_token):
    response = client.post(
        "/assignments/chain-rule",
        data={"csrf_token": csrf_token("chain-rule")},
        content_type="multipart/form-data",
    )
    assert_error_page(response, 400, "Choose a file")
    assert count(app) == 0


def test_too_large_is_a_page(app, client, csrf_token):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = upload(client, csrf_token, data=b"x = 1\n" * 1000)
    assert_error_page(response, 413, "larger than the limit")
    assert count(app) == 0


def test_unknown_pages_are_404_pages(client):
    assert_error_page(client.get("/assignments/nope"), 404, "nope")
    assert_error_page(client.get("/submissions/nope"), 404, "no submission")
    assert_error_page(client.get("/submissions/nope/file"), 404, "no submission")
    assert_error_page(client.get("/no/such/page"), 404, "Not found")
    assert_error_page(client.put("/"), 405, "Method not allowed")


def test_json_clients_get_the_json_error_shape(client):
    response = client.get("/assignments/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "assignment_not_found"


def test_rate_limit_is_a_page(app, client, csrf_token):
    app.config["RATE_LIMIT_IP"] = "1/minute"
    assert upload(client, csrf_token).status_code == 303
    response = upload(client, csrf_token)
    assert_error_page(response, 429, "Too many submissions")
    assert response.headers["Retry-After"]
    assert count(app) == 1


def test_internal_errors_are_pages_without_traceback(app, client, monkeypatch):
    import grader.web.views as views

    def boom(session):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "list_assignments", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    html = assert_error_page(client.get("/"), 500, "Something went wrong")
    assert "secret internals" not in html


def test_student_text_is_escaped(app, client, csrf_token, grading):
    from tests.service_helpers import sign_in

    evil = b"print('<script>alert(1)</script>')\ndef sigmoid(x):\n    return x\n"
    csrf = csrf_token("chain-rule")
    sign_in(app, client, "<b>mallory</b>")
    location = client.post(
        "/assignments/chain-rule",
        data={"csrf_token": csrf, "file": (io.BytesIO(evil), "<img src=x onerror=alert(1)>.py")},
        content_type="multipart/form-data",
    ).headers["Location"]
    assert grading.join(timeout=120)
    html = client.get(location).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>mallory" not in html
    assert "&lt;b&gt;mallory&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.split('id="output"')[1]
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in html


def test_download_of_the_uploaded_file(client, csrf_token):
    location = upload(client, csrf_token, filename="../../etc/passwd.py").headers["Location"]
    response = client.get(location + "/file")
    assert response.status_code == 200 and response.data == CODE
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert 'filename="passwd.py"' in response.headers["Content-Disposition"]


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
