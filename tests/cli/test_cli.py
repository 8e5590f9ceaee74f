"""The instructor commands, run against the test's instance folder and database."""

from __future__ import annotations

import csv
import io
import os
import zipfile

import pytest
from sqlalchemy import select

from grader.cli import cli
from grader.db import shown_url
from grader.http_common import Services
from grader.models import ApiToken, Submission

COMMANDS = [
    ["serve"],
    ["db"],
    ["db", "upgrade"],
    ["db", "current"],
    ["assignment"],
    ["assignment", "add"],
    ["assignment", "list"],
    ["assignment", "show"],
    ["assignment", "validate"],
    ["token"],
    ["token", "create"],
    ["token", "list"],
    ["token", "revoke"],
    ["submissions"],
    ["submissions", "list"],
    ["regrade"],
    ["export"],
    ["selfcheck"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    body = result.output.split("\n\n", 2)[1].strip()
    assert body and not body.startswith("Options:"), f"{command} has no help text"


def test_token_lifecycle(app, client, runner):
    created = runner("token", "create", "canvas")
    assert created.exit_code == 0
    plain = created.stdout.strip()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/assignments", headers=headers).status_code == 200
    with Services.of(app).db.session() as s:
        assert s.scalar(select(ApiToken.token_hash)) != plain
    again = runner("token", "create", "canvas")
    assert again.exit_code == 1 and "exists" in again.output
    listed = runner("token", "list")
    assert "canvas" in listed.output and plain not in listed.output and "active" in listed.output
    assert runner("token", "revoke", "canvas").exit_code == 0
    assert "revoked" in runner("token", "list").output
    assert client.get("/api/v1/assignments", headers=headers).status_code == 401
    assert runner("token", "revoke", "nope").exit_code == 1


def test_assignment_list_show_add(runner):
    listed = runner("assignment", "list")
    assert listed.exit_code == 0 and "chain-rule" in listed.output
    shown = runner("assignment", "show", "chain-rule")
    assert "version 1" in shown.output and "grad_w1(x, y, w1, w2)" in shown.output
    assert runner("assignment", "show", "nope").exit_code == 1


def test_assignment_add_detects_changes(app, runner, tmp_path):
    import shutil

    folder = tmp_path / "chain-rule"
    shutil.copytree(app.config["ASSIGNMENTS_DIR"] + "/chain-rule", folder)
    moved = runner("assignment", "add", str(folder)).output
    assert "refreshed" in moved and "regrade" not in moved
    assert "unchanged" in runner("assignment", "add", str(folder)).output
    toml = folder / "assignment.toml"
    toml.write_text(toml.read_text().replace("version = 1", "version = 2", 1))
    result = runner("assignment", "add", str(folder))
    assert "updated (version 2" in result.output
    assert "grader regrade chain-rule" in result.output
    missing = runner("assignment", "add", str(tmp_path / "nope"))
    assert missing.exit_code == 2


def test_assignment_validate(runner):
    result = runner("assignment", "validate", "chain-rule")
    assert result.exit_code == 0, result.output
    assert "full marks" in result.output
    assert "deprecated" in result.output and "grader validate --reference-only" in result.output


def test_an_added_assignment_is_named_by_its_slug_everywhere(app, runner, tmp_path):
    import json
    import shutil

    folder = tmp_path / "elsewhere" / "my-rule"
    shutil.copytree(app.config["ASSIGNMENTS_DIR"] + "/chain-rule", folder)
    assert runner("assignment", "add", str(folder)).exit_code == 0
    graded = runner("grade", "my-rule", str(folder / "reference.py"), "--json")
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.stdout)["status"] == "graded"
    listed = runner("assignment", "list").output
    assert "my-rule" in listed and "0 submissions" in listed and "chain-rule" in listed
    assert "my-rule" in runner("assignment", "show", str(folder)).output  # or by its folder
    missing = runner("grade", "no-such-rule", str(folder / "reference.py"))
    assert missing.exit_code == 2 and "not registered in the database" in missing.output


def test_the_old_list_command_is_a_deprecated_alias(runner):
    from grader.cli import cli

    result = runner("assignments")
    assert result.exit_code == 0 and "chain-rule" in result.output
    assert "deprecated" in result.output and "grader assignment list" in result.output
    listed = [line.split()[0] for line in runner("--help").output.splitlines() if line[:3] == "  a"]
    assert listed == ["assignment"] and cli.get_command(None, "assignments") is not None


def test_a_service_command_says_where_it_creates_the_instance(runner, monkeypatch, tmp_path):
    monkeypatch.delenv("GRADER_INSTANCE_PATH")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    first = runner("db", "current")
    assert first.exit_code == 0
    assert f"creating the instance folder {tmp_path / 'here' / 'instance'}" in first.output
    assert "GRADER_INSTANCE_PATH" in first.output
    assert "creating" not in runner("db", "current").output  # once: it exists now


@pytest.fixture
def app_config(app_config):
    return {**app_config, "LEASE_SECONDS": 3}  # the runner looks for queued work every second


@pytest.mark.databases
def test_submissions_regrade_export(app, runner, accepted, tmp_path):
    svc = Services.of(app)
    for student, name in [
        ("ann", "correct.py"),
        ("bob", "bug_grad_missing_factor_2.py"),
        ("=cmd", "correct.py"),
    ]:
        accepted(f"chain-rule/{name}", student)
    listed = runner("submissions", "list", "--assignment", "chain-rule", "--student", "ann")
    assert listed.output.count("queued") == 1 and "correct.py" in listed.output
    assert runner("regrade", "chain-rule").output.strip() == "nothing to regrade"
    with svc.db.begin() as s:  # pretend they were graded before
        for sub in s.scalars(select(Submission)):
            sub.status = "error"
    # the command only queues them: nothing grades until the service's runner runs
    queued = runner("regrade", "chain-rule")
    assert queued.exit_code == 0 and "3 submission(s) of chain-rule queued" in queued.output
    assert runner("submissions", "list", "--status", "queued").output.count("chain-rule") == 3
    svc.queue.start()  # as `grader serve` starts: it takes up what is queued
    assert svc.queue.join(timeout=120)
    with svc.db.begin() as s:
        for sub in s.scalars(select(Submission)):
            sub.status = "error"
    # while it runs, its sweeper takes up what the command queues
    result = runner("regrade", "chain-rule", "--wait", "--timeout", "120")
    assert result.exit_code == 0, result.output
    assert "3 graded" in result.output
    assert runner("regrade", "chain-rule", "--stale").output.strip() == "nothing to regrade"
    assert "graded" in runner("submissions", "list", "--status", "graded").output

    exported = runner("export", "chain-rule", "--format", "csv")
    assert exported.exit_code == 0
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert rows[0] == [
        "student_id",
        "score",
        "max_score",
        "graded_at",
        "counted_score",
        "late",
        "attempts",
    ]
    by_student = {r[0]: r for r in rows[1:]}
    assert by_student["ann"][1:3] == ["100", "100"]
    assert by_student["ann"][4:] == ["100", "", "1"]  # no deadline: counted as graded
    assert float(by_student["bob"][1]) < 100 and by_student["bob"][3]
    assert "'=cmd" in by_student  # a formula-looking id is neutralised for spreadsheets
    assert runner("export", "nope").exit_code == 1
    archive = tmp_path / "subs.zip"
    zipped = runner("export", "chain-rule", "--format", "zip", "-o", str(archive))
    assert zipped.exit_code == 0 and "3 submission(s) of chain-rule in default" in zipped.output
    with zipfile.ZipFile(archive) as z:
        manifest = list(csv.DictReader(io.StringIO(z.read("submissions.csv").decode())))
        assert sorted(m["student"] for m in manifest) == ["'=cmd", "ann", "bob"]
        assert all(z.read(m["file"]) for m in manifest)


@pytest.mark.databases
def test_commands_refuse_an_unmigrated_database(runner, monkeypatch, database_factory):
    monkeypatch.setenv("DATABASE_URL", database_factory(empty=True))
    result = runner("token", "list")
    assert result.exit_code == 1 and "grader db upgrade" in result.output
    assert f"the database {shown_url(os.environ['DATABASE_URL'])} is at revision none" in (
        result.output
    )
    assert "empty" in runner("db", "current").output
    assert runner("db", "upgrade").exit_code == 0
    assert runner("token", "list").exit_code == 0
