"""Security headers on every response, malformed bodies answered 400 in the one error
shape, and wrong API tokens throttled per client address."""

from __future__ import annotations

import io
import re

import pytest

from grader.security_headers import HEADERS
from tests.service_helpers import assert_error, count, post_file

SUBMIT = "/api/v1/assignments/chain-rule/submissions"


# -- headers ----------------------------------------------------------------------


def test_every_kind_of_response_carries_the_security_headers(client, auth, accepted, signed_in):
    sub = accepted(student="s-1")
    responses = {
        "index": client.get("/"),
        "assignment page": client.get("/assignments/chain-rule"),
        "result page": client.get(f"/submissions/{sub.id}"),
        "error page": client.get("/no/such/page"),
        "style sheet": client.get("/static/style.css"),
        "download": client.get(f"/submissions/{sub.id}/file"),
        "api": client.get("/api/v1/assignments", headers=auth),
        "api 401": client.get("/api/v1/assignments"),
        "api 400": client.post(SUBMIT, headers=auth, data=b"[", content_type="application/json"),
        "openapi": client.get("/api/v1/openapi.json"),
    }
    for name, response in responses.items():
        assert response.status_code < 500, name
        for header, value in HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
    policy = HEADERS["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert responses["style sheet"].mimetype == "text/css"


def test_pages_have_no_inline_style_or_script(client, accepted, signed_in):
    """What the policy would refuse; the real browser test checks the console too."""
    sub = accepted(student="s-1")
    for path in ("/", "/assignments/chain-rule", f"/submissions/{sub.id}", "/nope"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(
            r"<style|<script(?![^>]*\ssrc=\"/static/)|\sstyle=|\son\w+=", html, re.I
        ), path
        assert '<link rel="stylesheet" href="/static/style.css">' in html, path


def test_markdown_tables_align_without_style_attributes():
    from grader.web.views import render_markdown

    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert 'align="right"' in html and "style=" not in html


def test_the_upload_form_still_passes_csrf_over_https(app, client):
    """Flask-WTF checks the Referer on HTTPS: the referrer policy must keep it on-site."""
    from tests.service_helpers import sign_in

    sign_in(app, client, "s-1", base_url="https://grader.test")
    assert HEADERS["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    page = client.get("/assignments/chain-rule", base_url="https://grader.test")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/assignments/chain-rule",
        base_url="https://grader.test",
        headers={"Referer": "https://grader.test/assignments/chain-rule"},
        data={"csrf_token": token, "file": (io.BytesIO(b"x = 1\n"), "a.py")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.text[:500]
    assert count(app) == 1


# -- malformed bodies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"filename": "a.py", "content": "\xff"}', "not UTF-8"),
        (b'{"filename": "a.py", "content": "\xed\xa0\x80"}', "not UTF-8"),  # encoded surrogate
        (b'{"filename": "a.py", "content": "x = \\ud800"}', "surrogate pair at 'content'"),
        (b'{"filename": "a\\udfff.py", "content": "x = 1"}', "surrogate pair at 'filename'"),
        (b'{"filename": "a.py", "content": "x", "meta": ["\\udc00"]}', "'meta[0]'"),
        (b'{"filename": "a.py", "content": ', "not valid JSON (line 1 column 33"),
        (b"\xef\xbb\xbf", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"filename": 3, "content": "x"}', "'filename'"),
        (b'{"filename": "a.py", "content_base64": "\xc3\xa9"}', "not valid base64"),
    ],
)
def test_a_malformed_json_body_is_400(app, client, auth, body, words):
    response = client.post(SUBMIT, headers=auth, data=body, content_type="application/json")
    assert words in assert_error(response, 400, "bad_request")["message"]
    assert count(app) == 0


def test_a_surrogate_pair_is_text(app, client, auth):
    body = b'{"filename": "a.py", "content": "s = \'\\ud83d\\ude00\'\\n"}'
    response = client.post(SUBMIT, headers=auth, data=body, content_type="application/json")
    assert response.status_code == 202, response.get_json()


def test_too_many_values_in_a_json_body_is_413(app, client, auth):
    body = b"[" + b",".join([b"{}"] * 600_000) + b"]"
    response = client.post(SUBMIT, headers=auth, data=body, content_type="application/json")
    assert "too many values" in assert_error(response, 413, "too_large")["message"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"student": "\\ud800"}', "application/json"),
        (b"student=s1", "application/x-www-form-urlencoded"),
    ],
)
def test_the_upload_form_refuses_other_bodies_with_400(app, client, csrf_token, body, content_type):
    """Flask-WTF would read a JSON body itself (RecursionError, a list it cannot unpack)."""
    response = client.post(
        "/assignments/chain-rule",
        data=body,
        headers={
            "Content-Type": content_type,
            "X-CSRFToken": csrf_token("chain-rule"),
            "Accept": "application/json",
        },
    )
    assert_error(response, 400, "bad_request")
    assert count(app) == 0


# -- throttling wrong tokens --------------------------------------------------------------


def get(client, token, address="10.0.0.1"):
    return client.get(
        "/api/v1/assignments",
        headers={"Authorization": f"Bearer {token}"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_tokens_are_throttled_per_address(client, token):
    answers = [get(client, f"guess-{i}").status_code for i in range(300)]
    assert answers[:10] == [401] * 10  # the documented default: 10/minute
    assert set(answers[10:]) == {429}
    response = get(client, "guess-again")
    error = assert_error(response, 429, "rate_limited")
    assert "failed authentications" in error["message"] and "10 per minute" in error["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # the right token from the same address waits too: a guess must get no answer
    assert get(client, token).status_code == 429
    # other addresses are not slowed, with a right token or a wrong one
    assert get(client, token, "10.0.0.2").status_code == 200
    assert get(client, "guess", "10.0.0.3").status_code == 401


def test_right_tokens_do_not_count(client, token):
    assert all(get(client, token).status_code == 200 for _ in range(30))
    assert get(client, "guess").status_code == 401


def test_a_missing_token_does_not_count(client):
    for _ in range(20):
        assert_error(client.get("/api/v1/assignments"), 401, "unauthorized")


def test_the_limit_is_a_setting(app, client, token):
    app.config["RATE_LIMIT_AUTH_FAILURES"] = "2/minute"
    assert [get(client, "guess").status_code for _ in range(3)] == [401, 401, 429]
    assert "at most 2 per minute" in get(client, "guess").get_json()["error"]["message"]


def test_uploads_with_a_wrong_token_are_throttled_before_reading(app, client):
    app.config["RATE_LIMIT_AUTH_FAILURES"] = "2/minute"
    headers = {"Authorization": "Bearer nope"}
    answers = [post_file(client, headers).status_code for _ in range(4)]
    assert answers == [401, 401, 429, 429]
    assert count(app) == 0
