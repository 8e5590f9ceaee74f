"""The records a sandbox run sends back (``inside/protocol.py``), rebuilt as typed data
within fixed bounds.

Everything on the results channel may have been written by the student's code: a
record for a task the job does not have is dropped before it is parsed, a line too
large to parse cheaply is not parsed, and the cell report keeps one entry per cell of
the job. Memory stays within the results cap however many records are forged.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, cast

from grader.sandbox.inside import protocol
from grader.sandbox.inside.protocol import CellReport, EndEvent, Error, TaskEvent


@dataclass
class RawRun:
    """What came back from one run, not yet trusted (see grader.checks for the judging)."""

    cells: list[CellReport] = field(default_factory=list)
    tasks: dict[str, TaskEvent] = field(default_factory=dict)
    ends: dict[str, EndEvent] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    results_overflow: bool = False
    started: bool = False
    ready: bool = False
    finished: bool = False
    returncode: int | None = None
    seconds: float = 0.0
    backend: str = ""
    malformed_lines: int = 0
    #: the job's task ids and cell names: records about anything else are dropped unread
    expected: frozenset[str] | None = None
    cell_names: list[str] = field(default_factory=list)


#: JSON containers one results line may hold: real records have a few hundred, while a
#: line of ``[],[],...`` costs ~24 times its size in memory (64 MiB -> 1.5 GiB) once parsed.
MAX_CONTAINERS_PER_LINE = 100_000
#: values one line may hold (commas): arrays travel as base64 text, so real records have a
#: few per container, while ``[0.5,0.5,...]`` costs 16 times its size once parsed
MAX_VALUES_PER_LINE = 500_000
#: how the harness starts a task's records (``protocol.line``): lets a forged record be
#: dropped unparsed
_HEAD = re.compile(
    rb'\{"event":"(%s|%s)","id":"([^"\\]{1,100})"' % (protocol.TASK.encode(), protocol.END.encode())
)


def _wanted(raw: RawRun, event: str, ident: str) -> bool:
    """Only the first record of each kind for each of the job's own tasks is kept: memory
    stays within the results cap however many records are forged."""
    kept = raw.tasks if event == protocol.TASK else raw.ends
    return raw.expected is not None and ident in raw.expected and ident not in kept


def record_line(raw: RawRun, line: bytes | bytearray) -> None:
    """Add one line of the results channel to ``raw`` (or count it as malformed)."""
    head = _HEAD.match(line)
    if head and not _wanted(raw, head.group(1).decode(), head.group(2).decode()):
        raw.malformed_lines += 1
        return
    if (
        line.count(b"[") + line.count(b"{") > MAX_CONTAINERS_PER_LINE
        or line.count(b",") > MAX_VALUES_PER_LINE
    ):
        raw.malformed_lines += 1
        return
    try:
        record = json.loads(line)
        event = record["event"]
    except (ValueError, TypeError, KeyError, RecursionError):  # deep nesting: RecursionError
        raw.malformed_lines += 1
        return
    if not isinstance(record, dict):
        raw.malformed_lines += 1
    elif event == protocol.LOAD and not raw.cells and isinstance(record.get("cells"), list):
        raw.cells = _clean_cells(record["cells"], raw.cell_names)
    elif event in (protocol.TASK, protocol.END) and not (
        isinstance(record.get("id"), str) and _wanted(raw, event, record["id"])
    ):
        raw.malformed_lines += 1
    elif event == protocol.TASK:
        # a dict whose event and id were checked above; its values are judged by
        # grader.checks.base.read_outcome
        raw.tasks[record["id"]] = cast(TaskEvent, record)
    elif event == protocol.END:
        raw.ends[record["id"]] = _clean_end(record)
    elif event == protocol.START:
        raw.started = True
    elif event == protocol.READY:
        raw.ready = True
    elif event == protocol.DONE:
        raw.finished = True
    else:
        raw.malformed_lines += 1


def _number(value: Any) -> int | float | None:
    """``value`` if it is a plain int or float (not a bool, JSON's true), else None."""
    return value if type(value) is int or type(value) is float else None


def _clean_end(record: dict) -> EndEvent:
    """A task's end as typed data: the student's code can write these records too."""

    def integer(value):
        return value if type(value) is int else None

    seconds = _number(record.get("seconds"))
    return {
        "event": protocol.END,
        "id": record["id"],
        "timeout": record.get("timeout") is True,
        "signal": integer(record.get("signal")),
        "exit": integer(record.get("exit")),
        "seconds": round(seconds, 4) if seconds is not None and math.isfinite(seconds) else None,
    }


def _clean_error(error: dict) -> Error:
    """A cell's error with each field a bounded string (or None), and always a type."""

    def text(key: str) -> str | None:
        value = error.get(key)
        return str(value)[:500] if value is not None else None

    return {"type": text("type") or "Error", "message": text("message"), "where": text("where")}


def _clean_cells(cells: list, names: list[str]) -> list[CellReport]:
    """The cell report as plain, typed data: student code may have written it (forged), so
    it has at most one entry per cell of the job, named as the job names them."""
    clean = []
    for index, cell in enumerate(cells[: len(names)]):
        if not isinstance(cell, dict):
            continue
        status = cell.get("status")
        seconds = _number(cell.get("seconds"))
        entry: CellReport = {
            "index": index,
            "name": names[index],
            "status": status if status in protocol.CELL_STATUSES else "error",
            "seconds": float(seconds) if seconds is not None else 0.0,
        }
        if entry["status"] == "error":
            error = cell.get("error")
            error = error if isinstance(error, dict) else {}
            entry["error"] = _clean_error(error)
        clean.append(entry)
    return clean
