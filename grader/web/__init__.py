"""Server-rendered pages: assignments, upload form, results."""

from __future__ import annotations

from grader.web import courses, releases, signin  # noqa: F401 - their routes join the blueprint
from grader.web.views import bp

__all__ = ["bp"]
