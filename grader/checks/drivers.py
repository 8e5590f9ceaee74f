"""The registry of training drivers: how a convergence check trains with the student's code.

A driver has three sides, registered here together: the *plan* (the sandbox task it asks
for, in the trusted process), the *inside* (the harness's driver of the same name, which
runs the task in the sandbox; a loop is ``grader/sandbox/inside/training.py``), and the
*in-process simulation* (the same task run on trusted code, for ``grader validate``'s
mutated references), plus the trusted training of the reference itself (its loss curves,
the seed pools). ``call`` calls the student's ``train()``; ``momentum`` runs the
tutorial's loop over the student's step functions, named by the assignment.
"""

from __future__ import annotations

import copy
import math
import random
import warnings
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from grader.checks.base import Call, Context, Outcome
from grader.errors import AssignmentError
from grader.sandbox.inside import codec, training
from grader.sandbox.inside.protocol import Call as CallSpec
from grader.sandbox.inside.protocol import Loop, Task

if TYPE_CHECKING:
    from grader.checks.convergence import ConvergenceCheck

RECORD_ALL_VALUES = 2_000_000  # a momentum loop records every iteration up to this many values
RECORD_SOME = 32  # else this many secret iterations


class Driver:
    name: ClassVar[str] = ""
    #: keys of the check's spec this driver needs, and those it may have
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    #: its runs return [final parameters, snapshots, records] (a loop) rather than the
    #: final parameters alone
    loop: ClassVar[bool] = False
    #: what the x axis of its loss plot counts
    step_name: ClassVar[str] = "epoch"

    def __init__(self, spec: dict, function: str | None, source: str) -> None:
        for key in self.required:
            if key not in spec:
                raise AssignmentError(f"{source}: driver {self.name!r} needs {key!r}", field=key)
        self.spec = spec
        self.function = function

    def student_functions(self) -> list[str]:
        """The submission's functions the training calls."""
        raise NotImplementedError

    def named_functions(self) -> list[tuple[str, str]]:
        """(field, name) of the functions of this driver the reference must define."""
        raise NotImplementedError

    @property
    def what(self) -> str:
        """The student's training code, in feedback: ``train`` or ``f / g``."""
        return " / ".join(self.student_functions())

    def plan(
        self, check: ConvergenceCheck, rng: np.random.Generator, ctx: Context, state: dict
    ) -> Task:
        """The sandbox task of one grading (``state`` holds the runs and their data)."""
        raise NotImplementedError

    @staticmethod
    def simulate(task: Task, module: Any) -> Outcome:
        """What the sandbox would return for ``task`` had ``module`` been the submission
        (the task says everything: no driver instance is needed)."""
        raise NotImplementedError


class CallDriver(Driver):
    """The student's own ``train(X, Y, **kwargs)``, called once per run (and again for the
    loss curve and the step checks, see grader.checks.convergence)."""

    name = "call"
    optional = ("kwargs", "seed_arg", "param_shapes", "epochs_arg", "rate_arg", "curve_epochs")

    def __init__(self, spec: dict, function: str | None, source: str) -> None:
        super().__init__(spec, function, source)
        if not function:
            raise AssignmentError(f"{source}: driver 'call' needs a function", field="function")
        if not _shape_list(spec.get("param_shapes")):
            # the reference only ever runs on parameters of the shapes it expects
            raise AssignmentError(
                f"{source}: driver 'call' needs param_shapes, the shapes of what "
                f"{function}() returns (a list of lists of integers)",
                field="param_shapes",
            )
        self.seed_arg = spec.get("seed_arg", "seed")

    def student_functions(self) -> list[str]:
        return [str(self.function)]

    def named_functions(self) -> list[tuple[str, str]]:
        return [("function", str(self.function))]

    def plan(
        self, check: ConvergenceCheck, rng: np.random.Generator, ctx: Context, state: dict
    ) -> Task:
        calls: list[CallSpec] = []
        for run, (X, Y) in zip(state["runs"], state["data"], strict=True):
            kwargs = {k: codec.encode(v) for k, v in self.spec.get("kwargs", {}).items()}
            kwargs[self.seed_arg] = codec.encode(run["seed"])
            # numpy's and random's global generators are seeded before every call, so that
            # a training that draws from them unseeded still repeats itself exactly
            calls.append(
                {
                    "fn": str(self.function),
                    "args": [codec.encode(X), codec.encode(Y)],
                    "kwargs": kwargs,
                    "reseed": int(rng.integers(2**31)),
                }
            )
        # the loss curve of the plots: the first run trained again for fewer epochs
        # (training is deterministic given its seed); never scored
        scored = list(calls)
        for epochs in check.curve_epochs:
            calls.append(self._again(check, scored[0], epochs))
        if check.gradient:
            # the step checks: one run, secret, trained again for total - 1 epochs (its scored
            # parameters must be one step further) and for k, k + 1 epochs (k secret,
            # log-uniform below total - 1), and once more for 1 epoch (is it deterministic?)
            total = int(check.total_epochs or 0)
            which = int(rng.integers(len(state["runs"])))
            k = _secret_epochs(rng, total, check.curve_epochs)
            state["steps"] = {"run": which, "first": len(calls), "k": k, "total": total}
            for epochs in (1, 1, total - 1, k, k + 1):
                calls.append(self._again(check, scored[which], epochs))
        return {"driver": self.name, "calls": calls}

    @staticmethod
    def _again(check: ConvergenceCheck, call: CallSpec, epochs: int) -> CallSpec:
        return {**call, "kwargs": {**call["kwargs"], check.epochs_arg: codec.encode(epochs)}}

    @staticmethod
    def simulate(task: Task, module: Any) -> Outcome:
        return simulate_calls(task, module)


