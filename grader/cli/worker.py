"""``grader worker``: a Celery worker grading what the service queued on the broker."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import click

from grader.cli.service import make_app, require_schema


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Submissions graded at once, one process each [default: GRADER_WORKERS or 2].",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(min=0, max=65535),
    default=None,
    help="Serve Prometheus metrics of this worker and its pool processes on this port "
    "[default: GRADER_WORKER_METRICS_PORT; 0: not served].",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Address the metrics are served on (0.0.0.0 for a scraper on another machine).",
)
def worker_command(concurrency: int | None, metrics_port: int | None, metrics_host: str) -> None:
    """Grade the submissions queued on GRADER_BROKER_URL (Celery with Redis).

    Run it beside `grader serve` with the same GRADER_BROKER_URL, DATABASE_URL and
    upload storage, as many as needed. Each process keeps a warm sandbox when
    GRADER_WARM_SANDBOXES is above 0. A submission whose worker is killed mid-grade
    is graded again once its lease lapses (GRADER_LEASE_SECONDS). Stops on Ctrl-C or
    SIGTERM after the submissions in progress.
    """
    from grader.cli.service import instance_path
    from grader.config import load_config

    try:
        config = load_config(instance_path())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not config.get("BROKER_URL"):
        raise click.ClickException(
            "GRADER_BROKER_URL is not set: give the broker the service queues on, "
            "e.g. redis://127.0.0.1:6379/0"
        )
    port = config["WORKER_METRICS_PORT"] if metrics_port is None else metrics_port
    with _shared_metrics(enabled=bool(port)):
        _run(concurrency, port, metrics_host)


def _run(concurrency: int | None, port: int, host: str) -> None:
    from grader.jobs.celery import QUEUE, celery_init_app

    app = make_app()
    require_schema(app)
    celery = celery_init_app(app)
    if port:
        from grader.metrics import serve_process_metrics

        try:
            serve_process_metrics(host, port)
        except OSError as exc:
            raise click.ClickException(f"cannot serve metrics on {host}:{port}: {exc}") from exc
    worker = celery.Worker(
        concurrency=concurrency or int(app.config["WORKERS"]),
        pool_cls="prefork",
        loglevel="INFO",
        queues=[QUEUE],
        hostname=f"grader-{os.getpid()}@%h",  # several workers on one machine stay distinct
        # no start-up handshake or gossip between workers: nothing here uses it
        without_mingle=True,
        without_gossip=True,
    )
    worker.start()
    if worker.exitcode:
        raise click.exceptions.Exit(worker.exitcode)


@contextmanager
def _shared_metrics(enabled: bool) -> Iterator[None]:
    """Pool processes count into files of one folder (prometheus-client's multiprocess
    mode), which the worker's metrics endpoint sums. Chosen before the client library
    is first imported; the folder is this worker's own and removed when it stops."""
    from grader.metrics import MULTIPROC_ENV

    if not enabled or os.environ.get(MULTIPROC_ENV):
        yield
        return
    folder = tempfile.mkdtemp(prefix="grader-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)
