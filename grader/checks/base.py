"""What every check kind shares: its spec fields, its task, and reading its outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np

from grader.checks.fields import reject_unknown
from grader.checks.inputs import validate_arg
from grader.errors import AssignmentError
from grader.results import CheckResult
from grader.sandbox.inside import codec
from grader.sandbox.inside.protocol import Cell, CellReport, Encoded, Error, Result, Task
from grader.sandbox.records import RawRun
from grader.sandbox.student_env import missing_package, unavailable


@dataclass
class Call:
    """One call's outcome: a decoded value, or an error dict from the sandbox."""

    value: Any = None
    error: Error | None = None
    #: (argument, list item or -1) of every array argument the call modified in place, as
    #: the sandbox reported it: untrusted, so it only ever changes the feedback's wording
    mutated: tuple[tuple[int, int], ...] = ()


@dataclass
class Outcome:
    """A check's task as it came back: per-call results, or why there are none."""

    calls: list[Call] = field(default_factory=list)
    failure: str | None = None


@dataclass
class Trials:
    """A failed check's inputs with what the student's function returned on them (the
    sandbox's calls): the engine's diagnosis (grader.diagnosis) names the mistake from them."""

    function: str
    #: (input values, the call's outcome) per input the check used
    pairs: list[tuple[list, Call]]
    #: the names of the returned values (or of the gradients), when the check knows them
    names: list[str] | None = None
    #: what the function should have returned, where the reference has no such function
    expected: list | None = None
    #: the check's argument specs, for the diagnosis's in-place observations
    args: list[dict] | None = None


@dataclass
class Judged:
    """A check's verdict, and for a failed function or gradient check what to diagnose."""

    result: CheckResult
    trials: Trials | None = None


@dataclass
class Context:
    """What a check needs besides its own outcome."""

    reference: Any
    limits: Any
    cells: list[CellReport] = field(default_factory=list)
    #: why the submission breaks the assignment's forbidden_imports, one line per import
    forbidden: list[str] = field(default_factory=list)
    #: the submission's code cells ({"name", "source"}): the diagnosis quotes the student's line
    sources: list[Cell] = field(default_factory=list)


class Check:
    kind: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ("points",)
    #: the other keys a check of this kind may have (a subclass adds its own)
    optional: ClassVar[tuple[str, ...]] = (
        "kind",
        "function",
        "name",
        "dims",
        "args",
        "seconds",
        "hidden",
    )

    def __init__(self, spec: dict, *, dims: list[dict], source: str) -> None:
        self.spec = spec
        self.source = source
        known = {key for cls in type(self).__mro__ for key in vars(cls).get("optional", ())}
        reject_unknown(spec, {*known, *self.required}, source)
        for key in self.required:
            if key not in spec:
                raise AssignmentError(f"{source}: check needs {key!r}", field=key)
        self.function: str | None = spec.get("function")
        self.name: str = str(spec.get("name") or self.function or self.kind)
        points = spec["points"]
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise AssignmentError(f"{source}: points must be a number >= 0", field="points")
        self.points = float(points)
        self.dims = spec.get("dims", dims) or [{}]
        self.args: list[dict] = spec.get("args", [])
        if not isinstance(self.args, list):
            raise AssignmentError(f"{source}: args must be a list", field="args")
        for arg in self.args:
            validate_arg(arg, source, self.dims)
            if "name" not in arg:
                raise AssignmentError(f"{source}: every argument needs a name", field="name")
        self.seconds = spec.get("seconds")
        hidden = spec.get("hidden", False)
        if not isinstance(hidden, bool):
            raise AssignmentError(
                f"{source}: hidden must be true or false, not {hidden!r}", field="hidden"
            )
        #: its student sees only its name, result and points until the due date, when the
        #: release shows full feedback after it (``grader.visible_feedback``)
        self.hidden = hidden

    # -- subclasses implement these two ------------------------------------------------
    def plan(self, rng: np.random.Generator, ctx: Context) -> tuple[Task, Any]:
        """The task to run in the sandbox, and private state kept in the trusted process."""
        raise NotImplementedError

    def evaluate(self, state: Any, outcome: Outcome, ctx: Context) -> Judged:
        raise NotImplementedError

    def student_functions(self) -> list[str]:
        return [self.function] if self.function else []

    def named_functions(self) -> list[tuple[str, str]]:
        """(field, function name) of every function the reference must define for this
        check: a missing one is reported against the field that names it."""
        return [("function", self.function)] if self.function else []

    def result(
        self, passed: bool, message: str, *, fraction: float | None = None, **details
    ) -> CheckResult:
        share = (1.0 if passed else 0.0) if fraction is None else fraction
        return CheckResult(
            name=self.name,
            max_score=self.points,
            score=round(self.points * share, 4),
            passed=passed,
            message=message,
            details=details,
            hidden=self.hidden,
        )


