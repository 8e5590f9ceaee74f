"""`grader validate`: the reference scores 100, every known mistake loses points and is
diagnosed by name, holes and useless checks are listed, and the exit code says so."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from grader.assignment_folder import find, load_assignment
from grader.diagnosis import catalogue_for
from grader.diagnosis.quality import quality_report
from grader.engine import grade_file
from grader.plots import render_plots
from tests.helpers import SUBMISSIONS, run_grader

pytestmark = pytest.mark.slow


@functools.cache
def report_of(slug: str):
    """One report per assignment and test process: the xor-mlp report (a minute of
    training mutants) serves both tests that read it, kept on one worker by their group."""
    return quality_report(find(slug), seed=0)


def _softmax_large_inputs_checked(assignment) -> bool:
    return any(
        c.function == "softmax"
        and any(float(a.get("scale", 1)) >= 100 or float(a.get("high", 1)) >= 100 for a in c.args)
        for c in assignment.checks
    )


@pytest.mark.parametrize(
    "slug",
    [
        "chain-rule",
        pytest.param("xor-mlp", marks=pytest.mark.xdist_group("xor-mlp-report")),
        "circles-softmax",
    ],
)
def test_builtin_assignments_catch_every_known_mistake(slug: str) -> None:
    assignment = find(slug)
    report = report_of(slug)
    assert not report.errors
    assert report.undiagnosed == []  # caught by a function / gradient check => named there
    expected_holes = []
    if slug == "circles-softmax" and not _softmax_large_inputs_checked(assignment):
        # the overflow only shows on large inputs; no check of this assignment has them yet
        expected_holes = ["softmax/softmax_without_max_shift"]
    assert report.holes == expected_holes
    for mutant in report.applicable:
        if mutant.caught:
            assert mutant.score < assignment.max_score
    # the assignment's own mistakes are all in the report
    ids = {m.mutation.id for m in report.mutants}
    own = {m.id for m in catalogue_for(assignment.reference).mutations if m.origin == "assignment"}
    assert own and own <= ids
    assert len(report.applicable) >= 20


@pytest.mark.xdist_group("xor-mlp-report")
def test_report_names_the_semantic_mistakes() -> None:
    report = report_of("xor-mlp")
    by_id = {m.mutation.id: m for m in report.mutants}
    for mid in (
        "backward/missing_output_derivative",
        "backward/missing_hidden_derivative",
        "backward/loss_value_not_derivative",
        "backward/deltas_not_gradients",
        "backward/mean_instead_of_sum",
        "backward/sign_flipped",
        "backward/wrong_order",
        "sigmoid_derivative/derivative_of_activation",
    ):
        assert by_id[mid].caught and by_id[mid].named_in, mid
    # train's gradient ascent is only visible in training: caught there, said so
    ascent = by_id["train/update_sign"]
    assert ascent.failed == ["xor-converges"] and ascent.only_convergence
    assert "train/update_sign" in report.text() and "mutation coverage: " in report.text()


def test_validate_cli_reports_full_coverage() -> None:
    proc = run_grader("validate", "chain-rule")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "mutation coverage: 25 / 25 (100%)" in proc.stdout or "(100%)" in proc.stdout
    assert "grad_w1/missing_path_weight" in proc.stdout
    proc = run_grader("validate", "chain-rule", "--json")
    data = json.loads(proc.stdout)
    assert data["coverage"] == 1.0 and data["holes"] == [] and data["reference_score"] == 100


SPEC = """
title = "Doubling"
version = 1
dims = [{ n = 3, m = 4 }, { n = 5, m = 2 }]

[[checks]]
kind = "function"
function = "double"
points = 50
args = [{ name = "x", gen = "normal", shape = ["n", "m"] }]

[[checks]]
kind = "function"
function = "zero"
points = 10
args = [{ name = "x", gen = "normal", shape = ["n"] }]

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

def zero(x):
    return np.zeros_like(x)

def half_square(x):
    return 0.5 * float(np.sum(x ** 2))

