"""Modules an assignment forbids (``forbidden_imports``), found in a submission's source.

A convergence check proves little if the student's training hands the problem to
a library that trains networks (``sklearn.neural_network``): the trusted process
reads every cell's syntax tree for imports of those modules, so that feedback can
say which line is not allowed, before anything runs. Found are ``import m``,
``from m import x``, ``from parent import m``, ``__import__("m")`` and
``importlib.import_module("m")`` with a literal name, and attribute chains such
as ``sklearn.neural_network.MLPClassifier`` through an imported parent. A name
built at run time escapes this scan; the sandbox blocks the import itself too
(``harness.block_imports``), and the step checks of the convergence check catch
a training that was not the student's own.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from grader.errors import AssignmentError
from grader.sandbox.inside.protocol import Cell

_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_IMPORTERS = ("__import__", "import_module")


@dataclass(frozen=True)
class ForbiddenUse:
    module: str  # the forbidden module (as the assignment names it)
    cell: str
    line: int

    def message(self) -> str:
        return (
            f"`{self.module}` is not allowed in this assignment "
            f"(imported in {self.cell}, line {self.line})"
        )


def validate(value: object, source: str) -> tuple[str, ...]:
    """The ``forbidden_imports`` field: a list of dotted module names."""
    if not isinstance(value, list) or not all(
        isinstance(v, str) and _MODULE.match(v) for v in value
    ):
        raise AssignmentError(
            f"{source}: forbidden_imports must be a list of module names such as "
            '"sklearn.neural_network"',
            field="forbidden_imports",
        )
    return tuple(value)


def _forbidden(name: str, modules: tuple[str, ...]) -> str | None:
    return next((m for m in modules if name == m or name.startswith(m + ".")), None)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _names(tree: ast.AST) -> list[tuple[str, int]]:
    """Every module name the code imports or reaches, with its line."""
    found: list[tuple[str, int]] = []
    aliases: dict[str, str] = {}  # a name bound by an import: the module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name, node.lineno))
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, node.lineno))
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.append((full, node.lineno))
                aliases[alias.asname or alias.name] = full
        elif isinstance(node, ast.Call):
            name = _dotted(node.func) or ""
            first = node.args[0] if node.args else None
            literal = first.value if isinstance(first, ast.Constant) else None
            if name.split(".")[-1] in _IMPORTERS and isinstance(literal, str):
                found.append((literal, node.lineno))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node) or ""
            head = dotted.split(".")[0]
            if dotted and head in aliases:
                found.append((aliases[head] + dotted[len(head) :], node.lineno))
    return found


def scan(cells: list[Cell], modules: tuple[str, ...]) -> list[ForbiddenUse]:
    """The forbidden modules the cells import, first use of each (cells that do not parse
    are skipped: they do not run either)."""
    if not modules:
        return []
    uses: dict[str, ForbiddenUse] = {}
    for cell in cells:
        try:
            tree = ast.parse(cell.get("source", ""))
        except (SyntaxError, ValueError):
            continue
        for name, line in sorted(_names(tree), key=lambda item: item[1]):
            module = _forbidden(name, modules)
            if module and module not in uses:
                uses[module] = ForbiddenUse(module, str(cell.get("name", "the code")), line)
    return list(uses.values())
