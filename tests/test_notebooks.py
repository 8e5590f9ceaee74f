"""Notebooks run without a Jupyter kernel: cells in order, magics neutralised,
plots harmless, a cell over its budget interrupted while later cells still run."""

from __future__ import annotations

from pathlib import Path

import nbformat

from grader import assignments
from grader.engine import grade
from grader.submissions import read_submission
from tests.conftest import SUBMISSIONS

CORRECT = (SUBMISSIONS / "chain-rule" / "correct.py").read_text()


def notebook(*cells: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Chain rule")]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb).encode()


def grade_notebook(data: bytes, **limits):
    assignment = assignments.find("chain-rule")
    if limits:
        assignment.limits = assignment.limits.override(limits)
    return grade(assignment, read_submission("homework.ipynb", data), seed=3)


def test_magics_plots_and_shell_lines_are_harmless() -> None:
    data = notebook(
        "%matplotlib inline\n%load_ext autoreload\n!pip install torch\nimport numpy as np",
        CORRECT,
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\nfiles = !ls\n%time y = sigmoid(0.5)",
        "get_ipython().run_line_magic('matplotlib', 'inline')\ndisplay(y)",
    )
    result = grade_notebook(data)
    assert result.score == result.max_score, result.to_dict()
    assert all(c["status"] == "ok" for c in result.log["cells"]), result.log["cells"]


def test_a_cell_over_its_budget_is_interrupted_and_later_cells_run() -> None:
    data = notebook(
        "import time\nwhile True:\n    time.sleep(0.01)",
        CORRECT,
    )
    result = grade_notebook(data, cell_seconds=1)
    cells = result.log["cells"]
    assert cells[0]["status"] == "timeout" and cells[0]["name"] == "code cell 1"
    assert cells[1]["status"] == "ok"
    assert result.score == result.max_score


def test_a_failing_cell_is_reported_and_costs_only_what_it_defines() -> None:
    head, _, tail = CORRECT.partition("def grad_w2")
    data = notebook(head, "raise ValueError('oops')\ndef grad_w2" + tail)
    result = grade_notebook(data)
    assert result.log["cells"][1]["error"]["type"] == "ValueError"
    assert "code cell 2" in result.log["cells"][1]["error"]["where"]
    by_name = {c.name: c for c in result.checks}
    assert by_name["sigmoid"].passed
    assert not by_name["grad_w2"].passed
    assert "code cell 2 raised ValueError: oops" in by_name["grad_w2"].message


def test_student_output_is_kept_but_capped(tmp_path: Path) -> None:
    data = notebook(CORRECT, "print('hello from the student')\nprint('x' * 500_000)")
    result = grade_notebook(data, output_kb=8)
    assert "hello from the student" in result.log["stdout"]
    assert len(result.log["stdout"]) < 9 * 1024
    assert "more bytes of output not kept" in result.log["stdout"]
