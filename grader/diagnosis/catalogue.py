"""The mistake catalogue: named mutations of reference functions that model real mistakes.

A mutation replaces *one* function of the reference solution. It is applied to a
copy of the reference module in which every reference function is re-bound to
the copy's globals, so callers see the mistake too: a mutated ``error_hidden``
also changes ``backprop_gradients`` and ``update_velocity``, exactly as the same
mistake in a student's ``error_hidden`` changes their later functions.

Two sources:

* generic mutations, derived from any reference function: sign flipped,
  transposed result, mean instead of sum, a constant factor 2 too few or too
  many, results in the wrong order, reductions over the wrong axis or not
  summed at all (the last two rewrite the reference's own source);
* an assignment's own ``mutations.py``, written with the :func:`mutation`
  decorator (missing activation derivative, derivative of the pre-activation,
  the loss value instead of its derivative, momentum sign, ...).

Everything here runs in the trusted process only (it is the instructors' code).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import types
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.diagnosis.rewrites import SOURCE_MUTATIONS, axis_fix, rebind, source_mutations

log = logging.getLogger(__name__)

MUTATIONS_FILE = "mutations.py"


@dataclass
class Mutation:
    """One named mistake in one reference function."""

    name: str  # short id, unique per function: "sign_flipped", "missing_hidden_derivative"
    function: str  # the reference function it replaces
    matches: str  # "the reference without the factor H * (1 - H)"
    explanation: str  # "the hidden layer's logistic derivative is missing"
    fix: str = ""
    origin: str = "generic"  # "generic", "assignment" or "composed" (grader.diagnosis.composed)
    #: makes the mistaken function from the reference and the mutated module
    build: Callable[[types.ModuleType, types.ModuleType], Callable] = field(
        kw_only=True, repr=False
    )
    kind: str = ""  # the primitive change ("sign", "axis", ...): how to find the student's line
    site: str = ""  # the reference's code where the change is made
    place: str = ""  # "i/n": the i-th (from 0, in source order) of n such places

    @property
    def id(self) -> str:
        return f"{self.function}/{self.name}"

    def sentence(self, checked: str) -> str:
        """Plain words: what the student's function ``checked`` matches, and why."""
        if checked == self.function:
            return f"your `{checked}` matches {self.matches}: {self.explanation}"
        return (
            f"your `{checked}` gives what the reference gives when its `{self.function}` "
            f"has this mistake: {self.explanation}"
        )


# -- the decorator instructors use in assignments/<slug>/mutations.py ------------------------


def mutation(
    function: str, matches: str, *, explanation: str, fix: str = "", name: str | None = None
):
    """Declare a mistake in ``function`` of the reference.

    The decorated function takes the (unmodified) reference module first, then
    the same arguments as the reference function, and returns what the mistaken
    function would return::

        @mutation("error_hidden", "the reference without the factor H * (1 - H)",
                  explanation="the hidden layer's logistic derivative is missing",
                  fix="multiply by H * (1 - H), the logistic's derivative written with its output")
        def missing_hidden_derivative(ref, H, Wo, Eo):
            return np.asarray(Eo) @ np.asarray(Wo).T
    """

    def wrap(fn: Callable) -> Callable:
        def build(reference: types.ModuleType, mutated: types.ModuleType) -> Callable:
            def mutated_function(*args, **kwargs):
                return fn(reference, *args, **kwargs)

            mutated_function.__name__ = function
            return mutated_function

        fn.__mutation__ = Mutation(  # type: ignore[attr-defined]
            name=name or fn.__name__,
            function=function,
            matches=matches,
            explanation=explanation,
            fix=fix,
            origin="assignment",
            build=build,
        )
        return fn

    return wrap


# -- generic mutations ---------------------------------------------------------------------------


#: what makes a generic mutation's function: the reference, the mutated module, the function
FunctionBuild = Callable[[types.ModuleType, types.ModuleType, str], Callable]


def _output_mutation(name: str, transform: Callable[[Any, tuple], Any]) -> FunctionBuild:
    def build(reference: types.ModuleType, mutated: types.ModuleType, function: str) -> Callable:
        original = rebind(getattr(reference, function), mutated.__dict__)

        def mutated_function(*args, **kwargs):
            out = original(*args, **kwargs)
            # not applicable to this output (a square matrix, no samples, one value): no change
            return transform(out, args) if _applicable(name, out, args) else out

        mutated_function.__name__ = function
        return mutated_function

    return build


def _map_arrays(value: Any, fn: Callable[[np.ndarray], Any]) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(_map_arrays(v, fn) for v in value)
    if isinstance(value, (np.ndarray, np.generic, int, float)) and not isinstance(value, bool):
        out = fn(np.asarray(value, dtype=float))
        return float(out) if np.ndim(value) == 0 and np.ndim(out) == 0 else out
    return value


