"""``grader worker``: a Celery worker grading what the service queued on the broker."""

from __future__ import annotations

import logging
import os

import click

from grader.cli.service import make_app, require_schema


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Submissions graded at once, one process each [default: GRADER_WORKERS or 2].",
)
def worker_command(concurrency: int | None) -> None:
    """Grade the submissions queued on GRADER_BROKER_URL (Celery with Redis).

    Run it beside `grader serve` with the same GRADER_BROKER_URL, DATABASE_URL and
    upload storage, as many as needed. Each process keeps a warm sandbox when
    GRADER_WARM_SANDBOXES is above 0. A submission whose worker is killed mid-grade
    is graded again (see GRADER_BROKER_VISIBILITY_TIMEOUT). Stops on Ctrl-C or
    SIGTERM after the submissions in progress.
    """
    from grader.jobs.celery import QUEUE, celery_init_app

    logging.getLogger("grader").setLevel(logging.INFO)
    app = make_app()
    if not app.config.get("BROKER_URL"):
        raise click.ClickException(
            "GRADER_BROKER_URL is not set: give the broker the service queues on, "
            "e.g. redis://127.0.0.1:6379/0"
        )
    require_schema(app)
    celery = celery_init_app(app)
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
