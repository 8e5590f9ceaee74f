"""The embedded runner grading with the real engine: scores, checks, the
gradebook, idempotent jobs, recovery of what a crash left behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grader.http_common import Services
from grader.models import GradingRun, Submission
from grader.operations import grade_submission
from tests.service_helpers import submit_file


def submit(client, auth, fixture_file, name, student="s1", slug="chain-rule"):
    return submit_file(client, auth, slug, fixture_file(f"{slug}/{name}"), name, student)


def test_correct_and_buggy_are_graded(client, auth, grading, fixture_file):
    good = submit(client, auth, fixture_file, "correct.py")
    bad = submit(client, auth, fixture_file, "bug_grad_missing_factor_2.py")
    assert grading.join(timeout=120)
    body = client.get(f"/api/v1/submissions/{good}", headers=auth).get_json()
    assert body["status"] == "graded"
    assert body["score"] == body["max_score"] == 100
    assert body["checks"] and all(c["passed"] for c in body["checks"])
    assert body["graded_at"] >= body["created_at"]
    body = client.get(f"/api/v1/submissions/{bad}", headers=auth).get_json()
    assert body["status"] == "graded" and body["score"] < 100
    failed = [c for c in body["checks"] if not c["passed"]]
    assert failed and all(c["message"] for c in failed)


def test_notebook_and_syntax_error(client, auth, grading, fixture_file):
    nb = submit(client, auth, fixture_file, "correct.ipynb")
    broken = submit(client, auth, fixture_file, "syntax_error.py")
    assert grading.join(timeout=120)
    assert client.get(f"/api/v1/submissions/{nb}", headers=auth).get_json()["score"] == 100
    body = client.get(f"/api/v1/submissions/{broken}", headers=auth).get_json()
    assert body["status"] in ("graded", "rejected") and not body["score"]


@pytest.mark.databases
def test_grades_best_and_latest(client, auth, grading, fixture_file):
    submit(client, auth, fixture_file, "correct.py", student="ann")
    assert grading.join(timeout=120)
    submit(client, auth, fixture_file, "bug_sigmoid_derivative_wrong.py", student="ann")
    submit(client, auth, fixture_file, "partial_only_forward.py", student="bob")
    assert grading.join(timeout=120)
    rows = {
        r["student"]: r
        for r in client.get("/api/v1/assignments/chain-rule/grades", headers=auth).get_json()
    }
    assert rows["ann"]["best_score"] == 100
    assert rows["ann"]["latest_score"] < 100
    assert rows["ann"]["submissions"] == 2
    assert rows["bob"]["best_score"] == rows["bob"]["latest_score"] < 100
    assert rows["bob"]["graded_at"]


@pytest.mark.databases
def test_a_job_enqueued_twice_is_graded_once(app, accepted):
    svc = Services.of(app)
    sub = accepted()
    assert grade_submission(svc.db, svc.store, sub.id, job_id="t1") == "graded"
    assert grade_submission(svc.db, svc.store, sub.id, job_id="t2") is None
    with svc.db.session() as s:
        runs = s.scalars(select(GradingRun).where(GradingRun.submission_id == sub.id)).all()
        assert len(runs) == 1 and runs[0].assignment_version >= 1 and runs[0].assignment_digest


@pytest.mark.databases
def test_start_recovers_queued_and_running(app, accepted):
    svc = Services.of(app)
    ids = [accepted(student="r").id for _ in range(3)]
    with svc.db.begin() as s:  # as a crash mid-grade leaves it
        s.get(Submission, ids[0]).status = "running"
    svc.queue.start()
    assert svc.queue.join(timeout=120)
    with svc.db.session() as s:
        assert [s.get(Submission, i).status for i in ids] == ["graded"] * 3


def test_grader_failure_is_an_error_status_not_a_crash(app, accepted):
    svc = Services.of(app)
    sub = accepted()
    svc.store.path(sub.blob_sha256).unlink()  # the stored file is gone
    assert grade_submission(svc.db, svc.store, sub.id) == "error"
    with svc.db.session() as s:
        row = s.get(Submission, sub.id)
        assert row.status == "error" and "grader failed" in row.error


def test_an_unavailable_sandbox_is_reported_and_regradable(app, accepted, monkeypatch):
    svc = Services.of(app)
    sub = accepted()
    monkeypatch.setenv("GRADER_SANDBOX", "no-such-backend")
    assert grade_submission(svc.db, svc.store, sub.id) == "error"
    with svc.db.session() as s:
        assert "unknown sandbox backend" in s.get(Submission, sub.id).error
