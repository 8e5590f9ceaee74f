"""Observations that name a mistake no mutation can: facts about the student's calls.

* an argument modified in place (reported by the sandbox's harness for every call:
  untrusted, so it may only change the feedback's words, never a score; it is
  validated when read and checked against the arguments the check really passed);
* a result of an integer dtype (an integer accumulator truncates);
* a result that is all zeros where the reference's is not;
* the reference's result on a subset of the samples (one sample only, all but one);
* the updated parameter returned in place of the gradient (``w - c * gradient``).

Each is a diagnosis entry placed in the checked function; ``grader.diagnosis.refine``
moves it to a function it calls when that function's own check saw the same.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np

from grader.diagnosis.catalogue import sample_count
from grader.sandbox.inside import codec

RTOL = 1e-5


def entry(function: str, name: str, sentence: str, fix: str, evidence: str, kind: str) -> dict:
    return {
        "mutation": f"{function}/observed:{name}",
        "function": function,
        "explanation": sentence,
        "fix": fix,
        "evidence": evidence,
        "sentence": sentence,
        "checked": function,
        "kind": kind,
    }


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _label(names: list[str] | None, i: int, many: bool) -> str:
    if not many:
        return "your result"
    return f"`{names[i]}`" if names and i < len(names) else f"result {i}"


def argument_names(args: list[dict]) -> dict[tuple[int, int], str]:
    """(argument, list item or -1) -> the name the assignment gives it."""
    names = {}
    for i, arg in enumerate(args):
        names[(i, -1)] = arg.get("name", f"argument {i}")
        for j, item in enumerate(arg.get("items") or []):
            names[(i, j)] = item.get("name", f"{names[(i, -1)]}[{j}]")
    return names


def in_place(function: str, mutated: list[tuple], args: list[dict], total: int) -> list[dict]:
    """``mutated``: the sandbox's (argument, item) pairs of every call, validated here."""
    names = argument_names(args)
    seen = sorted({pair for pairs in mutated for pair in pairs if pair in names})
    if not seen:
        return []
    which = ", ".join(f"`{names[p]}`" for p in seen)
    one = names[seen[0]]
    return [
        entry(
            function,
            "in_place",
            f"your `{function}` modifies its argument{'s' if len(seen) > 1 else ''} {which} in "
            "place: an augmented assignment (`-=`, `/=`) or an item assignment on an argument "
            "changes the caller's array too, and every later use of it",
            f"work on a new array (`{one} = {one} - ...` instead of `{one} -= ...`), or copy "
            "it first",
            f"the grader compared the arguments before and after each call; "
            f"{sum(1 for pairs in mutated if pairs)} of {total} calls changed them",
            "in_place",
        )
    ]


def result_facts(
    function: str,
    trials: list[tuple[list, Any]],
    expected: list,
    first: int,
    names: list[str] | None,
) -> list[dict]:
    """Integer results and all-zero results, in the first wrong result."""
    got, exp = trials[first][1], expected[first]
    gots, exps = _items(got), _items(exp)
    many = isinstance(exp, list)
    if len(gots) != len(exps):
        return []
    evidence = f"seen on {len(trials)} input{'s' if len(trials) > 1 else ''} of this check"
    found = []
    ints = [
        i
        for i, (g, e) in enumerate(zip(gots, exps, strict=True))
        if isinstance(g, np.ndarray) and g.dtype.kind in "iu" and not _integral(e)
    ]
    if ints:
        what = ", ".join(_label(names, i, many) for i in ints)
        found.append(
            entry(
                function,
                "integer",
                f"{what} {'come' if len(ints) > 1 else 'comes'} back as integers where the "
                "expected values are fractions: an integer accumulator (np.zeros(..., "
                "dtype=int), or np.zeros_like of an integer array) truncates every value",
                "accumulate in a float array: np.zeros(shape) is float by default",
                evidence,
                "integer",
            )
        )
    zeros = [
        i
        for i, (g, e) in enumerate(zip(gots, exps, strict=True))
        if i not in ints and _all_zero(g) and not _all_zero(e)
    ]
    if zeros:
        what = ", ".join(_label(names, i, many) for i in zeros)
        found.append(
            entry(
                function,
                "zeros",
                f"{what} {'are' if len(zeros) > 1 else 'is'} all zeros where the expected values "
                "are not: it is never computed (returned as initialised with np.zeros?)",
                "compute it and return the computed array, not its initial zeros",
                evidence,
                "zeros",
            )
        )
    return found


