"""Every built-in assignment's reference solution, graded as a submission, scores 100."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
BUILT_IN = ["chain-rule", "xor-mlp", "circles-softmax"]


def test_the_built_in_assignments_are_present():
    present = {p.parent.name for p in ASSIGNMENTS.glob("*/assignment.toml")}
    assert set(BUILT_IN) <= present


@pytest.mark.parametrize("slug", BUILT_IN)
def test_declared_points_total_100(slug: str):
    with open(ASSIGNMENTS / slug / "assignment.toml", "rb") as fh:
        spec = tomllib.load(fh)
    assert sum(check["points"] for check in spec["checks"]) == 100
    names = [check.get("name", check.get("function")) for check in spec["checks"]]
    assert len(names) == len(set(names)), "check names must be unique"


@pytest.mark.parametrize("slug", BUILT_IN)
def test_reference_scores_full_marks(slug: str):
    reference = ASSIGNMENTS / slug / "reference.py"
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "grade", slug, str(reference), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\nstderr: {proc.stderr}"
    result = json.loads(proc.stdout)
    assert result["status"] == "graded"
    failed = {c["name"]: c["message"] for c in result["checks"] if not c["passed"]}
    assert failed == {}
    assert result["max_score"] == pytest.approx(100)
    assert result["score"] == pytest.approx(100)
