"""Observations of a training run: a loss that goes up or stays flat, parameters that
never change. Computed in the trusted process from the parameters the sandbox
returned (the loss with the reference's own loss function), after the checks ran."""

from __future__ import annotations

import warnings

import numpy as np

from grader.diagnosis.observations import entry
from grader.plots import _loss_function, _student_run, _with_curve


def _descriptors(check, result) -> list[dict]:
    """Each scored run's own data (seed, sample order, classes), as the check drew them;
    results stored before runs had them name only the seed."""
    trained = result.details.get("trained") or []
    runs = result.details.get("runs") or []
    if len(runs) != len(trained) or not all(isinstance(r, dict) for r in runs):
        runs = [{"seed": seed} for seed in check.seeds[: len(trained)]]
    return runs


def _runs(check, result, reference) -> list[tuple]:
    trained = result.details.get("trained") or []
    runs = [
        _student_run(check, value, check.expected_shapes(reference, int(run["seed"])))
        for run, value in zip(_descriptors(check, result), trained, strict=False)
    ]
    return _with_curve(check, runs, result.details.get("curve") or [])


def training_facts(check, result, reference) -> tuple[list[dict], list[str]]:
    """(named entries, plain sentences) for a failed convergence check."""
    loss = _loss_function(reference, check)
    runs = _runs(check, result, reference)
    if not runs:
        return [], []
    final, snaps, steps = runs[0]
    if final is None or len(snaps) < 2:
        return [], []
    where = check.driver.what
    named = not check.driver.loop and bool(check.function)
    unchanged = all(
        all(np.array_equal(a, b) for a, b in zip(s, snaps[0], strict=True)) for s in snaps[1:]
    )
    if unchanged:
        sentence = (
            f"training with your `{where}` never changes the parameters (the same values from "
            f"step 0 to step {steps[-1]}): the update is computed but never stored, e.g. "
            "`W - learning_rate * dW` without assigning it back"
        )
        fix = "assign the update: W = W - learning_rate * dW (or W -= learning_rate * dW)"
        return _say(named, where, "unchanged", sentence, fix, "parameter snapshots")
    if loss is None:
        return [], []
    X, Y = check.run_data(_descriptors(check, result)[0])  # the data the curve trained on
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            losses = [loss(p, X, Y) for p in snaps]
    except Exception:  # noqa: BLE001 - parameters the reference cannot use
        return [], []
    if not all(np.isfinite(losses)):
        return [], [f"the training loss of your `{where}` becomes NaN or infinite"]
    first, last = losses[0], losses[-1]
    ups = sum(b > a for a, b in zip(losses, losses[1:], strict=False))
    if last > first * 1.01 + 1e-9 and ups >= (len(losses) - 1) / 2:
        sentence = (
            f"the training loss goes up with your `{where}` (from {first:.4g} at step 0 to "
            f"{last:.4g} at step {steps[-1]}): the parameters step along the gradient instead "
            "of against it, gradient ascent (W += learning_rate * dW)"
        )
        fix = "step against the gradient: W = W - learning_rate * dW"
        return _say(named, where, "ascent", sentence, fix, "the loss of the parameter snapshots")
    if abs(last - first) <= 1e-6 * max(abs(first), 1e-12):
        sentence = (
            f"the training loss stays flat with your `{where}` ({first:.4g} from step 0 to step "
            f"{steps[-1]}): the parameters barely move"
        )
        return [], [sentence]
    return [], []


def _say(named: bool, where: str, name: str, sentence: str, fix: str, seen: str):
    if not named:
        return [], [sentence]
    evidence = f"seen in {seen} of the first seed"
    return [entry(where, name, sentence, fix, evidence, name)], []
