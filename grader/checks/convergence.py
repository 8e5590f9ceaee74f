"""Convergence check: train with the student's own code, judge with the reference forward pass.

Each grading run trains on data of its own: seeds drawn from the calibrated pool
``seeds``, the samples shuffled, the classes swapped at random (``shuffle``,
``swap_classes``). With a reference ``gradient``, the training *procedure* is
checked too (see ``grader.checks.steps``): a ``train()`` is called again for one
secret ``k`` and ``k + 1`` epochs, and for one epoch less than scored (which ties
the scored parameters to a gradient step); a momentum loop records its
iterations. A training that does not step by the gradient scores nothing, however
accurate its final parameters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader import datasets
from grader.checks import steps
from grader.checks.base import Check, Context, Judged, Outcome, explain_error
from grader.errors import AssignmentError
from grader.sandbox.inside import codec
from grader.sandbox.inside.protocol import Task

DRIVERS = ("call", "momentum")
RECORD_ALL_VALUES = 2_000_000  # a momentum loop records every iteration up to this many values
RECORD_SOME = 32  # else this many secret iterations


class ConvergenceCheck(Check):
    kind = "convergence"
    required = ("points", "driver", "dataset", "seeds", "judge")
    optional = (
        "runs",
        "shuffle",
        "swap_classes",
        "gradient",
        "loss",
        "min_accuracy",
        "param_shapes",
        "kwargs",
        "seed_arg",
        "epochs_arg",
        "rate_arg",
        "curve_epochs",
        "plot_output",
        "init",
        "iterations",
        "learning_rate",
        "momentum",
    )

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
        runs = spec.get("runs", len(self.seeds))
        if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= len(self.seeds):
            raise AssignmentError(
                f"{source}: runs must be a whole number from 1 to the number of seeds",
                field="runs",
            )
        #: trainings per grading run, on seeds drawn from ``seeds`` (all, in order, by default)
        self.runs = runs
        for key in ("shuffle", "swap_classes"):
            if not isinstance(spec.get(key, False), bool):
                raise AssignmentError(f"{source}: {key} must be true or false", field=key)
        self.shuffle = spec.get("shuffle", False)
        self.swap_classes = spec.get("swap_classes", False)
        #: reference function(X, Y, *params) -> the loss's gradient; enables the step checks
        self.gradient = spec.get("gradient")
        if self.gradient is not None and not isinstance(self.gradient, str):
            raise AssignmentError(f"{source}: gradient must be a function name", field="gradient")
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
        if self.gradient and self.driver == "call":
            if self.total_epochs is None or self.total_epochs < 2:
                raise AssignmentError(
                    f"{source}: checking the training steps (gradient) needs kwargs."
                    f"{self.epochs_arg} of at least 2",
                    field="gradient",
                )
            self.rate_arg = spec.get("rate_arg", "learning_rate")
            rate = spec.get("kwargs", {}).get(self.rate_arg)
            if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
                raise AssignmentError(
                    f"{source}: checking the training steps (gradient) needs a positive "
                    f"kwargs.{self.rate_arg}",
                    field="gradient",
                )
        self.dataset = spec["dataset"]
        if not isinstance(self.dataset, dict):
            raise AssignmentError(f"{source}: dataset must be a table with a name", field="dataset")
        try:
            datasets.make(self.dataset, self.seeds[0])
        except AssignmentError as exc:
            raise AssignmentError(f"{source}: {exc.message}", field="dataset") from exc

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

    def named_functions(self) -> list[tuple[str, str]]:
        fields = ["judge", "loss", "gradient"] + (["init"] if self.driver == "momentum" else [])
        named = [(key, self.spec[key]) for key in fields if self.spec.get(key)]
        if self.driver == "momentum":
            return [*named, ("driver", "update_velocity"), ("driver", "update_params")]
        return [("function", self.function), *named]

    def draw_runs(self, rng: np.random.Generator) -> list[dict]:
        """This grading run's trainings: which seed, sample order and class labels."""
        chosen = (
            sorted(rng.choice(len(self.seeds), size=self.runs, replace=False).tolist())
            if self.runs < len(self.seeds)
            else range(len(self.seeds))
        )
        runs = []
        for index in chosen:
            seed = self.seeds[index]
            n = len(datasets.make(self.dataset, seed)[0])
            runs.append(
                {
                    "seed": seed,
                    "order": rng.permutation(n).tolist() if self.shuffle else None,
                    "swap": bool(rng.integers(2)) if self.swap_classes else False,
                }
            )
        return runs

    def run_data(self, run: dict) -> tuple[np.ndarray, np.ndarray]:
        X, Y = datasets.make(self.dataset, int(run["seed"]))
        return datasets.variant(X, Y, run.get("order"), bool(run.get("swap")))

    def plan(self, rng: np.random.Generator, ctx: Context) -> tuple[Task, Any]:
        runs = self.draw_runs(rng)
        data = [self.run_data(run) for run in runs]
        state: dict[str, Any] = {"runs": runs, "data": data, "shapes": self.param_shapes}
        if self.driver == "momentum":
            return self._plan_loops(rng, ctx, runs, data, state)
        seed_arg = self.spec.get("seed_arg", "seed")
        calls = []
        for run, (X, Y) in zip(runs, data, strict=True):
            kwargs = {k: codec.encode(v) for k, v in self.spec.get("kwargs", {}).items()}
            kwargs[seed_arg] = codec.encode(run["seed"])
            # numpy's and random's global generators are seeded before every call, so that
            # a training that draws from them unseeded still repeats itself exactly
            calls.append(
                {
                    "fn": self.function,
                    "args": [codec.encode(X), codec.encode(Y)],
                    "kwargs": kwargs,
                    "reseed": int(rng.integers(2**31)),
                }
            )
        # the loss curve of the plots: the first run trained again for fewer epochs
        # (training is deterministic given its seed); never scored
        scored = list(calls)
        for epochs in self.curve_epochs:
            calls.append(self._again(scored[0], epochs))
        if self.gradient:
            # the step checks: one run, secret, trained again for total - 1 epochs (its scored
            # parameters must be one step further) and for k, k + 1 epochs (k secret,
            # log-uniform below total - 1), and once more for 1 epoch (is it deterministic?)
            total = int(self.total_epochs or 0)
            which = int(rng.integers(len(runs)))
            k = self._secret_epochs(rng, total)
            state["steps"] = {"run": which, "first": len(calls), "k": k, "total": total}
            for epochs in (1, 1, total - 1, k, k + 1):
                calls.append(self._again(scored[which], epochs))
        return {"driver": "call", "calls": calls}, state

    def _secret_epochs(self, rng: np.random.Generator, total: int) -> int:
        """k for the step between k and k + 1 epochs: log-uniform in [1, total - 2] (cheap on
        average, anywhere along the way), never next to a curve's epochs (never scored)."""
        curve = set(self.curve_epochs)
        for _ in range(100):
            k = min(int(math.exp(rng.uniform(0, math.log(total - 1)))), total - 2)
            if k not in curve and k + 1 not in curve:
                return k
        return total - 2

    def _again(self, call: dict, epochs: int) -> dict:
        return {**call, "kwargs": {**call["kwargs"], self.epochs_arg: codec.encode(epochs)}}

    def _plan_loops(self, rng, ctx, runs, data, state) -> tuple[Task, Any]:
        init = getattr(ctx.reference, self.spec["init"])
        iterations = int(self.spec["iterations"])
        loops, starts = [], []
        for run, (X, T) in zip(runs, data, strict=True):
            params = [np.asarray(p, dtype=float) for p in init(run["seed"])]
            starts.append(params)
            loop = {
                "X": codec.encode(X),
                "T": codec.encode(T),
                "params": [codec.encode(p) for p in params],
                "iterations": iterations,
                "learning_rate": float(self.spec["learning_rate"]),
                "momentum": float(self.spec["momentum"]),
            }
            if self.gradient:
                size = sum(p.size for p in params)
                if iterations * size * 4 <= RECORD_ALL_VALUES:
                    loop["record"] = list(range(iterations))
                else:  # a secret few, always with the first and the last
                    some = rng.choice(iterations, size=min(RECORD_SOME, iterations), replace=False)
                    loop["record"] = sorted({0, iterations - 1, *some.tolist()})
            loops.append(loop)
        state.update(shapes=[list(p.shape) for p in starts[0]], starts=starts)
        return {"driver": "momentum", "loops": loops}, state

    def evaluate(self, state: Any, outcome: Outcome, ctx: Context) -> Judged:
        if outcome.failure:
            return Judged(self.result(False, outcome.failure))
        if ctx.forbidden:
            return Judged(
                self.result(
                    False,
                    f"{ctx.forbidden[0]}: this check counts only what your own code trains",
                    fraction=0.0,
                )
            )
        judge = getattr(ctx.reference, self.judge)
        what = self.function or "update_velocity / update_params"
        runs, problems, records = [], [], []
        shapes = state["shapes"]
        scored = outcome.calls[: len(state["runs"])]
        for spec, (X, Y), call in zip(state["runs"], state["data"], scored, strict=True):
            run = {**spec, "accuracy": None}
            records.append(None)
            runs.append(run)
            if call.error:
                problems.append(explain_error(self.function or "training", call.error, ctx))
                continue
            params, trajectory = call.value, None
            if self.driver == "momentum" and isinstance(params, list) and len(params) == 3:
                params, trajectory, records[-1] = params
            try:
                if not steps.arrays(params):
                    raise TypeError("expected a list of parameter arrays")
                if not _shaped(params, shapes):
                    problems.append(
                        f"training returned parameters of shapes {_shapes(params)}, "
                        f"expected {_shapes(shapes)}" + _growth_hint(params, shapes, len(X))
                    )
                    continue
                run["accuracy"] = float(judge(params, X, Y))
                if trajectory and self.loss:
                    loss = getattr(ctx.reference, self.loss)
                    run["losses"] = [
                        float(loss(p, X, Y))
                        for p in trajectory
                        if steps.arrays(p) and _shaped(p, shapes)
                    ]
            except Exception as exc:  # noqa: BLE001 - the student's parameters may be anything
                problems.append(
                    f"the trained parameters could not be used by the reference network "
                    f"({type(exc).__name__}: {exc}); returned {_shapes(params)}"
                )
        counted = [r["accuracy"] is not None and r["accuracy"] >= self.min_accuracy for r in runs]
        converged = sum(counted)
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
        fraction = converged / len(runs)
        not_trained = (
            steps.training_problem(self, state, outcome, records, counted, ctx)
            if converged
            else None
        )
        if not_trained:
            passed, fraction = False, 0.0
            message = f"{not_trained} (accuracy of the returned parameters: {accs})"
        curve_calls = outcome.calls[len(runs) : len(runs) + len(self.curve_epochs)]
        curve = [
            [epochs, call.value]
            for epochs, call in zip(self.curve_epochs, curve_calls, strict=True)
            if not call.error
        ]
        loop = self.driver == "momentum"
        trained = [  # without a loop's recorded iterations: they are checked, not kept
            None if c.error else c.value[:2] if loop and isinstance(c.value, list) else c.value
            for c in scored
        ]
        return Judged(
            self.result(
                passed,
                message,
                fraction=fraction,
                runs=runs,
                trained=trained,  # for grader.plots
                curve=curve,
            )
        )


def _shaped(params: list[np.ndarray], shapes: list) -> bool:
    """The reference only ever runs on parameters of exactly the shapes it expects."""
    return [list(p.shape) for p in params] == [list(s) for s in shapes]


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
