"""The diagnosis names the actual mistake: every buggy corpus file, and the same mistakes
written in other styles (np.matrix, per-sample loops, other variable names); never a wrong
one; never anything for a correct solution."""

from __future__ import annotations

import json
import types
from pathlib import Path

import numpy as np
import pytest

from grader.assignment_folder import find
from grader.diagnosis import catalogue_for, diagnose, mutation
from grader.diagnosis.catalogue import Mutation, mutated_module
from grader.engine import grade_file
from tests.helpers import CORPUS_SEED, SUBMISSIONS, corpus_params, grade_json, graded

DIRECT = ("function", "gradient")
SEED = CORPUS_SEED

# (slug, file) -> (the mistake(s) the feedback must name, equivalent explanations also allowed)
CORPUS = {
    ("chain-rule", "bug_grad_missing_factor_2.py"): (
        {"grad_w2/factor_half", "grad_w1/factor_half"},
        set(),
    ),
    ("chain-rule", "bug_grad_w1_missing_w2.py"): ({"grad_w1/missing_path_weight"}, set()),
    ("chain-rule", "bug_grad_w2_uses_cost_value.py"): (
        {"grad_w2/loss_value_not_derivative"},
        set(),
    ),
    ("chain-rule", "bug_sigmoid_derivative_wrong.py"): (
        {"grad_w2/derivative_of_activation", "grad_w1/derivative_of_activation"},
        set(),
    ),
    ("circles-softmax", "bug_backprop_wrong_order.py"): ({"backprop_gradients/wrong_order"}, set()),
    ("circles-softmax", "bug_error_hidden_derivative_of_preactivation.py"): (
        {"error_hidden/derivative_of_activation"},
        set(),
    ),
    ("circles-softmax", "bug_error_hidden_no_derivative.py"): (
        {"error_hidden/missing_hidden_derivative"},
        set(),
    ),
    # a flipped Eo flips every gradient: equivalent, and said as such, in the later functions
    ("circles-softmax", "bug_error_output_sign.py"): (
        {"error_output/sign_flipped"},
        {"backprop_gradients/sign_flipped", "update_velocity/gradient_ascent"},
    ),
    ("circles-softmax", "bug_gradient_bias_hidden_wrong_axis.py"): (
        {"gradient_bias_hidden/wrong_axis"},
        set(),
    ),
    ("circles-softmax", "bug_gradient_bias_out_not_summed.py"): (
        {"gradient_bias_out/not_summed"},
        set(),
    ),
    ("circles-softmax", "bug_gradient_weight_out_transposed.py"): (
        {"gradient_weight_out/transposed"},
        set(),
    ),
    # the four gradient functions each fail their own check: backprop_gradients, which calls
    # them, is told about their mistake rather than one of its own
    ("circles-softmax", "bug_mean_instead_of_sum.py"): (
        {
            f"{f}/mean_instead_of_sum"
            for f in (
                "gradient_weight_out",
                "gradient_bias_out",
                "gradient_weight_hidden",
                "gradient_bias_hidden",
            )
        },
        set(),
    ),
    ("circles-softmax", "bug_softmax_no_max_shift.py"): (
        {"softmax/softmax_without_max_shift"},
        set(),
    ),
    ("circles-softmax", "bug_update_velocity_momentum_sign.py"): (
        {"update_velocity/momentum_sign"},
        set(),
    ),
    ("xor-mlp", "bug_backward_deltas_not_gradients.py"): ({"backward/deltas_not_gradients"}, set()),
    ("xor-mlp", "bug_backward_loss_value_not_derivative.py"): (
        {"backward/loss_value_not_derivative"},
        set(),
    ),
    ("xor-mlp", "bug_backward_mean_not_sum.py"): ({"backward/mean_instead_of_sum"}, set()),
    ("xor-mlp", "bug_backward_no_sigmoid_derivative.py"): (
        {"backward/missing_output_derivative"},
        set(),
    ),
    ("xor-mlp", "bug_backward_sign.py"): ({"backward/sign_flipped"}, set()),
    ("xor-mlp", "bug_sigmoid_derivative_of_preactivation.py"): (
        {"sigmoid_derivative/derivative_of_activation"},
        set(),
    ),
}


def named(result) -> dict[str, list[str]]:
    return {c.name: [d["mutation"] for d in c.details.get("diagnosis", [])] for c in result.checks}


