"""Each grading run trains on data of its own, and a train() must be repeatable to be checked.

The step checks themselves are in test_training_steps.py, the attacks in tests/sandbox/hostile/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader import datasets
from grader.assignment_folder import find
from grader.checks import Context
from grader.checks.convergence import ConvergenceCheck
from grader.engine import grade_file
from grader.errors import AssignmentError
from tests.helpers import SUBMISSIONS

XOR = find("xor-mlp")
CIRCLES = find("circles-softmax")
XOR_CHECK = next(c for c in XOR.checks if c.kind == "convergence")
CIRCLES_CHECK = next(c for c in CIRCLES.checks if c.kind == "convergence")


@pytest.mark.parametrize("check", [XOR_CHECK, CIRCLES_CHECK], ids=lambda c: c.name)
def test_every_run_draws_its_own_seeds_order_and_classes(check: ConvergenceCheck) -> None:
    drawn = [check.draw_runs(np.random.default_rng(seed)) for seed in range(40)]
    assert all(
        len(runs) == check.runs and len({r["seed"] for r in runs}) == check.runs for runs in drawn
    )
    assert all(r["seed"] in check.seeds for runs in drawn for r in runs)
    assert len({tuple(r["seed"] for r in runs) for runs in drawn}) > 1 or check.runs == len(
        check.seeds
    )
    orders = {tuple(r["order"]) for runs in drawn for r in runs}
    assert len(orders) > 10  # shuffled
    assert {r["swap"] for runs in drawn for r in runs} == {False, True}


def test_run_data_is_the_same_problem_reordered_and_relabelled() -> None:
    X, Y = datasets.xor()
    order = [2, 0, 3, 1]
    X2, Y2 = XOR_CHECK.run_data({"seed": 0, "order": order, "swap": True})
    assert np.array_equal(X2, X[order]) and np.array_equal(Y2, 1 - Y[order])
    Xc, T = datasets.circles(5)
    Xc2, T2 = CIRCLES_CHECK.run_data({"seed": 5, "order": None, "swap": True})
    assert np.array_equal(Xc2, Xc) and np.array_equal(T2, T[:, ::-1])


def test_a_plan_is_secret_per_run_and_ties_the_step_checks_to_a_scored_run() -> None:
    ctx = Context(reference=XOR.reference, limits=XOR.limits)
    task, state = XOR_CHECK.plan(np.random.default_rng(11), ctx)
    other, _ = XOR_CHECK.plan(np.random.default_rng(12), ctx)
    assert task["calls"][0]["args"] != other["calls"][0]["args"] or (
        task["calls"][0]["kwargs"] != other["calls"][0]["kwargs"]
    )
    plan = state["steps"]
    steps = task["calls"][plan["first"] :]
    scored = task["calls"][plan["run"]]
    assert [s["kwargs"]["num_epochs"] for s in steps] != []
    assert all(s["args"] == scored["args"] and s["reseed"] == scored["reseed"] for s in steps)
    k = plan["k"]
    assert 1 <= k <= 9998 and not {k, k + 1} & set(XOR_CHECK.curve_epochs)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"runs": 0}, "runs"),
        ({"runs": 4}, "runs"),  # more than the seeds
        ({"runs": True}, "runs"),
        ({"shuffle": "yes"}, "shuffle"),
        ({"swap_classes": 1}, "swap_classes"),
        ({"gradient": 3}, "gradient"),
        ({"kwargs": {"hidden_dim": 5, "learning_rate": 0.3}}, "gradient"),  # no epochs
        ({"kwargs": {"hidden_dim": 5, "num_epochs": 1000}}, "gradient"),  # no rate
    ],
)
def test_bad_run_fields_are_named(change: dict, field: str) -> None:
    spec = {**XOR_CHECK.spec, "seeds": [0, 1, 2], "runs": 3, **change}
    if "kwargs" in change:
        spec.pop("curve_epochs")
    with pytest.raises(AssignmentError) as info:
        ConvergenceCheck(spec, dims=[], source="assignment.toml")
    assert info.value.field == field


def _train_variant(tmp_path: Path, name: str, init: str) -> Path:
    """correct.py with another initialisation line for W1."""
    source = (SUBMISSIONS / "xor-mlp" / "correct.py").read_text()
    line = next(x for x in source.splitlines() if x.strip().startswith("W1 ="))
    path = tmp_path / name
    path.write_text(source.replace(line, line.split("W1 =")[0] + "W1 = " + init))
    return path


@pytest.mark.slow
def test_unseeded_numpy_random_is_repeatable(tmp_path: Path) -> None:
    # np.random's global generator is seeded before every call, so this still passes
    path = _train_variant(tmp_path, "global_rng.py", "np.random.randn(X.shape[1], hidden_dim)")
    result = grade_file(XOR, path, seed=5)
    check = next(c for c in result.checks if c.name == "xor-converges")
    assert check.passed and check.score == check.max_score, check.message


@pytest.mark.slow
def test_a_train_that_is_not_repeatable_is_told_so(tmp_path: Path) -> None:
    path = _train_variant(
        tmp_path, "fresh_rng.py", "np.random.default_rng().normal(size=(X.shape[1], hidden_dim))"
    )
    result = grade_file(XOR, path, seed=5)
    check = next(c for c in result.checks if c.name == "xor-converges")
    assert check.score == 0
    assert "is not repeatable" in check.message and "`seed`" in check.message