def sample_count(args: tuple) -> int | None:
    """The number of samples: the first dimension of the first array argument with 2+ dimensions."""
    for arg in args:
        for item in arg if isinstance(arg, (list, tuple)) else [arg]:
            if isinstance(item, np.ndarray) and item.ndim >= 2:
                return int(item.shape[0])
    return None


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    return [np.asarray(value)] if isinstance(value, (np.ndarray, np.generic, float, int)) else []


def _transpose(out, args):
    return _map_arrays(out, lambda a: a.T if a.ndim == 2 else a)


def _mean(out, args):
    n = sample_count(args)
    return _map_arrays(out, lambda a: a / n)


def _order(out, args):
    items = list(out)
    half = len(items) // 2
    items = items[half:] + items[:half] if len(items) >= 4 and len(items) % 2 == 0 else items[::-1]
    return type(out)(items) if isinstance(out, tuple) else items


GENERIC = [
    (
        "sign_flipped",
        "the reference with the opposite sign",
        "the sign is flipped (a subtraction the wrong way round, like T - Y instead of Y - T, "
        "or a stray minus)",
        "check the order of the subtraction: prediction minus target (Y - T), and remove any "
        "extra minus sign",
        lambda out, args: _map_arrays(out, lambda a: -a),
    ),
    (
        "transposed",
        "the transpose of the reference",
        "the result is transposed (the factors of a matrix product swapped, or a .T in the wrong place)",
        "a weight gradient has the shape of its weight matrix: (layer inputs).T @ (errors), "
        "not (errors).T @ (layer inputs)",
        _transpose,
    ),
    (
        "mean_instead_of_sum",
        "the reference divided by the number of samples",
        "it averages over the samples where the assignment sums (off by the batch size)",
        "sum over the samples instead of taking the mean or dividing by n",
        _mean,
    ),
    (
        "factor_half",
        "half the reference",
        "a constant factor 2 is missing (for example the 2 that the derivative of a square "
        "brings down)",
        "multiply by the missing factor 2",
        lambda out, args: _map_arrays(out, lambda a: 0.5 * a),
    ),
    (
        "factor_two",
        "twice the reference",
        "there is an extra factor 2 (for example the 0.5 of a squared error dropped, or a 2 "
        "kept where it cancels)",
        "remove the extra factor 2",
        lambda out, args: _map_arrays(out, lambda a: 2.0 * a),
    ),
    (
        "wrong_order",
        "the reference's results in a different order",
        "the values are right but returned in the wrong order (for example the output layer's "
        "gradients first)",
        "return the results in exactly the order the assignment specifies",
        _order,
    ),
]


def _applicable(name: str, output: Any, args: tuple) -> bool:
    arrays = _arrays(output)
    if name == "transposed":
        return any(a.ndim == 2 and a.shape[0] != a.shape[1] for a in arrays)
    if name == "mean_instead_of_sum":
        n = sample_count(args)
        # a reduction over the samples: no result keeps the sample dimension first
        return bool(
            n and n > 1 and arrays and not any(a.ndim >= 1 and a.shape[0] == n for a in arrays)
        )
    if name == "wrong_order":
        return isinstance(output, (list, tuple)) and len(output) >= 2
    return bool(arrays)


# -- mutated modules ----------------------------------------------------------------------------


def own_functions(reference: types.ModuleType) -> dict[str, types.FunctionType]:
    return {
        k: v
        for k, v in vars(reference).items()
        if isinstance(v, types.FunctionType) and v.__globals__ is vars(reference)
    }


def mutated_module(reference: types.ModuleType, mut: Mutation) -> types.ModuleType:
    """A copy of ``reference`` whose ``mut.function`` is the mistaken one, seen by all callers."""
    module = types.ModuleType(f"{reference.__name__}__{mut.function}__{mut.name}")
    module.__dict__.update({k: v for k, v in vars(reference).items() if k != "__name__"})
    for name, fn in own_functions(reference).items():
        module.__dict__[name] = rebind(fn, module.__dict__)
    module.__dict__[mut.function] = mut.build(reference, module)
    return module


def dependencies(reference: types.ModuleType, function: str) -> set[str]:
    """The reference functions ``function`` calls, directly or not, itself included."""
    functions = own_functions(reference)

    def names(code: types.CodeType) -> set[str]:
        out = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                out |= names(const)
        return out

    seen, todo = set(), [function]
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        todo.extend(names(functions[name].__code__) - seen)
    return seen


# -- the catalogue of one assignment --------------------------------------------------------------


