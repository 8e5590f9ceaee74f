"""What is known when no mistake can be named: facts about the first wrong result, in words
(which results are right, a shape, a constant factor or offset, NaN or infinite values and
where they first appear, rows in another order, where the error is largest)."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.diagnosis.catalogue import sample_count
from grader.diagnosis.values import ATOL, RTOL, same
from grader.sandbox.inside import codec


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
        first = np.unravel_index(int(np.argmax(bad)), bad.shape) if bad.ndim else ()
        at = f", the first at {[int(i) for i in first]}" if first else ""
        if bad.ndim == 2 and np.isfinite(exp).all():
            rows = sorted({int(i) for i in np.flatnonzero(bad.any(axis=1))})
            at += f" (rows {rows[:6]}{', ...' if len(rows) > 6 else ''})"
        return f"{int(bad.sum())} of {got.size} values are NaN or infinite{at}"
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
    if e.ndim == 2 and e.shape[0] > 1 and not same(e, g):
        order = _row_permutation(e, g)
        if order is not None:
            return f"{label} has the right rows in another order (row i holds expected row {order})"
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


def _row_permutation(e: np.ndarray, g: np.ndarray) -> list[int] | None:
    """Which expected row each row of ``g`` is, when ``g`` is ``e`` with its rows reordered."""
    order, used = [], set()
    for row in g:
        j = next((j for j in range(len(e)) if j not in used and same(e[j], row)), None)
        if j is None:
            return None
        used.add(j)
        order.append(j)
    return order