def encode_args(values: list[Any]) -> list[Encoded]:
    return [codec.encode(v) for v in values]


def read_outcome(raw: RawRun, task_id: str, n_calls: int, limits) -> Outcome:
    """Turn the untrusted records of one task into an Outcome, validating every value."""
    record = raw.tasks.get(task_id)
    end: dict = dict(raw.ends.get(task_id, {}))
    if record and isinstance(record.get("results"), list):
        calls = []
        for item in record["results"][:n_calls]:
            calls.append(_read_call(item))
        if len(calls) == n_calls:
            return Outcome(calls=calls)
    if record and isinstance(record.get("crash"), dict):
        return Outcome(
            failure="the grader's harness crashed while running your code: "
            + _error_text(record["crash"])
        )
    if end.get("timeout"):
        return Outcome(
            failure=f"your code did not finish within the time limit of this check "
            f"(it was stopped after {end.get('seconds') or '?'} s: an endless loop, or training "
            "far too long?)"
        )
    if end.get("signal") == 9:
        return Outcome(
            failure="your code was killed: it exceeded a resource limit "
            f"(memory {limits.memory_mb} MiB, or processes {limits.processes})"
        )
    if end.get("signal"):
        return Outcome(failure=f"your code crashed the Python process (signal {end['signal']})")
    if end.get("exit") not in (None, 0):
        return Outcome(
            failure=f"your code ended the process (sys.exit or os._exit with code "
            f"{end['exit']}) instead of returning a value"
        )
    if end:
        return Outcome(failure="your code ended the process before returning a value (os._exit?)")
    if raw.results_overflow:
        return Outcome(failure="your code sent back far more data than allowed")
    if raw.timed_out:
        return Outcome(
            failure=f"this check never ran: the whole run exceeded its time limit "
            f"of {limits.wall_seconds:g} s (see the earlier checks and cells)"
        )
    return Outcome(
        failure="this check never ran: your code stopped the grading process "
        "before it (for example by killing it or exiting at import)"
    )


def _read_call(item: Result | Any) -> Call:
    if not isinstance(item, dict):
        return Call(error={"type": "InvalidResult", "message": "unreadable result"})
    if "ok" in item:
        try:
            return Call(value=codec.decode(item["ok"]), mutated=_read_mutated(item.get("mutated")))
        except codec.DecodeError as exc:
            return Call(error={"type": "InvalidResult", "message": str(exc)})
    error = item.get("error")
    if not isinstance(error, dict):
        return Call(error={"type": "InvalidResult", "message": "unreadable result"})
    # the sandbox's error, cut to its known fields as bounded strings
    clean = {k: str(error.get(k))[:500] for k in ("type", "message", "where") if error.get(k)}
    return Call(error=cast(Error, clean))


MAX_MUTATED = 16


def _read_mutated(value: Any) -> tuple[tuple[int, int], ...]:
    """The in-place observation, kept only when it is a short list of small integer pairs."""
    if not isinstance(value, list) or len(value) > MAX_MUTATED:
        return ()
    pairs = []
    for pair in value:
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(type(n) is int and -1 <= n < MAX_MUTATED for n in pair)
            and pair[0] >= 0
        ):
            return ()
        pairs.append((pair[0], pair[1]))
    return tuple(dict.fromkeys(pairs))


def _error_text(error: Error) -> str:
    text = f"{error.get('type', 'Error')}: {error.get('message', '')}".rstrip(": ")
    if error.get("where"):
        text += f" (at {error['where']})"
    return text


def explain_error(function: str, error: Error, ctx: Context) -> str:
    """Words for a student: a missing function, an exception with their own line, a limit."""
    kind = error.get("type")
    if kind == "MissingFunction":
        name = error.get("message") or function
        failed = [c for c in ctx.cells if c.get("status") != "ok"]
        text = f"`{name}` is not defined in your submission"
        if failed:
            first = failed[0]
            error = first.get("error", {})
            if error.get("type") == "SyntaxError":
                text += f" ({first.get('name')} has a syntax error, so none of it ran: {_error_text(error)})"
            elif package := missing_package(error):
                text += f" (note: {first.get('name')} stopped: {unavailable(package)})"
            else:
                why = (
                    "timed out" if first["status"] == "timeout" else "raised " + _error_text(error)
                )
                text += (
                    f" (note: {first.get('name')} {why}, so the code after that point did not run)"
                )
        return text
    if kind == "NotCallable":
        return f"`{error.get('message') or function}` is defined but is not a function"
    if kind == "MemoryError":
        return f"`{function}` ran out of memory (limit {ctx.limits.memory_mb} MiB)"
    if kind == "InvalidResult":
        return f"`{function}` returned data the grader cannot read ({error.get('message')})"
    if package := missing_package(error):
        where = f" (`{function}` uses it at {error['where']})" if error.get("where") else ""
        return unavailable(package) + where
    return f"`{function}` raised {_error_text(error)}"
