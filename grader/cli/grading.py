"""Commands that grade: ``grade``, ``assignments``, ``validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader import assignments as catalogue
from grader.engine import grade_file
from grader.errors import GraderError
from grader.report import render


def _load(slug: str):
    try:
        assignment = catalogue.find(slug)
        assignment.verify_reference()
    except GraderError as exc:
        raise click.UsageError(exc.message) from exc
    return assignment


@click.command("grade")
@click.argument("assignment")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the LMS contract).")
@click.option("--seed", type=int, default=None, help="Fix the random inputs (for reproducing a run).")
@click.option("--details", is_flag=True, help="With --json: include per-check details and the run log.")
def grade_command(assignment: str, file: Path, as_json: bool, seed: int | None, details: bool) -> None:
    """Grade FILE (.py or .ipynb) against ASSIGNMENT (a slug or a folder).

    Exits 0 when graded (whatever the score), 2 when the file is rejected.
    """
    target = _load(assignment)
    result = grade_file(target, file, seed=seed)
    if as_json:
        click.echo(json.dumps(result.to_dict(details=details), default=_plain))
    else:
        click.echo(render(result), nl=False)
    sys.exit(0 if result.status == "graded" else 2)


def _plain(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


@click.command("assignments")
def assignments_command() -> None:
    """List the available assignments."""
    try:
        found = catalogue.discover()
    except GraderError as exc:
        raise click.ClickException(exc.message) from exc
    for slug, a in found.items():
        click.echo(f"{slug:20} v{a.version}  {a.max_score:g} pts  {a.title}")


@click.command("validate")
@click.argument("assignment")
def validate_command(assignment: str) -> None:
    """Check that ASSIGNMENT's reference solution scores full marks in the sandbox."""
    target = _load(assignment)
    result = grade_file(target, target.reference_file, seed=0)
    click.echo(render(result), nl=False)
    if result.status != "graded" or result.score < target.max_score:
        raise click.ClickException(
            f"the reference scores {result.score:g} / {target.max_score:g}, not full marks"
        )
    click.echo(f"{target.slug}: the reference scores full marks")
