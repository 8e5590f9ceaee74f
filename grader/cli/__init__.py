"""The ``grader`` command line: a thin layer over the grading core."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from grader.cli.grading import grade_command, validate_command
from grader.errors import SandboxUnavailable

#: commands whose modules pull in the database layer: imported only when used, so
#: that `grader grade` starts fast
LAZY_COMMANDS = {
    "serve": "grader.cli.service:serve_command",
    "db": "grader.cli.service:db_group",
    "assignment": "grader.cli.admin:assignment_group",
    "assignments": "grader.cli.admin:assignments_alias",  # hidden, deprecated
    "token": "grader.cli.admin:token_group",
    "submissions": "grader.cli.admin:submissions_group",
    "regrade": "grader.cli.admin:regrade_command",
    "export": "grader.cli.admin:export_command",
    "storage": "grader.cli.storage:storage_group",
    "worker": "grader.cli.worker:worker_command",
    "selfcheck": "grader.cli.health:selfcheck_command",
    "user": "grader.cli.people:user_group",
    "course": "grader.cli.people:course_group",
    "release": "grader.cli.people:release_group",
    "roster": "grader.cli.people:roster_group",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="backprop-grader")
def cli() -> None:
    """Grade backpropagation homework in a sandbox, with feedback that names the mistake."""
    logging.basicConfig(level=logging.WARNING, format="grader: %(levelname)s: %(message)s")


cli.add_command(grade_command)
cli.add_command(validate_command)


def main() -> None:
    """Entry point: a bug of ours exits 1 with one line, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SandboxUnavailable as exc:  # a set-up problem of this machine, not a bug
        click.echo(f"grader: the sandbox cannot run here: {exc.message}", err=True)
        sys.exit(1)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the contract: 1 for a bug of ours, no traceback
        logging.getLogger("grader").debug("internal error", exc_info=True)
        click.echo(f"grader: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
