"""Celery with Redis: the service only queues ids, real `grader worker` processes
grade them with the real engine, and a worker killed mid-grade loses nothing.

Redis is found through GRADER_TEST_REDIS_URL (default: database 13 of the server
on 127.0.0.1:6379, flushed before and after each test; a lock file keeps two
test runs on one machine off it at once). When it is unreachable these tests
are skipped, unless GRADER_TEST_REQUIRE_REDIS=1, where they fail.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from grader.http_common import Services
from grader.models import Submission
from tests.service_helpers import ASSIGNMENTS, scrape, sign_in_admin, submit_file

pytestmark = [pytest.mark.slow, pytest.mark.databases]

#: short, so that the submission of a killed worker comes back within the test; Redis's
#: visibility timeout stays at its default (900 s): recovery does not wait for it
LEASE_SECONDS = "3"


@pytest.fixture
def app_config(app_config: dict[str, Any], redis_url: str) -> dict[str, Any]:
    return {**app_config, "BROKER_URL": redis_url, "WARM_SANDBOXES": 0}


class Worker:
    """`python -m grader worker` in its own process group, as a user starts it."""

    def __init__(self, app: Any, log: Path, **env: str) -> None:
        self.env = {
            **os.environ,
            "GRADER_INSTANCE_PATH": app.instance_path,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "GRADER_BROKER_URL": app.config["BROKER_URL"],
            "GRADER_ASSIGNMENTS_DIR": str(ASSIGNMENTS),
            "GRADER_WARM_SANDBOXES": "0",
            **env,
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Worker:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader", "worker", "--concurrency", "1"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"grader worker exited: {self.text()[-3000:]}")
            if " ready." in self.text()[offset:]:
                return self
            time.sleep(0.2)
        raise RuntimeError(f"grader worker did not start: {self.text()[-3000:]}")

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no clean shutdown, like a lost machine."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(app: Any, tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def task_args(message: bytes) -> list[Any]:
    """The positional arguments of a task message as Celery put it on the Redis list."""
    body = json.loads(message)
    args, _kwargs, _embed = json.loads(base64.b64decode(body["body"]))
    return args


def wait_for(
    client: Any,
    auth: dict[str, str],
    sub_id: str,
    statuses: set[str],
    timeout: float,
    worker: Worker,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/submissions/{sub_id}", headers=auth).get_json()
        if body["status"] in statuses:
            return body
        time.sleep(0.25)
    raise AssertionError(f"{sub_id} still {body['status']}: {worker.text()[-3000:]}")


def wait_for_plots(db: Any, sub_id: str, worker: Worker) -> dict[str, str]:
    deadline = time.monotonic() + 90
    while True:
        with db.session() as session:
            plots = session.get(Submission, sub_id).latest_run.plots
        if plots:
            return dict(plots)
        assert time.monotonic() < deadline, worker.text()[-3000:]
        time.sleep(0.25)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_worker_grades_what_the_service_queued(
    app, client, auth, fixture_file, workers, tmp_path
):
    import redis

    sub_id = submit_file(client, auth, "xor-mlp", fixture_file("xor-mlp/correct.py"))
    # the web side only sent the id: nothing grades until a worker runs
    messages = redis.Redis.from_url(app.config["BROKER_URL"]).lrange("grader", 0, -1)
    assert [task_args(m) for m in messages] == [[sub_id]]
    time.sleep(0.5)
    assert (
        client.get(f"/api/v1/submissions/{sub_id}", headers=auth).get_json()["status"] == "queued"
    )

    port = free_port()
    worker = Worker(
        app,
        tmp_path / "worker.log",
        GRADER_WARM_SANDBOXES="1",
        GRADER_WORKER_METRICS_PORT=str(port),
    )
    workers.append(worker.start())
    body = wait_for(client, auth, sub_id, {"graded", "rejected", "error"}, 90, worker)
    assert body["status"] == "graded", body
    assert body["score"] == body["max_score"] == 100.0, body

    # every line about the submission carries its job id (the Celery task id) and its id
    lines = [line for line in worker.text().splitlines() if sub_id in line]
    assert any("grading submission" in line for line in lines), lines
    prefix = rf"\[job [0-9a-f-]{{36}} submission {sub_id}\]"
    assert all(re.search(prefix, line) for line in lines), lines

    # the worker's own metrics endpoint sums what its pool process counted

    _, samples = scrape(f"http://127.0.0.1:{port}")
    graded = (("assignment", "xor-mlp"), ("outcome", "graded"))
    assert samples[("grader_gradings_total", graded)] == 1
    assert samples[("grader_grading_duration_seconds_count", (("assignment", "xor-mlp"),))] == 1

    # the worker draws the plots after the score; plots that never came (the pool process
    # died after the score) are drawn again by a worker when the page is first viewed
    from grader.models import utcnow
    from grader.stored_plots import PLOTS_WAIT

    db = Services.of(app).db
    drawn = wait_for_plots(db, sub_id, worker)
    with db.begin() as session:
        run = session.get(Submission, sub_id).latest_run
        run.plots, run.finished_at = None, utcnow() - PLOTS_WAIT
    page = sign_in_admin(app, client).get(f"/submissions/{sub_id}").get_data(as_text=True)
    assert 'id="plots-pending"' in page
    assert wait_for_plots(db, sub_id, worker) == drawn  # the same PNGs


def test_a_killed_worker_is_graded_again_within_a_minute(
    app, client, auth, fixture_file, workers, tmp_path
):
    """SIGKILL of the whole worker (no clean shutdown, its Redis message unacknowledged):
    its lease lapses and the next worker's sweeper hands the submission out again, long
    before Redis's visibility timeout (900 s) would."""
    # 3 s of sleep before the real work: the worker is killed while grading it
    slow = b"import time\ntime.sleep(3)\n" + fixture_file("xor-mlp/correct.py")
    env = {"GRADER_LEASE_SECONDS": LEASE_SECONDS}
    first = Worker(app, tmp_path / "worker-1.log", **env)
    workers.append(first.start())
    sub_id = submit_file(client, auth, "xor-mlp", slow, "slow.py")
    wait_for(client, auth, sub_id, {"running"}, 30, first)
    time.sleep(1)
    first.kill()
    killed = time.monotonic()
    with Services.of(app).db.session() as session:
        row = session.get(Submission, sub_id)
        assert row.status == "running" and row.lease_owner and row.lease_expires_at

    second = Worker(app, tmp_path / "worker-2.log", **env)
    workers.append(second.start())
    body = wait_for(client, auth, sub_id, {"graded", "rejected", "error"}, 60, second)
    assert body["status"] == "graded" and body["score"] == 100.0, (body, second.text()[-3000:])
    assert time.monotonic() - killed < 60
    assert "lapsed: grading it again" in second.text()
    with Services.of(app).db.session() as session:
        assert len(session.get(Submission, sub_id).runs) == 1  # scored once


