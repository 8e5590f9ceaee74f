"""The README documents every setting and every command (and CI runs its commands)."""

from __future__ import annotations

import re

import click

from grader.cli import cli
from grader.config import SETTINGS
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_documented() -> None:
    for setting in SETTINGS:
        assert f"`{setting.env}`" in README, setting.env
    for variable in (
        "GRADER_INSTANCE_PATH",
        "GRADER_SANDBOX",
        "GRADER_SANDBOX_PYTHON",
        "GRADER_SANDBOX_ENV",
    ):
        assert f"`{variable}`" in README, variable


def test_every_command_is_documented_and_has_help() -> None:
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command.help, name
        assert re.search(rf"grader {name}\b", README), name
