"""Name the backprop mistake: a catalogue of mutations, matching, and the validate report.

``diagnose_check`` is what the engine calls on each judged check, with the trials a failed
function or gradient check returned; it never raises (a bug here must not cost a student
their grade).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from grader.diagnosis.catalogue import Catalogue, Mutation, catalogue_for, mutation
from grader.diagnosis.locate import student_line
from grader.diagnosis.matching import Diagnosis, diagnose, matches_text
from grader.diagnosis.refine import refine
from grader.results import CheckResult

if TYPE_CHECKING:
    from grader.checks.base import Judged

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


def diagnose_check(judged: Judged, ctx) -> CheckResult:
    """The judged check's result, with the diagnosis of its trials (when it failed) appended
    to its message and details."""
    result, trials = judged.result, judged.trials
    if result.passed or trials is None or getattr(ctx, "reference", None) is None:
        return result
    function = trials.function
    try:
        usable = [(values, call.value) for values, call in trials.pairs if not call.error]
        mutated = [call.mutated for _, call in trials.pairs if not call.error]
        expected = trials.expected
        if expected is not None:
            expected = [
                e for (_, call), e in zip(trials.pairs, expected, strict=True) if not call.error
            ]
        if not usable:
            return result
        catalogue = catalogue_for(ctx.reference)
        found = diagnose(
            catalogue,
            function,
            usable,
            names=trials.names,
            expected=expected,
            args=trials.args,
            mutated=mutated,
        )
    except Exception:  # noqa: BLE001 - never let the diagnosis break grading
        log.exception("diagnosing check %s failed", result.name)
        return result
    if found is None:
        return result
    entries = found.entries()
    for entry in entries:
        if entry.get("function") == function:
            try:
                line = student_line(
                    getattr(ctx, "sources", []),
                    function,
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
