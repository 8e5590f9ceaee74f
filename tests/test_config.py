"""Configuration: documented defaults, instance folder, environment, precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import SETTINGS, assignments_dir, default, load_config, normalise_database_url
from grader.ratelimit import parse_rate, storage_url
from grader.storage import BlobStore


def test_defaults_live_in_the_instance_folder(tmp_path):
    config = load_config(tmp_path / "inst", environ={})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'grader.db'}"
    assert config["STORAGE_DIR"] == str(tmp_path / "inst" / "uploads")
    assert config["REFERENCE_CACHE_DIR"] == str(tmp_path / "inst" / "reference-cache")
    assert config["BROKER_URL"] is None
    assert config["WORKERS"] == 0  # one per core
    assert Path(config["ASSIGNMENTS_DIR"]).name == "assignments"
    key = config["SECRET_KEY"]
    assert len(key) == 64 and (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0
    assert load_config(tmp_path / "inst", environ={})["SECRET_KEY"] == key


def test_precedence_file_then_environment_then_overrides(tmp_path):
    (tmp_path / "config.py").write_text("WORKERS = 3\nRATE_LIMIT_IP = '5/minute'\nEXTRA = 1\n")
    config = load_config(tmp_path, environ={})
    assert (config["WORKERS"], config["RATE_LIMIT_IP"], config["EXTRA"]) == (3, "5/minute", 1)
    env = {"GRADER_WORKERS": "4", "DATABASE_URL": "postgres://u@h/db", "GRADER_SECRET_KEY": "k"}
    config = load_config(tmp_path, environ=env)
    assert config["WORKERS"] == 4 and config["SECRET_KEY"] == "k"
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert load_config(tmp_path, {"WORKERS": 1}, environ=env)["WORKERS"] == 1


def test_bad_values_are_named(tmp_path):
    with pytest.raises(ValueError, match="GRADER_WORKERS"):
        load_config(tmp_path, environ={"GRADER_WORKERS": "many"})
    with pytest.raises(ValueError, match="20/minute"):
        parse_rate("lots")
    with pytest.raises(ValueError, match="GRADER_RATE_LIMIT_IP.*20/minute"):
        load_config(tmp_path, environ={"GRADER_RATE_LIMIT_IP": "lots"})
    with pytest.raises(ValueError, match="GRADER_RATE_LIMIT_AUTH_FAILURES.*20/minute"):
        load_config(tmp_path, environ={"GRADER_RATE_LIMIT_AUTH_FAILURES": "ten"})
    assert load_config(tmp_path, environ={})["RATE_LIMIT_AUTH_FAILURES"] == "10/minute"
    with pytest.raises(ValueError, match="GRADER_LOG_FORMAT must be text or json"):
        load_config(tmp_path, environ={"GRADER_LOG_FORMAT": "xml"})
    with pytest.raises(ValueError, match="GRADER_LEASE_SECONDS must be above 0"):
        load_config(tmp_path, environ={"GRADER_LEASE_SECONDS": "0"})
    with pytest.raises(ValueError, match="GRADER_BROKER_VISIBILITY_TIMEOUT must be above 0"):
        load_config(tmp_path, environ={"GRADER_BROKER_VISIBILITY_TIMEOUT": "0"})


def test_the_job_runner_takes_its_numbers_from_the_settings(tmp_path):
    from grader.db import Database
    from grader.jobs import make_queue, processes

    config = load_config(tmp_path, environ={})
    runner = make_queue(config, Database(config["DATABASE_URL"]), BlobStore(tmp_path / "s"))
    assert runner.warm == default("WARM_SANDBOXES") == 2  # type: ignore[attr-defined]
    assert runner.lease_seconds == default("LEASE_SECONDS")  # type: ignore[attr-defined]
    # GRADER_WORKERS 0 (the default): one grading process per core
    assert default("WORKERS") == 0
    assert runner.workers == processes.cores()  # type: ignore[attr-defined]


def test_the_bundled_assignments_folder_is_one_setting(tmp_path):
    assert assignments_dir({}) == Path(default("ASSIGNMENTS_DIR"))
    assert assignments_dir({"GRADER_ASSIGNMENTS_DIR": str(tmp_path)}) == tmp_path
    env = {"GRADER_ASSIGNMENTS_DIR": str(tmp_path)}
    assert load_config(tmp_path / "i", environ=env)["ASSIGNMENTS_DIR"] == str(tmp_path)


def test_submission_statuses_keep_their_words_in_the_database():
    from grader.models import FINISHED, SubmissionStatus

    assert [s.value for s in SubmissionStatus] == [
        "queued",
        "running",
        "graded",
        "rejected",
        "error",
    ]
    assert f"{SubmissionStatus.GRADED}" == "graded" and SubmissionStatus.ERROR == "error"
    assert set(FINISHED) == {"graded", "rejected", "error"}


def test_every_setting_is_documented():
    for s in SETTINGS:
        assert s.doc and (s.env.startswith("GRADER_") or s.env == "DATABASE_URL")
    envs = {s.env for s in SETTINGS}
    assert {"DATABASE_URL", "GRADER_BROKER_URL", "GRADER_SECRET_KEY"} <= envs


def test_rates_and_urls():
    assert (parse_rate("20/minute").amount, parse_rate("20/minute").get_expiry()) == (20, 60)
    assert (parse_rate("3/hours").amount, parse_rate("3/hours").get_expiry()) == (3, 3600)
    assert parse_rate("0/minute").amount == 0  # disabled
    assert storage_url({}) == "memory://"
    assert storage_url({"BROKER_URL": "redis://r:6379/0"}) == "redis://r:6379/0"
    assert storage_url({"BROKER_URL": "amqp://q", "RATE_LIMIT_STORAGE": ""}) == "memory://"
    assert storage_url({"RATE_LIMIT_STORAGE": "redis://r/1"}) == "redis://r/1"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_database_url("postgresql://a/b") == "postgresql+psycopg://a/b"


def test_blob_store_is_content_addressed(tmp_path):
    store = BlobStore(tmp_path)
    digest = store.put(b"hello")
    assert store.put(b"hello") == digest and store.get(digest) == b"hello"
    assert store.path(digest).parent.name == digest[:2]
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
