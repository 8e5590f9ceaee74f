"""Where in a reference function's source a primitive change can be made, and the change.

Used by ``grader.diagnosis.composed``: every site yields (kind, name, the reference's code
there, the changed code, the edits that make the change in a copy of the tree).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable
from typing import TypeVar

from grader.diagnosis.rewrites import REDUCTIONS

SWAPS = (("tanh", "_grader_tanh"), ("relu", "_grader_relu"), ("identity", "_grader_identity"))

_Node = TypeVar("_Node", bound=ast.AST)


def _factors(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _factors(node.left) + _factors(node.right)
    return [node]


def _is_one_minus(node: ast.expr, a: ast.expr) -> bool:
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Sub)
        and isinstance(node.left, ast.Constant)
        and node.left.value == 1
        and ast.dump(node.right) == ast.dump(a)
    )


def _product(factors: list[ast.expr]) -> ast.expr:
    out = factors[0] if factors else ast.Constant(1.0)
    for f in factors[1:]:
        out = ast.BinOp(left=out, op=ast.Mult(), right=f)
    return out


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _func_name(node: ast.Call) -> str | None:
    return node.func.id if isinstance(node.func, ast.Name) else None


def _expect(kind: type[_Node], node: ast.AST) -> _Node:
    """``node``, which is a ``kind`` by construction (it was found as one)."""
    if not isinstance(node, kind):
        raise TypeError(f"expected {kind.__name__}, found {ast.dump(node)}")
    return node


class _Edit:
    """One change: the node with this ``ast.walk`` index, a ``kind`` (it was found as one in
    the same tree), is replaced by ``make(node)``."""

    def __init__(self, index: int, kind: type[_Node], make: Callable[[_Node], ast.AST]) -> None:
        self.index = index
        self.make: Callable[[ast.AST], ast.AST] = lambda node: make(_expect(kind, node))


def apply_edits(tree: ast.FunctionDef, edits: list[_Edit]) -> ast.FunctionDef:
    new = copy.deepcopy(tree)
    nodes = list(ast.walk(new))
    targets = {id(nodes[e.index]): e for e in edits}

    class Replace(ast.NodeTransformer):
        def visit(self, node):
            edit = targets.get(id(node))
            if edit is not None:
                return edit.make(copy.deepcopy(node))
            return super().visit(node)

    return Replace().visit(new)


def changes_of_tree(tree: ast.FunctionDef, role: dict[str, str], own: set[str]) -> list[tuple]:
    """(kind, name, site text, replacement text, edits) for every primitive change."""
    found: list[tuple] = []
    derivative_sites: list[tuple[int, ast.expr, int | None]] = []  # (index, node, pair at k)
    activation_calls: list[int] = []
    nodes = list(ast.walk(tree))
    in_product = {
        id(child)
        for p in nodes
        if isinstance(p, ast.BinOp) and isinstance(p.op, ast.Mult)
        for child in (p.left, p.right)
    }
    for i, node in enumerate(nodes):
        called = _func_name(node) if isinstance(node, ast.Call) else None
        if isinstance(node, ast.Call) and called is not None and called in role:
            if role[called] == "activation" and len(node.args) == 1:
                activation_calls.append(i)
            elif len(node.args) == 1:
                derivative_sites.append((i, node, None))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            if id(node) in in_product:
                continue
            factors = _factors(node)
            for k, f in enumerate(factors):
                if len(factors) > 1:
                    rest = factors[:k] + factors[k + 1 :]
                    found.append(
                        (
                            "factor_missing",
                            f"without_factor_{ast.unparse(f)}",
                            ast.unparse(f),
                            ast.unparse(_product(rest)),
                            [_Edit(i, ast.BinOp, _without_factor(k))],
                        )
                    )
                nxt = factors[k + 1] if k + 1 < len(factors) else None
                if nxt is not None and _is_one_minus(nxt, f):
                    derivative_sites.append((i, node, k))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            a, b = ast.unparse(node.left), ast.unparse(node.right)
            found.append(
                (
                    "reversed",
                    f"reversed_{a}_{b}",
                    f"{a} - {b}",
                    f"{b} - {a}",
                    [_Edit(i, ast.BinOp, _reversed)],
                )
            )
            found.append(
                (
                    "sign",
                    f"plus_{a}_{b}",
                    f"{a} - {b}",
                    f"{a} + {b}",
                    [_Edit(i, ast.BinOp, _plus)],
                )
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            kw = next((k for k in node.keywords if k.arg == "axis"), None)
            axis = kw.value.value if kw and isinstance(kw.value, ast.Constant) else None
            if node.func.attr in REDUCTIONS and axis in (0, 1, -1):
                site = ast.unparse(node)

                def swap(n: ast.Call) -> ast.Call:
                    k = next(k for k in n.keywords if k.arg == "axis")
                    k.value = ast.Constant(1 if _expect(ast.Constant, k.value).value == 0 else 0)
                    return n

                found.append(
                    (
                        "axis",
                        f"axis_{site}",
                        site,
                        ast.unparse(swap(copy.deepcopy(node))),
                        [_Edit(i, ast.Call, swap)],
                    )
                )
            if node.func.attr == "sum":

                def to_mean(n: ast.Call) -> ast.Call:
                    _expect(ast.Attribute, n.func).attr = "mean"
                    return n

                site = ast.unparse(node)
                found.append(
                    (
                        "mean",
                        f"mean_{site}",
                        site,
                        ast.unparse(to_mean(copy.deepcopy(node))),
                        [_Edit(i, ast.Call, to_mean)],
                    )
                )
        if isinstance(node, ast.Call) and _func_name(node) in own:
            for j, arg in enumerate(node.args):
                if isinstance(arg, ast.Name):

                    def pre(n: ast.Call, j: int = j) -> ast.Call:
                        n.args[j] = _call("_grader_logit", n.args[j])
                        return n

                    def squash(n: ast.Call, j: int = j) -> ast.Call:
                        n.args[j] = _call("_grader_sigmoid", n.args[j])
                        return n

                    site = ast.unparse(node)
                    found.append(
                        (
                            "preactivation_passed",
                            f"preactivation_arg_{site}_{j}",
                            site,
                            arg.id,
                            [_Edit(i, ast.Call, pre)],
                        )
                    )
                    found.append(
                        (
                            "squashed_passed",
                            f"squashed_arg_{site}_{j}",
                            site,
                            arg.id,
                            [_Edit(i, ast.Call, squash)],
                        )
                    )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            left = node.left
            if isinstance(left, ast.Attribute) and left.attr == "T":
                site = ast.unparse(node)
                found.append(
                    (
                        "mean",
                        f"mean_{site}",
                        site,
                        f"({site}) / n",
                        [_Edit(i, ast.BinOp, _over_rows)],
                    )
                )
    for i in activation_calls:
        site = ast.unparse(nodes[i])
        for kind, helper in SWAPS:
            edit = _Edit(i, ast.Call, _swapped(helper))
            found.append((f"activation_{kind}", f"{kind}_{site}", site, kind, [edit]))
    if len(activation_calls) > 1:
        for kind, helper in SWAPS:
            found.append(
                (
                    f"activation_{kind}",
                    f"{kind}_everywhere",
                    "every activation",
                    kind,
                    [_Edit(i, ast.Call, _swapped(helper)) for i in activation_calls],
                )
            )
    found.extend(_derivative_changes(derivative_sites))
    return found


def _without_factor(k: int) -> Callable[[ast.BinOp], ast.expr]:
    return lambda n: _product(_factors(n)[:k] + _factors(n)[k + 1 :])


def _reversed(n: ast.BinOp) -> ast.BinOp:
    return ast.BinOp(left=n.right, op=ast.Sub(), right=n.left)


def _plus(n: ast.BinOp) -> ast.BinOp:
    return ast.BinOp(left=n.left, op=ast.Add(), right=n.right)


def _over_rows(n: ast.BinOp) -> ast.BinOp:
    """``A.T @ B`` divided by the rows of ``A``."""
    rows = _call("_grader_rows", _expect(ast.Attribute, n.left).value)
    return ast.BinOp(left=n, op=ast.Div(), right=rows)


def _swapped(helper: str) -> Callable[[ast.Call], ast.Call]:
    """An activation call ``f(x)`` replaced by ``helper(x)``."""
    return lambda n: _call(helper, n.args[0])


def _derivative_changes(sites: list[tuple[int, ast.expr, int | None]]) -> list[tuple]:
    """At each place the activation's derivative is taken (a call, or the factors A * (1 - A)
    of a product), and at all of them at once: pre-activation, squashed again, twice, missing."""

    def rebuild(k: int | None, change: str) -> Callable[[ast.expr], ast.expr]:
        def make(n: ast.expr) -> ast.expr:
            if k is None:  # a call derivative(A)
                call = _expect(ast.Call, n)
                a = call.args[0]
                if change == "preactivation":
                    call.args[0] = _call("_grader_logit", a)
                elif change == "squashed":
                    call.args[0] = _call("_grader_sigmoid", a)
                elif change == "twice":
                    return ast.BinOp(left=call, op=ast.Mult(), right=copy.deepcopy(call))
                else:
                    return ast.Constant(1.0)
                return call
            factors = _factors(n)
            a = factors[k]
            pair = {
                "preactivation": _call("_grader_logit", a),
                "squashed": _call("_grader_sigmoid", a),
            }.get(change)
            if pair is not None:
                one_minus = ast.BinOp(
                    left=ast.Constant(1.0), op=ast.Sub(), right=copy.deepcopy(pair)
                )
                factors[k : k + 2] = [pair, one_minus]
            elif change == "twice":
                factors[k : k + 2] = [*factors[k : k + 2], *copy.deepcopy(factors[k : k + 2])]
            else:
                del factors[k : k + 2]
            return _product(factors)

        return make

    out = []
    changes = ("preactivation", "squashed", "twice", "missing")

    def position(site: tuple) -> tuple[int, int]:
        index, node, k = site
        at = node if k is None else _factors(node)[k]
        return (getattr(at, "lineno", 0), getattr(at, "col_offset", 0))

    order = sorted(sites, key=position)
    for index, node, k in sites:
        site = ast.unparse(node) if k is None else ast.unparse(_product(_factors(node)[k : k + 2]))
        arg = ast.unparse(_expect(ast.Call, node).args[0] if k is None else _factors(node)[k])
        rank = order.index((index, node, k))
        for change in changes:
            out.append(
                (
                    f"derivative_{change}",
                    f"{change}_{site}@{rank}/{len(sites)}",
                    site,
                    arg,
                    [_Edit(index, ast.expr, rebuild(k, change))],
                )
            )
    if len(sites) > 1:
        for change in changes:
            by_node: dict[int, list[int | None]] = {}
            for index, _, k in sites:
                by_node.setdefault(index, []).append(k)
            edits = [
                _Edit(index, ast.expr, _chain([rebuild(k, change) for k in sorted(ks, key=_desc)]))
                for index, ks in by_node.items()
            ]
            out.append(
                (f"derivative_{change}", f"{change}_everywhere", "every derivative", "", edits)
            )
    return out


def _desc(k: int | None) -> int:
    return -(k or 0)


def _chain(makes: list[Callable[[ast.expr], ast.expr]]) -> Callable[[ast.expr], ast.expr]:
    """Several changes to one product, from its last factor to its first (earlier positions
    stay where they are)."""

    def make(n: ast.expr) -> ast.expr:
        for m in makes:
            n = m(n)
        return n

    return make