def assert_diagnosed(slug: str, result, expected: set[str], equivalent: set[str]) -> None:
    kinds = {c.name: c.kind for c in find(slug).checks}
    found = named(result)
    seen: set[str] = set()
    for check in result.checks:
        if check.passed or kinds[check.name] not in DIRECT:
            continue
        ids = found[check.name]
        if check.details.get("failures") and all("error" in f for f in check.details["failures"]):
            continue  # the student's function raised: nothing to compare
        assert ids, f"{check.name}: no diagnosis: {check.message}"
        assert ids[0] in expected, f"{check.name}: names {ids} first, expected one of {expected}"
        assert set(ids) <= expected | equivalent, f"{check.name}: names a wrong mistake: {ids}"
        assert "Likely mistake" in check.message or "Possible mistakes" in check.message
        seen |= set(ids)
    assert expected <= seen, f"never named: {expected - seen}"


@pytest.mark.parametrize(("slug", "name"), corpus_params(CORPUS))
def test_corpus_mistake_is_named(slug: str, name: str) -> None:
    expected, equivalent = CORPUS[(slug, name)]
    result = graded(slug, name)
    assert_diagnosed(slug, result, expected, equivalent)


def test_every_corpus_bug_is_in_the_table() -> None:
    files = {(p.parent.name, p.name) for p in SUBMISSIONS.glob("*/bug_*.py")}
    assert files <= set(CORPUS), f"add these to CORPUS: {sorted(files - set(CORPUS))}"


FULL_MARKS = {
    (p.parent.name, p.name)
    for p in [*SUBMISSIONS.glob("*/correct*"), *SUBMISSIONS.glob("*/notebook_cell_error.ipynb")]
}


@pytest.mark.parametrize(("slug", "name"), corpus_params(FULL_MARKS))
def test_correct_solutions_get_no_diagnosis(slug: str, name: str) -> None:
    result = graded(slug, name)
    assert result.score == result.max_score
    assert not any(
        c.details.get("diagnosis") or c.details.get("observations") for c in result.checks
    )
    assert not any("mistake" in c.message for c in result.checks)


# -- the same mistakes in other styles ------------------------------------------------------

STYLES = [
    # np.matrix: '*' is the matrix product
    (
        "xor-mlp",
        "correct_matrix.py",
        "delta3 = np.multiply(layer3 - Y, sigmoid_derivative(layer3))",
        "delta3 = layer3 - Y",
        "backward/missing_output_derivative",
    ),
    (
        "xor-mlp",
        "correct_loops.py",
        "delta2 = (yhat - y) * sigmoid_derivative(yhat)",
        "delta2 = 0.5 * np.sum((yhat - y) ** 2) * sigmoid_derivative(yhat)",
        "backward/sample_loss_value_not_derivative",
    ),
    (
        "xor-mlp",
        "correct_matrix.py",
        "np.multiply(layer3 - Y,",
        "np.multiply(Y - layer3,",
        "backward/sign_flipped",
    ),
    (
        "xor-mlp",
        "correct_matrix.py",
        "    return np.multiply(sx, 1 - sx)",
        "    return np.multiply(sigmoid(sx), 1 - sigmoid(sx))",
        "sigmoid_derivative/derivative_of_activation",
    ),
    (
        "xor-mlp",
        "correct_matrix.py",
        "    return (np.asarray(theta1d), np.asarray(ones * delta2),\n"
        "            np.asarray(theta2d), np.asarray(ones * delta3))",
        "    n = X.shape[0]\n    return (np.asarray(theta1d) / n, np.asarray(ones * delta2) / n,\n"
        "            np.asarray(theta2d) / n, np.asarray(ones * delta3) / n)",
        "backward/mean_instead_of_sum",
    ),
    # per-sample loops
    (
        "xor-mlp",
        "correct_loops.py",
        "delta2 = (yhat - y) * sigmoid_derivative(yhat)",
        "delta2 = (y - yhat) * sigmoid_derivative(yhat)",
        "backward/sign_flipped",
    ),
    (
        "xor-mlp",
        "correct_loops.py",
        "delta2 = (yhat - y) * sigmoid_derivative(yhat)",
        "delta2 = yhat - y",
        "backward/missing_output_derivative",
    ),
    (
        "xor-mlp",
        "correct_loops.py",
        "delta1 = (W2 @ delta2) * sigmoid_derivative(h)",
        "delta1 = W2 @ delta2",
        "backward/missing_hidden_derivative",
    ),
    (
        "xor-mlp",
        "correct_matrix.py",
        "np.multiply(layer3 - Y,",
        "np.multiply(0.5 * np.sum(np.square(layer3 - Y)),",
        "backward/loss_value_not_derivative",
    ),
    (
        "circles-softmax",
        "correct_matrix.py",
        "    return np.multiply(np.multiply(H, 1 - H), np.asmatrix(Eo) * np.asmatrix(Wo).T)",
        "    return np.asmatrix(Eo) * np.asmatrix(Wo).T",
        "error_hidden/missing_hidden_derivative",
    ),
    (
        "circles-softmax",
        "correct_matrix.py",
        "    return np.asmatrix(Eh).sum(axis=0)",
        "    return np.asmatrix(Eh).sum(axis=1)",
        "gradient_bias_hidden/wrong_axis",
    ),
    (
        "circles-softmax",
        "correct_matrix.py",
        "    return np.asmatrix(Eo).sum(axis=0)",
        "    return np.asmatrix(Eo)",
        "gradient_bias_out/not_summed",
    ),
    (
        "circles-softmax",
        "correct_matrix.py",
        "    return np.asmatrix(H).T * np.asmatrix(Eo)",
        "    return np.asmatrix(Eo).T * np.asmatrix(H)",
        "gradient_weight_out/transposed",
    ),
    (
        "circles-softmax",
        "correct_matrix.py",
        "momentum_term * np.asmatrix(V) - learning_rate * J",
        "-momentum_term * np.asmatrix(V) - learning_rate * J",
        "update_velocity/momentum_sign",
    ),
    # computational-graph style, other names
    ("chain-rule", "correct_graph.py", "dJ_do = 2.0 * (o - y)", "dJ_do = (o - y)", None),
    (
        "chain-rule",
        "correct_graph.py",
        "dJ_dh = dJ_dz2 * w2 ",
        "dJ_dh = dJ_dz2 ",
        "grad_w1/missing_path_weight",
    ),
]


