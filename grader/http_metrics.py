"""``/metrics`` for Prometheus, and the latency of every request, by route.

The route label is the URL rule (``/api/v1/submissions/<submission_id>``), never
the path, so that ids do not become series. The endpoint is not authenticated,
like most exporters: keep it off the public proxy (docs: README, "Metrics")."""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from grader import metrics
from grader.http_common import Services


def init_app(app: Flask) -> None:
    database = Services.of(app).db
    queue_registry = metrics.queue_registry(database)
    metrics.instruments()  # every family is listed from the first scrape on

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule else "unmatched"
            metrics.observe_request(
                request.method, route, response.status_code, time.perf_counter() - started
            )
        return response

    def scrape() -> Response:
        body, content_type = metrics.exposition(queue_registry, metrics.process_registry())
        return Response(body, content_type=content_type)

    app.add_url_rule("/metrics", "metrics", scrape, methods=["GET"])
