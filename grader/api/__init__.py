"""REST API under /api/v1: JSON only, Bearer tokens, one error shape."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from grader.api import views  # noqa: E402,F401  (registers the routes on bp)
