"""recoveries with a waiting period for accounts that lost every factor (issue #15)

Revision ID: 0009_recovery
Revises: 0008_oidc
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_recovery"
down_revision = "0008_oidc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recoveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pending_account_id", sa.String(length=36), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=False),
        sa.Column("known_device", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_recoveries_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recoveries")),
        sa.UniqueConstraint("pending_account_id", name=op.f("uq_recoveries_pending_account_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_recoveries_token_hash")),
    )
    op.create_index(op.f("ix_recoveries_account_id"), "recoveries", ["account_id"])
    op.create_index(op.f("ix_recoveries_remind_at"), "recoveries", ["remind_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_recoveries_remind_at"), table_name="recoveries")
    op.drop_index(op.f("ix_recoveries_account_id"), table_name="recoveries")
    op.drop_table("recoveries")
