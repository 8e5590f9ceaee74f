"""Instructors' assignment folders: a new one works without touching grader/,
a malformed one gives an error naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.assignment_folder import discover, load_assignment
from grader.errors import AssignmentError
from tests.conftest import grade_json, run_grader

SPEC = """
title = "Doubling"
version = 1
dims = [{ n = 3, m = 4 }, { n = 5, m = 2 }]

[[functions]]
name = "double"
signature = "double(x)"

[[checks]]
kind = "function"
function = "double"
points = 60
args = [{ name = "x", gen = "normal", shape = ["n", "m"] }]

[[checks]]
kind = "gradient"
function = "grad_half_square"
name = "gradient"
cost = "half_square"
wrt = ["x"]
points = 40
args = [{ name = "x", gen = "normal", shape = ["n", "m"] }]
"""

REFERENCE = """
import numpy as np

def double(x):
    return 2 * x

def half_square(x):
    return 0.5 * float(np.sum(x ** 2))

def grad_half_square(x):
    return x
"""


def make_assignment(root: Path, spec: str = SPEC, reference: str = REFERENCE) -> Path:
    folder = root / "doubling"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(spec)
    (folder / "reference.py").write_text(reference)
    return folder


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


def test_missing_reference_function_is_reported(tmp_path: Path) -> None:
    folder = make_assignment(tmp_path, reference="def double(x):\n    return 2 * x\n")
    proc = run_grader("validate", str(folder))
    assert proc.returncode == 2
    assert "missing functions grad_half_square, half_square" in proc.stderr
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
