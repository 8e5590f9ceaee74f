"""Server-rendered pages: assignments, upload form, results."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static")

from grader.web import views  # noqa: E402,F401  (registers the routes on bp)
