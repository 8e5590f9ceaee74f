"""A checkout in a folder other users cannot enter (root's home on Debian is mode 0700).

The sandbox runs as an unprivileged uid, which bubblewrap uses to resolve the folders it
binds: before, every grading of such a checkout failed with an internal error
("Can't find source path /proc/self/fd/7: Permission denied").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader.sandbox.access import PREFIX, advice, blocking_parent
from tests.helpers import SUBMISSIONS, run_grader

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop happens as root")


@pytest.fixture
def private_checkout():
    """The grader, its assignments and a `make setup` student environment (hard-linked,
    as a copy costs 400 MB) in a folder of mode 0700."""
    outer = Path(tempfile.mkdtemp(prefix="grader-private-"))
    os.chmod(outer, 0o700)
    clone = outer / "backprop-grader"
    clone.mkdir()
    for name in ("grader", "assignments", "submissions"):
        shutil.copytree(REPO / name, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        ["cp", "-al", str(REPO / ".sandbox-env"), str(clone / ".sandbox-env")], check=True
    )
    published = set(Path(tempfile.gettempdir()).glob(PREFIX + "*"))
    yield clone
    for path in set(Path(tempfile.gettempdir()).glob(PREFIX + "*")) - published:
        shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(outer, ignore_errors=True)


def test_private_checkout_grades_as_root(private_checkout):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env["PYTHONPATH"] = str(private_checkout)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            "xor-mlp",
            "submissions/xor-mlp/correct.py",
            "--json",
        ],
        cwd=private_checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["score"] == 100.0, proc.stdout[:2000]


def test_setup_says_what_to_do(private_checkout):
    env_dir = private_checkout / ".sandbox-env"
    assert blocking_parent(env_dir) == private_checkout.parent
    proc = subprocess.run(
        [sys.executable, "-m", "grader.sandbox.access", str(env_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout == advice(str(env_dir)) + "\n"
    assert f"chmod o+x {private_checkout.parent}" in proc.stdout
    assert "GRADER_SANDBOX_ENV" in proc.stdout
    assert advice(str(REPO / "grader")) is None or blocking_parent(REPO) is not None


def test_a_sandbox_that_cannot_start_is_a_setup_problem(tmp_path):
    env = dict(os.environ, GRADER_SANDBOX_ENV=str(tmp_path / "missing"))
    proc = run_grader(
        "grade", "xor-mlp", str(SUBMISSIONS / "xor-mlp" / "correct.py"), "--json", env=env
    )
    assert proc.returncode == 1
    assert "internal error" not in proc.stderr
    assert "the sandbox cannot run here" in proc.stderr and "make setup" in proc.stderr
