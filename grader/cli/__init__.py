"""The ``grader`` command line: a thin layer over the grading core."""

from __future__ import annotations

import logging
import sys

import click

from grader.cli.grading import assignments_command, grade_command, validate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="backprop-grader")
def cli() -> None:
    """Grade backpropagation homework in a sandbox, with feedback that names the mistake."""
    logging.basicConfig(level=logging.WARNING, format="grader: %(levelname)s: %(message)s")


cli.add_command(grade_command)
cli.add_command(assignments_command)
cli.add_command(validate_command)
# service commands are registered below
__import__("grader.cli.service", fromlist=["register"]).register(cli)


def main() -> None:
    """Entry point: a bug of ours exits 1 with one line, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the contract: 1 for a bug of ours, no traceback
        logging.getLogger("grader").debug("internal error", exc_info=True)
        click.echo(f"grader: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
