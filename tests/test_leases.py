"""Leases on grading runs (grader.leases) against a real database: a live lease keeps
its submission, a lapsed one is handed out again, a run that lost its lease writes
nothing, and the embedded runner's sweeper recovers what a dead process held."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from grader.grading import Run, grade_submission, write_run
from grader.http_common import Services
from grader.leases import Heartbeat, claim, reclaim_expired, release_owner, renew, worker_id
from grader.models import GradingRun, Submission, utcnow

pytestmark = pytest.mark.databases


def expire(db, sub_id, seconds_ago=1.0):
    with db.begin() as session:
        session.execute(
            update(Submission)
            .where(Submission.id == sub_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=seconds_ago))
        )


def row(db, sub_id):
    with db.session() as session:
        return session.get(Submission, sub_id)


def runs(db, sub_id):
    with db.session() as session:
        return session.scalar(
            select(func.count()).select_from(GradingRun).where(GradingRun.submission_id == sub_id)
        )


def test_a_live_lease_keeps_its_submission_a_lapsed_one_is_taken_over(app, accepted):
    db = Services.of(app).db
    sub_id = accepted().id
    first = claim(db, sub_id, owner="host-a/1", duration=60)
    assert first is not None
    stored = row(db, sub_id)
    assert (stored.status, stored.lease_owner, stored.lease_token) == (
        "running",
        "host-a/1",
        first.token,
    )
    assert claim(db, sub_id, owner="host-b/2", duration=60) is None  # graded once
    assert renew(db, first)
    assert reclaim_expired(db) == []

    expire(db, sub_id)  # host-a stopped renewing
    second = claim(db, sub_id, owner="host-b/2", duration=60)
    assert second is not None and second.token != first.token
    assert not renew(db, first)  # the first run learns it lost the lease


def test_a_run_that_lost_its_lease_is_discarded(app, accepted):
    """A stalled worker that wakes up after its submission was graded again writes nothing."""
    svc = Services.of(app)
    db = svc.db
    sub_id = accepted().id
    stalled = claim(db, sub_id, owner="stalled/1", duration=60)
    assert stalled is not None
    expire(db, sub_id)
    assert grade_submission(db, svc.store, sub_id, job_id="second") == "graded"
    late = Run(version=1, digest="d", status="graded", error=None, score=0.0, max_score=100.0)
    assert write_run(db, stalled, late, utcnow()) is None
    stored = row(db, sub_id)
    assert stored.status == "graded" and stored.score == 100.0 and stored.lease_token is None
    assert runs(db, sub_id) == 1


def test_the_sweeper_takes_back_lapsed_and_lease_less_runs_only(app, accepted):
    db = Services.of(app).db
    live, lapsed, legacy, waiting = (accepted().id for _ in range(4))
    assert claim(db, live, owner="alive/1", duration=60)
    assert claim(db, lapsed, owner="dead/2", duration=60)
    expire(db, lapsed)
    with db.begin() as session:  # left running by a grader from before leases
        session.get(Submission, legacy).status = "running"
    reclaimed = dict(reclaim_expired(db))
    assert reclaimed == {lapsed: "dead/2", legacy: None}
    assert reclaim_expired(db) == []  # each is handed out once
    statuses = {i: row(db, i).status for i in (live, lapsed, legacy, waiting)}
    assert statuses == {live: "running", lapsed: "queued", legacy: "queued", waiting: "queued"}
    assert row(db, lapsed).lease_owner is None


def test_only_the_owner_named_is_released(app, accepted):
    db = Services.of(app).db
    sub_id = accepted().id
    assert claim(db, sub_id, owner="host/10", duration=60)
    assert not release_owner(db, sub_id, "host/11")
    assert row(db, sub_id).status == "running"
    assert release_owner(db, sub_id, "host/10")
    assert row(db, sub_id).status == "queued" and row(db, sub_id).lease_token is None


def test_a_heartbeat_keeps_a_short_lease_alive(app, accepted):
    db = Services.of(app).db
    sub_id = accepted().id
    lease = claim(db, sub_id, duration=0.6)
    assert lease is not None
    with Heartbeat(db, lease) as beat:
        time.sleep(1.5)  # two and a half leases
        assert reclaim_expired(db) == []
    assert not beat.lost
    expire(db, sub_id)
    assert claim(db, sub_id, owner="other/1", duration=60)
    with Heartbeat(db, lease) as beat:
        time.sleep(0.5)
    assert beat.lost


def test_the_embedded_runner_recovers_a_dead_process_lease(app, accepted):
    """A `grader serve` killed mid-grade left a lease; another runner grades it once it lapses."""
    svc = Services.of(app)
    db, runner = svc.db, svc.queue
    sub_id = accepted().id
    assert claim(db, sub_id, owner="killed-host/4242", duration=1.0)
    runner.lease_seconds = 1.5  # sweeps every half second
    started = time.monotonic()
    runner.start()
    deadline = started + 60
    while row(db, sub_id).status != "graded" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert row(db, sub_id).status == "graded"
    assert runs(db, sub_id) == 1


def test_a_grading_whose_lease_is_taken_over_mid_run_writes_nothing(app, fixture_file):
    """The worker stalls (its heartbeats stop reaching the database), the lease lapses and
    another worker takes the submission: the first run's result is discarded, and counted."""
    import threading

    from prometheus_client import REGISTRY

    from grader.operations import accept_submission

    svc = Services.of(app)
    db = svc.db
    slow = b"import time\ntime.sleep(3)\n" + fixture_file("chain-rule/correct.py")
    sub_id = accept_submission(
        db, svc.store, slug="chain-rule", filename="slow.py", data=slow, student=None
    ).id
    labels = {"assignment": "chain-rule", "outcome": "discarded"}
    before = REGISTRY.get_sample_value("grader_gradings_total", labels) or 0
    result: list[str | None] = []
    first = threading.Thread(
        target=lambda: result.append(grade_submission(db, svc.store, sub_id, job_id="stalled"))
    )
    first.start()
    deadline = time.monotonic() + 30
    while row(db, sub_id).status != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    expire(db, sub_id)
    assert claim(db, sub_id, owner="second-worker/1", duration=60)  # as the sweeper hands it on
    first.join(60)
    assert result == [None]
    assert row(db, sub_id).status == "running" and runs(db, sub_id) == 0  # the second one's
    assert REGISTRY.get_sample_value("grader_gradings_total", labels) == before + 1


def test_a_killed_grading_process_is_released_at_once_and_graded_again(app, fixture_file):
    """The embedded runner's grading process dies mid-grade (an OOM kill): its lease is
    released at once (not after it lapses), a new process grades it, once."""
    import os
    import signal

    from grader.operations import accept_submission

    svc = Services.of(app)
    db, runner = svc.db, svc.queue
    runner.lease_seconds = 600  # a recovery that waited for the lease would time out here
    slow = b"import time\ntime.sleep(3)\n" + fixture_file("chain-rule/correct.py")
    sub_id = accept_submission(
        db, svc.store, slug="chain-rule", filename="slow.py", data=slow, student=None
    ).id
    runner.start()
    deadline = time.monotonic() + 60
    while (owner := row(db, sub_id).lease_owner) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert owner is not None
    pid = int(owner.rsplit("/", 1)[1])
    assert owner == worker_id(pid)  # the lease names the grading process, as the runner does
    assert pid in runner.graders.pids and pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    assert runner.join(timeout=120)
    assert row(db, sub_id).status == "graded" and row(db, sub_id).score == 100.0
    assert runs(db, sub_id) == 1
