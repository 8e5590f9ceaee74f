"""The records that cross the sandbox boundary, written down once.

The trusted side writes one ``Job`` (JSON) to the sandbox's stdin; the harness answers
with ``Event`` records, one JSON object a line, on the results channel. Values inside
(arguments, return values) travel in ``codec``'s encoding (``Encoded``). Everything that
comes back may have been written by the student's code: ``grader.sandbox.records``
parses it within fixed bounds, ``grader.checks.base.read_outcome`` judges it.

This module is copied into the sandbox next to the harness: standard library only.
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal, TypedDict

#: a value in ``codec``'s encoding: {"dtype", "shape", "data"}, {"list"}, {"none"} or
#: {"unsupported"}
Encoded = dict[str, Any]


# -- host -> sandbox ---------------------------------------------------------------------


class Cell(TypedDict):
    """One code cell of the submission (a .py file is one cell)."""

    name: str
    source: str


class Call(TypedDict, total=False):
    """One call of a student function, for driver ``call``."""

    fn: str
    args: list[Encoded]
    kwargs: dict[str, Encoded]
    #: numpy's and random's global generators are seeded with this before the call
    reseed: int


class Loop(TypedDict, total=False):
    """One training loop driven by the student's step functions, for driver ``momentum``
    (``training.momentum``); it answers [final parameters, trajectory, records]."""

    X: Encoded
    T: Encoded
    params: list[Encoded]
    iterations: int
    learning_rate: float
    momentum: float
    #: the iterations whose state is recorded (for the trusted side to recompute)
    record: list[int]
    #: how many parameter snapshots the trajectory keeps (default ``training.SNAPSHOTS``)
    snapshots: int


class Task(TypedDict, total=False):
    """One check's work: each item (a call or a loop) answers with one ``Result``."""

    id: str
    #: CPU-time budget of the task, in seconds
    seconds: float
    #: how the harness runs the items: ``call`` or ``momentum`` (see
    #: ``grader.checks.drivers`` for the trusted side of each)
    driver: str
    #: the student's step functions a loop calls, by role: {"velocity", "params"}
    functions: dict[str, str]
    calls: list[Call]
    loops: list[Loop]


class Job(TypedDict, total=False):
    """Everything a sandbox run is told, on its stdin, once it is ready."""

    #: the submission's ``__name__`` (``__main__`` for a notebook)
    module: str
    cell_seconds: float
    cells: list[Cell]
    tasks: list[Task]
    forbidden_imports: list[str]
    #: resource limits set before the first cell runs (``resource`` names)
    rlimits: dict[str, int]
    #: the working folder of the student's code
    cwd: str


def items(task: Task) -> list:
    """The task's calls or loops: its record must hold one result for each."""
    return list(task.get("calls") or task.get("loops") or [])


# -- sandbox -> host ---------------------------------------------------------------------


class Error(TypedDict, total=False):
    """An exception, or a function that is missing (type ``MissingFunction``) or not
    callable (``NotCallable``, message: its name)."""

    type: str
    #: None when a (possibly forged) cell report carried no message
    message: str | None
    #: the student's own line, e.g. ``cell 3, line 5: x = W.dot(H)``
    where: str | None


class Result(TypedDict, total=False):
    """One item's outcome: ``ok`` (the value) or ``error``."""

    ok: Encoded
    error: Error
    #: [argument, list item or -1] of every array argument the call changed in place
    mutated: list[list[int]]


CellStatus = Literal["ok", "error", "timeout"]
CELL_STATUSES = ("ok", "error", "timeout")


class CellReport(TypedDict, total=False):
    index: int
    name: str
    status: CellStatus
    seconds: float
    error: Error


# event names, in the order a run sends them: ``start`` (the interpreter runs), ``ready``
# (it waits for its job), ``load`` (the cells ran), a ``task`` and an ``end`` per task,
# ``done``
START: Final = "start"
READY: Final = "ready"
LOAD: Final = "load"
TASK: Final = "task"
END: Final = "end"
DONE: Final = "done"
EVENTS = (START, READY, LOAD, TASK, END, DONE)


class LoadEvent(TypedDict):
    event: Literal["load"]
    cells: list[CellReport]


class TaskEvent(TypedDict, total=False):
    """A task's results, one per item, or ``crash``: the harness itself failed."""

    event: Literal["task"]
    id: str
    results: list[Result]
    crash: Error


class EndEvent(TypedDict):
    """How a task's process ended (sent by the harness's parent, after the task)."""

    event: Literal["end"]
    id: str
    #: stopped at the task's time limit
    timeout: bool
    signal: int | None
    exit: int | None
    seconds: float | None


def line(event: str, **fields: Any) -> bytes:
    """One record of the results channel. ``event`` comes first and ``id`` next, without
    spaces: the trusted side reads a task's head before parsing (``records.py``)."""
    record = {"event": event, **fields}
    return (json.dumps(record, separators=(",", ":")) + "\n").encode()
