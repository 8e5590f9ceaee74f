"""The course an account was made for (by its roster import, or by its LMS on first
sight): its instructors may hand that account sign-in links. Accounts made before
have none; a site administrator hands theirs (``grader user link``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("home_course_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_users_home_course_id", "courses", ["home_course_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_home_course_id", type_="foreignkey")
        batch.drop_column("home_course_id")
