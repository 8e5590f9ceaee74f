"""Bearer-token authentication. Tokens are stored as SHA-256 hashes only."""

from __future__ import annotations

from flask import g, request
from sqlalchemy import select

from grader.app import services
from grader.errors import GraderError
from grader.models import ApiToken, utcnow


class Unauthorized(GraderError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": 'Bearer realm="grader"'}


def authenticate() -> ApiToken:
    """The token of this request, or Unauthorized. Sets ``g.token``."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    digest = ApiToken.hash(value.strip())
    with services()["db"].begin() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if token is None or not token.active:
            raise Unauthorized("The API token is unknown or has been revoked.")
        now = utcnow()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            token.last_used_at = now
    g.token = token
    return token
