"""The compose test's fixtures: a container engine of our own and the stack on it, one
per session (what they are built from is in helpers.py)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.compose.helpers import WORK, Engine, Stack, build_base_image


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    if os.geteuid() != 0:
        pytest.fail("the compose test starts a container engine: run it as root")
    engine = Engine(WORK / "engine")
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def stack(engine: Engine) -> Iterator[Stack]:
    compose = os.environ.get("GRADER_COMPOSE")
    if not compose:
        pytest.fail("GRADER_COMPOSE is not set: run `make compose-test`")
    build_base_image(engine)
    stack = Stack(engine, compose)
    stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "5")  # a run cut short
    stack.compose("build", timeout=1800)
    try:
        stack.compose("up", "--detach", "--scale", "worker=2")
        yield stack
    finally:
        logs = subprocess.run(
            [*stack.argv, "logs", "--no-color", "--timestamps"],
            env=stack.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        (WORK / "stack.log").write_text(logs.stdout + logs.stderr)
        stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "10")
