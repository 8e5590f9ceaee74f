"""Commands that grade: ``grade`` and ``validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from grader.cli.naming import load_named
from grader.engine import grade_file
from grader.result_text import render


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
    """Grade FILE (.py or .ipynb) against ASSIGNMENT (a slug or a folder; a slug may be
    bundled or registered with `grader assignment add`).

    Exits 0 when graded (whatever the score), 2 when the file is rejected.
    """
    target = load_named(assignment)
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


@click.command("validate")
@click.argument("assignment")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the quality report as one JSON object."
)
@click.option(
    "--reference-only",
    is_flag=True,
    help="Only check that the reference scores full marks (fast; no mutation catalogue).",
)
def validate_command(assignment: str, as_json: bool, reference_only: bool) -> None:
    """Check ASSIGNMENT's quality (a slug or a folder): the reference scores full marks in
    the sandbox, and every known mistake (the mutation catalogue) applied to the
    reference loses points.

    Exits non-zero when the reference fails or a mistake no check catches exists.
    """
    target = load_named(assignment)
    result = grade_file(target, target.reference_file, seed=0)
    if reference_only:
        click.echo(json.dumps(result.to_dict()) if as_json else render(result), nl=as_json)
        _require_full_marks(target, result)
        if not as_json:
            click.echo(f"{target.slug}: the reference scores full marks")
        return
    from grader.diagnosis.report import quality_report

    report = quality_report(
        target, seed=0, reference_score=result.score if result.status == "graded" else 0.0
    )
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        click.echo(render(result), nl=False)
        click.echo(report.text(), nl=False)
    _require_full_marks(target, result)
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


def _require_full_marks(target: Any, result: Any) -> None:
    if result.status != "graded" or result.score < target.max_score:
        raise click.ClickException(
            f"the reference scores {result.score:g} / {target.max_score:g}, not full marks"
            + (f": {result.error}" if result.error else "")
        )
