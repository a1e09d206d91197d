"""Refused attempts counted on the lock row instead of one activity row each (issue #17)

Revision ID: 0014_refused_counts
Revises: 0012_staff
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_refused_counts"
down_revision = "0012_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("throttles") as batch:
        batch.add_column(sa.Column("refused", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("refused_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("refused_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("throttles") as batch:
        batch.drop_column("refused_until")
        batch.drop_column("refused_since")
        batch.drop_column("refused")
