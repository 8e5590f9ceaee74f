"""Migrations build an empty database, upgrade the previous schema with its data,
step down and up again, and end exactly at what the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from grader.courses import User
from grader.db import Database, alembic_config, current_revision, downgrade, upgrade
from grader.models import Base, GradingRun

pytestmark = pytest.mark.databases


def revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def schema_diff(url: str) -> list:
    database = Database(url)
    try:
        with database.engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        database.dispose()


def test_upgrade_an_empty_database_matches_the_models(database_factory):
    url = database_factory(empty=True)
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == revisions(url)[-1]
    assert schema_diff(url) == []


def test_stairway_up_and_down_every_revision(database_factory):
    url = database_factory(empty=True)
    steps = revisions(url)
    for i, rev in enumerate(steps):
        upgrade(url, rev)
        downgrade(url, steps[i - 1] if i else "base")
        upgrade(url, rev)
    assert schema_diff(url) == []


def insert_old_rows(url: str, status: str, run: bool = False) -> None:
    """An assignment and a submission (and its grading run) as an older schema stored them."""
    database = Database(url)
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO assignments (id, slug, title, description, version, digest, max_score,"
                " path, functions, created_at, updated_at) VALUES (1, 'a', 'A', '', 1, 'd', 10,"
                " '/x', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO submissions (id, assignment_id, filename, blob_sha256, size, status,"
                " created_at) VALUES ('s1', 1, 'hw.py', :sha, 3, :status, CURRENT_TIMESTAMP)"
            ),
            {"sha": "0" * 64, "status": status},
        )
        if run:
            conn.execute(
                text(
                    "INSERT INTO grading_runs (id, submission_id, assignment_version,"
                    " assignment_digest, status, started_at) VALUES (1, 's1', 1, 'd', 'graded',"
                    " CURRENT_TIMESTAMP)"
                )
            )
    database.dispose()


def insert_graded_rows_of_0006(url: str) -> None:
    """A student's graded submission with one stored check, as schema 0006 stored them."""
    database = Database(url)
    with database.engine.begin() as conn:
        for sql in (
            "INSERT INTO assignments (id, slug, title, description, version, digest, max_score,"
            " path, functions, created_at, updated_at) VALUES (1, 'a', 'A', '', 1, 'd', 10,"
            " '/x', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO releases (id, course_id, assignment_id, penalty_kind, penalty_value,"
            " counts, feedback, created_at) SELECT 1, id, 1, 'none', 0, 'last', 'after_due',"
            " CURRENT_TIMESTAMP FROM courses WHERE slug = 'default'",
            "INSERT INTO users (id, login, display_name, is_admin, created_at) VALUES"
            " (1, 'alice', 'alice', FALSE, CURRENT_TIMESTAMP)",
            "INSERT INTO submissions (id, assignment_id, release_id, user_id, filename,"
            " blob_sha256, size, status, score, created_at) VALUES ('s1', 1, 1, 1, 'hw.py',"
            " :sha, 3, 'graded', 5, CURRENT_TIMESTAMP)",
            "INSERT INTO grading_runs (id, submission_id, assignment_version, assignment_digest,"
            " status, started_at) VALUES (1, 's1', 1, 'd', 'graded', CURRENT_TIMESTAMP)",
            "INSERT INTO check_results (id, run_id, position, name, passed, score, max_score,"
            " message) VALUES (1, 1, 0, 'sigmoid', FALSE, 0, 5, 'expected 0.5, got 1')",
        ):
            conn.execute(text(sql), {"sha": "0" * 64})
    database.dispose()


def test_previous_schema_with_data_is_upgraded(database_factory):
    """Rows of schema 0006 survive the revisions since: a stored check graded before
    checks could be hidden is not hidden (0007); a user from before has no home course
    (0008: only an administrator hands them links); the downgrade keeps the rows."""
    url = database_factory(empty=True)
    steps = revisions(url)
    # a new revision: add what its rows must become below, and keep this list whole
    assert steps[steps.index("0006") :] == ["0006", "0007", "0008"]
    upgrade(url, "0006")
    insert_graded_rows_of_0006(url)
    upgrade(url)
    assert schema_diff(url) == []
    database = Database(url)
    query = text(
        "SELECT s.id, s.status, s.filename, c.name, c.message FROM submissions s"
        " JOIN grading_runs g ON g.submission_id = s.id JOIN check_results c ON c.run_id = g.id"
    )
    try:
        with database.engine.connect() as conn:
            row = conn.execute(query).one()
            assert tuple(row) == ("s1", "graded", "hw.py", "sigmoid", "expected 0.5, got 1")
            assert "api_tokens" in inspect(conn).get_table_names()
        with database.session() as session:
            run = session.get(GradingRun, 1)
            assert run is not None and [c.hidden for c in run.checks] == [False]
            user = session.get(User, 1)
            assert user is not None and (user.login, user.home_course_id) == ("alice", None)
        downgrade(url, "0006")
        with database.engine.connect() as conn:
            assert tuple(conn.execute(query).one())[3:] == ("sigmoid", "expected 0.5, got 1")
            columns = {c["name"] for c in inspect(conn).get_columns("check_results")}
            assert "hidden" not in columns
            columns = {c["name"] for c in inspect(conn).get_columns("users")}
            assert "home_course_id" not in columns
            assert conn.execute(text("SELECT login FROM users")).scalar() == "alice"
    finally:
        database.dispose()


