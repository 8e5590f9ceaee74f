"""The warm pool preloads, of the usual modules, what the last submission imported."""

from __future__ import annotations

from grader.sandbox.backends import make_backend
from grader.sandbox.pool import DEFAULT_PRELOAD, WarmPool, imported_modules, preload_for


def cells(*sources: str) -> list[dict]:
    return [{"name": f"cell {i}", "source": s} for i, s in enumerate(sources)]


def test_the_modules_a_submission_imports_choose_the_preload():
    names = imported_modules(
        cells(
            "import numpy as np\nimport matplotlib.pyplot as plt",
            "from sklearn.datasets import make_circles\nfrom . import nothing",
            "def f(:",  # does not parse: skipped, as it does not run either
        )
    )
    assert names == {"numpy", "matplotlib.pyplot", "sklearn.datasets"}
    assert preload_for(names) == ("numpy", "matplotlib", "matplotlib.pyplot", "sklearn.datasets")
    # numpy always (the harness uses it); a parent package does not load its submodules
    assert preload_for({"sklearn", "tqdm"}) == ("numpy",)
    assert preload_for(set()) == ("numpy",)


def test_the_pool_learns_unless_its_preload_is_set(monkeypatch):
    monkeypatch.delenv("GRADER_SANDBOX_PRELOAD", raising=False)
    backend = make_backend("process")
    learning = WarmPool(backend, size=0)
    fixed = WarmPool(backend, size=0, preload=("numpy", "tqdm.auto"))
    try:
        assert learning.preload == DEFAULT_PRELOAD  # before any submission: the full list
        learning.expect(cells("import numpy"))
        fixed.expect(cells("import numpy"))
        assert learning.preload == ("numpy",)
        assert fixed.preload == ("numpy", "tqdm.auto")
    finally:
        learning.close()
        fixed.close()
