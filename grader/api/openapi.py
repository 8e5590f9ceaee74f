"""The OpenAPI 3.0 document of /api/v1. Tests check real responses against it."""

from __future__ import annotations

from typing import Any

from grader import gradebook

STATUS = ["queued", "running", "graded", "rejected", "error"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


NUM = {"type": "number"}
NUM_OR_NULL = {"type": "number", "nullable": True}
STR_OR_NULL = {"type": "string", "nullable": True}
TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": "string", "format": "date-time", "nullable": True}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                },
            }
        },
    },
    "Function": {
        "type": "object",
        "required": ["name", "signature", "doc"],
        "properties": {
            "name": {"type": "string"},
            "signature": {"type": "string"},
            "doc": {"type": "string"},
        },
    },
    "Assignment": {
        "type": "object",
        "required": ["slug", "title", "version", "max_score", "functions", "url", "html_url"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "version": {"type": "integer"},
            "max_score": NUM,
            "functions": {"type": "array", "items": _ref("Function")},
            "url": {"type": "string"},
            "html_url": {"type": "string"},
            "description": {"type": "string", "description": "Markdown (single assignment only)"},
        },
    },
    "Check": {
        "type": "object",
        "required": ["name", "passed", "score", "max_score", "message", "hidden", "withheld"],
        "properties": {
            "name": {"type": "string"},
            "passed": {"type": "boolean"},
            "score": NUM,
            "max_score": NUM,
            "message": {"type": "string", "description": "empty when withheld"},
            "hidden": {
                "type": "boolean",
                "description": "the assignment marks the check hidden: its student sees only "
                "its name, result and points until full_feedback_at",
            },
            "withheld": {
                "type": "boolean",
                "description": "its message and plots are withheld from the asker for now "
                "(never from a token: tokens act as the course's staff)",
            },
        },
    },
    "Plot": {
        "type": "object",
        "required": ["name", "url"],
        "properties": {
            "name": {"type": "string", "description": "e.g. circles-converges-loss"},
            "url": {"type": "string", "description": "GET it for the PNG image"},
        },
    },
    "Accepted": {
        "type": "object",
        "required": ["id", "status", "url", "html_url"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": STATUS},
            "url": {"type": "string"},
            "html_url": {"type": "string"},
        },
    },
    "Submission": {
        "type": "object",
        "required": [
            "id",
            "assignment",
            "student",
            "course",
            "filename",
            "status",
            "score",
            "counted_score",
            "late",
            "max_score",
            "error",
            "checks",
            "full_feedback_at",
            "created_at",
            "graded_at",
            "url",
            "html_url",
            "file_url",
            "plots",
        ],
        "properties": {
            "id": {"type": "string"},
            "assignment": {"type": "string"},
            "student": STR_OR_NULL,
            "course": {"type": "string", "description": "the course it was uploaded in"},
            "filename": {"type": "string"},
            "status": {"type": "string", "enum": STATUS},
            "score": NUM_OR_NULL,
            "counted_score": {
                **NUM_OR_NULL,
                "description": "the score after the late penalty recorded at upload",
            },
            "late": {"type": "boolean", "description": "uploaded after the student's due date"},
            "max_score": NUM_OR_NULL,
            "error": STR_OR_NULL,
            "checks": {"type": "array", "items": _ref("Check")},
            "full_feedback_at": {
                **TIME_OR_NULL,
                "description": "when the student sees the details of its hidden checks (their "
                "own due date, when the release shows full feedback after it); null: at once, or "
                "no check is hidden",
            },
            "created_at": TIME,
            "graded_at": TIME_OR_NULL,
            "url": {"type": "string"},
            "html_url": {"type": "string"},
            "file_url": {"type": "string"},
            "plots": {
                "type": "array",
                "items": _ref("Plot"),
                "description": "feedback plots (loss curves, decision boundaries) once graded",
            },
        },
    },
    "Grade": {
        "type": "object",
        "required": list(gradebook.COLUMNS),
        "properties": {
            "student": {"type": "string", "description": "the login"},
            "name": {"type": "string"},
            "sis_id": STR_OR_NULL,
            "submissions": {"type": "integer", "description": "attempts"},
            "best_score": NUM_OR_NULL,
            "latest_score": NUM_OR_NULL,
            "counted_score": {
                **NUM_OR_NULL,
                "description": "the attempt the release counts (last or best), after its "
                "late penalty",
            },
            "max_score": NUM,
            "late": {"type": "boolean", "description": "the counted attempt was late"},
            "graded_at": TIME_OR_NULL,
            "latest_submission": STR_OR_NULL,
            "counted_submission": STR_OR_NULL,
        },
    },
    "JsonUpload": {
        "type": "object",
        "required": ["filename"],
        "properties": {
            "filename": {"type": "string", "description": "ends in .py or .ipynb"},
            "content": {"type": "string", "description": "the file as UTF-8 text"},
            "content_base64": {"type": "string", "description": "or the file as base64"},
            "student": {"type": "string"},
        },
    },
}

SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
SUB_ID = {"name": "submission_id", "in": "path", "required": True, "schema": {"type": "string"}}
PLOT_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
AUTH_ERRORS = {
    "401": _error("missing, unknown or revoked token"),
    "429": _error(
        "rate limit reached (too many wrong tokens from this address; for an upload, too "
        "many submissions with this token); see Retry-After"
    ),
}


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Backprop grader API",
            "version": "1",
            "description": "Submit homework for grading and pull grades into an LMS. Every "
            'error is {"error": {"code", "message"}}.',
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/assignments": {
                "get": {
                    "operationId": "listAssignments",
                    "summary": "Assignments that accept submissions",
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": _ref("Assignment")}, "the assignments"
                        ),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/assignments/{slug}": {
                "get": {
                    "operationId": "getAssignment",
                    "parameters": [SLUG],
                    "responses": {
                        "200": _json(_ref("Assignment"), "the assignment"),
                        "404": _error("no such assignment"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/assignments/{slug}/submissions": {
                "post": {
                    "operationId": "createSubmission",
                    "summary": "Upload a .py or .ipynb file; it is graded in the background",
                    "parameters": [SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {"type": "string", "format": "binary"},
                                        "student": {"type": "string"},
                                    },
                                }
                            },
                            "application/json": {"schema": _ref("JsonUpload")},
                        },
                    },
                    "responses": {
                        "202": _json(_ref("Accepted"), "accepted and queued; poll url"),
                        "400": _error("missing file or malformed body"),
                        "404": _error("no such assignment"),
                        "413": _error("upload too large"),
                        "422": _error("the file cannot be graded (extension, encoding, no code)"),
                        **AUTH_ERRORS,
                        "503": _error(
                            "the grading queue is too long (back-pressure): nothing was "
                            "stored; send it again after Retry-After seconds"
                        ),
                    },
                }
            },
            "/assignments/{slug}/grades": {
                "get": {
                    "operationId": "getGrades",
                    "summary": "One row per student: best and latest score",
                    "parameters": [SLUG],
                    "responses": {
                        "200": _json({"type": "array", "items": _ref("Grade")}, "grades"),
                        "404": _error("no such assignment"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/submissions": {
                "get": {
                    "operationId": "listSubmissions",
                    "parameters": [
                        {"name": "assignment", "in": "query", "schema": {"type": "string"}},
                        {"name": "student", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": _ref("Submission")}, "newest first"
                        ),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/submissions/{submission_id}": {
                "get": {
                    "operationId": "getSubmission",
                    "parameters": [SUB_ID],
                    "responses": {
                        "200": _json(_ref("Submission"), "status, score and checks"),
                        "404": _error("no such submission"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/submissions/{submission_id}/file": {
                "get": {
                    "operationId": "getSubmissionFile",
                    "parameters": [SUB_ID],
                    "responses": {
                        "200": {
                            "description": "the uploaded file",
                            "content": {
                                "application/octet-stream": {
                                    "schema": {"type": "string", "format": "binary"}
                                }
                            },
                        },
                        "404": _error("no such submission"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/submissions/{submission_id}/plots/{name}": {
                "get": {
                    "operationId": "getSubmissionPlot",
                    "summary": "One feedback plot of a graded submission, as listed in its plots",
                    "parameters": [SUB_ID, PLOT_NAME],
                    "responses": {
                        "200": {
                            "description": "the plot",
                            "content": {
                                "image/png": {"schema": {"type": "string", "format": "binary"}}
                            },
                        },
                        "404": _error("no such submission, or no plot of that name"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "this document")},
                }
            },
        },
    }