@pytest.mark.parametrize(
    ("slug", "base", "old", "new", "mistake"), STYLES, ids=[f"{s[0]}:{s[1]}:{s[4]}" for s in STYLES]
)
def test_same_mistake_in_another_style(tmp_path: Path, slug, base, old, new, mistake) -> None:
    source = (SUBMISSIONS / slug / base).read_text()
    assert old in source
    path = tmp_path / base
    path.write_text(source.replace(old, new))
    result = grade_file(find(slug), path, seed=SEED)
    # mistake None: the factor 2 missing in both gradients
    expected = {"grad_w2/factor_half", "grad_w1/factor_half"} if mistake is None else {mistake}
    equivalent = (
        {"update_velocity/gradient_ascent"} if mistake == "backward/sign_flipped" else set()
    )
    assert_diagnosed(slug, result, expected, equivalent)


def test_diagnosis_in_the_json_contract(tmp_path: Path) -> None:
    code, result = grade_json(
        "circles-softmax",
        SUBMISSIONS / "circles-softmax" / "bug_error_hidden_no_derivative.py",
        "--details",
        "--seed",
        "3",
    )
    assert code == 0
    check = next(c for c in result["checks"] if c["name"] == "error_hidden")
    assert (
        "Likely mistake: your `error_hidden` matches the reference without the factor "
        "H * (1 - H): the hidden layer's logistic derivative is missing" in check["message"]
    )
    entry = check["details"]["diagnosis"][0]
    assert set(entry) >= {"mutation", "explanation", "fix", "evidence"}
    assert entry["mutation"] == "error_hidden/missing_hidden_derivative"
    json.dumps(result)


# -- unknown mistakes: say what is known ------------------------------------------------------


def _grade_source(tmp_path: Path, slug: str, base: str, old: str, new: str):
    source = (SUBMISSIONS / slug / base).read_text()
    assert old in source
    path = tmp_path / "student.py"
    path.write_text(source.replace(old, new))
    return {c.name: c for c in grade_file(find(slug), path, seed=SEED).checks}


def test_unknown_constant_factor_is_described(tmp_path: Path) -> None:
    checks = _grade_source(
        tmp_path,
        "circles-softmax",
        "correct.py",
        "    return H.T.dot(Eo)",
        "    return 0.3 * H.T.dot(Eo)",
    )
    check = checks["gradient_weight_out"]
    assert not check.details.get("diagnosis")
    assert "Not a mistake we know" in check.message
    assert "constant factor 0.3" in check.message