@pytest.mark.parametrize("backend", ["sqlite"])  # the database plays no part in how
def test_a_killed_pool_process_loses_no_submission(
    app, client, auth, fixture_file, workers, tmp_path
):
    slow = b"import time\ntime.sleep(3)\n" + fixture_file("xor-mlp/correct.py")
    worker = Worker(app, tmp_path / "worker.log")
    workers.append(worker.start())
    sub_id = submit_file(client, auth, "xor-mlp", slow, "slow.py")
    wait_for(client, auth, sub_id, {"running"}, 30, worker)
    assert worker.process is not None
    children = Path(f"/proc/{worker.process.pid}/task/{worker.process.pid}/children").read_text()
    for pid in children.split():
        os.kill(int(pid), signal.SIGKILL)  # the pool process grading it, as an OOM kill would
    body = wait_for(client, auth, sub_id, {"graded", "rejected", "error"}, 60, worker)
    assert body["status"] == "graded" and body["score"] == 100.0, (body, worker.text()[-3000:])
    assert "left running by a lost worker" in worker.text()
    assert "lapsed" not in worker.text()  # released at once, not after the lease (30 s)


def test_a_duplicate_job_skips_a_live_lease_and_takes_a_lapsed_one(app, client, auth, fixture_file):
    """Redis hands a job out again after its visibility timeout, even while its first
    worker still grades it: that duplicate is skipped; once the lease lapsed, it grades."""
    from datetime import timedelta

    from grader.leases import claim
    from grader.models import utcnow

    queue = Services.of(app).queue
    sub_id = submit_file(client, auth, "chain-rule", fixture_file("chain-rule/correct.py"))
    database = Services.of(app).db
    assert claim(database, sub_id, owner="busy-worker/1", duration=60)

    duplicate = SimpleNamespace(id="job-a", delivery_info={"redelivered": True})
    assert queue.grade(duplicate, sub_id) is None  # a live worker is grading it
    with database.begin() as session:
        session.get(Submission, sub_id).lease_expires_at = utcnow() - timedelta(seconds=1)
    assert queue.grade(duplicate, sub_id) == "graded"
    assert queue.grade(duplicate, sub_id) is None  # finished: never graded twice


def test_worker_needs_a_broker(runner, monkeypatch):
    monkeypatch.delenv("GRADER_BROKER_URL", raising=False)
    result = runner("worker")
    assert result.exit_code == 1 and "GRADER_BROKER_URL" in result.output


def test_an_upload_while_redis_is_down_is_kept_and_sent_by_the_sweep(
    app, app_config, client, auth, fixture_file, workers, tmp_path, caplog
):
    from grader.app import create_app

    worker = Worker(app, tmp_path / "worker.log", GRADER_BROKER_SWEEP_INTERVAL="1")
    workers.append(worker.start())
    # a web process whose broker is unreachable (nothing listens on port 1)
    down = create_app({**app_config, "BROKER_URL": "redis://127.0.0.1:1/13"})
    try:
        with caplog.at_level(logging.WARNING, logger="grader.jobs.celery"):
            sub_id = submit_file(
                down.test_client(), auth, "chain-rule", fixture_file("chain-rule/correct.py")
            )
        assert "broker unreachable" in caplog.text and sub_id in caplog.text
        # the worker was running before the upload: its periodic sweep sends it
        body = wait_for(client, auth, sub_id, {"graded", "rejected", "error"}, 60, worker)
        assert body["status"] == "graded" and body["score"] == 100.0, body
        assert "sent 1 queued submission(s) to the broker" in worker.text()
    finally:
        Services.of(down).db.dispose()
