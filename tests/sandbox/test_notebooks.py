"""Notebooks run without a Jupyter kernel: cells in order, magics neutralised,
plots harmless, a cell over its budget interrupted while later cells still run."""

from __future__ import annotations

from pathlib import Path

import nbformat

from grader import assignment_folder
from grader.engine import grade
from grader.sandbox import student_env
from grader.sandbox.backends import default_student_env
from grader.uploads import read_upload
from tests.helpers import SUBMISSIONS

CORRECT = (SUBMISSIONS / "chain-rule" / "correct.py").read_text()


def notebook(*cells: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Chain rule")]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb).encode()


def grade_notebook(data: bytes, **limits):
    assignment = assignment_folder.find("chain-rule")
    if limits:
        assignment.limits = assignment.limits.override(limits)
    return grade(assignment, read_upload("homework.ipynb", data), seed=3)


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


# -- what Jupyter provides: IPython, tqdm, widgets, input(), packages we do not have ----------

JUPYTER_HEAD = """from IPython.display import display, Markdown, HTML, clear_output
from IPython import get_ipython
from IPython.core.interactiveshell import InteractiveShell
InteractiveShell.ast_node_interactivity = "all"
import numpy as np
import scipy.special
import pandas as pd
from tqdm import tqdm
from tqdm.auto import trange
import ipywidgets as widgets
from ipywidgets import interact
get_ipython().run_line_magic("matplotlib", "inline")
display(Markdown("# Chain rule"), HTML("<b>by me</b>"))
"""

JUPYTER_TAIL = [
    "%timeit -n 3 -r 1 sigmoid(0.5)\n%time h, o = forward(2.0, 0.5, -0.3)",
    "%%time\nw1, w2 = 0.1, 0.2\nfor step in tqdm(range(200)):\n"
    "    w1, w2 = w1 - 0.5 * grad_w1(2.0, 0.8, w1, w2), w2 - 0.5 * grad_w2(2.0, 0.8, w1, w2)\n"
    "for _ in trange(3):\n    clear_output(wait=True)",
    "table = pd.DataFrame({'w': [w1, w2]})\ndisplay(table)\nscipy.special.expit(0.5)\n"
    "@interact(x=(0.0, 2.0))\ndef show(x):\n    print(sigmoid(x))\nwidgets.IntSlider(3)",
]


def _verdicts(result) -> dict[str, bool]:
    return {c.name: c.passed for c in result.checks}


def _plain() -> object:
    return grade_notebook(notebook("import numpy as np", CORRECT))


def test_ipython_tqdm_pandas_and_widgets_notebook_grades_like_its_plain_equivalent() -> None:
    plain = _plain()
    result = grade_notebook(notebook(JUPYTER_HEAD, CORRECT, *JUPYTER_TAIL))
    assert all(c["status"] == "ok" for c in result.log["cells"]), result.log["cells"]
    assert (result.score, _verdicts(result)) == (plain.score, _verdicts(plain))
    assert result.score == result.max_score
    assert "Markdown object" in result.log["stdout"]  # display() prints, as without a kernel


def test_a_first_cell_importing_ipython_display_no_longer_costs_the_notebook() -> None:
    """The issue's notebook: without IPython it stopped at its first line and scored 5."""
    first = "from IPython.display import display, Markdown\nimport numpy as np"
    result = grade_notebook(notebook(first, CORRECT))
    assert result.score == result.max_score, result.log["cells"]


def test_input_answers_an_empty_line_and_a_waiting_loop_ends() -> None:
    head, _, tail = CORRECT.partition("def grad_w2")
    asking = head + "name = input('Your name: ')\nprint('hello', repr(name))\ndef grad_w2" + tail
    waiting = "while input('q to quit: ') != 'q':\n    pass"
    result = grade_notebook(notebook(asking, waiting))
    assert (result.score, _verdicts(result)) == (_plain().score, _verdicts(_plain()))
    cells = result.log["cells"]
    assert cells[0]["status"] == "ok"
    assert cells[1]["status"] == "error" and cells[1]["error"]["type"] == "EOFError"
    assert cells[1]["seconds"] < 5
    assert "Your name:  [grader: nobody types" in result.log["stdout"]
    assert "hello ''" in result.log["stdout"]


def test_a_package_we_do_not_provide_fails_only_the_checks_that_use_it() -> None:
    head, _, _ = CORRECT.partition("def grad_w1")
    uses_torch = (
        "def grad_w1(x, y, w1, w2):\n"
        "    return float(torch.autograd.grad(torch.tensor(x), torch.tensor(w1))[0])\n"
    )
    data = notebook(
        "import numpy as np\nimport torch, scipy\nfrom torch import nn\nimport matplotlib.pyplot as plt",
        head,
        uses_torch,
        "try:\n    import jax\nexcept ImportError:\n    jax = None\nassert jax is None",
        "device = torch.device('cpu')",
        "later = scipy.special.expit(0.0)",
    )
    result = grade_notebook(data)
    cells = result.log["cells"]
    assert [c["status"] for c in cells] == ["ok", "ok", "ok", "ok", "error", "ok"], cells
    failed = {c.name: c for c in result.checks if not c.passed}
    assert set(failed) == {"grad_w1", "grad_w1-numerical"}
    for check in failed.values():
        assert check.message.startswith(
            "`torch` is not available in the grading environment; the assignment allows: numpy,"
        ), check.message
        assert "code cell 3, line 2" in check.message
    assert "code cell 5 stopped: `torch` is not available" in result.error


def test_the_student_environment_has_what_the_makefile_installs() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if x.startswith("STUDENT_PACKAGES ?="))
    assert tuple(line.split("?=")[1].split()) == student_env.STUDENT_PACKAGES
    env = Path(default_student_env())
    missing = [name for name in student_env.provided() if not (env / name).is_dir()]
    assert not missing, f"{env} lacks {missing}: run `make setup` to rebuild it"