def test_unknown_mistake_says_which_results_are_right(tmp_path: Path) -> None:
    checks = _grade_source(
        tmp_path,
        "xor-mlp",
        "correct.py",
        "    return dW1, db1, dW2, db2",
        "    return dW1 + 0.01, db1, dW2, db2",
    )
    check = checks["backward"]
    assert not check.details.get("diagnosis")
    text = " ".join(check.details["observations"])
    # the results are named as the reference's `return dW1, db1, dW2, db2` names them
    assert "db1, dW2, db2 are right, dW1 is wrong" in text
    assert "dW1 is off by the same constant 0.01 everywhere" in text


def test_error_confined_to_a_column_is_located(tmp_path: Path) -> None:
    checks = _grade_source(
        tmp_path,
        "circles-softmax",
        "correct.py",
        "    return Y - T",
        "    D = Y - T\n    D[:, 0] *= 1.5\n    return D",
    )
    text = " ".join(checks["error_output"].details["observations"])
    assert "only columns [0]" in text


def test_student_who_raises_gets_no_guess(tmp_path: Path) -> None:
    checks = _grade_source(
        tmp_path,
        "circles-softmax",
        "correct.py",
        "    return Y - T",
        "    raise RuntimeError('todo')",
    )
    assert "diagnosis" not in checks["error_output"].details
    assert "mistake" not in checks["error_output"].message


# -- the catalogue machinery ------------------------------------------------------------------


def test_mutation_is_seen_by_callers() -> None:
    reference = find("circles-softmax").reference
    catalogue = catalogue_for(reference)
    mut = next(m for m in catalogue.mutations if m.id == "error_hidden/missing_hidden_derivative")
    module = catalogue.module(mut)
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 2)), np.eye(2)[rng.integers(0, 2, 5)]
    params = [rng.normal(size=s) for s in ((2, 3), (1, 3), (3, 2), (1, 2))]
    ref = reference.backprop_gradients(X, T, *params)
    got = module.backprop_gradients(X, T, *params)
    assert np.allclose(ref[2], got[2]) and not np.allclose(ref[0], got[0])
    assert reference.error_hidden is not module.error_hidden  # the reference is untouched
    assert np.allclose(reference.backprop_gradients(X, T, *params)[0], ref[0])


def test_instructor_mutation_decorator() -> None:
    @mutation("double", "the input unchanged", explanation="the doubling is missing", fix="x * 2")
    def forgot(ref, x):
        return x

    assert isinstance(forgot.__mutation__, Mutation)
    assert forgot(None, 3) == 3
    ref = types.ModuleType("ref")
    exec(
        "def double(x):\n    return 2 * x\ndef quad(x):\n    return double(double(x))\n",  # noqa: S102
        ref.__dict__,
    )
    module = mutated_module(ref, forgot.__mutation__)
    assert module.quad(3) == 3 and ref.quad(3) == 12


def test_two_matching_mistakes_are_both_named() -> None:
    reference = find("circles-softmax").reference
    catalogue = catalogue_for(reference)
    rng = np.random.default_rng(1)
    trials = []
    for n in (6, 7):
        Y = rng.dirichlet(np.ones(3), size=n)
        T = np.eye(3)[rng.integers(0, 3, n)]
        trials.append(([Y, T], T - Y))
    found = diagnose(catalogue, "error_output", trials)
    assert [m.id for m in found.matches] == ["error_output/sign_flipped"]
    # a student update_velocity that adds the gradient == every gradient's sign flipped
    vt = []
    for n in (6, 7):
        X, T = rng.normal(size=(n, 2)), np.eye(2)[rng.integers(0, 2, n)]
        P = [rng.normal(size=s) for s in ((2, 3), (1, 3), (3, 2), (1, 2))]
        V = [0.1 * rng.normal(size=p.shape) for p in P]
        Js = reference.backprop_gradients(X, T, *P)
        vt.append(
            ([X, T, P, V, 0.9, 0.05], [0.9 * v + 0.05 * j for v, j in zip(V, Js, strict=False)])
        )
    found = diagnose(catalogue, "update_velocity", vt)
    ids = {m.id for m in found.matches}
    assert {
        "update_velocity/gradient_ascent",
        "error_output/sign_flipped",
        "backprop_gradients/sign_flipped",
    } <= ids
    assert "Possible mistakes" in found.text() and "cannot tell them apart" in found.text()


def test_diagnosis_survives_odd_outputs() -> None:
    reference = find("xor-mlp").reference
    catalogue = catalogue_for(reference)
    x = np.random.default_rng(2).uniform(0.1, 0.9, size=(4, 3))
    for got in (None, [1, 2], np.zeros((3, 4)), np.full((4, 3), np.nan), "text"):
        found = diagnose(catalogue, "sigmoid_derivative", [([x], got)])
        assert found is None or isinstance(found.text(), str)
