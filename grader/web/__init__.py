"""Server-rendered pages: assignments, upload form, results."""

from __future__ import annotations

from grader.web.views import bp

__all__ = ["bp"]
