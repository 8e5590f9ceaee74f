"""Log lines that say which submission they are about, as text or as JSON.

A grading sets its submission id and job id for the code it runs
(``log_context``); a filter copies them onto every record, so each line of a
grading carries them, whichever module wrote it (the sandbox, the engine, the
lease heartbeat). ``GRADER_LOG_FORMAT=json`` writes one JSON object per line,
for a log collector to index by ``submission_id``."""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")

#: fields of the grading in progress in this thread (or task): submission_id, job_id
_fields: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "grader_log_fields", default=None
)


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Every record logged inside carries ``fields`` (nested contexts add to them)."""
    token = _fields.set({**(_fields.get() or {}), **fields})
    try:
        yield
    finally:
        _fields.reset(token)


def current_fields() -> dict[str, str]:
    return dict(_fields.get() or {})


class ContextFilter(logging.Filter):
    """Copies the grading's fields onto the record (``record.grader_fields``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "grader_fields"):
            record.grader_fields = _fields.get() or {}
        return True


class TextFormatter(logging.Formatter):
    """``grader: LEVEL: [job J submission S] message``: greppable by either id."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "grader_fields", None) or {}
        prefix = " ".join(
            f"{name} {fields[key]}"
            for key, name in (("job_id", "job"), ("submission_id", "submission"))
            if fields.get(key)
        )
        line = f"grader: {record.levelname}: "
        line += f"[{prefix}] " if prefix else ""
        line += record.getMessage()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JSONFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the grading's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            **(getattr(record, "grader_fields", None) or {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(
    fmt: str = "text", level: int = logging.INFO, others: int = logging.WARNING
) -> None:
    """One handler on the root logger, in ``fmt``, replacing any handler there before:
    the grader's own records from ``level`` up, other libraries' from ``others``."""
    if fmt not in FORMATS:
        raise ValueError(f"GRADER_LOG_FORMAT must be one of {', '.join(FORMATS)}, got {fmt!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(others)
    logging.getLogger("grader").setLevel(level)
