"""Checks marked hidden: each stored check result knows whether the assignment marked
its check ``hidden`` when it was graded, so a result page withholds its details from
the student before the due date without loading the assignment again. Rows graded
before are not hidden.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("check_results") as batch:
        batch.add_column(
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("check_results") as batch:
        batch.drop_column("hidden")
