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


class BadRequest(GraderError):
    status_code = 400
    code = "bad_request"


class NotFound(GraderError):
    """Unknown, or not the asker's to see: both answer the same, so ids cannot be probed."""

    status_code = 404
    code = "not_found"


class Forbidden(GraderError):
    """A member of the course asks for what only its staff, or its instructors, may do
    (anyone else gets NotFound)."""

    status_code = 403
    code = "forbidden"


class UploadRefused(GraderError):
    """The deadline has passed, the assignment is not open yet, or no attempts are left."""

    status_code = 403

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code
