"""Prometheus metrics (prometheus-client). No Flask here: the web side serves them
at ``/metrics`` (``grader.http_metrics``), a ``grader worker`` on its own port.

Two kinds. What the database knows (queue depth, the oldest wait, gradings in
progress) is read from it at each scrape, so it is right however many processes
grade. What happens inside a process (grading durations and outcomes, sandbox
start failures, leases taken back, refused uploads, HTTP latency) is counted
where it happens; a Celery worker's pool processes count into files of a
shared folder (prometheus-client's multiprocess mode), summed when scraped.

The client library is imported on first use, never at import: a worker must
choose multiprocess mode before it is loaded."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from grader.db import Database

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: grading takes seconds to minutes
GRADING_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)


@functools.cache
def instruments() -> SimpleNamespace:
    from prometheus_client import Counter, Histogram

    return SimpleNamespace(
        grading_seconds=Histogram(
            "grader_grading_duration_seconds",
            "Time to grade one submission (sandbox and checks), by assignment.",
            ["assignment"],
            buckets=GRADING_BUCKETS,
        ),
        gradings=Counter(
            "grader_gradings",
            "Finished gradings by assignment and outcome: graded, rejected, error, or "
            "discarded (the run lost its lease and another run scores the submission).",
            ["assignment", "outcome"],
        ),
        sandbox_failures=Counter(
            "grader_sandbox_start_failures",
            "Gradings that failed because the sandbox could not start.",
        ),
        leases_reclaimed=Counter(
            "grader_leases_reclaimed",
            "Running submissions handed out again: their lease lapsed (expired) or their "
            "worker process was lost (worker_lost).",
            ["reason"],
        ),
        uploads_refused=Counter(
            "grader_uploads_refused",
            "Uploads refused before anything was stored: busy (back-pressure) or rate_limited.",
            ["reason"],
        ),
        http_seconds=Histogram(
            "grader_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route and status.",
            ["method", "route", "status"],
        ),
    )


def observe_grading(assignment: str, outcome: str, seconds: float) -> None:
    m = instruments()
    m.gradings.labels(assignment, outcome).inc()
    m.grading_seconds.labels(assignment).observe(seconds)


def count_sandbox_failure() -> None:
    instruments().sandbox_failures.inc()


def count_reclaimed(reason: str, n: int = 1) -> None:
    if n:
        instruments().leases_reclaimed.labels(reason).inc(n)


def count_refused(reason: str) -> None:
    instruments().uploads_refused.labels(reason).inc()


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    instruments().http_seconds.labels(method, route, str(status)).observe(seconds)


class QueueCollector:
    """Queue depth, oldest wait and gradings in progress, read from the database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from grader.backpressure import queue_state

        up = GaugeMetricFamily("grader_database_up", "1 if the database answered this scrape.")
        try:
            state = queue_state(self.database)
        except SQLAlchemyError as exc:
            log.warning("metrics: the database did not answer (%s)", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "grader_queue_depth", "Submissions waiting to be graded.", value=state.queued
        )
        yield GaugeMetricFamily(
            "grader_queue_oldest_age_seconds",
            "How long the oldest waiting submission has waited (0: none waits).",
            value=state.oldest_age or 0,
        )
        yield GaugeMetricFamily(
            "grader_gradings_in_progress",
            "Submissions being graded now, by any worker.",
            value=state.running,
        )


def process_registry() -> Any:
    """What this process (or, in multiprocess mode, every process sharing the folder) counted."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition(*registries: Any) -> tuple[bytes, str]:
    """The text format of ``registries`` (their metric names must not overlap)."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return b"".join(generate_latest(r) for r in registries), CONTENT_TYPE_LATEST


def queue_registry(database: Database) -> Any:
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(database))
    return registry


def serve_process_metrics(host: str, port: int) -> None:
    """Serve ``process_registry()`` over HTTP from a thread (a ``grader worker``)."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=host, registry=process_registry())
