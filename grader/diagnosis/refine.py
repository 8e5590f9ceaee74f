"""Across the checks of one grading: name each mistake where it is made.

A student's mistake in one function shows in every function that calls it. After all
checks are judged:

* a mistake placed in a function whose own check *passed* is not the student's: it is
  dropped, and the feedback says that the closest known mistake would be there but that
  function passed its own check;
* where a function the checked one calls (in the reference) failed its own check with a
  named mistake, that is the root cause: the caller's feedback names it, in that function;
* a failed training run gets its own observations (a loss that goes up or stays flat,
  parameters that never change).

A check marked ``hidden`` may have its feedback withheld from its student until the due
date, so its diagnosis is named as the root cause only in the feedback of other hidden
checks, never in a check whose feedback is always shown.
"""

from __future__ import annotations

import logging

from grader.diagnosis.catalogue import catalogue_for
from grader.diagnosis.matching import matches_text
from grader.diagnosis.training import training_facts

log = logging.getLogger(__name__)
DIRECT = ("function", "gradient")


def _where(entry: dict) -> str:
    return entry.get("function") or entry["mutation"].split("/")[0]


def refine(results: list, checks: list | None = None, ctx=None) -> None:
    """Rewrite the diagnosis of every failed check in the light of the others."""
    if checks is None or len(checks) != len(results):
        return
    try:
        _refine(results, checks, ctx)
    except Exception:  # noqa: BLE001 - never let the diagnosis break grading
        log.exception("refining the diagnosis failed")


def _refine(results: list, checks: list, ctx) -> None:
    reference = getattr(ctx, "reference", None)
    passed: dict[str, bool] = {}
    own: dict[str, list[dict]] = {}
    #: the same, from checks that are not hidden: what a shown check may quote
    shown: dict[str, list[dict]] = {}
    for check, result in zip(checks, results, strict=True):
        if check.kind not in DIRECT or not check.function:
            continue
        passed[check.function] = passed.get(check.function, True) and result.passed
        mine = [e for e in result.details.get("diagnosis") or [] if _where(e) == check.function]
        if not result.passed and mine:
            own.setdefault(check.function, mine)
            if not getattr(check, "hidden", False):
                shown.setdefault(check.function, mine)
    catalogue = catalogue_for(reference) if reference is not None else None
    for check, result in zip(checks, results, strict=True):
        if result.passed:
            continue
        function = check.function
        entries = list(result.details.get("diagnosis") or [])
        notes: list[str] = []
        if check.kind == "convergence" and reference is not None and not entries:
            entries, notes = training_facts(check, result, reference)
        cleared = [e for e in entries if _where(e) != function and passed.get(_where(e))]
        if cleared:
            entries = [e for e in entries if e not in cleared]
            names = sorted({_where(e) for e in cleared})
            notes.append(
                f"a known mistake in `{'`, `'.join(names)}` would give the same results, but "
                f"your `{'`, `'.join(names)}` passed {'its' if len(names) == 1 else 'their'} "
                f"own check: the difference comes from how `{function or 'training'}` "
                "uses it"
            )
        quotable = own if getattr(check, "hidden", False) else shown
        uses = _dependencies(catalogue, check) - {function}
        roots = [
            name
            for name in quotable
            if name in uses and not (_calls(catalogue, name) & set(quotable))
        ]
        if roots:
            at_root = [e for e in entries if _where(e) in roots]
            entries = at_root or [
                {**e, "sentence": _via(function, root, e), "checked": function}
                for root in roots
                for e in quotable[root][:1]
            ]
        _rewrite(result, entries, notes)


def _dependencies(catalogue, check) -> set[str]:
    if catalogue is None:
        return set()
    from grader.diagnosis.catalogue import dependencies

    found: set[str] = set()
    for name in check.student_functions():
        found |= dependencies(catalogue.reference, name)
    return found


def _calls(catalogue, function: str) -> set[str]:
    """The functions ``function`` calls in the reference (itself excluded)."""
    if catalogue is None:
        return set()
    from grader.diagnosis.catalogue import dependencies

    return dependencies(catalogue.reference, function) - {function}


def _via(function: str | None, root: str, entry: dict) -> str:
    what = f"your `{function}`" if function else "your training"
    return (
        f"{what} uses `{root}` (in the reference), and the check of your `{root}` found this "
        f"mistake there: {entry['explanation']}"
    )


def _rewrite(result, entries: list[dict], notes: list[str]) -> None:
    old = result.details.get("diagnosis_text")
    if entries:
        new = matches_text(entries)
    elif notes:
        new = "Not a mistake we know; what we can see: " + "; ".join(notes) + "."
    else:
        new = old if not result.details.get("diagnosis") else ""
    if new == old:
        return
    if old and old in result.message:
        result.message = result.message.replace(old, new).rstrip()
    elif new:
        sep = " " if result.message.endswith(".") else ". "
        result.message = f"{result.message}{sep}{new}"
    result.details["diagnosis"] = entries
    result.details["diagnosis_text"] = new
    if notes:
        result.details.setdefault("observations", []).extend(notes)
