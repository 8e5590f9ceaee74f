"""What several test modules use: the grader CLI, the example corpus graded once, a small
instructor's assignment folder."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.assignment_folder import find
from grader.engine import grade_file
from grader.results import GradeResult

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "submissions"
#: the seed the corpus is graded with (in-process, see ``graded``)
CORPUS_SEED = 11


def run_grader(
    *args: str, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def grade_json(
    slug: str, path: Path | str, *extra: str, env: dict | None = None
) -> tuple[int, dict]:
    proc = run_grader("grade", slug, str(path), "--json", *extra, env=env)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@functools.cache
def graded(slug: str, name: str) -> GradeResult:
    """A corpus file (``submissions/SLUG/NAME``) graded in this process with the real
    sandbox, once whichever tests ask: the tests of one file share ``corpus_group``, so
    that they run in one test process and the file is graded once per suite."""
    return grade_file(find(slug), SUBMISSIONS / slug / name, seed=CORPUS_SEED)


def corpus_group(slug: str, name: str) -> pytest.MarkDecorator:
    return pytest.mark.xdist_group(f"corpus-{slug}-{name}")


def corpus_params(files) -> list:
    """(slug, name) parameters, each in its file's group (see ``graded``)."""
    return [
        pytest.param(slug, name, marks=corpus_group(slug, name), id=f"{slug}-{name}")
        for slug, name in sorted(files)
    ]


#: a small instructor's assignment (``doubling``): two checks, no training
SPEC = """
title = "Doubling"
version = 1
dims = [{ n = 3, m = 4 }, { n = 5, m = 2 }]

[[functions]]
name = "double"
signature = "double(x)"

[[checks]]
kind = "function"
function = "double"
points = 60
args = [{ name = "x", gen = "normal", shape = ["n", "m"] }]

[[checks]]
kind = "gradient"
function = "grad_half_square"
name = "gradient"
cost = "half_square"
wrt = ["x"]
points = 40
args = [{ name = "x", gen = "normal", shape = ["n", "m"] }]
"""

REFERENCE = """
import numpy as np

def double(x):
    return 2 * x

def half_square(x):
    return 0.5 * float(np.sum(x ** 2))

def grad_half_square(x):
    return x
"""


def make_assignment(root: Path, spec: str = SPEC, reference: str = REFERENCE) -> Path:
    folder = root / "doubling"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(spec)
    (folder / "reference.py").write_text(reference)
    return folder


def with_hidden_checks(slug: str, folder: Path, hidden: set[str]) -> Path:
    """A copy of the built-in assignment ``slug`` as the folder ``folder`` (its slug is the
    folder's name), with ``hidden = true`` in the checks named in ``hidden``. The built-in
    assignments themselves mark no check hidden."""
    import shutil
    import tomllib

    shutil.copytree(ROOT / "assignments" / slug, folder)
    spec = folder / "assignment.toml"
    head, *blocks = spec.read_text().split("[[checks]]\n")
    marked = []
    for i, block in enumerate(blocks):
        check = tomllib.loads(block.split("\n[", 1)[0])
        name = check.get("name") or check.get("function")
        if name in hidden:
            blocks[i] = "hidden = true\n" + block
            marked.append(name)
    assert sorted(marked) == sorted(hidden), marked
    spec.write_text("[[checks]]\n".join([head, *blocks]))
    return folder
