"""Every observation and composed mutation of the diagnosis, each on a real buggy function:
through the real sandbox (a submission graded end to end) where the observation comes from
the sandbox or a training run, and through ``diagnose`` on a function defined here where
it is computed from the results alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.assignment_folder import find
from grader.checks.base import _read_call, _read_mutated
from grader.diagnosis import catalogue_for, diagnose
from grader.diagnosis.observations import in_place
from grader.engine import grade_file
from tests.helpers import SUBMISSIONS

SEED = 11


def grade_variant(tmp_path: Path, slug: str, edits: list[tuple[str, str]], base="correct.py"):
    source = (SUBMISSIONS / slug / base).read_text()
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    path = tmp_path / "student.py"
    path.write_text(source)
    result = grade_file(find(slug), path, seed=SEED)
    return result, {c.name: c for c in result.checks}


def entries(check) -> list[dict]:
    return check.details.get("diagnosis") or []


def kinds(check) -> set[str]:
    return {e.get("kind") for e in entries(check)}


def places(check) -> set[str]:
    return {e.get("function") for e in entries(check)}


# -- observations recorded by the sandbox --------------------------------------------------


def test_argument_modified_in_place_is_named_with_the_line(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "xor-mlp",
        [
            (
                "    H = sigmoid(np.dot(X, W1) + b1)",
                "    X -= 1.0\n    H = sigmoid(np.dot(X, W1) + b1)",
            )
        ],
    )
    forward = checks["forward"]
    assert kinds(forward) == {"in_place"} and places(forward) == {"forward"}
    assert "modifies its argument `X` in place" in forward.message
    assert "line" in entries(forward)[0] and "X -= 1.0" in entries(forward)[0]["line"]
    # backward calls forward: the mistake is named in forward, where it is made
    assert places(checks["backward"]) == {"forward"}


def test_in_place_observation_never_costs_points(tmp_path: Path) -> None:
    result, checks = grade_variant(
        tmp_path,
        "circles-softmax",
        [
            (
                "    return [P + V for P, V in zip(ls_of_params, Vs)]",
                "    for P, V in zip(ls_of_params, Vs):\n        P += V\n    return ls_of_params",
            )
        ],
    )
    assert result.score == result.max_score
    assert not any(entries(c) for c in checks.values())


def test_forged_in_place_records_are_dropped() -> None:
    assert _read_mutated([[0, -1], [2, 1]]) == ((0, -1), (2, 1))
    for forged in ("X", [[0]], [[0, 99]], [[-1, 0]], [[0, True]], [[0, -1]] * 17, {"a": 1}):
        assert _read_mutated(forged) == ()
    call = _read_call({"ok": {"none": True}, "mutated": [[0, "x"]]})
    assert call.mutated == ()
    # a pair naming an argument the check does not pass says nothing
    args = [{"name": "X"}, {"name": "Y"}]
    assert in_place("forward", [((5, -1),)], args, 1) == []
    assert in_place("forward", [((1, -1),)], args, 1)[0]["sentence"].count("`Y`") == 1


# -- observations computed from the results -------------------------------------------------


def test_integer_result_is_named(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "xor-mlp",
        [
            (
                "db1 = np.sum(delta1, axis=0, keepdims=True)",
                "db1 = np.sum(delta1, axis=0, keepdims=True).astype(int)",
            )
        ],
    )
    assert "integer" in kinds(checks["backward"])
    assert "`db1` comes back as integers" in checks["backward"].message


def test_all_zero_gradient_is_named(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "circles-softmax",
        [("    return np.sum(Eo, axis=0, keepdims=True)", "    return np.zeros((1, Eo.shape[1]))")],
    )
    check = checks["gradient_bias_out"]
    assert "zeros" in kinds(check) and "all zeros" in check.message
    # its callers are told about the mistake where it is made
    assert places(checks["backprop_gradients"]) == {"gradient_bias_out"}


def test_one_sample_only_and_all_but_one(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "xor-mlp",
        [
            (
                "    H, Yhat = forward(X, W1, b1, W2, b2)\n    # dL",
                "    X, Y = X[-1:], Y[-1:]\n    H, Yhat = forward(X, W1, b1, W2, b2)\n    # dL",
            )
        ],
    )
    assert kinds(checks["backward"]) == {"one_sample"}
    assert "last sample only" in checks["backward"].message
    _, checks = grade_variant(
        tmp_path,
        "xor-mlp",
        [
            (
                "    H, Yhat = forward(X, W1, b1, W2, b2)\n    # dL",
                "    X, Y = X[1:], Y[1:]\n    H, Yhat = forward(X, W1, b1, W2, b2)\n    # dL",
            )
        ],
    )
    assert kinds(checks["backward"]) == {"skips_sample"}
    assert "without the first sample" in checks["backward"].message


def test_updated_parameter_instead_of_gradient(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "chain-rule",
        [("    return dJ_do * do_dw2\n", "    return w2 - 0.3 * dJ_do * do_dw2\n")],
    )
    assert kinds(checks["grad_w2"]) == {"updated_parameter"}
    assert "w2 - 0.3 * gradient" in checks["grad_w2"].message


def _diagnose(slug: str, function: str, fn, inputs: list[list]):
    catalogue = catalogue_for(find(slug).reference)
    trials = [(values, fn(*[np.copy(v) for v in values])) for values in inputs]
    return diagnose(catalogue, function, trials)


def test_nan_says_where_it_first_appears() -> None:
    def logistic(z):  # exp(z) / (1 + exp(z)) overflows to inf / inf for large z
        return np.exp(z) / (1 + np.exp(z))

    z = np.array([[0.5, -1.0, 2.0], [800.0, 1.0, 0.0], [0.1, 0.2, 900.0], [1.0, 2.0, 3.0]])
    found = _diagnose("circles-softmax", "logistic", logistic, [[z]])
    assert not found.matches
    text = " ".join(found.observations)
    assert "2 of 12 values are NaN or infinite, the first at [1, 0]" in text
    assert "rows [1, 2]" in text


def test_rows_in_another_order() -> None:
    def error_output(Y, T):
        return (Y - T)[::-1]

    rng = np.random.default_rng(0)
    Y, T = rng.uniform(size=(5, 3)), np.eye(3)[rng.integers(0, 3, 5)]
    found = _diagnose("circles-softmax", "error_output", error_output, [[Y, T]])
    assert "right rows in another order (row i holds expected row [4, 3, 2, 1, 0])" in " ".join(
        found.observations
    )


def test_constant_factor_and_transpose_are_described() -> None:
    rng = np.random.default_rng(1)
    H, Eo = rng.uniform(size=(6, 3)), rng.normal(size=(6, 2))
    found = _diagnose(
        "circles-softmax", "gradient_weight_out", lambda H, Eo: 0.3 * H.T @ Eo, [[H, Eo]]
    )
    assert "exactly 0.3 times" in " ".join(found.observations)
    found = _diagnose("circles-softmax", "gradient_weight_out", lambda H, Eo: Eo.T @ H, [[H, Eo]])
    assert [m.id for m in found.matches] == ["gradient_weight_out/transposed"]


# -- training --------------------------------------------------------------------------------

TRAIN_STEP = "        W1 -= learning_rate * dW1\n        b1 -= learning_rate * db1\n        W2 -= learning_rate * dW2\n        b2 -= learning_rate * db2\n"


def test_training_loss_that_goes_up_is_gradient_ascent(tmp_path: Path) -> None:
    _, checks = grade_variant(tmp_path, "xor-mlp", [(TRAIN_STEP, TRAIN_STEP.replace("-=", "+="))])
    check = checks["xor-converges"]
    assert kinds(check) == {"ascent"} and places(check) == {"train"}
    assert "the training loss goes up" in check.message


def test_parameters_that_never_change(tmp_path: Path) -> None:
    step = TRAIN_STEP.replace("W1 -= ", "W1 - ").replace("b1 -= ", "b1 - ")
    step = step.replace("W2 -= ", "W2 - ").replace("b2 -= ", "b2 - ")
    _, checks = grade_variant(tmp_path, "xor-mlp", [(TRAIN_STEP, step)])
    check = checks["xor-converges"]
    assert kinds(check) == {"unchanged"}
    assert "never changes the parameters" in check.message


def test_training_loss_that_stays_flat(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "xor-mlp",
        [(TRAIN_STEP, TRAIN_STEP.replace("learning_rate *", "1e-12 * learning_rate *"))],
    )
    check = checks["xor-converges"]
    assert not entries(check)
    assert "the training loss stays flat" in check.message


# -- composed mutations: the mistake named where it is made ----------------------------------


def test_derivative_of_the_preactivation_inside_backward(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "xor-mlp",
        [
            (
                "np.dot(delta2, W2.T) * sigmoid_derivative(H)",
                "np.dot(delta2, W2.T) * sigmoid_derivative(np.dot(X, W1) + b1)",
            )
        ],
    )
    check = checks["backward"]
    assert checks["sigmoid_derivative"].passed
    assert places(check) == {"backward"}  # not sigmoid_derivative: that one is right
    assert "pre-activation" in check.message
    assert "sigmoid_derivative(np.dot(X, W1) + b1)" in entries(check)[0]["line"]


def test_no_mistake_named_in_a_function_whose_own_check_passed(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "circles-softmax",
        [("momentum_term * V - learning_rate * J", "momentum_term * V + learning_rate * J")],
    )
    assert checks["error_output"].passed and checks["backprop_gradients"].passed
    assert places(checks["update_velocity"]) == {"update_velocity"}
    assert "gradient ascent" in checks["update_velocity"].message


def test_fix_never_repeats_the_students_axis(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "circles-softmax",
        [
            (
                "return e / np.sum(e, axis=1, keepdims=True)",
                "return e / np.sum(e, axis=0, keepdims=True)",
            )
        ],
    )
    check = checks["softmax"]
    assert places(check) == {"softmax"}
    fix = entries(check)[0]["fix"]
    assert "axis=1" in fix and "axis=0" not in fix


def test_tanh_where_the_sigmoid_is_asked(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "circles-softmax",
        [("return logistic(X.dot(Wh) + bh)", "return np.tanh(X.dot(Wh) + bh)")],
    )
    check = checks["hidden_activations"]
    assert kinds(check) == {"activation_tanh"}
    assert "tanh" in entries(check)[0]["line"]
    assert places(checks["backprop_gradients"]) == {"hidden_activations"}


def test_velocity_not_carried_over(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path,
        "circles-softmax",
        [
            (
                "return [momentum_term * V - learning_rate * J for V, J in zip(Vs, Js)]",
                "return [-learning_rate * J for J in Js]",
            )
        ],
    )
    assert kinds(checks["update_velocity"]) == {"argument_ignored"}
    assert "reset to zero at every step" in checks["update_velocity"].message


def test_softmax_derivative_misused_in_error_output(tmp_path: Path) -> None:
    _, checks = grade_variant(
        tmp_path, "circles-softmax", [("    return Y - T\n", "    return (Y - T) * Y * (1 - Y)\n")]
    )
    assert kinds(checks["error_output"]) == {"extra_derivative"}
    assert "Y * (1 - Y)" in checks["error_output"].message
