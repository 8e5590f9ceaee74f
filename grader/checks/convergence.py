"""Convergence check: train with the student's own code, judge with the reference forward pass."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader import datasets
from grader.checks.base import Check, Context, Outcome, explain_error
from grader.errors import AssignmentError
from grader.results import CheckResult
from grader.sandbox import codec

DRIVERS = ("call", "momentum")


class ConvergenceCheck(Check):
    kind = "convergence"
    required = ("points", "driver", "dataset", "seeds", "judge")

    def __init__(self, spec: dict, *, dims: list[dict], source: str) -> None:
        super().__init__(spec, dims=dims, source=source)
        self.driver = spec["driver"]
        if self.driver not in DRIVERS:
            raise AssignmentError(
                f"{source}: driver must be one of {', '.join(DRIVERS)}", field="driver"
            )
        if self.driver == "call" and not self.function:
            raise AssignmentError(f"{source}: driver 'call' needs a function", field="function")
        if self.driver == "call" and not _shape_list(spec.get("param_shapes")):
            # the reference only ever runs on parameters of the shapes it expects
            raise AssignmentError(
                f"{source}: driver 'call' needs param_shapes, the shapes of what "
                f"{self.function}() returns (a list of lists of integers)",
                field="param_shapes",
            )
        if self.driver == "momentum":
            for key in ("init", "iterations", "learning_rate", "momentum"):
                if key not in spec:
                    raise AssignmentError(f"{source}: driver 'momentum' needs {key!r}", field=key)
            self.function = None
        self.seeds = [int(s) for s in spec["seeds"]]
        if not self.seeds:
            raise AssignmentError(f"{source}: seeds must not be empty", field="seeds")
        self.judge = spec["judge"]
        self.loss = spec.get("loss")
        self.min_accuracy = float(spec.get("min_accuracy", 1.0))
        self.param_shapes = spec.get("param_shapes")
        self.epochs_arg = spec.get("epochs_arg", "num_epochs")
        total = spec.get("kwargs", {}).get(self.epochs_arg)
        #: the epochs of the scored training (driver "call"); None when kwargs do not say
        number = isinstance(total, int | float) and not isinstance(total, bool)
        self.total_epochs = int(total) if number and total > 0 else None
        self.curve_epochs = _curve_epochs(spec, self.driver, self.total_epochs, source)
        self.dataset = spec["dataset"]
        if not isinstance(self.dataset, dict):
            raise AssignmentError(f"{source}: dataset must be a table with a name", field="dataset")

    def student_functions(self) -> list[str]:
        if self.driver == "momentum":
            return ["update_velocity", "update_params"]
        return [self.function]

    def expected_shapes(self, reference: Any, seed: int) -> list[list[int]]:
        """The shapes trained parameters must have before the reference touches them."""
        if self.driver == "momentum":
            init = getattr(reference, self.spec["init"])
            return [list(np.shape(p)) for p in init(seed)]
        return [list(s) for s in self.param_shapes]

    def reference_functions(self) -> list[str]:
        names = [self.judge] + ([self.spec["init"]] if self.driver == "momentum" else [])
        return names + ([self.loss] if self.loss else [])

    def plan(self, rng: np.random.Generator, ctx: Context) -> tuple[dict, Any]:
        data = [datasets.make(self.dataset, seed) for seed in self.seeds]
        if self.driver == "call":
            seed_arg = self.spec.get("seed_arg", "seed")
            calls = []
            for seed, (X, Y) in zip(self.seeds, data, strict=True):
                kwargs = {k: codec.encode(v) for k, v in self.spec.get("kwargs", {}).items()}
                kwargs[seed_arg] = codec.encode(seed)
                calls.append(
                    {
                        "fn": self.function,
                        "args": [codec.encode(X), codec.encode(Y)],
                        "kwargs": kwargs,
                    }
                )
            # the loss curve of the plots: the first seed trained again for fewer epochs
            # (training is deterministic given its seed); never scored
            first = calls[0]
            for epochs in self.curve_epochs:
                kwargs = {**first["kwargs"], self.epochs_arg: codec.encode(epochs)}
                calls.append({**first, "kwargs": kwargs})
            task = {"driver": "call", "calls": calls}
        else:
            init = getattr(ctx.reference, self.spec["init"])
            loops = []
            for seed, (X, T) in zip(self.seeds, data, strict=True):
                params = init(seed)
                shapes = [list(np.shape(p)) for p in params]
                loops.append(
                    {
                        "X": codec.encode(X),
                        "T": codec.encode(T),
                        "params": [codec.encode(p) for p in params],
                        "iterations": int(self.spec["iterations"]),
                        "learning_rate": float(self.spec["learning_rate"]),
                        "momentum": float(self.spec["momentum"]),
                    }
                )
            task = {"driver": "momentum", "loops": loops}
            return task, {"data": data, "shapes": shapes}
        return task, {"data": data, "shapes": self.param_shapes}

    def evaluate(self, state: Any, outcome: Outcome, ctx: Context) -> CheckResult:
        if outcome.failure:
            return self.result(False, outcome.failure)
        judge = getattr(ctx.reference, self.judge)
        what = self.function or "update_velocity / update_params"
        runs, problems = [], []
        shapes = state["shapes"]
        scored = outcome.calls[: len(self.seeds)]
        for seed, (X, Y), call in zip(self.seeds, state["data"], scored, strict=True):
            if call.error:
                problems.append(explain_error(self.function or "training", call.error, ctx))
                runs.append({"seed": seed, "accuracy": None})
                continue
            params, trajectory = call.value, None
            if self.driver == "momentum" and isinstance(params, list) and len(params) == 2:
                params, trajectory = params
            run = {"seed": seed, "accuracy": None}
            try:
                if not isinstance(params, list) or not all(
                    isinstance(p, np.ndarray) for p in params
                ):
                    raise TypeError("expected a list of parameter arrays")
                if shapes and [list(p.shape) for p in params] != [list(s) for s in shapes]:
                    problems.append(
                        f"training returned parameters of shapes {_shapes(params)}, "
                        f"expected {_shapes(shapes)}" + _growth_hint(params, shapes, len(X))
                    )
                    runs.append(run)
                    continue
                run["accuracy"] = float(judge(params, X, Y))
                if trajectory and self.loss:
                    loss = getattr(ctx.reference, self.loss)
                    run["losses"] = [
                        float(loss(p, X, Y))
                        for p in trajectory
                        if isinstance(p, list) and _shapes_of(p) == _shapes_of(shapes)
                    ]
            except Exception as exc:  # noqa: BLE001 - the student's parameters may be anything
                problems.append(
                    f"the trained parameters could not be used by the reference network "
                    f"({type(exc).__name__}: {exc}); returned {_shapes(params)}"
                )
            runs.append(run)
        converged = sum(
            1 for r in runs if r["accuracy"] is not None and r["accuracy"] >= self.min_accuracy
        )
        accs = ", ".join(f"seed {r['seed']}: {_pct(r['accuracy'])}" for r in runs)
        passed = converged == len(runs)
        if passed:
            message = (
                f"training with your {what} reached the target accuracy on every seed ({accs})"
            )
        else:
            message = (
                f"training with your {what} reached {self.min_accuracy:.0%} accuracy on "
                f"{converged} of {len(runs)} seeds ({accs})"
            )
            if problems:
                message += "; " + problems[0]
        curve = [
            [epochs, call.value]
            for epochs, call in zip(
                self.curve_epochs, outcome.calls[len(self.seeds) :], strict=True
            )
            if not call.error
        ]
        return self.result(
            passed,
            message,
            fraction=converged / len(runs),
            runs=runs,
            trained=[None if c.error else c.value for c in scored],  # for grader.plots
            curve=curve,
        )


def _shapes_of(params: list) -> list[list[int]] | None:
    if not all(isinstance(p, np.ndarray | list) for p in params):
        return None
    return [list(p.shape) if isinstance(p, np.ndarray) else list(p) for p in params]


def _shape_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(shape, list)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        for shape in value
    )


def _curve_epochs(spec: dict, driver: str, total: int | None, source: str) -> list[int]:
    """Optional ``curve_epochs``: shorter trainings of the first seed, for the loss plot."""
    epochs = spec.get("curve_epochs", [])
    if not epochs:
        return []
    if (
        driver != "call"
        or not isinstance(epochs, list)
        or not all(isinstance(e, int) and not isinstance(e, bool) and e >= 0 for e in epochs)
        or (total is not None and any(e >= total for e in epochs))
    ):
        raise AssignmentError(
            f"{source}: curve_epochs must be a list of epoch counts below the training's "
            "own, for driver 'call'",
            field="curve_epochs",
        )
    return sorted(set(epochs))


def _growth_hint(params: list, shapes: list, n_samples: int) -> str:
    for p, shape in zip(params, shapes, strict=False):
        if len(shape) == 2 and shape[0] == 1 and p.shape[:1] == (n_samples,):
            return (
                " (a bias that grew one row per sample: its gradient was not summed over "
                "the samples)"
            )
    return ""


def _pct(value: float | None) -> str:
    return "no result" if value is None else f"{value:.0%}"


def _shapes(params: Any) -> str:
    if isinstance(params, list) and params and isinstance(params[0], int):
        return str(tuple(params))
    if isinstance(params, list):
        return "[" + ", ".join(_shapes(p) for p in params) + "]"
    return str(tuple(params.shape)) if isinstance(params, np.ndarray) else type(params).__name__
