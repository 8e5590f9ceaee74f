"""How often the feedback names the student's actual mistake, on a corpus with known mistakes.

Every file of a corpus (``tests/heldout/`` by default, or ``submissions/``) is graded in
process with a fixed seed; every diagnosis entry of every check is then compared with the
file's expectation (``expected.toml``: the function where the mistake is, and a keyword the
diagnosis must say). A file is

* ``correct`` when something is named, every named mistake is placed in the expected
  function, and one of them says the keyword;
* ``wrong`` when something is named and any of it points at another function or none
  says the keyword (a wrong name is worse than none: it sends the student elsewhere);
* ``not named`` when no check names a mistake.

    python benchmarks/diagnosis_rate.py [heldout|submissions] [--verbose]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "heldout": (ROOT / "tests" / "heldout", "expected.toml"),
    "submissions": (ROOT / "submissions", "expected_diagnosis.toml"),
    "dev": (ROOT / "tests" / "diagnosis_dev", "expected.toml"),
}
SEED = 11


@dataclass
class Verdict:
    file: str
    outcome: str  # "correct", "wrong" or "not named"
    named: list[tuple[str, str, str]] = field(default_factory=list)  # (check, function, sentence)
    why: str = ""


def expectations(corpus: str) -> dict[str, dict]:
    folder, name = CORPORA[corpus]
    return tomllib.loads((folder / name).read_text())


def named_mistakes(result) -> list[tuple[str, str, str]]:
    """(check, the function the diagnosis places the mistake in, its words) for every entry."""
    found = []
    for check in result.checks:
        for entry in check.details.get("diagnosis") or []:
            function = entry.get("function") or entry["mutation"].split("/")[0]
            words = f"{entry.get('sentence', '')} {entry.get('fix', '')}"
            found.append((check.name, function, words))
    return found


def judge(file: str, expected: dict, result) -> Verdict:
    functions = set(expected["function"].split("|"))
    keywords = [k.lower() for k in expected["keyword"].split("|")]
    named = named_mistakes(result)
    if not named:
        return Verdict(file, "not named")
    elsewhere = sorted({f for _, f, _ in named if f not in functions})
    if elsewhere:
        return Verdict(file, "wrong", named, f"names a mistake in {', '.join(elsewhere)}")
    if not any(k in words.lower() for _, _, words in named for k in keywords):
        return Verdict(file, "wrong", named, f"never says {expected['keyword']!r}")
    return Verdict(file, "correct", named)


def measure(corpus: str) -> list[Verdict]:
    from grader.assignment_folder import find
    from grader.engine import grade_file

    folder, _ = CORPORA[corpus]
    verdicts = []
    for file, expected in sorted(expectations(corpus).items()):
        slug = file.split("/")[0]
        result = grade_file(find(slug), folder / file, seed=SEED)
        verdicts.append(judge(file, expected, result))
    return verdicts


def summary(verdicts: list[Verdict]) -> dict[str, int]:
    counts = {"correct": 0, "wrong": 0, "not named": 0}
    for v in verdicts:
        counts[v.outcome] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default="heldout", choices=sorted(CORPORA))
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    verdicts = measure(args.corpus)
    for v in verdicts:
        print(f"{v.outcome:<10} {v.file}" + (f"  ({v.why})" if v.why else ""))
        if args.verbose:
            for check, function, words in v.named:
                print(f"    [{check}] {function}: {words[:200]}")
    counts = summary(verdicts)
    total = len(verdicts)
    print(
        f"{args.corpus}: {counts['correct']} of {total} named correctly "
        f"({counts['correct'] / total:.0%}), {counts['wrong']} wrong, "
        f"{counts['not named']} not named"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
