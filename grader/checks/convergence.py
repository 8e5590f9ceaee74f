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

from typing import Any

import numpy as np

from grader import datasets
from grader.checks import steps
from grader.checks.base import Check, Context, Judged, Outcome, explain_error
from grader.checks.drivers import Driver, MomentumDriver, build_driver, driver_keys
from grader.errors import AssignmentError
from grader.sandbox.inside.protocol import Task


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
        "plot_output",
        *sorted(driver_keys()),
    )

    def __init__(self, spec: dict, *, dims: list[dict], source: str) -> None:
        super().__init__(spec, dims=dims, source=source)
        #: how the training runs (grader.checks.drivers)
        self.driver: Driver = build_driver(spec, self.function, source)
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
        #: the shapes of what train() returns (driver "call", which requires them)
        self.param_shapes: list[list[int]] | None = spec.get("param_shapes")
        self.epochs_arg = spec.get("epochs_arg", "num_epochs")
        total = spec.get("kwargs", {}).get(self.epochs_arg)
        #: the epochs of the scored training (driver "call"); None when kwargs do not say
        number = isinstance(total, int | float) and not isinstance(total, bool)
        self.total_epochs = int(total) if number and total > 0 else None
        self.curve_epochs = _curve_epochs(spec, self.driver.name, self.total_epochs, source)
        if self.gradient and self.driver.name == "call":
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
        return self.driver.student_functions()

    def expected_shapes(self, reference: Any, seed: int) -> list[list[int]]:
        """The shapes trained parameters must have before the reference touches them."""
        if isinstance(self.driver, MomentumDriver):
            return [list(np.shape(p)) for p in self.driver.initial(reference, seed)]
        assert self.param_shapes is not None, "driver 'call' has param_shapes"
        return [list(s) for s in self.param_shapes]

    def named_functions(self) -> list[tuple[str, str]]:
        named = [
            (key, self.spec[key]) for key in ("judge", "loss", "gradient") if self.spec.get(key)
        ]
        return [*self.driver.named_functions(), *named]

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
        return self.driver.plan(self, rng, ctx, state), state

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
        what = self.driver.what
        runs: list[dict[str, Any]] = []
        problems: list[str] = []
        records: list[Any] = []  # per run: what a momentum loop recorded (else None)
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
            if self.driver.loop and isinstance(params, list) and len(params) == 3:
                params, trajectory, records[-1] = params
            try:
                if not steps.arrays(params):
                    raise TypeError("expected a list of parameter arrays")
                if not steps.shaped(params, shapes):
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
                        if steps.arrays(p) and steps.shaped(p, shapes)
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
        loop = self.driver.loop
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
