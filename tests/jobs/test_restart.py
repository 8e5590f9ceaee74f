"""Submit, kill the service mid-queue, start it again: every accepted submission
ends graded (the real `grader serve` process, the real engine)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from grader.db import Database
from grader.models import Submission
from tests.service_helpers import post

pytestmark = [pytest.mark.slow, pytest.mark.databases]


def statuses(url: str) -> dict[str, str]:
    database = Database(url)
    try:
        with database.session() as s:
            return dict(s.execute(select(Submission.id, Submission.status)).all())
    finally:
        database.dispose()


def test_killed_service_loses_no_submission(live_server, database_url, fixture_file):
    token = live_server.cli("token", "create", "restart").strip()
    live_server.env["GRADER_LEASE_SECONDS"] = "5"  # what the killed process held lapses soon
    live_server.start()
    data = fixture_file("xor-mlp/correct.py")  # about 2 s each: the queue is still full below
    ids = [
        post(
            f"{live_server.url}/api/v1/assignments/xor-mlp/submissions", token, f"try{i}.py", data
        )["id"]
        for i in range(5)
    ]
    before = statuses(database_url)
    live_server.kill()
    assert set(before) == set(ids)
    assert any(s in ("queued", "running") for s in before.values()), before

    live_server.start()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        after = statuses(database_url)
        if all(s not in ("queued", "running") for s in after.values()):
            break
        time.sleep(0.5)
    assert after == {i: "graded" for i in ids}, live_server.log.read_text()[-3000:]
    log = live_server.log.read_text()
    # queued ones are taken up at start, the killed process's running ones once their lease lapsed
    assert "re-queueing" in log or "lapsed: grading it again" in log