def grad_half_square(x):
    return x
"""

MUTATIONS = """
from grader.diagnosis import mutation

@mutation("double", "x + x", explanation="adds instead of multiplying (the same thing!)")
def added(ref, x):
    return x + x

@mutation("grad_half_square", "the input squared", explanation="differentiates nothing",
          fix="the derivative of x**2 / 2 is x")
def squared(ref, x):
    return x ** 2
"""


def make(tmp_path: Path, mutations: str | None) -> Path:
    folder = tmp_path / "doubling"
    folder.mkdir()
    (folder / "assignment.toml").write_text(SPEC)
    (folder / "reference.py").write_text(REFERENCE)
    if mutations is not None:
        (folder / "mutations.py").write_text(mutations)
    return folder


def test_holes_and_useless_checks_fail_validate(tmp_path: Path) -> None:
    folder = make(tmp_path, MUTATIONS)
    report = quality_report(load_assignment(folder))
    assert report.holes == ["double/added"]  # equal to the reference: no check can catch it
    assert report.useless_checks == ["zero"]  # no mutation of zeros changes anything
    by_id = {m.mutation.id: m for m in report.mutants}
    assert by_id["grad_half_square/squared"].failed == ["gradient"]
    assert by_id["grad_half_square/squared"].named_in == ["gradient"]
    assert by_id["double/transposed"].named_in == ["double"]
    proc = run_grader("validate", str(folder))
    assert proc.returncode == 1
    assert "holes" in proc.stdout + proc.stderr and "double/added" in proc.stderr
    assert "checks no known mistake fails: zero" in proc.stdout


def test_no_mutations_file_is_fine_and_a_broken_one_is_reported(tmp_path: Path) -> None:
    folder = make(tmp_path, None)
    proc = run_grader("validate", str(folder))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (folder / "mutations.py").write_text("import nonexistent_module_xyz\n")
    proc = run_grader("validate", str(folder))
    assert proc.returncode == 1 and "mutations.py" in proc.stderr
    # grading still works, the catalogue error costs no student anything
    bad = tmp_path / "bad.py"
    bad.write_text("def double(x):\n    return -2 * x\n")
    result = grade_file(load_assignment(folder), bad, seed=1)
    assert (
        "Likely mistake: your `double` matches the reference with the opposite sign"
        in result.checks[0].message
    )


# -- plots ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "check"), [("circles-softmax", "circles-converges"), ("xor-mlp", "xor-converges")]
)
def test_plots_are_rendered_from_the_returned_parameters(slug: str, check: str) -> None:
    assignment = find(slug)
    result = grade_file(assignment, SUBMISSIONS / slug / "correct.py", seed=1)
    plots = render_plots(assignment, result)
    assert set(plots) == {f"{check}-loss.png", f"{check}-boundary.png"}
    for data in plots.values():
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000


def test_plots_for_a_run_that_did_not_train_and_for_a_rejected_file(tmp_path: Path) -> None:
    assignment = find("circles-softmax")
    result = grade_file(assignment, SUBMISSIONS / "circles-softmax" / "syntax_error.py", seed=1)
    assert render_plots(assignment, result) == {} or all(
        d.startswith(b"\x89PNG") for d in render_plots(assignment, result).values()
    )
    empty = tmp_path / "empty.py"
    empty.write_bytes(b"")
    assert render_plots(assignment, grade_file(assignment, empty)) == {}


def test_cli_writes_plots(tmp_path: Path) -> None:
    out = tmp_path / "plots"
    proc = run_grader(
        "grade",
        "circles-softmax",
        str(SUBMISSIONS / "circles-softmax" / "bug_update_velocity_momentum_sign.py"),
        "--json",
        "--plots",
        str(out),
    )
    assert proc.returncode == 0
    json.loads(proc.stdout)  # the JSON contract is untouched: plot paths go to stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "circles-converges-boundary.png",
        "circles-converges-loss.png",
    ]
