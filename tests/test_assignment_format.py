"""Instructors' assignment folders: a new one works without touching grader/,
a malformed one gives an error naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader import assignment_folder
from grader.assignment_folder import CACHED_ASSIGNMENTS, discover, load_assignment, load_cached
from grader.diagnosis import catalogue, catalogue_for
from grader.diagnosis.catalogue import CACHED_CATALOGUES
from grader.engine import grade_file
from grader.errors import AssignmentError
from tests.helpers import REFERENCE, SPEC, grade_json, make_assignment, run_grader

#: a convergence check of ``double`` (its shapes never match: only loading is tested)
TRAINING = """
[[checks]]
kind = "convergence"
name = "trains"
driver = "call"
function = "double"
param_shapes = [[1]]
dataset = { name = "xor" }
seeds = [0]
judge = "double"
points = 1
"""


def test_a_new_assignment_needs_no_code_change(tmp_path: Path) -> None:
    folder = make_assignment(tmp_path)
    assignment = load_assignment(folder)
    assert assignment.max_score == 100
    assert list(discover(tmp_path)) == ["doubling"]
    good = tmp_path / "good.py"
    good.write_text(
        "def double(x):\n    return x + x\n\ndef grad_half_square(x):\n    return 1.0 * x\n"
    )
    code, result = grade_json(str(folder), good)
    assert (code, result["score"]) == (0, 100), result
    bad = tmp_path / "bad.py"
    bad.write_text("def double(x):\n    return x.T * 2\n")
    code, result = grade_json(str(folder), bad)
    assert code == 0 and result["score"] == 0
    assert "transpose" in result["checks"][0]["message"]
    assert "grad_half_square` is not defined" in result["checks"][1]["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.replace('title = "Doubling"\n', ""), "title"),
        (lambda s: s.replace("version = 1", 'version = "one"'), "version"),
        (lambda s: s.replace('kind = "function"', 'kind = "magic"'), "kind"),
        (lambda s: s.replace("points = 60", "points = -1"), "points"),
        (lambda s: s.replace("points = 60", 'points = 60\ntolerance = "tight"'), "tolerance"),
        (lambda s: s.replace("points = 40", "points = 40\natol = -1.0"), "atol"),
        (
            lambda s: s.replace(
                'gen = "normal", shape = ["n", "m"] }]\n\n[[checks]]',
                'gen = "gauss" }]\n\n[[checks]]',
            ),
            "gen",
        ),
        (lambda s: s.replace('wrt = ["x"]', 'wrt = ["y"]'), "wrt"),
        (lambda s: s + "\n[limits]\nmemory_gb = 3\n", "memory_gb"),
        (lambda s: s.replace('name = "gradient"', 'name = "double"'), "name"),
        (lambda s: s.replace("[[checks]]", "[[checks]\n", 1), None),
        (lambda s: s.replace('shape = ["n", "m"] }]\n\n', 'shape = ["n", "q"] }]\n\n'), "shape"),
        (lambda s: s.replace("points = 60", "points = 60\ntolerence = 1e-6"), "tolerence"),
        (lambda s: s.replace('gen = "normal"', 'gen = "normal", scael = 2', 1), "scael"),
        (
            lambda s: s.replace("version = 1", "version = 1\nforbiden_imports = []"),
            "forbiden_imports",
        ),
        (lambda s: s + TRAINING.replace('"xor"', '"spirals"'), "dataset"),
    ],
)
def test_malformed_spec_names_file_and_field(tmp_path: Path, change, field: str | None) -> None:
    folder = make_assignment(tmp_path, spec=change(SPEC))
    with pytest.raises(AssignmentError) as info:
        load_assignment(folder)
    assert "assignment.toml" in info.value.message
    if field:
        assert info.value.field == field
        assert field in info.value.message or field == "name"


def test_malformed_spec_says_what_was_meant(tmp_path: Path) -> None:
    folder = make_assignment(
        tmp_path, spec=SPEC.replace("points = 60", "points = 60\ntolerence = 1")
    )
    with pytest.raises(
        AssignmentError,
        match=r"checks\[0\]: unknown key 'tolerence' \(did you mean 'tolerance'\?\)",
    ):
        load_assignment(folder)
    spec = SPEC.replace('shape = ["n", "m"] }]\n\n', 'shape = ["n", "q"] }]\n\n')
    folder = make_assignment(tmp_path / "dims", spec=spec)
    with pytest.raises(AssignmentError, match=r"checks\[0\]: argument 'x': unknown dimension 'q'"):
        load_assignment(folder)
    folder = make_assignment(tmp_path / "data", spec=SPEC + TRAINING.replace('"xor"', '"spirals"'))
    with pytest.raises(AssignmentError, match=r"checks\[2\]: unknown dataset 'spirals'"):
        load_assignment(folder)
    proc = run_grader("validate", str(folder))  # a usage error, not "internal error"
    assert proc.returncode == 2 and "unknown dataset 'spirals'" in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_check_may_be_hidden(tmp_path: Path) -> None:
    """``hidden = true`` marks a check; the others are not hidden. The CLI's JSON carries the
    mark on every check (the contract's other fields unchanged) and the report shows it."""
    folder = make_assignment(
        tmp_path, spec=SPEC.replace("points = 40", "points = 40\nhidden = true")
    )
    assignment = load_assignment(folder)
    assert [(c.name, c.hidden) for c in assignment.checks] == [
        ("double", False),
        ("gradient", True),
    ]
    bad = tmp_path / "bad.py"
    bad.write_text("def double(x):\n    return x\n\ndef grad_half_square(x):\n    return 2 * x\n")
    code, result = grade_json(str(folder), bad)
    assert code == 0 and result["score"] == 0
    assert [(c["name"], c["passed"], c["hidden"]) for c in result["checks"]] == [
        ("double", False, False),
        ("gradient", False, True),
    ]
    for check in result["checks"]:
        assert set(check) == {"name", "passed", "score", "max_score", "message", "hidden"}
    assert "relative error" in result["checks"][1]["message"]  # the CLI shows everything
    report = run_grader("grade", str(folder), str(bad)).stdout
    assert "[FAIL] gradient  0/40  (hidden)" in report
    assert "[FAIL] double  0/60\n" in report


@pytest.mark.parametrize("value", ['"yes"', "1", "[true]", "{ value = true }"])
def test_hidden_must_be_a_boolean(tmp_path: Path, value: str) -> None:
    folder = make_assignment(
        tmp_path, spec=SPEC.replace("points = 40", f"points = 40\nhidden = {value}")
    )
    with pytest.raises(AssignmentError) as info:
        load_assignment(folder)
    assert info.value.field == "hidden"
    assert info.value.message.startswith(
        f"{folder / 'assignment.toml'}: checks[1]: hidden must be true or false, not "
    )


def test_a_misspelled_hidden_says_what_was_meant(tmp_path: Path) -> None:
    folder = make_assignment(
        tmp_path, spec=SPEC.replace("points = 40", "points = 40\nhiden = true")
    )
    with pytest.raises(
        AssignmentError, match=r"checks\[1\]: unknown key 'hiden' \(did you mean 'hidden'\?\)"
    ):
        load_assignment(folder)
    proc = run_grader("validate", "--reference-only", str(folder))
    assert proc.returncode == 2 and "did you mean 'hidden'?" in proc.stderr, proc.stderr


def test_missing_reference_function_is_reported_against_its_field(tmp_path: Path) -> None:
    folder = make_assignment(tmp_path, reference="def double(x):\n    return 2 * x\n")
    with pytest.raises(AssignmentError) as info:
        load_assignment(folder).verify_reference()
    assert info.value.field == "function"
    assert info.value.message == (
        f"{folder / 'assignment.toml'}: checks[1] (gradient): function names "
        "'grad_half_square', which reference.py does not define; "
        f"{folder / 'assignment.toml'}: checks[1] (gradient): cost names 'half_square', "
        "which reference.py does not define"
    )
    proc = run_grader("validate", str(folder))
    assert proc.returncode == 2
    assert "cost names 'half_square', which reference.py does not define" in proc.stderr
    assert "Traceback" not in proc.stderr and "Usage:" not in proc.stderr


def test_cli_rejects_with_exit_2_and_json(tmp_path: Path) -> None:
    folder = make_assignment(tmp_path)
    empty = tmp_path / "empty.py"
    empty.write_bytes(b"")
    code, result = grade_json(str(folder), empty)
    assert code == 2
    assert result["status"] == "rejected" and result["error"] == "the file is empty"
    assert set(result) == {"assignment", "status", "score", "max_score", "checks", "error"}
    proc = run_grader("grade", str(folder), str(tmp_path / "nope.py"), "--json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["status"] == "rejected"


def test_unknown_assignment_is_a_usage_error() -> None:
    proc = run_grader("grade", "no-such-assignment", "x.py")
    assert proc.returncode == 2
    assert "no assignment 'no-such-assignment'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_assignment_is_loaded_once_per_version(tmp_path: Path) -> None:
    folder = make_assignment(tmp_path)
    first = load_cached(folder)
    assert load_cached(folder) is first and load_cached(folder, first.digest) is first
    (folder / "reference.py").write_text(REFERENCE + "\n# changed\n")
    again = load_cached(folder)
    assert again is not first and again.digest != first.digest


def test_loaded_assignments_and_catalogues_stay_bounded(tmp_path: Path) -> None:
    """Every reload imports a new reference module: the caches keep only the recent ones."""
    for i in range(CACHED_ASSIGNMENTS + 4):
        folder = make_assignment(tmp_path / str(i), reference=REFERENCE + f"\nVERSION = {i}\n")
        catalogue_for(load_cached(folder).reference)
        catalogue_for(load_assignment(folder).reference)
    assert len(assignment_folder._loaded) == CACHED_ASSIGNMENTS
    assert len(catalogue._CACHE) == CACHED_CATALOGUES


#: a momentum loop over step functions the assignment names itself
OWN_STEPS_SPEC = """
title = "Own step functions"
version = 1

[[checks]]
kind = "convergence"
driver = "momentum"
name = "trains"
velocity_function = "velocity_step"
params_function = "apply_step"
dataset = { name = "xor" }
init = "init"
iterations = 40
learning_rate = 0.1
momentum = 0.5
seeds = [0]
judge = "accuracy"
gradient = "gradient"
min_accuracy = 0.0  # a linear model: what counts here is the procedure
points = 10
"""

OWN_STEPS_REFERENCE = """
import numpy as np

def init(seed):
    return [np.zeros((2, 1)), np.zeros((1, 1))]

def gradient(X, T, W, b):
    E = X @ W + b - T
    return [X.T @ E, E.sum(axis=0, keepdims=True)]

def velocity_step(X, T, P, V, momentum, learning_rate):
    return [momentum * v - learning_rate * g for v, g in zip(V, gradient(X, T, *P))]

def apply_step(P, V):
    return [p + v for p, v in zip(P, V)]

def accuracy(params, X, T):
    W, b = params
    return float(np.mean(((X @ W + b) > 0.5) == (T > 0.5)))
"""


def test_a_momentum_loop_calls_the_step_functions_the_assignment_names(tmp_path: Path) -> None:
    folder = make_assignment(tmp_path, spec=OWN_STEPS_SPEC, reference=OWN_STEPS_REFERENCE)
    assignment = load_assignment(folder)
    assignment.verify_reference()
    (check,) = assignment.checks
    assert check.student_functions() == ["velocity_step", "apply_step"]
    result = grade_file(assignment, folder / "reference.py", seed=1)
    assert result.score == 10, result.checks[0].message
    assert "velocity_step / apply_step" in result.checks[0].message
    renamed = tmp_path / "renamed.py"
    renamed.write_text(OWN_STEPS_REFERENCE.replace("def velocity_step", "def update_velocity"))
    result = grade_file(assignment, renamed, seed=1)
    assert result.score == 0
    assert "`velocity_step` is not defined in your submission" in result.checks[0].message
    broken = make_assignment(
        tmp_path / "broken",
        spec=OWN_STEPS_SPEC,
        reference=OWN_STEPS_REFERENCE.replace("def apply_step", "def update_params"),
    )
    with pytest.raises(AssignmentError, match="params_function names 'apply_step'") as info:
        load_assignment(broken).verify_reference()
    assert info.value.field == "params_function"
    spec = OWN_STEPS_SPEC.replace('"apply_step"', '"apply step"')
    with pytest.raises(AssignmentError, match="params_function must be a function name"):
        load_assignment(make_assignment(tmp_path / "bad", spec=spec))