class MomentumDriver(Driver):
    """The tutorial's loop (``training.momentum``) from the reference's ``init(seed)``,
    over the student's step functions: ``velocity_function`` (default
    ``update_velocity``) and ``params_function`` (default ``update_params``)."""

    name = "momentum"
    required = ("init", "iterations", "learning_rate", "momentum")
    optional = ("velocity_function", "params_function")
    loop = True
    step_name = "iteration"
    DEFAULTS: ClassVar[dict[str, str]] = {
        "velocity_function": "update_velocity",
        "params_function": "update_params",
    }

    def __init__(self, spec: dict, function: str | None, source: str) -> None:
        super().__init__(spec, function, source)
        if function:
            raise AssignmentError(
                f"{source}: driver 'momentum' calls velocity_function and params_function, "
                "not a function",
                field="function",
            )
        names = {key: spec.get(key, default) for key, default in self.DEFAULTS.items()}
        for key, name in names.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise AssignmentError(f"{source}: {key} must be a function name", field=key)
        self.velocity, self.params = names["velocity_function"], names["params_function"]
        iterations = spec["iterations"]
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
            raise AssignmentError(
                f"{source}: iterations must be a whole number of at least 1", field="iterations"
            )
        self.iterations = iterations

    def student_functions(self) -> list[str]:
        return [self.velocity, self.params]

    def named_functions(self) -> list[tuple[str, str]]:
        return [
            ("velocity_function", self.velocity),
            ("params_function", self.params),
            ("init", self.spec["init"]),
        ]

    def initial(self, reference: Any, seed: int) -> list[np.ndarray]:
        """The grader's own initial parameters of a run (the reference's ``init``)."""
        init = getattr(reference, self.spec["init"])
        return [np.asarray(p, dtype=float) for p in init(seed)]

    def plan(
        self, check: ConvergenceCheck, rng: np.random.Generator, ctx: Context, state: dict
    ) -> Task:
        loops: list[Loop] = []
        starts = []
        for run, (X, T) in zip(state["runs"], state["data"], strict=True):
            params = self.initial(ctx.reference, run["seed"])
            starts.append(params)
            loop: Loop = {
                "X": codec.encode(X),
                "T": codec.encode(T),
                "params": [codec.encode(p) for p in params],
                "iterations": self.iterations,
                "learning_rate": float(self.spec["learning_rate"]),
                "momentum": float(self.spec["momentum"]),
            }
            if check.gradient:
                size = sum(p.size for p in params)
                if self.iterations * size * 4 <= RECORD_ALL_VALUES:
                    loop["record"] = list(range(self.iterations))
                else:  # a secret few, always with the first and the last
                    some = rng.choice(
                        self.iterations, size=min(RECORD_SOME, self.iterations), replace=False
                    )
                    loop["record"] = sorted({0, self.iterations - 1, *some.tolist()})
            loops.append(loop)
        state.update(shapes=[list(p.shape) for p in starts[0]], starts=starts)
        functions = {"velocity": self.velocity, "params": self.params}
        return {"driver": self.name, "functions": functions, "loops": loops}

    @staticmethod
    def simulate(task: Task, module: Any) -> Outcome:
        calls = []
        for loop in task.get("loops", []):
            calls.append(
                _call(
                    lambda lp=loop: training.momentum(
                        getattr(module, task["functions"]["velocity"]),
                        getattr(module, task["functions"]["params"]),
                        codec.decode(lp["X"]),
                        codec.decode(lp["T"]),
                        [codec.decode(p) for p in lp["params"]],
                        iterations=lp["iterations"],
                        learning_rate=lp["learning_rate"],
                        momentum=lp["momentum"],
                        record=lp.get("record", ()),
                    ),
                    [],
                    {},
                )
            )
        return Outcome(calls=calls)

    def train(
        self, module: Any, reference: Any, X: np.ndarray, Y: np.ndarray, seed: int, budget=1.0
    ) -> list:
        """The loop over ``module``'s step functions on trusted code: [final, trajectory,
        None] after ``budget`` times the check's iterations."""
        return training.momentum(
            getattr(module, self.velocity),
            getattr(module, self.params),
            X,
            Y,
            self.initial(reference, seed),
            iterations=int(budget * self.iterations),
            learning_rate=float(self.spec["learning_rate"]),
            momentum=float(self.spec["momentum"]),
        )