@dataclass
class Catalogue:
    reference: types.ModuleType
    mutations: list[Mutation]
    errors: list[str] = field(default_factory=list)
    _modules: dict[str, types.ModuleType] = field(default_factory=dict, repr=False)
    _deps: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _composed: dict[str, list[Mutation]] = field(default_factory=dict, repr=False)

    def module(self, mut: Mutation) -> types.ModuleType:
        if mut.id not in self._modules:
            self._modules[mut.id] = mutated_module(self.reference, mut)
        return self._modules[mut.id]

    def affecting(self, function: str) -> list[Mutation]:
        """The mutations that can change what ``function`` returns."""
        if function not in self._deps:
            self._deps[function] = dependencies(self.reference, function)
        deps = self._deps[function]
        return [m for m in self.mutations if m.function in deps]

    def get(self, mutation_id: str) -> Mutation | None:
        return next((m for m in self.mutations if m.id == mutation_id), None)

    def composed(self, function: str) -> list[Mutation]:
        """The composed mutations (one primitive change at one place) of ``function`` and of
        the functions it calls: searched by the diagnosis, never part of the catalogue that
        ``grader validate`` grades."""
        from grader.diagnosis.composed import composed_mutations

        if function not in self._deps:
            self._deps[function] = dependencies(self.reference, function)
        found = []
        for name in sorted(self._deps[function], key=lambda n: n != function):
            if name not in self._composed:
                try:
                    self._composed[name] = composed_mutations(self.reference, name)
                except Exception:  # noqa: BLE001 - a reference the search cannot read
                    log.exception("composed mutations of %s failed", name)
                    self._composed[name] = []
            found.extend(self._composed[name])
        return found


def generic_mutations(reference: types.ModuleType, function: str) -> list[Mutation]:
    """The generic mutations of ``function``.

    Whether one applies depends on the output (a transpose needs a non-square
    matrix, mean-instead-of-sum a reduction over the samples): where it does not,
    the mutated function returns the reference's output unchanged, so it can
    never be the explanation of a difference.
    """
    if not callable(getattr(reference, function, None)):
        return []
    builds = [(g[:4], _output_mutation(g[0], g[4])) for g in GENERIC]
    described = {m[0]: (m[0], *m[2:]) for m in SOURCE_MUTATIONS}  # without the transformer
    for name, build in source_mutations(reference, function):
        words = described[name]
        if name == "wrong_axis":
            words = (*words[:3], axis_fix(reference, function) or words[3])
        builds.append((words, build))
    return [
        Mutation(
            name=name,
            function=function,
            matches=matches,
            explanation=explanation,
            fix=fix,
            build=_of_function(build, function),
        )
        for (name, matches, explanation, fix), build in builds
    ]


def _of_function(
    build: FunctionBuild, function: str
) -> Callable[[types.ModuleType, types.ModuleType], Callable]:
    return lambda reference, mutated: build(reference, mutated, function)


def assignment_mutations(
    folder: Path, reference: types.ModuleType
) -> tuple[list[Mutation], list[str]]:
    """The mutations declared in ``folder/mutations.py`` (and import problems, as text)."""
    path = Path(folder) / MUTATIONS_FILE
    if not path.is_file():
        return [], []
    name = f"grader_mutations_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return [], [f"{path}: cannot be imported"]
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - report, do not break grading
        log.exception("importing %s failed", path)
        return [], [f"{path}: importing failed: {type(exc).__name__}: {exc}"]
    found, errors = [], []
    for value in vars(module).values():
        mut = getattr(value, "__mutation__", None)
        if isinstance(mut, Mutation):
            if not callable(getattr(reference, mut.function, None)):
                errors.append(
                    f"{path}: mutation {mut.name} targets {mut.function}, "
                    "which is not a reference function"
                )
                continue
            found.append(mut)
    return found, errors


#: catalogues kept built, one per imported reference module, the least recently used
#: forgotten beyond this many (a reloaded assignment brings a new module)
CACHED_CATALOGUES = 16
_CACHE: OrderedDict[int, tuple[types.ModuleType, Catalogue]] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def catalogue_for(reference: types.ModuleType) -> Catalogue:
    """The catalogue of an assignment, from its imported reference module (cached).

    Generic mutations of every function the reference defines, then the
    assignment's own from the ``mutations.py`` beside the reference.
    """
    key = id(reference)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached and cached[0] is reference:
            _CACHE.move_to_end(key)
            return cached[1]
    mutations: list[Mutation] = []
    for function in own_functions(reference):
        mutations.extend(generic_mutations(reference, function))
    folder = Path(getattr(reference, "__file__", "") or ".").parent
    extra, errors = assignment_mutations(folder, reference)
    mutations.extend(extra)
    seen, unique = set(), []
    for m in mutations:
        if m.id in seen:
            errors.append(f"duplicate mutation {m.id}")
            continue
        seen.add(m.id)
        unique.append(m)
    catalogue = Catalogue(reference=reference, mutations=unique, errors=errors)
    with _CACHE_LOCK:
        _CACHE[key] = (reference, catalogue)
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHED_CATALOGUES:
            _CACHE.popitem(last=False)
    return catalogue
