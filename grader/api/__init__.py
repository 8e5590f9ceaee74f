"""REST API under /api/v1: JSON only, Bearer tokens, one error shape."""

from __future__ import annotations

from grader.api.views import bp

__all__ = ["bp"]