DRIVERS: dict[str, type[Driver]] = {cls.name: cls for cls in (CallDriver, MomentumDriver)}


def build_driver(spec: dict, function: str | None, source: str) -> Driver:
    name = spec.get("driver")
    if name not in DRIVERS:
        raise AssignmentError(
            f"{source}: driver must be one of {', '.join(DRIVERS)}", field="driver"
        )
    return DRIVERS[name](spec, function, source)


def driver_keys() -> set[str]:
    """Every key some driver reads from a convergence check's spec."""
    return {key for cls in DRIVERS.values() for key in (*cls.required, *cls.optional)}


# -- running a task in this process (trusted code only) -----------------------------------


def _plain(value: Any) -> Any:
    """As the harness passes arguments: 0-d arrays as Python numbers."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def _call(fn, args: list, kwargs: dict) -> Call:
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        return Call(value=codec.decode(codec.encode(value)))
    except Exception as exc:  # noqa: BLE001 - a mutated reference may well crash
        return Call(error={"type": type(exc).__name__, "message": str(exc)[:500]})


def simulate_calls(task: Task, module: Any) -> Outcome:
    """The calls of a ``call`` task (function and gradient checks too) on ``module``."""
    calls = []
    for call in task.get("calls", []):
        fn = getattr(module, call["fn"], None)
        if not callable(fn):
            calls.append(Call(error={"type": "MissingFunction", "message": call["fn"]}))
            continue
        args = [_plain(codec.decode(a)) for a in call.get("args", [])]
        kwargs = {k: _plain(codec.decode(v)) for k, v in call.get("kwargs", {}).items()}
        if "reseed" in call:
            random.seed(call["reseed"])
            np.random.seed(call["reseed"])
        calls.append(_call(fn, args, kwargs))
    return Outcome(calls=calls)


def simulate(task: Task, module: Any) -> Outcome:
    """Any check's task run on ``module`` instead of the sandbox, by its driver."""
    return DRIVERS[task.get("driver", "call")].simulate(task, module)


def _shape_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(shape, list)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        for shape in value
    )


def _secret_epochs(rng: np.random.Generator, total: int, curve_epochs: list[int]) -> int:
    """k for the step between k and k + 1 epochs: log-uniform in [1, total - 2] (cheap on
    average, anywhere along the way), never next to a curve's epochs (never scored)."""
    curve = set(curve_epochs)
    for _ in range(100):
        k = min(int(math.exp(rng.uniform(0, math.log(total - 1)))), total - 2)
        if k not in curve and k + 1 not in curve:
            return k
    return total - 2
