"""Bearer-token authentication. Tokens are stored as SHA-256 hashes only.

Wrong tokens are counted per client address (``GRADER_RATE_LIMIT_AUTH_FAILURES``):
once an address has used up its failures, every token it sends gets 429 without
being looked up, so guessing gets no answers; other addresses are not slowed."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy import select

from grader import access
from grader.errors import GraderError
from grader.http_common import services
from grader.models import ApiToken, utcnow

FAILURES = "failed authentications from your address"


class Unauthorized(GraderError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": 'Bearer realm="grader"'}


def authenticate() -> ApiToken:
    """The token of this request, or Unauthorized (RateLimited once an address has sent
    too many wrong ones). Sets ``g.token``."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    limiter, rate = services().limiter, current_app.config["RATE_LIMIT_AUTH_FAILURES"]
    key = f"auth-failures:{request.remote_addr}"
    limiter.check(key, rate, FAILURES)
    digest = ApiToken.hash(value.strip())
    with services().db.begin() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if token is not None and not token.active:
            token = None  # revoked
        if token is not None:
            now = utcnow()
            if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
                token.last_used_at = now
    if token is None:
        limiter.hit(key, rate, FAILURES)
        raise Unauthorized("The API token is unknown or has been revoked.")
    g.token = token
    g.viewer = access.for_token(token.course_id, token.role)
    return token
