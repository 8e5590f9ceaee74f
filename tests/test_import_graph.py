"""The package's import graph, read from the source with ``ast``: no module imports
itself back through others, and the grading core never reaches the web or database
layers. Every import counts, also those inside functions (a lazy import is still a
dependency); only ``if TYPE_CHECKING:`` blocks are left out."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "grader"

#: the grading core: it must run without the service (no Flask, no database)
CORE = ("grader.checks", "grader.sandbox", "grader.diagnosis", "grader.engine")
#: what the core must not import
SERVICE = ("flask", "grader.api", "grader.web", "grader.app", "grader.db", "grader.models")

#: arrows left out of the cycle search, each with its reason. The catalogue builds the
#: composed mistakes lazily, and the composed mistakes are made of catalogue entries:
#: one loop inside the diagnosis package, left for the restructuring of the grading
#: core under way (issue 9 parts 2-5), which also moves the checks -> diagnosis arrow
ALLOWED_IN_CYCLES = {("grader.diagnosis.catalogue", "grader.diagnosis.composed")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, source: str, modules: set[str], *, is_package: bool = False) -> set[str]:
    """Every module the module ``name`` imports: grader modules by full name, others by
    top package."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source, name))
    return {m if m.startswith("grader.") or m == "grader" else m.split(".")[0] for m in found}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: imports_of(name, path.read_text(), set(files), is_package=path.name == "__init__.py")
        - {name}
        for name, path in files.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph or (v, w) in ALLOWED_IN_CYCLES:
                continue
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return found


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_grading_core_does_not_import_the_service() -> None:
    graph = import_graph()
    upward = sorted(
        (src, dst)
        for src, targets in graph.items()
        if within(src, CORE)
        for dst in targets
        if within(dst, SERVICE)
    )
    assert upward == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from grader.api import views\n", {"grader.api.views"}),
        ("from grader.api import bp\n", {"grader.api"}),
        ("from . import views\n", {"grader.api.views"}),
        ("from .. import app\n", {"grader.app"}),
        ("import flask.json\n", {"flask"}),
        ("if TYPE_CHECKING:\n    import grader.app\n", set()),
        ("def f():\n    from grader.app import create_app\n", {"grader.app"}),
    ],
)
def test_imports_are_read_as_the_interpreter_resolves_them(source: str, expected: set[str]) -> None:
    modules = {"grader", "grader.api", "grader.api.views", "grader.app"}
    assert imports_of("grader.api", source, modules, is_package=True) == expected


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
