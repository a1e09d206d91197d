"""Where a sign-in comes from, and requiring two-factor authentication (issue #16)

Revision ID: 0011_place
Revises: 0010_outbox
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_place"
down_revision = "0010_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_countries",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_sign_in_countries_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "country", name=op.f("pk_sign_in_countries")),
    )


    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("enrollment_started_at", sa.DateTime(timezone=True),
                                   nullable=True))
    with op.batch_alter_table("oidc_clients") as batch:
        batch.add_column(sa.Column("require_mfa", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("oidc_clients") as batch:
        batch.drop_column("require_mfa")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("enrollment_started_at")
    op.drop_table("sign_in_countries")
