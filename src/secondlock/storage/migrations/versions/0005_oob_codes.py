"""SMS and email codes: factor destinations, live challenges and the send log

Revision ID: 0005_oob
Revises: 0004_password
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_oob"
down_revision = "0004_password"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "factor_destinations",
        sa.Column("authenticator_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("destination", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["authenticator_id"], ["authenticators.id"],
                                name=op.f("fk_factor_destinations_authenticator_id_authenticators"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("authenticator_id", name=op.f("pk_factor_destinations")),
    )
    op.create_table(
        "delivery_codes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("binding", sa.String(length=36), nullable=False),
        sa.Column("authenticator_id", sa.String(length=36), nullable=True),
        sa.Column("destination", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("tries_at_issue", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("next_send_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_delivery_codes_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["authenticator_id"], ["authenticators.id"],
                                name=op.f("fk_delivery_codes_authenticator_id_authenticators"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_codes")),
        sa.UniqueConstraint("purpose", "binding", "channel",
                            name="uq_delivery_codes_purpose_binding_channel"),
    )
    with op.batch_alter_table("delivery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_codes_account_id"), ["account_id"],
                              unique=False)
    op.create_table(
        "code_sends",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("destination_key", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_sends")),
    )
    with op.batch_alter_table("code_sends", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_code_sends_at"), ["at"], unique=False)
        batch_op.create_index("ix_code_sends_destination_at", ["destination_key", "at"],
                              unique=False)
        batch_op.create_index("ix_code_sends_account_at", ["account_id", "at"], unique=False)
        batch_op.create_index("ix_code_sends_ip_at", ["ip", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("code_sends", schema=None) as batch_op:
        batch_op.drop_index("ix_code_sends_ip_at")
        batch_op.drop_index("ix_code_sends_account_at")
        batch_op.drop_index("ix_code_sends_destination_at")
        batch_op.drop_index(batch_op.f("ix_code_sends_at"))
    op.drop_table("code_sends")
    with op.batch_alter_table("delivery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_codes_account_id"))
    op.drop_table("delivery_codes")
    op.drop_table("factor_destinations")
