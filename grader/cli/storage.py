"""``grader storage``: the file store of uploads and plots."""

from __future__ import annotations

import click

from grader.cli.admin import instance_services


@click.group("storage")
def storage_group() -> None:
    """Look after the file store (uploads and feedback plots)."""


@storage_group.command("gc")
@click.option(
    "--min-age",
    type=click.FloatRange(min=0),
    default=3600,
    show_default=True,
    help="Only remove files older than this many seconds (uploads in flight are younger).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def gc_command(min_age: float, dry_run: bool) -> None:
    """Remove the stored files no submission and no grading run refers to."""
    from grader.storage_gc import collect_garbage

    with instance_services() as svc:
        out = collect_garbage(svc.db, svc.store, min_age=min_age, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {len(out.removed)} unreferenced file(s), {out.removed_bytes} bytes; "
        f"kept {out.kept} referenced, {out.young} too recent to judge"
    )
