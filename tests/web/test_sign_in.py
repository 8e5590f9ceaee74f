"""Signing in: single-use expiring links, passwords (argon2), one message for a wrong
password and an unknown login, throttled failures, the session cookie's flags."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from grader.course_admin import create_user, issue_sign_in_link
from grader.courses import User
from grader.http_common import Services


def form_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def new_user(app, login="ada", lifetime=timedelta(days=3)) -> str:
    with Services.of(app).db.begin() as session:
        user = create_user(session, login)
        return issue_sign_in_link(session, user, lifetime=lifetime)


def use_link(client, token: str):
    path = f"/sign-in/{token}"
    return client.post(path, data={"csrf_token": form_token(client, path)})


def sign_in(client, login: str, password: str):
    return client.post(
        "/sign-in",
        data={"csrf_token": form_token(client, "/sign-in"), "login": login, "password": password},
    )


def test_a_link_signs_in_once_then_a_password_is_set_and_used(app, client):
    token = new_user(app)
    assert "Sign in with a link" in client.get(f"/sign-in/{token}").get_data(as_text=True)
    used = use_link(client, token)  # a GET (a link preview) did not use it up
    assert used.status_code == 303 and used.headers["Location"] == "/account/password"
    cookie = used.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    csrf = form_token(client, "/account/password")
    short = client.post(
        "/account/password", data={"csrf_token": csrf, "password": "short", "confirm": "short"}
    )
    assert short.status_code == 400 and "at least 10" in short.get_data(as_text=True)
    done = client.post(
        "/account/password",
        data={"csrf_token": csrf, "password": "a long passphrase", "confirm": "a long passphrase"},
    )
    assert done.status_code == 200 and "Your password is set" in done.get_data(as_text=True)
    with Services.of(app).db.session() as s:
        stored = s.scalar(select(User.password_hash).where(User.login == "ada"))
        assert stored.startswith("$argon2id$") and "passphrase" not in stored

    client.post("/sign-out", data={"csrf_token": form_token(client, "/")})
    again = use_link(client, token)
    assert again.status_code == 400 and "already used or expired" in again.get_data(as_text=True)
    ok = sign_in(client, "ada", "a long passphrase")
    assert ok.status_code == 303 and ok.headers["Location"] == "/"
    assert "Sign out" in client.get("/").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": form_token(client, "/")})
    assert sign_in(client, "Ada", "a long passphrase").status_code == 303  # any case


def test_an_expired_link_and_an_unknown_link_are_refused(app, client):
    expired = new_user(app, lifetime=timedelta(seconds=-1))
    for token in (expired, "not-a-token"):
        response = use_link(client, token)
        assert response.status_code == 400
        assert "unknown, already used or expired" in response.get_data(as_text=True)
    assert "Sign out" not in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_login_read_the_same(app, client):
    new_user(app)
    wrong = sign_in(client, "ada", "not the password")
    unknown = sign_in(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    body = [r.get_data(as_text=True) for r in (wrong, unknown)]
    assert all("Wrong login or password." in b for b in body)
    assert "nobody" not in body[1].split("<form")[0]  # nothing says the login is unknown


def test_sign_in_failures_are_throttled(app, client):
    app.config["RATE_LIMIT_SIGN_IN"] = "3/minute"
    new_user(app)
    for _ in range(3):
        assert sign_in(client, "ada", "wrong password").status_code == 400
    throttled = sign_in(client, "ada", "wrong password")
    assert throttled.status_code == 429


def test_a_next_link_cannot_leave_the_site(app, client):
    token = new_user(app)
    use_link(client, token)
    csrf = form_token(client, "/account/password")
    client.post(
        "/account/password",
        data={"csrf_token": csrf, "password": "a long passphrase", "confirm": "a long passphrase"},
    )
    client.post("/sign-out", data={"csrf_token": form_token(client, "/")})
    response = client.post(
        "/sign-in?next=//evil.example/x",
        data={
            "csrf_token": form_token(client, "/sign-in"),
            "login": "ada",
            "password": "a long passphrase",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_the_cookie_is_secure_behind_https(app_config):
    from grader.app import create_app

    app = create_app({**app_config, "PUBLIC_URL": "https://grader.example"})
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        Services.of(app).db.dispose()


def test_a_sign_in_without_csrf_token_is_refused(app, client):
    new_user(app)
    response = client.post("/sign-in", data={"login": "ada", "password": "x"})
    assert response.status_code == 400
