"""Courses and people: users (with external identities), courses, enrolments,
releases of assignments in courses with their deadlines and policy, extensions,
sign-in links; submissions belong to a user and a release and keep their
counted score and late mark; API tokens act in a course with a role.

Nothing is lost: every free-text student id becomes a user (login = that id)
enrolled as a student of the course ``default``; every assignment is released
there without deadlines; every submission points at its student's user and that
release, its counted score is its score; existing tokens act as instructors of
``default``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("role", sa.String(16), nullable=False, server_default="instructor")
        )
        batch.create_foreign_key(
            op.f("fk_api_tokens_course_id_courses"), "courses", ["course_id"], ["id"]
        )
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("release_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("counted_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("late_factor", sa.Float(), nullable=False, server_default="1"))
    _move_students_into_the_default_course()
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_assignment_student")
        batch.drop_constraint("fk_submissions_student_id_students", type_="foreignkey")
        batch.drop_column("student_id")
        batch.alter_column("release_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_submissions_release_id_releases"), "releases", ["release_id"], ["id"]
        )
        batch.create_foreign_key(op.f("fk_submissions_user_id_users"), "users", ["user_id"], ["id"])
        batch.create_index("ix_submissions_release_user", ["release_id", "user_id"])
        batch.create_index("ix_submissions_assignment_id", ["assignment_id"])
        batch.create_index(op.f("ix_submissions_user_id"), ["user_id"])
    op.drop_table("students")


def _create_tables() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_external_identities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_external_identities_issuer")),
    )
    op.create_index(op.f("ix_external_identities_user_id"), "external_identities", ["user_id"])
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("slug", name=op.f("uq_courses_slug")),
    )
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("sis_id", sa.String(100), nullable=True),
        sa.Column("last_upload_at", TS, nullable=True),
        sa.CheckConstraint(
            "role IN ('instructor', 'ta', 'student')", name=op.f("ck_enrollments_role")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_enrollments_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrollments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint("course_id", "user_id", name=op.f("uq_enrollments_course_id")),
    )
    op.create_index(op.f("ix_enrollments_user_id"), "enrollments", ["user_id"])
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("opens_at", TS, nullable=True),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("late_until", TS, nullable=True),
        sa.Column("penalty_kind", sa.String(16), nullable=False),
        sa.Column("penalty_value", sa.Float(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("counts", sa.String(8), nullable=False),
        sa.Column("feedback", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(
            "late_until IS NULL OR due_at IS NOT NULL", name=op.f("ck_releases_late_needs_due")
        ),
        sa.CheckConstraint(
            "late_until IS NULL OR late_until >= due_at", name=op.f("ck_releases_late_after_due")
        ),
        sa.CheckConstraint(
            "penalty_kind IN ('none', 'per_day', 'factor')", name=op.f("ck_releases_penalty_kind")
        ),
        sa.CheckConstraint("counts IN ('last', 'best')", name=op.f("ck_releases_counts")),
        sa.CheckConstraint(
            "feedback IN ('immediately', 'after_due')", name=op.f("ck_releases_feedback")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_releases_assignment_id_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_releases_course_id_courses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_releases")),
        sa.UniqueConstraint("course_id", "assignment_id", name=op.f("uq_releases_course_id")),
    )
    op.create_index(op.f("ix_releases_assignment_id"), "releases", ["assignment_id"])
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("late_until", TS, nullable=True),
        sa.CheckConstraint(
            "late_until IS NULL OR late_until >= due_at",
            name=op.f("ck_extensions_late_after_due"),
        ),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name=op.f("fk_extensions_release_id_releases")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_extensions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
        sa.UniqueConstraint("release_id", "user_id", name=op.f("uq_extensions_release_id")),
    )
    op.create_index(op.f("ix_extensions_user_id"), "extensions", ["user_id"])
    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_links_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_sign_in_links_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_links_token_hash")),
    )
    op.create_index(op.f("ix_sign_in_links_user_id"), "sign_in_links", ["user_id"])


def _move_students_into_the_default_course() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO courses (slug, title, timezone, created_at)"
            " VALUES ('default', 'Default course', 'UTC', CURRENT_TIMESTAMP)"
        )
    )
    course = conn.execute(sa.text("SELECT id FROM courses WHERE slug = 'default'")).scalar_one()
    conn.execute(
        sa.text(
            "INSERT INTO users (login, display_name, is_admin, created_at)"
            " SELECT external_id, external_id, :no, created_at FROM students"
        ).bindparams(no=False)
    )
    conn.execute(
        sa.text(
            "INSERT INTO enrollments (course_id, user_id, role)"
            " SELECT :course, id, 'student' FROM users"
        ).bindparams(course=course)
    )
    conn.execute(
        sa.text(
            "INSERT INTO releases (course_id, assignment_id, penalty_kind, penalty_value,"
            " counts, feedback, created_at)"
            " SELECT :course, id, 'none', 0, 'last', 'immediately', created_at FROM assignments"
        ).bindparams(course=course)
    )
    conn.execute(
        sa.text(
            "UPDATE submissions SET"
            " release_id = (SELECT r.id FROM releases r WHERE r.course_id = :course"
            "   AND r.assignment_id = submissions.assignment_id),"
            " user_id = (SELECT u.id FROM users u JOIN students s ON s.external_id = u.login"
            "   WHERE s.id = submissions.student_id),"
            " counted_score = score"
        ).bindparams(course=course)
    )
    conn.execute(sa.text("UPDATE api_tokens SET course_id = :course").bindparams(course=course))


def downgrade() -> None:
    """Users become free-text student ids again; courses, releases and policies are dropped."""
    op.create_table(
        "students",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
        sa.UniqueConstraint("external_id", name=op.f("uq_students_external_id")),
    )
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO students (id, external_id, created_at)"
            " SELECT id, login, created_at FROM users"
        )
    )
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("student_id", sa.Integer(), nullable=True))
    conn.execute(sa.text("UPDATE submissions SET student_id = user_id"))
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index(op.f("ix_submissions_user_id"))
        batch.drop_index("ix_submissions_assignment_id")
        batch.drop_index("ix_submissions_release_user")
        batch.drop_constraint(op.f("fk_submissions_user_id_users"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_submissions_release_id_releases"), type_="foreignkey")
        batch.drop_column("user_id")
        batch.drop_column("release_id")
        batch.drop_column("counted_score")
        batch.drop_column("late")
        batch.drop_column("late_factor")
        batch.create_foreign_key(
            op.f("fk_submissions_student_id_students"), "students", ["student_id"], ["id"]
        )
        batch.create_index("ix_submissions_assignment_student", ["assignment_id", "student_id"])
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("fk_api_tokens_course_id_courses"), type_="foreignkey")
        batch.drop_column("role")
        batch.drop_column("course_id")
    for table in ("sign_in_links", "extensions", "releases", "enrollments"):
        op.drop_table(table)
    op.drop_table("courses")
    op.drop_table("external_identities")
    op.drop_table("users")
