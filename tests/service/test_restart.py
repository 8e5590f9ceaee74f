"""Submit, kill the service mid-queue, start it again: every accepted submission
ends graded (the real `grader serve` process, the real engine)."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import pytest
from sqlalchemy import select

from grader.db import Database
from grader.models import Submission

pytestmark = [pytest.mark.slow, pytest.mark.databases]


def post(url: str, token: str, filename: str, data: bytes) -> dict:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="student"\r\n\r\nrs\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: text/x-python\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202
        return json.load(response)


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
