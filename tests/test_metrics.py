"""Prometheus metrics at /metrics, scraped from a real `grader serve` over HTTP, and
its JSON log lines, each line of a grading naming the submission."""

from __future__ import annotations

import json
import time

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from grader.grading import grade_submission
from grader.http_common import Services
from tests.service_helpers import post, scrape

pytestmark = [pytest.mark.slow, pytest.mark.databases]

SUBMIT_ROUTE = "/api/v1/assignments/<slug>/submissions"


def test_a_real_scrape_of_a_serving_grader(live_server, fixture_file):
    live_server.env["GRADER_LOG_FORMAT"] = "json"
    token = live_server.cli("token", "create", "metrics").strip()
    live_server.start()
    url = f"{live_server.url}/api/v1/assignments/chain-rule/submissions"
    ids = [
        post(url, token, name, fixture_file(f"chain-rule/{name}"))["id"]
        for name in ("correct.py", "bug_grad_missing_factor_2.py")
    ]
    deadline = time.monotonic() + 120
    while True:
        _, samples = scrape(live_server.url)
        if samples[("grader_queue_depth", ())] + samples[("grader_gradings_in_progress", ())] == 0:
            break
        assert time.monotonic() < deadline, live_server.log.read_text()[-3000:]
        time.sleep(0.3)

    content_type, samples = scrape(live_server.url)
    assert content_type.startswith("text/plain; version=")  # the text exposition format
    assert samples[("grader_database_up", ())] == 1
    assert samples[("grader_queue_oldest_age_seconds", ())] == 0
    graded = (("assignment", "chain-rule"), ("outcome", "graded"))
    assert samples[("grader_gradings_total", graded)] == 2
    duration = (("assignment", "chain-rule"),)
    assert samples[("grader_grading_duration_seconds_count", duration)] == 2
    assert samples[("grader_grading_duration_seconds_sum", duration)] > 0
    assert samples[("grader_sandbox_start_failures_total", ())] == 0
    posted = (("method", "POST"), ("route", SUBMIT_ROUTE), ("status", "202"))
    assert samples[("grader_http_request_duration_seconds_count", posted)] == 2
    # ids never become series: the route is the URL rule
    assert not any(i in repr(key) for key in samples for i in ids)

    lines = [
        json.loads(line) for line in live_server.log.read_text().splitlines() if line[:1] == "{"
    ]
    for sub_id in ids:
        own = [entry for entry in lines if entry.get("submission_id") == sub_id]
        messages = " | ".join(entry["message"] for entry in own)
        assert "grading submission" in messages and "graded score=" in messages, messages
        assert all(entry["job_id"].startswith("grader-worker-") for entry in own), own
        # every line about the submission is one of its grading's lines
        assert [e for e in lines if sub_id in e["message"]] == [
            e for e in own if sub_id in e["message"]
        ]


def test_queue_gauges_read_the_database(app, client, accepted):
    ids = [accepted().id for _ in range(3)]
    with Services.of(app).db.begin() as session:
        from grader.models import Submission

        session.get(Submission, ids[0]).status = "running"
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {
        s.name: s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
        if not s.labels
    }
    assert samples["grader_queue_depth"] == 2
    assert samples["grader_gradings_in_progress"] == 1
    assert samples["grader_queue_oldest_age_seconds"] >= 0


def test_a_sandbox_that_cannot_start_is_counted(app, accepted, monkeypatch):
    svc = Services.of(app)
    before = REGISTRY.get_sample_value("grader_sandbox_start_failures_total") or 0
    monkeypatch.setenv("GRADER_SANDBOX", "no-such-backend")
    assert grade_submission(svc.db, svc.store, accepted().id) == "error"
    assert REGISTRY.get_sample_value("grader_sandbox_start_failures_total") == before + 1
    outcome = {"assignment": "chain-rule", "outcome": "error"}
    assert REGISTRY.get_sample_value("grader_gradings_total", outcome) >= 1
