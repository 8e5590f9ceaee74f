"""Name the backprop mistake: a catalogue of mutations, matching, and the validate report.

``diagnose_check`` is what the function and gradient checks call at the point of
failure; it never raises (a bug here must not cost a student their grade).
"""

from __future__ import annotations

import logging
from typing import Any

from grader.diagnosis.catalogue import Catalogue, Mutation, catalogue_for, mutation
from grader.diagnosis.locate import student_line
from grader.diagnosis.matching import Diagnosis, diagnose, matches_text
from grader.diagnosis.refine import refine

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
        mutated = [call.mutated for _, call in trials if not call.error]
        if expected is not None:
            expected = [e for (_, call), e in zip(trials, expected, strict=True) if not call.error]
        if not usable:
            return result
        catalogue = catalogue_for(ctx.reference)
        found = diagnose(
            catalogue,
            check.function,
            usable,
            names=names,
            expected=expected,
            args=getattr(check, "args", None),
            mutated=mutated,
        )
    except Exception:  # noqa: BLE001 - never let the diagnosis break grading
        log.exception("diagnosing check %s failed", getattr(check, "name", "?"))
        return result
    if found is None:
        return result
    entries = found.entries()
    for entry in entries:
        if entry.get("function") == check.function:
            try:
                line = student_line(
                    getattr(ctx, "sources", []),
                    check.function,
                    entry.get("kind", ""),
                    entry.get("site", ""),
                    entry.get("place", ""),
                )
            except Exception:  # noqa: BLE001 - quoting a line is a nicety
                log.exception("locating the line of %s failed", entry.get("mutation"))
                line = None
            if line:
                entry["line"] = line
    text = matches_text(entries) if entries else found.text()
    if text:
        result.message = (
            f"{result.message}. {text}"
            if not result.message.endswith(".")
            else f"{result.message} {text}"
        )
    result.details["diagnosis"] = entries
    result.details["diagnosis_text"] = text
    if found.observations:
        result.details["observations"] = found.observations
    return result
