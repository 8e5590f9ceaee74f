"""One small exception hierarchy shared by the core, the CLI and the service."""

from __future__ import annotations


class GraderError(Exception):
    """Base class: a problem we can explain to the person who caused it."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class SubmissionRejected(GraderError):
    """The uploaded file cannot be graded at all (not code, unreadable, too large)."""

    status_code = 422
    code = "submission_rejected"


class AssignmentError(GraderError):
    """An assignment folder is malformed; the message names the file and the field."""

    status_code = 500
    code = "assignment_invalid"


class AssignmentNotFound(GraderError):
    status_code = 404
    code = "assignment_not_found"


class SandboxUnavailable(GraderError):
    """The configured sandbox backend cannot run on this machine."""

    status_code = 503
    code = "sandbox_unavailable"
