"""Grades the example corpus in ``submissions/`` and checks each verdict (in-process, once
per file for this module and diagnosis/test_diagnosis.py: the CLI's contract is tested elsewhere).

Every corpus file is named for what it gets wrong (see ``submissions/README.md``).
Correct files must score full marks; each buggy file must fail exactly the checks
its mistake reaches (listed below, measured), and pass every other check, except
the few listed as ``may`` whose outcome is legitimately open (a training run that
still converges with a wrong gradient, for instance).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import corpus_params, graded

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "submissions"
ALL = "*"  # every check fails

# Files that must score max_score.
FULL_MARKS = {
    ("chain-rule", "correct.py"),
    ("chain-rule", "correct_graph.py"),
    ("chain-rule", "correct_float32.py"),
    ("chain-rule", "correct.ipynb"),
    ("chain-rule", "notebook_cell_error.ipynb"),
    ("xor-mlp", "correct.py"),
    ("xor-mlp", "correct_loops.py"),
    ("xor-mlp", "correct_matrix.py"),
    ("xor-mlp", "correct_float32.py"),
    ("xor-mlp", "correct_class.py"),
    ("xor-mlp", "correct_float32_training.py"),
    ("xor-mlp", "correct.ipynb"),
    ("xor-mlp", "notebook_cell_error.ipynb"),
    ("circles-softmax", "correct.py"),
    ("circles-softmax", "correct_matrix.py"),
    ("circles-softmax", "correct_float32.py"),
    ("circles-softmax", "correct.ipynb"),
    ("circles-softmax", "notebook_cell_error.ipynb"),
}

# (slug, file) -> {"fail": checks that must fail, "may": checks left open}.
# Every other check of the assignment must pass.
EXPECTED_FAILURES: dict[tuple[str, str], dict[str, list[str] | str]] = {
    # ---- chain-rule
    ("chain-rule", "bug_grad_w2_uses_cost_value.py"): {
        "fail": ["grad_w2", "grad_w2-numerical"],
    },
    ("chain-rule", "bug_grad_w1_missing_w2.py"): {
        "fail": ["grad_w1", "grad_w1-numerical"],
    },
    ("chain-rule", "bug_grad_missing_factor_2.py"): {
        "fail": ["grad_w2", "grad_w1", "grad_w2-numerical", "grad_w1-numerical"],
    },
    ("chain-rule", "bug_sigmoid_derivative_wrong.py"): {
        "fail": ["grad_w2", "grad_w1", "grad_w2-numerical", "grad_w1-numerical"],
    },
    ("chain-rule", "partial_only_forward.py"): {
        "fail": ["grad_w2", "grad_w1", "grad_w2-numerical", "grad_w1-numerical"],
    },
    ("chain-rule", "syntax_error.py"): {"fail": ALL},
    # ---- xor-mlp
    ("xor-mlp", "bug_backward_loss_value_not_derivative.py"): {
        "fail": ["backward", "backward-numerical", "xor-converges"],
    },
    ("xor-mlp", "bug_backward_no_sigmoid_derivative.py"): {
        # still learns XOR, but its epochs are not steps down the loss's gradient
        "fail": ["backward", "backward-numerical", "xor-converges"],
    },
    ("xor-mlp", "bug_backward_deltas_not_gradients.py"): {
        "fail": ["backward", "backward-numerical", "xor-converges"],
    },
    ("xor-mlp", "bug_backward_sign.py"): {
        "fail": ["backward", "backward-numerical", "xor-converges"],
    },
    ("xor-mlp", "bug_backward_mean_not_sum.py"): {
        # a gradient divided by 4 still learns XOR in 10000 epochs (measured), and its steps
        # are those of the mean loss, which the step check accepts
        "fail": ["backward", "backward-numerical"],
        "may": ["xor-converges"],
    },
    ("xor-mlp", "bug_sigmoid_derivative_of_preactivation.py"): {
        # its epochs are not steps down the loss's gradient
        "fail": ["sigmoid_derivative", "backward", "backward-numerical", "xor-converges"],
    },
    ("xor-mlp", "partial_only_forward.py"): {
        "fail": ["backward", "backward-numerical", "xor-converges"],
    },
    ("xor-mlp", "syntax_error.py"): {"fail": ALL},
    # ---- circles-softmax
    ("circles-softmax", "bug_error_hidden_no_derivative.py"): {
        "fail": [
            "error_hidden",
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "circles-converges",
        ],
    },
    ("circles-softmax", "bug_error_hidden_derivative_of_preactivation.py"): {
        "fail": [
            "error_hidden",
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "circles-converges",
        ],
    },
    ("circles-softmax", "bug_gradient_weight_out_transposed.py"): {
        "fail": [
            "gradient_weight_out",
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "circles-converges",
        ],
    },
    ("circles-softmax", "bug_gradient_bias_out_not_summed.py"): {
        "fail": [
            "gradient_bias_out",
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "circles-converges",
        ],
    },
    ("circles-softmax", "bug_gradient_bias_hidden_wrong_axis.py"): {
        "fail": [
            "gradient_bias_hidden",
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "circles-converges",
        ],
    },
    ("circles-softmax", "bug_error_output_sign.py"): {
        "fail": [
            "error_output",
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "circles-converges",
        ],
    },
    ("circles-softmax", "bug_update_velocity_momentum_sign.py"): {
        "fail": ["update_velocity", "circles-converges"],
    },
    ("circles-softmax", "bug_softmax_no_max_shift.py"): {
        "fail": ["softmax-large-inputs"],
    },
    ("circles-softmax", "bug_backprop_wrong_order.py"): {
        "fail": [
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "circles-converges",
        ],
    },
    ("circles-softmax", "bug_mean_instead_of_sum.py"): {
        "fail": [
            "gradient_weight_out",
            "gradient_bias_out",
            "gradient_weight_hidden",
            "gradient_bias_hidden",
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "circles-converges",
        ],
    },
    ("circles-softmax", "partial_only_forward.py"): {
        "fail": [
            "cost",
            "error_output",
            "gradient_weight_out",
            "gradient_bias_out",
            "error_hidden",
            "gradient_weight_hidden",
            "gradient_bias_hidden",
            "backprop_gradients",
            "backprop-numerical",
            "update_velocity",
            "update_params",
            "circles-converges",
        ],
    },
    ("circles-softmax", "syntax_error.py"): {"fail": ALL},
}


# (slug, file) -> the check whose feedback must name the likely mistake.
DIAGNOSED = {
    ("chain-rule", "bug_grad_w2_uses_cost_value.py"): "grad_w2",
    ("chain-rule", "bug_grad_w1_missing_w2.py"): "grad_w1",
    ("chain-rule", "bug_grad_missing_factor_2.py"): "grad_w2",
    ("chain-rule", "bug_sigmoid_derivative_wrong.py"): "grad_w2",
    ("xor-mlp", "bug_backward_loss_value_not_derivative.py"): "backward",
    ("xor-mlp", "bug_backward_no_sigmoid_derivative.py"): "backward",
    ("xor-mlp", "bug_backward_deltas_not_gradients.py"): "backward",
    ("xor-mlp", "bug_backward_sign.py"): "backward",
    ("xor-mlp", "bug_backward_mean_not_sum.py"): "backward",
    ("xor-mlp", "bug_sigmoid_derivative_of_preactivation.py"): "sigmoid_derivative",
    ("circles-softmax", "bug_error_hidden_no_derivative.py"): "error_hidden",
    ("circles-softmax", "bug_error_hidden_derivative_of_preactivation.py"): "error_hidden",
    ("circles-softmax", "bug_gradient_weight_out_transposed.py"): "gradient_weight_out",
    ("circles-softmax", "bug_gradient_bias_out_not_summed.py"): "gradient_bias_out",
    ("circles-softmax", "bug_gradient_bias_hidden_wrong_axis.py"): "gradient_bias_hidden",
    ("circles-softmax", "bug_error_output_sign.py"): "error_output",
    ("circles-softmax", "bug_update_velocity_momentum_sign.py"): "update_velocity",
    ("circles-softmax", "bug_softmax_no_max_shift.py"): "softmax-large-inputs",
    ("circles-softmax", "bug_backprop_wrong_order.py"): "backprop_gradients",
    ("circles-softmax", "bug_mean_instead_of_sum.py"): "gradient_weight_out",
}


def corpus_files() -> list[tuple[str, str]]:
    return sorted(
        (path.parent.name, path.name)
        for path in CORPUS.glob("*/*")
        if path.suffix in {".py", ".ipynb"}
    )


def grade(slug: str, name: str) -> dict:
    result = graded(slug, name).to_dict()
    assert result["status"] == "graded", result
    assert result["assignment"] == slug
    assert result["max_score"] == pytest.approx(sum(c["max_score"] for c in result["checks"]))
    assert result["score"] == pytest.approx(sum(c["score"] for c in result["checks"]))
    return result


def test_every_corpus_file_has_an_expectation():
    files = set(corpus_files())
    known = FULL_MARKS | set(EXPECTED_FAILURES)
    assert files - known == set(), "corpus files without an expectation"
    assert known - files == set(), "expectations for files that do not exist"


@pytest.mark.parametrize(("slug", "name"), corpus_params(FULL_MARKS))
def test_correct_submission_scores_full_marks(slug: str, name: str):
    result = grade(slug, name)
    failed = {c["name"]: c["message"] for c in result["checks"] if not c["passed"]}
    assert failed == {}
    assert result["score"] == pytest.approx(result["max_score"])


@pytest.mark.parametrize(("slug", "name"), corpus_params(EXPECTED_FAILURES))
def test_buggy_submission_fails_the_checks_it_reaches(slug: str, name: str):
    expected = EXPECTED_FAILURES[(slug, name)]
    result = grade(slug, name)
    checks = {c["name"]: c for c in result["checks"]}
    assert result["score"] < result["max_score"]

    if expected["fail"] == ALL:
        must_fail, may = set(checks), set()
        assert result["score"] == 0
    else:
        must_fail, may = set(expected["fail"]), set(expected.get("may", []))
        unknown = (must_fail | may) - set(checks)
        assert unknown == set(), f"the expectation names checks the assignment lacks: {unknown}"

    wrongly_passed = sorted(n for n in must_fail if checks[n]["passed"])
    assert wrongly_passed == [], f"{name} should fail {wrongly_passed}"
    for n in must_fail:
        # partial credit is allowed (e.g. the parameters whose gradient is right), full is not
        assert checks[n]["score"] < checks[n]["max_score"]
        assert checks[n]["message"].strip(), f"check {n} failed without feedback"

    untouched = set(checks) - must_fail - may
    wrongly_failed = {n: checks[n]["message"] for n in untouched if not checks[n]["passed"]}
    assert wrongly_failed == {}, f"{name} should pass the checks its mistake does not reach"


@pytest.mark.parametrize(("slug", "name"), corpus_params(DIAGNOSED))
def test_buggy_submission_feedback_names_the_mistake(slug: str, name: str):
    result = grade(slug, name)
    check = next(c for c in result["checks"] if c["name"] == DIAGNOSED[(slug, name)])
    assert not check["passed"]
    assert "likely mistake" in check["message"].lower(), check["message"]
