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

import ast
import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Any

from grader.diagnosis.catalogue import Catalogue, Mutation
from grader.diagnosis.facts import observe
from grader.diagnosis.observations import (
    in_place,
    result_facts,
    sample_subset,
    updated_parameter,
)
from grader.diagnosis.values import call_quietly, same


@dataclass
class Diagnosis:
    function: str
    matches: list[Mutation] = field(default_factory=list)
    evidence: str = ""
    observations: list[str] = field(default_factory=list)
    named: list[dict] = field(default_factory=list)  # entries from grader.diagnosis.observations

    def entries(self) -> list[dict]:
        return self.named + [
            {
                "mutation": m.id,
                "function": m.function,
                "kind": m.kind or m.name,
                "site": m.site,
                "place": m.place,
                "explanation": m.explanation,
                "fix": m.fix,
                "evidence": self.evidence,
                "sentence": m.sentence(self.function),
                "checked": self.function,
            }
            for m in self.matches
        ]

    def text(self) -> str:
        if self.matches or self.named:
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
        line = f" It is made at your {e['line']}." if e.get("line") else ""
        return f"Likely mistake: {e['sentence']} ({e['evidence']}).{line}{fix}"
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


# -- matching --------------------------------------------------------------------------------


def diagnose(
    catalogue: Catalogue,
    function: str,
    trials: list[tuple[list, Any]],
    *,
    names: list[str] | None = None,
    expected: list | None = None,
    args: list[dict] | None = None,
    mutated: list[tuple] | None = None,
) -> Diagnosis | None:
    """``trials``: (input values, the student's decoded output) for every call that returned.

    ``expected`` gives the right outputs when the reference has no ``function``
    (a gradient check against numerical gradients): then only observations.
    Returns None when the student's outputs are all right (nothing to diagnose).
    """
    if not trials:
        return None
    reference = getattr(catalogue.reference, function, None)
    names = names or returned_names(reference)
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
    if args is not None and mutated:
        diagnosis.named += in_place(function, mutated, args, len(trials))
    diagnosis.named += result_facts(function, trials, expected, wrong[0], names)
    if callable(reference):
        for mut in catalogue.affecting(function) + catalogue.composed(function):
            mutated_fn = getattr(catalogue.module(mut), function)
            try:
                if all(same(call_quietly(mutated_fn, values), got) for values, got in trials):
                    diagnosis.matches.append(mut)
            except Exception:  # noqa: BLE001 - the mutated reference fails here: no match
                continue
        diagnosis.matches = prune(diagnosis.matches, function)
        if diagnosis.named:  # "all zeros" says it better than "as if an argument were zero"
            vague = ("argument_ignored", "extra_derivative")
            diagnosis.matches = [m for m in diagnosis.matches if m.kind not in vague]
        if not diagnosis.matches and not diagnosis.named:
            diagnosis.named += sample_subset(function, reference, trials, same)
    if not diagnosis.matches and not diagnosis.named and args is not None:
        names_in = [a.get("name", "") for a in args]
        diagnosis.named += updated_parameter(function, trials, expected, names_in)
    total = len(trials)
    diagnosis.evidence = (
        f"it reproduces your results on all {total} inputs of this check"
        if total > 1
        else "it reproduces your result on the input of this check"
    )
    if not diagnosis.matches and not diagnosis.named:
        diagnosis.observations = observe(trials, expected, wrong, names)
    return diagnosis


#: the more specific a primitive change, the likelier the explanation when several match
KIND_ORDER = (
    "derivative_preactivation",
    "derivative_squashed",
    "preactivation_passed",
    "squashed_passed",
    "derivative_twice",
    "derivative_missing",
    "activation_tanh",
    "activation_relu",
    "activation_identity",
    "reversed",
    "sign",
    "axis",
    "mean",
    "extra_derivative",
    "factor_missing",
    "argument_ignored",
)
MAX_COMPOSED = 1  # several composed matches in one function say the same thing


def prune(matches: list[Mutation], function: str) -> list[Mutation]:
    """Catalogue mistakes first; a composed change only where no catalogue mistake of the
    same function matches (it would say the same), and the most specific one per function."""
    catalogued = {m.function for m in matches if m.origin != "composed"}
    kept: list[Mutation] = []
    per_function: dict[str, int] = {}
    composed = sorted(
        (m for m in matches if m.origin == "composed" and m.function not in catalogued),
        key=lambda m: KIND_ORDER.index(m.kind) if m.kind in KIND_ORDER else len(KIND_ORDER),
    )
    for m in composed:
        per_function[m.function] = per_function.get(m.function, 0) + 1
        if per_function[m.function] <= MAX_COMPOSED:
            kept.append(m)
    kept += [m for m in matches if m.origin != "composed"]
    kept.sort(
        key=lambda m: (m.function != function, {"assignment": 0, "composed": 1}.get(m.origin, 2))
    )
    return kept


def returned_names(fn) -> list[str] | None:
    """The names in the reference's ``return dW1, db1, dW2, db2`` (or ``[...]``), if plain."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None
    for node in ast.walk(tree):
        value = node.value if isinstance(node, ast.Return) else None
        if isinstance(value, ast.Tuple | ast.List):
            names = [e.id for e in value.elts if isinstance(e, ast.Name)]
            if len(names) == len(value.elts):
                return names
    return None
