"""Name the backprop mistake: a catalogue of mutations, matching, and the validate report.

``diagnose_check`` is what the function and gradient checks call at the point of
failure; it never raises (a bug here must not cost a student their grade).
"""

from __future__ import annotations

import logging
from typing import Any

from grader.diagnosis.catalogue import Catalogue, Mutation, catalogue_for, mutation
from grader.diagnosis.matching import Diagnosis, diagnose, matches_text

log = logging.getLogger(__name__)

__all__ = [
    "Catalogue",
    "Diagnosis",
    "Mutation",
    "catalogue_for",
    "diagnose",
    "diagnose_check",
    "mutation",
    "refine",
]


def diagnose_check(
    check,
    result,
    trials: list[tuple[list, Any]],
    ctx,
    *,
    names: list[str] | None = None,
    expected: list | None = None,
):
    """Append the diagnosis of a failed check to its message and details; return the result.

    ``trials``: (input values, a Call from the sandbox) for every input the check used.
    """
    if result.passed or ctx is None or getattr(ctx, "reference", None) is None:
        return result
    try:
        usable = [(values, call.value) for values, call in trials if not call.error]
        if expected is not None:
            expected = [e for (_, call), e in zip(trials, expected, strict=True) if not call.error]
        if not usable:
            return result
        catalogue = catalogue_for(ctx.reference)
        found = diagnose(catalogue, check.function, usable, names=names, expected=expected)
    except Exception:  # noqa: BLE001 - never let the diagnosis break grading
        log.exception("diagnosing check %s failed", getattr(check, "name", "?"))
        return result
    if found is None:
        return result
    text = found.text()
    if text:
        result.message = (
            f"{result.message}. {text}"
            if not result.message.endswith(".")
            else f"{result.message} {text}"
        )
    result.details["diagnosis"] = found.entries()
    result.details["diagnosis_text"] = text
    if found.observations:
        result.details["observations"] = found.observations
    return result


def refine(results: list) -> None:
    """Across the checks of one grading: where several mistakes match, put first those that
    the check of their own function found too (the likely root cause), and say so."""
    confirmed: dict[str, str] = {}
    for result in results:
        entries = result.details.get("diagnosis") or []
        if len(entries) == 1 and entries[0]["mutation"].split("/")[0] == entries[0].get("checked"):
            confirmed.setdefault(entries[0]["mutation"], result.name)
    for result in results:
        entries = result.details.get("diagnosis") or []
        old = result.details.get("diagnosis_text")
        if len(entries) < 2 or not old or old not in result.message:
            continue
        here = {k: v for k, v in confirmed.items() if v != result.name}
        if not any(e["mutation"] in here for e in entries):
            continue
        entries = sorted(entries, key=lambda e: e["mutation"] not in here)
        new = matches_text(entries, here)
        result.message = result.message.replace(old, new)
        result.details["diagnosis"] = entries
        result.details["diagnosis_text"] = new
