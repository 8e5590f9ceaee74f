"""The student's loss curve for a train() that returns only its final parameters:
the first seed is trained again for the check's ``curve_epochs`` (inside the
sandbox, never scored) and the reference's loss is drawn through those points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.assignment_folder import find
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


# -- the reference's curves: once per assignment version and run -----------------------------


def test_reference_curves_are_computed_once_per_version_and_run() -> None:
    from grader import reference_curves
    from grader.plots import render_plots

    reference_curves.clear()
    result = grade_file(XOR, SUBMISSIONS / "xor-mlp" / "correct.py", seed=1)
    first = render_plots(XOR, result)
    computed = reference_curves.stats()["misses"]
    assert computed >= len(CHECK.seeds[:1]) + 1  # the curves, and the order-freedom test
    assert render_plots(XOR, result) == first  # the same plots, nothing computed again
    assert reference_curves.stats()["misses"] == computed
    # another grading run on other data: only the curves it lacks
    other = grade_file(XOR, SUBMISSIONS / "xor-mlp" / "correct.py", seed=2)
    render_plots(XOR, other)
    runs = next(c for c in other.checks if c.name == "xor-converges").details["runs"]
    assert reference_curves.stats()["misses"] <= computed + len(runs)


def test_a_changed_assignment_computes_its_curves_again() -> None:
    from grader import reference_curves

    loss = _loss_function(XOR.reference, CHECK)
    run = {"seed": CHECK.seeds[0], "order": [3, 2, 1, 0], "swap": True}
    reference_curves.clear()
    before = reference_curves.reference_curve(XOR.reference, CHECK, run, loss, XOR.digest)
    misses = reference_curves.stats()["misses"]
    assert reference_curves.reference_curve(XOR.reference, CHECK, run, loss, XOR.digest) == before
    assert reference_curves.stats()["misses"] == misses
    reference_curves.reference_curve(XOR.reference, CHECK, run, loss, "another-version")
    assert reference_curves.stats()["misses"] > misses


def test_the_order_is_left_out_only_where_the_curve_does_not_depend_on_it() -> None:
    from grader import reference_curves

    loss = _loss_function(XOR.reference, CHECK)
    seed = CHECK.seeds[3]
    X, Y = CHECK.run_data({"seed": seed, "order": [2, 0, 3, 1], "swap": True})
    shuffled = reference_curves._reference_curve(XOR.reference, CHECK, X, Y, seed, loss)
    reference_curves.clear()
    run = {"seed": seed, "order": [2, 0, 3, 1], "swap": True}
    cached = reference_curves.reference_curve(XOR.reference, CHECK, run, loss, XOR.digest)
    # full-batch training: the curve in the data's own order is this run's, to rounding
    assert cached[0] == shuffled[0]
    assert np.allclose(cached[1], shuffled[1], rtol=1e-6)

    class PerSample:  # a reference whose training visits the samples in order, one at a time
        def __getattr__(self, name):
            return getattr(XOR.reference, name)

        @staticmethod
        def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
            rng = np.random.default_rng(seed)
            W1, b1 = rng.normal(size=(X.shape[1], hidden_dim)), rng.normal(size=(1, hidden_dim))
            W2, b2 = rng.normal(size=(hidden_dim, Y.shape[1])), rng.normal(size=(1, Y.shape[1]))
            for _ in range(int(num_epochs)):
                for i in range(len(X)):
                    grads = XOR.reference.backward(X[i : i + 1], Y[i : i + 1], W1, b1, W2, b2)
                    W1, b1, W2, b2 = (
                        p - 2.0 * g for p, g in zip((W1, b1, W2, b2), grads, strict=True)
                    )
            return W1, b1, W2, b2

    short = ConvergenceCheck(
        {**CHECK.spec, "kwargs": {**CHECK.spec["kwargs"], "num_epochs": 30}, "curve_epochs": []},
        dims=[],
        source="test",
    )
    reference_curves.clear()
    reference_curves.reference_curve(PerSample(), short, run, loss, "per-sample")
    assert reference_curves.stats()["entries"] == 3  # the test, its plain curve, this run's


def test_curves_kept_on_disk_are_found_by_a_fresh_process(tmp_path: Path) -> None:
    from grader import reference_curves

    loss = _loss_function(XOR.reference, CHECK)
    run = {"seed": CHECK.seeds[1], "order": None, "swap": False}
    reference_curves.clear()
    reference_curves.use_directory(tmp_path)
    try:
        computed = reference_curves.reference_curve(XOR.reference, CHECK, run, loss, XOR.digest)
        files = list(tmp_path.rglob("*.json"))
        assert len(files) == 1
        reference_curves.clear()  # as a restarted process: only the file is left
        found = reference_curves.reference_curve(XOR.reference, CHECK, run, loss, XOR.digest)
        assert [list(part) for part in computed] == found
        assert reference_curves.stats()["misses"] == 0
        files[0].write_text('{"key": "half a fi')  # a crash mid-write: computed again
        reference_curves.clear()
        again = reference_curves.reference_curve(XOR.reference, CHECK, run, loss, XOR.digest)
        assert [list(part) for part in again] == found
        assert reference_curves.stats()["misses"] == 1
    finally:
        reference_curves.use_directory(None)
        reference_curves.clear()
