"""password reset: when the password was last reset through the mailed link

Reset tokens live in the existing account_tokens table (purpose "password_reset").

Revision ID: 0004_password
Revises: 0003_devices
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_password"
down_revision = "0003_devices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_reset_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("password_reset_at")