def test_runs_from_before_plots_are_upgraded(database_factory):
    url = database_factory(empty=True)
    upgrade(url, "0002")
    insert_old_rows(url, "graded", run=True)
    upgrade(url)
    database = Database(url)
    try:
        with database.session() as session:
            run = session.get(GradingRun, 1)
            assert run is not None and run.plots is None
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    database = Database(url)
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.dispose()


def test_rows_from_before_leases_are_upgraded_and_recovered(database_factory):
    """A submission an older grader left running has no lease after the upgrade: the
    sweeper takes it as lapsed and hands it out again; finished rows are left alone."""
    from grader.leases import claim, reclaim_expired

    url = database_factory(empty=True)
    upgrade(url, "0004")
    insert_old_rows(url, "running", run=True)
    upgrade(url)
    assert schema_diff(url) == []
    database = Database(url)
    try:
        with database.engine.connect() as conn:
            row = conn.execute(
                text("SELECT status, lease_owner, lease_token, lease_expires_at FROM submissions")
            ).one()
            assert tuple(row) == ("running", None, None, None)
        assert reclaim_expired(database) == [("s1", None)]
        lease = claim(database, "s1", owner="new-worker/1", duration=30)
        assert lease is not None and lease.owner == "new-worker/1"
    finally:
        database.dispose()


def test_students_become_users_of_the_default_course(database_factory):
    """Free-text student ids become users enrolled in the course 'default'; every
    submission keeps its student, file, score and runs; tokens act in that course."""
    url = database_factory(empty=True)
    upgrade(url, "0005")
    insert_old_rows(url, "graded", run=True)
    database = Database(url)
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO students (id, external_id, created_at) VALUES"
                " (7, 'alice', CURRENT_TIMESTAMP), (8, 'bob@example.org', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(text("UPDATE submissions SET student_id = 7, score = 80"))
        for sid, student in [("s2", 8), ("s3", None)]:
            conn.execute(
                text(
                    "INSERT INTO submissions (id, assignment_id, student_id, filename, blob_sha256,"
                    " size, status, created_at) VALUES (:id, 1, :student, 'b.py', :sha, 5,"
                    " 'queued', CURRENT_TIMESTAMP)"
                ),
                {"id": sid, "student": student, "sha": "1" * 64},
            )
        conn.execute(
            text(
                "INSERT INTO api_tokens (name, token_hash, prefix, created_at) VALUES"
                " ('lms', :hash, 'grd_x', CURRENT_TIMESTAMP)"
            ),
            {"hash": "2" * 64},
        )
    database.dispose()
    upgrade(url)
    assert schema_diff(url) == []
    database = Database(url)
    try:
        with database.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.id, u.login, c.slug, s.filename, s.score, s.counted_score, s.late,"
                    " s.late_factor, (SELECT COUNT(*) FROM grading_runs g"
                    " WHERE g.submission_id = s.id) FROM submissions s"
                    " JOIN releases r ON r.id = s.release_id JOIN courses c ON c.id = r.course_id"
                    " LEFT JOIN users u ON u.id = s.user_id ORDER BY s.id"
                )
            ).all()
            assert [tuple(r) for r in rows] == [
                ("s1", "alice", "default", "hw.py", 80.0, 80.0, False, 1.0, 1),
                ("s2", "bob@example.org", "default", "b.py", None, None, False, 1.0, 0),
                ("s3", None, "default", "b.py", None, None, False, 1.0, 0),
            ]
            enrolled = conn.execute(
                text(
                    "SELECT u.login, u.display_name, e.role FROM enrollments e"
                    " JOIN users u ON u.id = e.user_id ORDER BY u.login"
                )
            ).all()
            assert [tuple(r) for r in enrolled] == [
                ("alice", "alice", "student"),
                ("bob@example.org", "bob@example.org", "student"),
            ]
            token = conn.execute(
                text("SELECT c.slug, t.role FROM api_tokens t JOIN courses c ON c.id = t.course_id")
            ).one()
            assert tuple(token) == ("default", "instructor")
            assert "students" not in inspect(conn).get_table_names()
        downgrade(url, "0005")  # and back: the students and their submissions again
        with database.engine.connect() as conn:
            back = conn.execute(
                text(
                    "SELECT s.id, st.external_id FROM submissions s"
                    " LEFT JOIN students st ON st.id = s.student_id ORDER BY s.id"
                )
            ).all()
            assert [tuple(r) for r in back] == [
                ("s1", "alice"),
                ("s2", "bob@example.org"),
                ("s3", None),
            ]
    finally:
        database.dispose()
