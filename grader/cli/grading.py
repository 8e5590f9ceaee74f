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
@click.option(
    "--seed", type=int, default=None, help="Fix the random inputs (for reproducing a run)."
)
@click.option(
    "--details", is_flag=True, help="With --json: include per-check details and the run log."
)
@click.option(
    "--plots",
    "plots_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the feedback plots (loss curves, decision boundaries) as PNG files here.",
)
def grade_command(
    assignment: str,
    file: Path,
    as_json: bool,
    seed: int | None,
    details: bool,
    plots_dir: Path | None,
) -> None:
    """Grade FILE (.py or .ipynb) against ASSIGNMENT (a slug or a folder).

    Exits 0 when graded (whatever the score), 2 when the file is rejected.
    """
    target = _load(assignment)
    result = grade_file(target, file, seed=seed)
    if plots_dir is not None:
        _write_plots(target, result, plots_dir)
    if as_json:
        click.echo(json.dumps(result.to_dict(details=details)))
    else:
        click.echo(render(result), nl=False)
    sys.exit(0 if result.status == "graded" else 2)


def _write_plots(target, result, folder: Path) -> None:
    from grader.plots import render_plots

    plots = render_plots(target, result)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in plots.items():
        (folder / name).write_bytes(data)
        click.echo(f"plot: {folder / name}", err=True)


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
@click.option(
    "--json", "as_json", is_flag=True, help="Print the quality report as one JSON object."
)
def validate_command(assignment: str, as_json: bool) -> None:
    """Check ASSIGNMENT's quality: the reference scores full marks in the sandbox, and every
    known mistake (the mutation catalogue) applied to the reference loses points.

    Exits non-zero when the reference fails or a mistake no check catches exists.
    """
    from grader.diagnosis.quality import quality_report

    target = _load(assignment)
    result = grade_file(target, target.reference_file, seed=0)
    report = quality_report(
        target, seed=0, reference_score=result.score if result.status == "graded" else 0.0
    )
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        click.echo(render(result), nl=False)
        click.echo(report.text(), nl=False)
    if result.status != "graded" or result.score < target.max_score:
        raise click.ClickException(
            f"the reference scores {result.score:g} / {target.max_score:g}, not full marks"
        )
    if report.errors:
        raise click.ClickException(f"the mutation catalogue has errors: {report.errors[0]}")
    if report.holes:
        raise click.ClickException(
            f"{len(report.holes)} known mistakes lose no points (holes): {', '.join(report.holes)}"
        )
    if not as_json:
        click.echo(
            f"{target.slug}: the reference scores full marks; mutation coverage "
            f"{report.coverage:.0%}"
        )
