"""The student's loss curve for a train() that returns only its final parameters:
the first seed is trained again for the check's ``curve_epochs`` (inside the
sandbox, never scored) and the reference's loss is drawn through those points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.assignments import find
from grader.checks.convergence import ConvergenceCheck
from grader.engine import grade_file
from grader.errors import AssignmentError
from grader.plots import _loss_function, _student_run, _with_curve
from tests.conftest import SUBMISSIONS

pytestmark = pytest.mark.slow

XOR = find("xor-mlp")
CHECK = next(c for c in XOR.checks if c.name == "xor-converges")


def test_correct_training_comes_back_with_its_curve() -> None:
    result = grade_file(XOR, SUBMISSIONS / "xor-mlp" / "correct.py", seed=1)
    check = next(c for c in result.checks if c.name == "xor-converges")
    assert check.passed and check.score == check.max_score
    curve = check.details["curve"]
    assert [epochs for epochs, _ in curve] == CHECK.curve_epochs
    runs = [_student_run(CHECK, value, CHECK.param_shapes) for value in check.details["trained"]]
    first = _with_curve(CHECK, runs, curve)[0]
    assert first[2] == [*CHECK.curve_epochs, 10000]
    loss = _loss_function(XOR.reference, CHECK)
    X, Y = CHECK.run_data(check.details["runs"][0])  # this grading run's own data
    losses = [loss(p, X, Y) for p in first[1]]
    assert losses[-1] < 0.05 < losses[0]  # it learned: the curve goes down


def test_curve_trainings_are_never_scored(tmp_path: Path) -> None:
    # a train() that fails for the curve's epoch counts still gets every point (the
    # trainings of the step checks are other ones)
    source = (SUBMISSIONS / "xor-mlp" / "correct.py").read_text()
    guarded = source.replace("def train(", "def _train(", 1) + (
        "\n\ndef train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):\n"
        f"    if num_epochs in {CHECK.curve_epochs}:\n"
        "        raise RuntimeError('only full trainings')\n"
        "    return _train(X, Y, hidden_dim, num_epochs, learning_rate, seed)\n"
    )
    path = tmp_path / "guarded.py"
    path.write_text(guarded)
    result = grade_file(XOR, path, seed=1)
    check = next(c for c in result.checks if c.name == "xor-converges")
    assert check.passed and check.score == check.max_score, check.message
    assert check.details["curve"] == []


@pytest.mark.parametrize(
    "change",
    [
        {"curve_epochs": [10, 10000]},  # not shorter than the training itself
        {"curve_epochs": [-1]},
        {"curve_epochs": "10, 100"},
        {"curve_epochs": [1.5]},
    ],
)
def test_bad_curve_epochs_are_named(change: dict) -> None:
    spec = {**CHECK.spec, **change}
    with pytest.raises(AssignmentError) as info:
        ConvergenceCheck(spec, dims=[], source="assignment.toml")
    assert info.value.field == "curve_epochs"


def test_snapshots_of_other_shapes_are_not_drawn() -> None:
    final = [np.zeros(s) for s in CHECK.param_shapes]
    odd = [np.zeros((2, 10**5)), np.zeros((1, 5)), np.zeros((5, 1)), np.zeros((1, 1))]
    assert _student_run(CHECK, odd, CHECK.param_shapes) == (None, [])
    runs = [_student_run(CHECK, final, CHECK.param_shapes)]
    first = _with_curve(CHECK, runs, [[10, odd], [100, final]])[0]
    assert first[2] == [100, 10000] and len(first[1]) == 2
