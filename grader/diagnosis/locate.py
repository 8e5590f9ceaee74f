"""The student's line where a named mistake is made, found by reading their source.

The source is only parsed here, never run. A line is quoted only when exactly one
line of the student's function (a method of that name included) has the construct
the mistake is about: an augmented assignment to an argument for an in-place change,
``axis=`` for a reduction over the wrong axis, ``tanh`` for tanh used as the sigmoid,
and so on. When it cannot be told apart, nothing is quoted.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

MAX_QUOTE = 120
DERIVATIVE = re.compile(r"deriv|prime|\b(\w+)\s*\*\s*\(\s*1(?:\.0*)?\s*-\s*\1\b")


def _defs(tree: ast.AST, name: str) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name]


def _args(fn: ast.FunctionDef) -> set[str]:
    return {a.arg for a in fn.args.args + fn.args.kwonlyargs} - {"self"}


def _in_place(fn: ast.FunctionDef, line: str, node: ast.AST) -> bool:
    args = _args(fn)
    if isinstance(node, ast.AugAssign):
        target = node.target
        base = target.value if isinstance(target, ast.Subscript) else target
        return isinstance(base, ast.Name) and base.id in args
    if isinstance(node, ast.Assign):
        return any(
            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id in args
            for t in node.targets
        )
    return False


def _updated(fn: ast.FunctionDef, line: str, node: ast.AST) -> bool:
    if _in_place(fn, line, node):
        return True
    args = _args(fn)
    return isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id in args for t in node.targets
    )


def _text(pattern: str) -> Callable[[ast.FunctionDef, str, ast.AST], bool]:
    rx = re.compile(pattern)
    return lambda fn, line, node: bool(rx.search(line))


#: mistake kind -> does this statement of the student's function make it?
FINDERS: dict[str, Callable[[ast.FunctionDef, str, ast.AST], bool]] = {
    "in_place": _in_place,
    "updated_parameter": _updated,
    "integer": _text(r"\bint(32|64)?\b|dtype\s*=\s*['\"]?i"),
    "zeros": _text(r"zeros"),
    "axis": _text(r"axis\s*="),
    "wrong_axis": _text(r"axis\s*="),
    "not_summed": _text(r"\bEo\b|\bEh\b|delta|err"),
    "mean": _text(r"\bmean\b|/"),
    "mean_instead_of_sum": _text(r"\bmean\b|/"),
    "activation_tanh": _text(r"tanh"),
    "activation_relu": _text(r"relu|maximum"),
    "derivative_preactivation": _text(DERIVATIVE.pattern + r"|log\("),
    "derivative_squashed": _text(DERIVATIVE.pattern),
    "derivative_twice": _text(DERIVATIVE.pattern),
    "derivative_missing": _text(r"delta|err|\bE[oh]\b"),
    "one_sample": _text(r"\bfor\b|\[\s*[:\-0-9]"),
    "skips_sample": _text(r"range\("),
    "transposed": _text(r"\.T\b|transpose"),
}


def _statements(fn: ast.FunctionDef) -> list[ast.stmt]:
    return [
        n
        for n in ast.walk(fn)
        if isinstance(n, ast.stmt)
        and not isinstance(n, ast.FunctionDef | ast.ClassDef)
        and not isinstance(n, ast.If | ast.For | ast.While | ast.With | ast.Try)
    ]


def student_line(
    sources: list[dict], function: str, kind: str, site: str = "", place: str = ""
) -> str | None:
    """``"line 12: X -= X.mean(axis=0)"`` (with the cell's name for a notebook), or None."""
    finder = FINDERS.get(kind)
    if kind in ("preactivation_passed", "squashed_passed") and site:
        callee = site.split("(")[0]
        finder = _text(rf"\b{re.escape(callee)}\s*\(")
    if finder is None:
        return None
    found = []
    for order, cell in enumerate(sources or []):
        source = cell.get("source") or ""
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines = source.splitlines()
        for fn in _defs(tree, function):
            for node in _statements(fn):
                first = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
                if finder(fn, first, node):
                    found.append(((order, cell.get("name", "")), node.lineno, first))
    unique = sorted({(name, line): text for name, line, text in found}.items())
    index, _, count = place.partition("/")
    if len(unique) > 1 and count.isdigit() and len(unique) == int(count):
        unique = [unique[int(index)]]  # the i-th of n places, in the order of the source
    if len(unique) != 1:
        return None
    ((_, name), line), text = unique[0]
    where = f"{name}, line {line}" if name.startswith("code cell") else f"line {line}"
    return f"{where}: {text[:MAX_QUOTE]}"
