"""Signing in and out: Flask-Login sessions, argon2 passwords, single-use sign-in
links. Failed sign-ins are counted per address and per login
(``GRADER_RATE_LIMIT_SIGN_IN``); the message never says whether the login exists."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_login import logout_user as flask_logout
from sqlalchemy import select
from werkzeug.wrappers import Response

from grader import access, passwords
from grader.course_admin import find_user, redeem_sign_in_link, spend_sign_in_links
from grader.courses import Enrollment, User
from grader.http_common import services
from grader.web.forms import LinkForm, PasswordForm, SignInForm
from grader.web.views import bp

WRONG = "Wrong login or password."
FAILURES = "failed sign-ins"
#: the session began with a sign-in link: a new password needs no current one
BY_LINK = "signed_in_by_link"


class SignedIn(UserMixin):
    """The user of this session, with their roles (read once per request)."""

    def __init__(self, user: User, roles: dict[int, str]) -> None:
        self.id = str(user.id)
        self.login = user.login
        self.display_name = user.display_name
        self.viewer = access.Viewer(user_id=user.id, admin=user.is_admin, roles=roles)


def load(user_id: str) -> SignedIn | None:
    if not user_id.isdigit():
        return None
    with services().db.session() as session:
        user = session.get(User, int(user_id))
        if user is None:
            return None
        roles = dict(
            session.execute(
                select(Enrollment.course_id, Enrollment.role).where(Enrollment.user_id == user.id)
            ).all()
        )
        return SignedIn(user, roles)


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.user_loader(load)
    manager.login_view = "web.sign_in"
    manager.login_message = "Sign in to see this page."
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["PUBLIC_URL"].startswith("https://"),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=app.config["PUBLIC_URL"].startswith("https://"),
    )

    @app.before_request
    def set_viewer() -> None:
        # the API sets its own from the token (grader.api.auth)
        if request.blueprint != "api":
            g.viewer = current_user.viewer if current_user.is_authenticated else access.ANONYMOUS

    @app.context_processor
    def signed_in() -> dict[str, Any]:
        return {"me": current_user if current_user.is_authenticated else None}


def _local(target: str | None) -> str:
    """Only a path of this site: a crafted ``next`` cannot send anyone elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("web.index")


def _count_failure(keys: list[str]) -> None:
    limiter, rate = services().limiter, current_app.config["RATE_LIMIT_SIGN_IN"]
    for key in keys:
        limiter.hit(key, rate, FAILURES)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        login = form.login.data.strip()
        keys = [f"sign-in:{request.remote_addr}", f"sign-in-login:{login.lower()}"]
        limiter, rate = services().limiter, current_app.config["RATE_LIMIT_SIGN_IN"]
        for key in keys:
            limiter.check(key, rate, FAILURES)
        with services().db.session() as session:
            user = find_user(session, login)
            stored = user.password_hash if user else None
            user_id = user.id if user else None
        if passwords.verify(stored, form.password.data) and user_id is not None:
            signed = load(str(user_id))
            assert signed is not None
            login_user(signed)
            cookie.pop(BY_LINK, None)
            return redirect(_local(request.args.get("next")), code=303)
        _count_failure(keys)
        form.password.errors = [WRONG]
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("sign_in.html", form=form), status


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
def sign_in_link(token: str) -> Any:
    form = LinkForm()
    if not form.validate_on_submit():
        return render_template("sign_in_link.html", form=form), 400 if form.errors else 200
    with services().db.begin() as session:
        user = redeem_sign_in_link(session, token)
        user_id = user.id if user else None
    if user_id is None:
        return render_template(
            "sign_in_link.html",
            form=None,
            error="This sign-in link is unknown, already used or expired. "
            "Ask your instructor for a new one.",
        ), 400
    signed = load(str(user_id))
    assert signed is not None
    login_user(signed)
    cookie[BY_LINK] = True
    return redirect(url_for("web.account_password"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def account_password() -> Any:
    form = PasswordForm()
    status, done = 200, False
    with services().db.session() as db_session:
        user = db_session.get(User, int(current_user.id))
        assert user is not None
        stored = user.password_hash
    needs_current = stored is not None and not cookie.get(BY_LINK)
    if form.validate_on_submit():
        problem = passwords.weakness(form.password.data)
        if needs_current and not passwords.verify(stored, form.current.data or ""):
            form.current.errors = ["That is not your current password."]
            status = 400
        elif problem:
            form.password.errors = [problem]
            status = 400
        else:
            with services().db.begin() as db_session:
                user = db_session.get(User, int(current_user.id))
                assert user is not None
                user.password_hash = passwords.hash_password(form.password.data)
                spend_sign_in_links(db_session, user.id)
            cookie.pop(BY_LINK, None)
            done, needs_current = True, True
    elif request.method == "POST":
        status = 400
    return render_template(
        "password.html", form=form, done=done, needs_current=needs_current
    ), status


@bp.post("/sign-out")
def sign_out() -> Response:
    from grader.web.forms import SignOutForm

    if SignOutForm().validate_on_submit():
        flask_logout()
    return redirect(url_for("web.index"), code=303)
