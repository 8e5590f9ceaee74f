"""Generic mutations made by rewriting a reference function's own source:
a reduction over the wrong axis, or no sum over the samples at all."""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
import types
from collections.abc import Callable

REDUCTIONS = ("sum", "mean", "max", "min", "amax", "amin")


def _axis(call: ast.Call) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == "axis"), None)


def _reduction_axis(node: ast.AST) -> tuple[ast.Attribute, ast.keyword] | None:
    """``np.sum(..., axis=...)`` or ``E.mean(axis=...)``: the reduction's attribute and its
    ``axis`` keyword; None for any other node."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    kw = _axis(node)
    if kw is None or node.func.attr not in REDUCTIONS:
        return None
    return node.func, kw


def _literal_axis(kw: ast.keyword) -> int | None:
    """The axis of ``axis=0``, ``axis=1`` or ``axis=-1`` written as a number, else None."""
    value = kw.value.value if isinstance(kw.value, ast.Constant) else None
    if isinstance(value, int) and value in (0, 1, -1):
        return int(value)
    return None


class _Rewrite(ast.NodeTransformer):
    """A rewrite of a function's source; ``changed`` counts the places it rewrote."""

    def __init__(self) -> None:
        self.changed = 0


class _SwapAxis(_Rewrite):
    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        reduction = _reduction_axis(node)
        axis = _literal_axis(reduction[1]) if reduction else None
        if reduction and axis is not None:
            reduction[1].value = ast.Constant(1 if axis == 0 else 0)
            self.changed += 1
        return node


class _DropSum(_Rewrite):
    """``np.sum(E, axis=0, ...)`` and ``E.sum(axis=0, ...)`` become ``E``."""

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        reduction = _reduction_axis(node)
        if reduction is None or reduction[0].attr != "sum" or _literal_axis(reduction[1]) != 0:
            return node
        base = reduction[0].value
        is_module = isinstance(base, ast.Name) and base.id in ("np", "numpy")
        if is_module and node.args:
            self.changed += 1
            return node.args[0]
        if not is_module and not node.args:
            self.changed += 1
            return base
        return node


#: name, rewrite, what the mutated reference is, the mistake, the fix
SOURCE_MUTATIONS: list[tuple[str, type[_Rewrite], str, str, str]] = [
    (
        "wrong_axis",
        _SwapAxis,
        "the reference reduced over the other axis",
        "a sum (or mean / max) runs over the wrong axis: over the units of each sample "
        "instead of over the samples, or the other way round",
        "reduce over the samples, axis=0 for (samples, units) arrays (and axis=1 for a "
        "row-wise softmax)",
    ),
    (
        "not_summed",
        _DropSum,
        "the reference without its sum over the samples",
        "the per-sample values are returned instead of their sum over the samples",
        "sum over the samples: np.sum(..., axis=0, keepdims=True)",
    ),
]


def _source_build(function_source: ast.FunctionDef, function: str):
    def build(reference: types.ModuleType, mutated: types.ModuleType, _function: str) -> Callable:
        tree = ast.Module(body=[function_source], type_ignores=[])
        ast.fix_missing_locations(tree)
        code = compile(tree, f"<mutation of {function}>", "exec")
        scratch: dict = {}
        exec(code, mutated.__dict__, scratch)  # noqa: S102 - the instructors' own reference
        return rebind(scratch[function], mutated.__dict__)

    return build


def source_mutations(reference: types.ModuleType, function: str) -> list[tuple[str, Callable]]:
    try:
        source = textwrap.dedent(inspect.getsource(getattr(reference, function)))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return []
    found = []
    for name, transformer, *_ in SOURCE_MUTATIONS:
        node = copy.deepcopy(tree.body[0])
        if not isinstance(node, ast.FunctionDef):
            continue
        node.decorator_list = []
        t = transformer()
        t.visit(node)
        if t.changed:
            found.append((name, _source_build(node, function)))
    return found


AXIS_WORDS = {0: "over the samples (axis=0)", 1: "over each sample's row (axis=1)"}


def axis_fix(reference: types.ModuleType, function: str) -> str | None:
    """The fix of a reduction over the wrong axis, from the axes the reference itself uses:
    never the generic advice, which for a row-wise softmax would name the student's bug."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(getattr(reference, function))))
    except (OSError, TypeError, SyntaxError):
        return None
    axes = []
    for node in ast.walk(tree):
        reduction = _reduction_axis(node)
        axis = _literal_axis(reduction[1]) if reduction else None
        if reduction and axis is not None and axis in AXIS_WORDS:
            words = f"{reduction[0].attr} {AXIS_WORDS[axis]}"
            if words not in axes:
                axes.append(words)
    if not axes:
        return None
    return "in this function, " + " and ".join(axes) + ", as the formula does"


def rebind(fn: Callable, namespace: dict) -> Callable:
    if not isinstance(fn, types.FunctionType):
        return fn
    new = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = copy.copy(fn.__kwdefaults__)
    new.__doc__ = fn.__doc__
    new.__qualname__ = fn.__qualname__
    return new
