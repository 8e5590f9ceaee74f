"""A sandbox self-test: start a real sandbox, run a tiny job in it, check the answer.

What a container's healthcheck runs (``grader selfcheck``): a worker whose sandbox
cannot start (a missing security option, an unreadable student environment) is
unhealthy, instead of taking submissions only to fail each of them.
"""

from __future__ import annotations

import time

from grader.errors import SandboxUnavailable
from grader.sandbox.inside import codec
from grader.sandbox.inside.protocol import Job
from grader.sandbox.run_limits import Limits
from grader.sandbox.runner import run_job

#: small limits: the job adds two numbers
LIMITS = Limits(wall_seconds=30, cpu_seconds=30, cell_seconds=10, task_seconds=10)

JOB: Job = {
    "module": "__main__",
    "cell_seconds": LIMITS.cell_seconds,
    "cells": [{"name": "self-test", "source": "def add(a, b):\n    return a + b\n"}],
    "tasks": [
        {
            "id": "add",
            "driver": "call",
            "seconds": LIMITS.task_seconds,
            "calls": [{"fn": "add", "args": [codec.encode(2), codec.encode(3)]}],
        }
    ],
    "forbidden_imports": [],
}


def self_test(backend) -> float:
    """Seconds the run took; raises SandboxUnavailable with the reason when it fails."""
    start = time.monotonic()
    raw = run_job(JOB, LIMITS, backend)
    try:
        answer = codec.decode(raw.tasks["add"]["results"][0]["ok"])
    except (KeyError, IndexError, TypeError, codec.DecodeError):
        answer = None
    if answer != 5:
        detail = (raw.stderr.strip() or f"exit code {raw.returncode}")[:500]
        raise SandboxUnavailable(f"the {backend.name} sandbox ran but gave no answer: {detail}")
    return time.monotonic() - start
