from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "submissions"


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


@pytest.fixture(scope="session", autouse=True)
def _bubblewrap() -> None:
    if not shutil.which("bwrap"):
        pytest.exit(
            "bubblewrap is missing: run `make setup` (Debian package bubblewrap)", returncode=3
        )
