"""`grader selfcheck`, the containers' healthcheck: a real sandbox runs a tiny job."""

from __future__ import annotations

import os
import socket

from tests.helpers import run_grader


def test_selfcheck_runs_a_job_in_a_real_sandbox() -> None:
    proc = run_grader("selfcheck", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: the sandbox started and ran a job"), proc.stdout


def test_selfcheck_fails_with_the_reason_when_the_sandbox_cannot_start(tmp_path) -> None:
    env = {**os.environ, "GRADER_SANDBOX_ENV": str(tmp_path / "missing")}
    proc = run_grader("selfcheck", env=env, timeout=60)
    assert proc.returncode == 1
    assert "the sandbox cannot run here" in proc.stderr and "missing" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_selfcheck_fails_when_the_service_does_not_answer() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/healthz"
    proc = run_grader("selfcheck", "--url", url, timeout=60)
    assert proc.returncode == 1
    assert f"{url} did not answer" in proc.stderr and "Traceback" not in proc.stderr