def _integral(value: Any) -> bool:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return True
    return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


def _all_zero(value: Any) -> bool:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.size > 0 and bool(np.all(a == 0))


# -- a subset of the samples -------------------------------------------------------------------


def _call(fn, values: list) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return codec.decode(codec.encode(fn(*copy.deepcopy(values))))


def _rows(values: list, keep: list[int], n: int) -> list:
    return [
        v[keep] if isinstance(v, np.ndarray) and v.ndim == 2 and v.shape[0] == n else v
        for v in values
    ]


def sample_subset(function: str, reference_fn, trials: list[tuple[list, Any]], same) -> list[dict]:
    """The student's results are the reference's on one sample only, or on all but one."""
    hits: list[set[str]] = []
    for values, got in trials:
        n = sample_count(tuple(values))
        if not n or n < 3 or not isinstance(values[0], np.ndarray) or values[0].shape[0] != n:
            return []
        here = set()
        for k in range(n):
            for mode, keep in (("only", [k]), ("without", [i for i in range(n) if i != k])):
                try:
                    if same(_call(reference_fn, _rows(values, keep, n)), got):
                        position = "first" if k == 0 else "last" if k == n - 1 else f"#{k}"
                        here.add(f"{mode}:{position}")
                except Exception:  # noqa: BLE001 - the reference cannot take this subset
                    continue
        hits.append(here)
    common = set.intersection(*hits) if hits else set()
    if not common:
        return []
    mode, position = sorted(common)[0].split(":")
    evidence = f"it reproduces your results on all {len(trials)} inputs of this check"
    if mode == "only":
        return [
            entry(
                function,
                "one_sample",
                f"your `{function}` gives the reference's result computed on the {position} "
                "sample only: in a loop over the samples, each sample's gradient replaces the "
                "previous one (`dW = ...`) instead of being added to it (`dW += ...`)",
                "sum over all the samples: accumulate with += (starting from zeros), or use "
                "the matrix form over the whole batch",
                evidence,
                "one_sample",
            )
        ]
    return [
        entry(
            function,
            "skips_sample",
            f"your `{function}` gives the reference's result computed without the {position} "
            "sample: a loop over the samples skips one (range(1, n) or range(n - 1))",
            "loop over every sample: for i in range(n)",
            evidence,
            "skips_sample",
        )
    ]


# -- the updated parameter in place of the gradient ------------------------------------------


def updated_parameter(
    function: str, trials: list[tuple[list, Any]], expected: list, arg_names: list[str]
) -> list[dict]:
    """``got == p - c * expected`` for an argument ``p`` of the result's shape and one
    constant ``c`` (a learning rate) on every input."""
    if len(trials) < 2:
        return []
    found: dict[tuple[int, int], list[float]] = {}
    for (values, got), exp in zip(trials, expected, strict=True):
        gots, exps = _items(got), _items(exp)
        if len(gots) != len(exps):
            return []
        for i, (g, e) in enumerate(zip(gots, exps, strict=True)):
            try:
                g, e = np.asarray(g, dtype=float), np.asarray(e, dtype=float)
            except (TypeError, ValueError):
                return []
            for j, p in enumerate(values):
                if not isinstance(p, np.ndarray | float) or np.shape(p) != e.shape:
                    continue
                p = np.asarray(p, dtype=float)
                denom = float(np.sum(e * e))
                if denom == 0:
                    continue
                if g.shape != e.shape:
                    continue
                c = float(np.sum((p - g) * e) / denom)
                if abs(c) > 1e-9 and np.allclose(g, p - c * e, rtol=RTOL, atol=1e-9):
                    found.setdefault((i, j), []).append(c)
    for (_, j), cs in found.items():
        if len(cs) == len(trials) and np.allclose(cs, cs[0], rtol=1e-6):
            name = arg_names[j] if j < len(arg_names) else f"argument {j}"
            c = cs[0]
            step = f"{name} - {c:.4g} * gradient" if c > 0 else f"{name} + {-c:.4g} * gradient"
            return [
                entry(
                    function,
                    "updated_parameter",
                    f"your `{function}` returns the updated parameter `{step}` instead of the "
                    "gradient itself: the gradient function returns dJ/dw, and the step "
                    "w -= learning_rate * gradient belongs in the training loop",
                    "return the gradient; update the weight where you train",
                    f"the same step size {abs(c):.4g} on all {len(trials)} inputs of this check",
                    "updated_parameter",
                )
            ]
    return []
