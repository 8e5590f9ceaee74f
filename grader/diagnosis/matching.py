"""Diagnosis: which catalogue mistake does a failing student function match?

The student's outputs (on the check's own inputs, as they came back from the
sandbox) are compared with the outputs of every mutation that can change the
checked function, computed here in the trusted process on the same inputs. A
mutation matches when it reproduces the student's outputs on *every* input the
check used, the ones the student got right included. Several matches are all
reported: a diagnosis is a hypothesis with evidence, never false certainty.
When nothing matches, we say what is known: shapes, which results are right,
a constant factor, where the error is largest.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.diagnosis.catalogue import Catalogue, Mutation, sample_count
from grader.sandbox import codec

RTOL = 1e-5
ATOL = 1e-8


@dataclass
class Diagnosis:
    function: str
    matches: list[Mutation] = field(default_factory=list)
    evidence: str = ""
    observations: list[str] = field(default_factory=list)

    def entries(self) -> list[dict]:
        return [
            {
                "mutation": m.id,
                "explanation": m.explanation,
                "fix": m.fix,
                "evidence": self.evidence,
                "sentence": m.sentence(self.function),
                "checked": self.function,
            }
            for m in self.matches
        ]

    def text(self) -> str:
        if self.matches:
            return matches_text(self.entries())
        if self.observations:
            return "Not a mistake we know; what we can see: " + "; ".join(self.observations) + "."
        return ""


def matches_text(entries: list[dict], confirmed: dict[str, str] | None = None) -> str:
    """The sentence for one or several matching mistakes (``confirmed``: id -> the check that
    found the same mistake in the function it belongs to)."""
    confirmed = confirmed or {}
    if len(entries) == 1:
        e = entries[0]
        fix = f" Fix: {e['fix']}." if e.get("fix") else ""
        return f"Likely mistake: {e['sentence']} ({e['evidence']}).{fix}"
    parts = []
    for i, e in enumerate(entries, 1):
        note = (
            f" (the check `{confirmed[e['mutation']]}` found exactly this mistake)"
            if e["mutation"] in confirmed
            else ""
        )
        parts.append(f"({i}) {e['sentence']}{note}")
    return (
        f"Possible mistakes: {len(entries)} known mistakes match equally well "
        f"({entries[0]['evidence']}), and these inputs cannot tell them apart: "
        + "; ".join(parts)
        + "."
    )


# -- comparing values ------------------------------------------------------------------------


def normalise(value: Any) -> Any:
    """What the value would look like after crossing the sandbox boundary."""
    return codec.decode(codec.encode(value))


def same(a: Any, b: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return (
            isinstance(a, list)
            and isinstance(b, list)
            and len(a) == len(b)
            and all(same(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
        )
    if (
        a is None
        or b is None
        or isinstance(a, codec.Unsupported)
        or isinstance(b, codec.Unsupported)
    ):
        return False
    try:
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    if x.size == 1 and y.size == 1:
        x, y = x.reshape(()), y.reshape(())
    elif x.shape != y.shape:
        return False
    return bool(np.allclose(y, x, rtol=rtol, atol=atol, equal_nan=True))


def call_quietly(fn, values: list) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return normalise(fn(*copy.deepcopy(values)))


# -- matching --------------------------------------------------------------------------------


def diagnose(
    catalogue: Catalogue,
    function: str,
    trials: list[tuple[list, Any]],
    *,
    names: list[str] | None = None,
    expected: list | None = None,
) -> Diagnosis | None:
    """``trials``: (input values, the student's decoded output) for every call that returned.

    ``expected`` gives the right outputs when the reference has no ``function``
    (a gradient check against numerical gradients): then only observations.
    Returns None when the student's outputs are all right (nothing to diagnose).
    """
    if not trials:
        return None
    reference = getattr(catalogue.reference, function, None)
    if expected is None:
        if not callable(reference):
            return None
        expected = []
        for values, _ in trials:
            try:
                expected.append(call_quietly(reference, values))
            except Exception:  # noqa: BLE001 - the reference cannot take it: nothing to say
                return None
    wrong = [
        i
        for i, ((_, got), exp) in enumerate(zip(trials, expected, strict=True))
        if not same(exp, got)
    ]
    if not wrong:
        return None
    diagnosis = Diagnosis(function=function)
    if callable(reference):
        for mut in catalogue.affecting(function):
            mutated = getattr(catalogue.module(mut), function)
            try:
                if all(same(call_quietly(mutated, values), got) for values, got in trials):
                    diagnosis.matches.append(mut)
            except Exception:  # noqa: BLE001 - the mutated reference fails here: no match
                continue
        diagnosis.matches.sort(key=lambda m: (m.function != function, m.origin != "assignment"))
    total = len(trials)
    diagnosis.evidence = (
        f"it reproduces your results on all {total} inputs of this check"
        if total > 1
        else "it reproduces your result on the input of this check"
    )
    if not diagnosis.matches:
        diagnosis.observations = observe(trials, expected, wrong, names)
    return diagnosis


# -- what is known when nothing matches ------------------------------------------------------


def _label(names: list[str] | None, i: int) -> str:
    return names[i] if names and i < len(names) else f"item {i}"


def _factor_words(c: float, n: int | None) -> str:
    for value, words in (
        (-1.0, "the sign is flipped"),
        (0.5, "half of what it should be"),
        (2.0, "twice what it should be"),
        (-0.5, "minus half of what it should be"),
        (-2.0, "minus twice what it should be"),
    ):
        if np.isclose(c, value, rtol=1e-6):
            return words
    if n and np.isclose(c, 1.0 / n, rtol=1e-6):
        return f"divided by the number of samples ({n}): a mean instead of a sum?"
    if n and np.isclose(c, float(n), rtol=1e-6):
        return f"multiplied by the number of samples ({n})"
    return f"off by a constant factor {c:.4g}"


def _constant_factor(pairs: list[tuple[np.ndarray, np.ndarray]]) -> float | None:
    e = np.concatenate([p[0].ravel() for p in pairs])
    g = np.concatenate([p[1].ravel() for p in pairs])
    if e.size < 2 or not np.all(np.isfinite(g)) or np.dot(e, e) == 0:
        return None
    c = float(np.dot(g, e) / np.dot(e, e))
    if abs(c) < 1e-12 or abs(c - 1.0) < 1e-9:
        return None
    if np.linalg.norm(g - c * e) <= 1e-6 * (np.linalg.norm(g) + np.linalg.norm(e)):
        return c
    return None


def _where(exp: np.ndarray, got: np.ndarray) -> str:
    diff = np.abs(got - exp)
    if not np.all(np.isfinite(got)):
        bad = ~np.isfinite(got)
        return f"{int(bad.sum())} of {got.size} values are NaN or infinite"
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    text = (
        (
            f"the largest difference is at {list(int(i) for i in worst)}: expected "
            f"{exp[worst]:.6g}, got {got[worst]:.6g}"
        )
        if worst
        else (f"expected {float(exp):.6g}, got {float(got):.6g}")
    )
    if diff.ndim == 2 and diff.size > 1:
        off = diff > ATOL + RTOL * np.abs(exp)
        rows = [int(i) for i in np.flatnonzero(off.any(axis=1))]
        cols = [int(j) for j in np.flatnonzero(off.any(axis=0))]
        if len(rows) < diff.shape[0]:
            text += f"; only rows {rows} are wrong (of {diff.shape[0]})"
        elif len(cols) < diff.shape[1]:
            text += f"; only columns {cols} are wrong (of {diff.shape[1]})"
    return text


def _observe_item(label: str, pairs: list[tuple[Any, Any]], n: int | None) -> str | None:
    try:
        return _describe_item(label, pairs, n)
    except (TypeError, ValueError, IndexError):  # not numeric data: nothing more to say
        return None


def _describe_item(label: str, pairs: list[tuple[Any, Any]], n: int | None) -> str | None:
    exp, got = pairs[0]
    if got is None or isinstance(got, (codec.Unsupported, list)):
        return None
    e, g = np.asarray(exp, dtype=float), np.asarray(got, dtype=float)
    if e.size == 1 and g.size == 1:
        e, g = e.reshape(()), g.reshape(())
    if e.shape != g.shape:
        if g.ndim == 2 and g.shape == e.shape[::-1]:
            if same(e.T, g):
                return f"{label} is the transpose of the expected {tuple(e.shape)} matrix"
            return f"{label} has the transposed shape {tuple(g.shape)}, expected {tuple(e.shape)}"
        if (
            g.ndim == 2
            and e.ndim == 2
            and e.shape[0] == 1
            and g.shape[1] == e.shape[1]
            and same(g.sum(axis=0, keepdims=True), e)
        ):
            return (
                f"{label} keeps one row per sample: summed over the samples (axis 0) "
                "it would be right"
            )
        return f"{label} has shape {tuple(g.shape)}, expected {tuple(e.shape)}"
    arrays = []
    for ex, gx in pairs:
        try:
            ea, ga = np.asarray(ex, dtype=float), np.asarray(gx, dtype=float)
        except (TypeError, ValueError):
            return None
        if ea.size != ga.size:
            break
        arrays.append((ea.reshape(-1), ga.reshape(-1)))
    else:
        c = _constant_factor(arrays)
        if c is not None:
            return f"{label} is {_factor_words(c, n)} (exactly {c:.4g} times the expected values)"
        shift = np.concatenate([ga - ea for ea, ga in arrays])
        if (
            shift.size > 1
            and np.all(np.isfinite(shift))
            and abs(shift.mean()) > ATOL
            and np.ptp(shift) <= 1e-9 + 1e-6 * abs(shift.mean())
        ):
            return f"{label} is off by the same constant {shift.mean():.4g} everywhere"
    return f"{label}: {_where(e, g)}"


def observe(
    trials: list[tuple[list, Any]], expected: list, wrong: list[int], names: list[str] | None
) -> list[str]:
    """A few facts about the first wrong result, in words."""
    first = wrong[0]
    values, got = trials[first]
    exp = expected[first]
    n = sample_count(tuple(values))
    facts: list[str] = []
    if isinstance(exp, list):
        if not isinstance(got, list) or len(got) != len(exp):
            return facts
        used: set[int] = set()
        perm = []
        for g in got:
            j = next((j for j, e in enumerate(exp) if j not in used and same(e, g)), None)
            if j is None:
                break
            used.add(j)
            perm.append(j)
        if len(perm) == len(exp) and perm != list(range(len(exp))):
            where = ", ".join(
                f"{_label(names, i)} holds {_label(names, j)}" for i, j in enumerate(perm) if i != j
            )
            return [f"the results are right but in the wrong order ({where})"]
        right = [
            _label(names, i) for i, (e, g) in enumerate(zip(exp, got, strict=True)) if same(e, g)
        ]
        bad = [i for i, (e, g) in enumerate(zip(exp, got, strict=True)) if not same(e, g)]
        if right:
            facts.append(
                f"{', '.join(right)} {'is' if len(right) == 1 else 'are'} right, "
                f"{', '.join(_label(names, i) for i in bad)} "
                f"{'is' if len(bad) == 1 else 'are'} wrong"
            )
        for i in bad[:2]:
            pairs = [
                (expected[t][i], trials[t][1][i])
                for t in wrong
                if isinstance(trials[t][1], list) and len(trials[t][1]) == len(exp)
            ]
            fact = _observe_item(_label(names, i), pairs, n)
            if fact:
                facts.append(fact)
        return facts
    pairs = [(expected[t], trials[t][1]) for t in wrong]
    fact = _observe_item("your result", pairs, n)
    return [fact] if fact else facts
