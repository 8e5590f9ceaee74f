"""``grader selfcheck``: what a container's healthcheck runs."""

from __future__ import annotations

import urllib.error
import urllib.request

import click


@click.command("selfcheck")
@click.option(
    "--url",
    default=None,
    help="Also require this URL to answer 200 (e.g. the service's /healthz).",
)
@click.option(
    "--timeout", default=10.0, show_default=True, type=float, help="Seconds to wait for --url."
)
def selfcheck_command(url: str | None, timeout: float) -> None:
    """Start a real sandbox, run a tiny job in it and check its answer; with --url,
    also ask the service. Exits 1 with the reason when either fails."""
    from grader.sandbox.backends import make_backend
    from grader.sandbox.selftest import self_test

    if url:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                status = response.status
        except (urllib.error.URLError, OSError) as exc:
            raise click.ClickException(f"{url} did not answer: {exc}") from exc
        if status != 200:
            raise click.ClickException(f"{url} answered {status}")
    # SandboxUnavailable: `grader`'s entry point prints the reason and exits 1
    seconds = self_test(make_backend())
    click.echo(f"ok: the sandbox started and ran a job in {seconds:.1f} s")
