"""The compose deployment, built and run on a real container engine (see helpers.py):
healthy web and workers (their healthchecks run a real sandbox), a submission through
the API graded 100, and a worker SIGKILLed mid-grade: the submission is graded within a
minute and the killed container comes back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.compose.helpers import Stack, wait_for

pytestmark = pytest.mark.containers

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"
WORKERS = 2


def healthy(stack: Stack) -> bool:
    states = {c["Name"]: c for c in stack.containers()}
    for state in states.values():
        if state["Service"] == "migrate" and state["State"] == "exited":
            assert state.get("ExitCode", 0) == 0, f"the migration failed: {state}"
    web = [c for c in states.values() if c["Service"] == "web"]
    workers = [c for c in states.values() if c["Service"] == "worker"]
    return (
        len(web) == 1
        and len(workers) == WORKERS
        and all(c.get("Health") == "healthy" for c in [*web, *workers])
    )


def health_report(stack: Stack) -> str:
    """Each container's state and its last healthcheck's output."""
    lines = []
    for container in stack.containers():
        health = stack.inspect(container["Name"])["State"].get("Health") or {}
        last = (health.get("Log") or [{}])[-1].get("Output", "").strip()
        lines.append(f"{container['Name']}: {container['Status']} {last[-500:]}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def ready(stack: Stack) -> Stack:
    wait_for(
        "web and both workers to be healthy",
        lambda: healthy(stack),
        timeout=300,
        every=2,
        describe=lambda: health_report(stack),
    )
    return stack


@pytest.fixture(scope="module")
def token(ready: Stack) -> str:
    out = ready.compose("exec", "-T", "web", "grader", "token", "create", "compose-test")
    return out.strip().splitlines()[-1]


def api(stack: Stack, token: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        stack.url + "/api/v1" + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def submit(stack: Stack, token: str, student: str, slug: str = "xor-mlp") -> str:
    notebook = SUBMISSIONS / slug / "correct.ipynb"
    status, body = api(
        stack,
        token,
        f"/assignments/{slug}/submissions",
        {"filename": notebook.name, "content": notebook.read_text(), "student": student},
    )
    assert status == 202, body
    return body["id"]


def finished(stack: Stack, token: str, submission_id: str) -> dict | None:
    _, body = api(stack, token, f"/submissions/{submission_id}")
    return body if body["status"] not in ("queued", "running") else None


def test_web_and_workers_are_healthy_with_a_working_sandbox(ready: Stack) -> None:
    for service in ("web", "worker"):
        out = ready.compose("exec", "-T", "--index", "1", service, "grader", "selfcheck")
        assert out.startswith("ok: the sandbox started"), out


def test_submission_through_the_api_is_graded_100(ready: Stack, token: str) -> None:
    submission_id = submit(ready, token, "s-first")
    result = wait_for(
        "the submission to be graded",
        lambda: finished(ready, token, submission_id),
        timeout=180,
    )
    assert result["status"] == "graded", result
    assert result["score"] == result["max_score"] == 100, result


def grading_container(stack: Stack, submission_id: str) -> str | None:
    """The worker container whose log shows it grading ``submission_id`` (still running)."""
    for container in stack.containers("worker"):
        if container["State"] != "running":
            continue
        logs = subprocess.run(
            [stack.engine.docker, "logs", container["Name"]],
            env=stack.engine.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=60,
        )
        if f"grading submission {submission_id}" in logs.stdout:
            return container["Name"]
    return None


def kill_worker_process(stack: Stack, container: str) -> None:
    """SIGKILL the container's `grader worker` process (the child of its init), as the
    kernel's OOM killer would. (`docker kill` counts as a manual stop for Docker: no
    restart policy restarts that.)"""
    init = stack.inspect(container)["State"]["Pid"]
    children = Path(f"/proc/{init}/task/{init}/children").read_text().split()
    assert children, f"no worker process under {container}'s init"
    os.kill(int(children[0]), signal.SIGKILL)


def test_killed_worker_submission_is_graded_within_a_minute(ready: Stack, token: str) -> None:
    # a killed worker is one that was grading: find it mid-grade. The submission is one
    # that grades in seconds (chain-rule), so that the minute measures the recovery, not a
    # long grading on a busy machine; it may finish before the kill: then try another.
    for attempt in range(5):
        submission_id = submit(ready, token, f"s-killed-{attempt}", slug="chain-rule")
        victim = wait_for(
            "a worker to start grading",
            lambda sid=submission_id: grading_container(ready, sid),
            timeout=120,
            every=0.2,
        )
        restarts = ready.inspect(victim)["RestartCount"]
        kill_worker_process(ready, victim)
        killed_at = time.monotonic()
        if finished(ready, token, submission_id) is None:
            break
    else:
        pytest.fail("every submission was graded before its worker could be killed")

    result = wait_for(
        "the killed worker's submission to be graded",
        lambda: finished(ready, token, submission_id),
        timeout=60 - (time.monotonic() - killed_at),
    )
    assert result["status"] == "graded", result
    assert result["score"] == 100, result
    # the restart policy brings the killed worker's container back
    wait_for(
        "the killed worker to be restarted",
        lambda: (
            ready.inspect(victim)["RestartCount"] > restarts
            and ready.inspect(victim)["State"]["Running"]
        ),
        timeout=60,
    )
