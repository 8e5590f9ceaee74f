"""Composed mutations: one primitive change at one place of a reference function's source.

The catalogue names mistakes by the function they replace; a student's mistake is
often one small change *inside* a function that calls others: the sigmoid's
derivative taken at the pre-activation in ``backward`` (not a wrong
``sigmoid_derivative``), ``tanh`` where ``logistic`` is called, one subtraction the
wrong way round, one sum over the wrong axis. Here the reference function's own
source is searched for such places, and each primitive change is compiled into a
mutation of that function (callers see it, as with the catalogue), named where it is
made, with the reference's code at that place (``site``) so that the feedback can
point at the student's matching line.

Primitive changes: an activation call swapped for tanh, relu or the identity; the
activation's derivative taken at the pre-activation, at the activation squashed again,
applied twice or missing (at one place, or at every place); any factor of a product
missing; a subtraction reversed or its sign flipped; one reduction over the other axis;
one sum turned into a mean; the pre-activation passed where a function expects the
activation; an argument ignored (as if zero: a velocity reset at every step); an extra
activation-derivative factor on the result. Only the instructors' reference runs here.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from collections.abc import Callable

import numpy as np

from grader.diagnosis.catalogue import Mutation, own_functions
from grader.diagnosis.composed_sites import SWAPS, apply_edits, changes_of_tree
from grader.diagnosis.composed_words import ACTIVATION_NAMES, words
from grader.diagnosis.rewrites import rebind

ORIGIN = "composed"
HELPERS = {
    "_grader_tanh": np.tanh,
    "_grader_relu": lambda z: np.maximum(np.asarray(z, dtype=float), 0.0),
    "_grader_identity": lambda z: np.asarray(z, dtype=float),
    "_grader_sigmoid": lambda z: 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float))),
    "_grader_logit": lambda a: np.log(np.asarray(a, dtype=float) / (1.0 - np.asarray(a, float))),
    "_grader_rows": lambda a: np.shape(a)[0],
}


def _probe(fn: Callable, x: np.ndarray) -> np.ndarray | None:
    try:
        with np.errstate(all="ignore"):
            return np.asarray(fn(x.copy()), dtype=float)
    except Exception:  # noqa: BLE001 - not a one-argument elementwise function
        return None


def roles(reference: types.ModuleType) -> dict[str, str]:
    """Reference functions that are the logistic ("activation") or its derivative written
    with the output ("derivative"), recognised by what they compute."""
    x = np.array([[-1.5, 0.2, 0.7], [0.3, 0.5, 0.9]])
    found = {}
    for name, fn in own_functions(reference).items():
        if len(inspect.signature(fn).parameters) != 1:
            continue
        out = _probe(fn, x)
        if out is None or out.shape != x.shape:
            continue
        if np.allclose(out, 1.0 / (1.0 + np.exp(-x))):
            found[name] = "activation"
        elif np.allclose(out, x * (1.0 - x)):
            found[name] = "derivative"
    return found


# -- mutations ----------------------------------------------------------------------------------


def _source_tree(fn: Callable) -> ast.FunctionDef | None:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef):
        return None
    node.decorator_list = []
    return node


def _compiled(tree: ast.FunctionDef, function: str):
    def build(reference: types.ModuleType, mutated: types.ModuleType) -> Callable:
        module = ast.Module(body=[tree], type_ignores=[])
        ast.fix_missing_locations(module)
        code = compile(module, f"<composed mutation of {function}>", "exec")
        mutated.__dict__.update(HELPERS)
        scratch: dict = {}
        exec(code, mutated.__dict__, scratch)  # noqa: S102 - the instructors' own reference
        return rebind(scratch[function], mutated.__dict__)

    return build


def _output(function: str, transform: Callable):
    def build(reference: types.ModuleType, mutated: types.ModuleType) -> Callable:
        original = rebind(getattr(reference, function), mutated.__dict__)

        def mutated_function(*args, **kwargs):
            return transform(original, args, kwargs)

        mutated_function.__name__ = function
        return mutated_function

    return build


def _zeroed(i: int):
    def transform(original, args, kwargs):
        args = list(args)
        value = args[i]
        args[i] = (
            [np.zeros_like(np.asarray(v, dtype=float)) for v in value]
            if isinstance(value, list)
            else np.zeros_like(np.asarray(value, dtype=float))
        )
        return original(*args, **kwargs)

    return transform


def _extra_derivative(i: int):
    def transform(original, args, kwargs):
        out = original(*args, **kwargs)
        a = np.asarray(args[i], dtype=float)
        if not (np.shape(out) == a.shape and np.all((a > 0) & (a < 1))):
            return out  # not an activation of the result's shape: no change
        return np.asarray(out, dtype=float) * a * (1.0 - a)

    return transform


def _swapped(helper: str):
    def transform(original, args, kwargs):
        return HELPERS[helper](args[0])

    return transform


def composed_mutations(reference: types.ModuleType, function: str) -> list[Mutation]:
    """Every primitive change of ``function``'s computation, as mutations of that function."""
    fn = getattr(reference, function, None)
    if not isinstance(fn, types.FunctionType):
        return []
    role = roles(reference)
    params = list(inspect.signature(fn).parameters)
    out: list[Mutation] = []

    def add(kind, name, matches, explanation, fix, build, site=""):
        out.append(
            Mutation(
                name=f"{kind}#{len(out)}",
                function=function,
                matches=matches,
                explanation=explanation,
                fix=fix,
                origin=ORIGIN,
                build=build,
                kind=kind,
                site=site,
                place=name.rpartition("@")[2] if "@" in name else "",
            )
        )

    if role.get(function) == "activation":
        for kind, helper in SWAPS:
            what = ACTIVATION_NAMES[kind]
            add(
                f"activation_{kind}",
                kind,
                f"{what} instead of the logistic sigmoid",
                f"{what} is used where the logistic sigmoid 1 / (1 + exp(-z)) is asked "
                "(tanh has outputs in (-1, 1), the sigmoid in (0, 1))",
                "return 1 / (1 + np.exp(-z))",
                _output(function, _swapped(helper)),
            )
    tree = _source_tree(fn)
    if tree is not None:
        own = set(own_functions(reference))
        for kind, name, site, new, edits in changes_of_tree(tree, role, own):
            matches, explanation, fix = words(kind, site, new, function)
            add(
                kind,
                name,
                matches,
                explanation,
                fix,
                _compiled(apply_edits(tree, edits), function),
                site=site,
            )
    for i, param in enumerate(params):
        add(
            "argument_ignored",
            param,
            f"the reference with `{param}` set to zero",
            f"`{param}` is not used: the result is what the reference gives with `{param}` all "
            f"zeros (for a state such as a velocity: the previous `{param}` is not carried over, "
            "as if it were reset to zero at every step)",
            f"use `{param}` where the formula needs it",
            _output(function, _zeroed(i)),
        )
        add(
            "extra_derivative",
            param,
            f"the reference multiplied by {param} * (1 - {param})",
            f"there is an extra factor {param} * (1 - {param}), an activation's derivative "
            "applied where it is already accounted for (for a softmax with cross-entropy, "
            "Y - T already is the derivative with respect to the pre-activation)",
            f"remove the factor {param} * (1 - {param})",
            _output(function, _extra_derivative(i)),
        )
    return out
