"""An assignment's ``forbidden_imports``: found in the source, refused in the sandbox, named in
the feedback, and costing the convergence checks only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.assignment_folder import find, load_assignment
from grader.engine import grade_file
from grader.errors import AssignmentError
from grader.forbidden_imports import scan
from tests.helpers import SPEC, SUBMISSIONS, make_assignment

FORBIDDEN = ("sklearn.neural_network", "torch")


def found(*sources: str) -> list[tuple[str, str, int]]:
    cells = [{"name": f"cell {i + 1}", "source": s} for i, s in enumerate(sources)]
    return [(u.module, u.cell, u.line) for u in scan(cells, FORBIDDEN)]


@pytest.mark.parametrize(
    "source",
    [
        "import sklearn.neural_network",
        "import sklearn.neural_network as nn_",
        "from sklearn.neural_network import MLPClassifier",
        "from sklearn.neural_network._multilayer_perceptron import MLPClassifier",
        "from sklearn import neural_network",
        "import sklearn\nmodel = sklearn.neural_network.MLPClassifier()",
        "import sklearn as sk\nmodel = sk.neural_network.MLPClassifier()",
        "m = __import__('sklearn.neural_network')",
        "import importlib\nm = importlib.import_module('sklearn.neural_network')",
        "from importlib import import_module\nm = import_module('sklearn.neural_network')",
        "def train():\n    from sklearn.neural_network import MLPRegressor\n    return MLPRegressor",
    ],
)
def test_every_way_of_naming_a_forbidden_module_is_found(source: str) -> None:
    uses = found("import numpy as np", source)
    assert [(m, c) for m, c, _ in uses] == [("sklearn.neural_network", "cell 2")]


def test_allowed_modules_and_lookalikes_are_not_found() -> None:
    assert (
        found(
            "import sklearn.datasets\nfrom sklearn.datasets import make_circles",
            "import torchvision_like_name\nneural_network = 3",
            "from sklearn import datasets\nimport numpy as np\nx = np.neural_network",
            "def f(:\n    import torch",  # does not parse: does not run either
        )
        == []
    )


def test_first_use_of_each_module_with_its_line() -> None:
    assert found("x = 1\nimport torch\nimport torch.nn", "import sklearn.neural_network") == [
        ("torch", "cell 1", 2),
        ("sklearn.neural_network", "cell 2", 1),
    ]


@pytest.mark.parametrize("value", ['"torch"', '["torch", 3]', '["not a module!"]', "[[]]"])
def test_a_malformed_field_names_it(tmp_path: Path, value: str) -> None:
    spec = SPEC.replace("version = 1\n", f"version = 1\nforbidden_imports = {value}\n")
    with pytest.raises(AssignmentError) as info:
        load_assignment(make_assignment(tmp_path, spec=spec))
    assert info.value.field == "forbidden_imports"


def test_built_in_assignments_forbid_training_libraries_only() -> None:
    for slug in ("xor-mlp", "circles-softmax"):
        forbidden = find(slug).forbidden_imports
        assert "sklearn.neural_network" in forbidden
        assert not any("sklearn.datasets".startswith(m) for m in forbidden)


@pytest.mark.slow
def test_a_notebook_importing_one_loses_the_convergence_check_only(tmp_path: Path) -> None:
    notebook = json.loads((SUBMISSIONS / "circles-softmax" / "correct.ipynb").read_text())
    cell = {
        "id": "forbidden-import",
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": ["from sklearn.neural_network import MLPClassifier\n", "MLPClassifier()\n"],
    }
    notebook["cells"].insert(1, cell)
    path = tmp_path / "with_mlp.ipynb"
    path.write_text(json.dumps(notebook))
    result = grade_file(find("circles-softmax"), path, seed=3)
    failed = {c.name: c for c in result.checks if not c.passed}
    assert list(failed) == ["circles-converges"]
    assert failed["circles-converges"].score == 0
    said = "`sklearn.neural_network` is not allowed in this assignment"
    assert said in failed["circles-converges"].message
    assert said in (result.error or "")
    # the sandbox refused it too: the cell that used it failed, with the same words
    cells = [c for c in result.log["cells"] if c.get("status") == "error"]
    assert cells and said in cells[0]["error"]["message"]
