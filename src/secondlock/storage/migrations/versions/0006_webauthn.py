"""security keys and passkeys: WebAuthn credentials and server-side challenges

Revision ID: 0006_webauthn
Revises: 0005_oob
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_webauthn"
down_revision = "0005_oob"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webauthn_credentials",
        sa.Column("authenticator_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=2048), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.String(length=128), nullable=False),
        sa.Column("backup_eligible", sa.Boolean(), nullable=False),
        sa.Column("backup_state", sa.Boolean(), nullable=False),
        sa.Column("uv_initialized", sa.Boolean(), nullable=False),
        sa.Column("aaguid", sa.String(length=36), nullable=False),
        sa.Column("attestation_format", sa.String(length=32), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_webauthn_credentials_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["authenticator_id"], ["authenticators.id"],
            name=op.f("fk_webauthn_credentials_authenticator_id_authenticators"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("authenticator_id", name=op.f("pk_webauthn_credentials")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_webauthn_credentials_credential_id")),
    )
    with op.batch_alter_table("webauthn_credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webauthn_credentials_account_id"), ["account_id"],
                              unique=False)
    op.create_table(
        "webauthn_challenges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("challenge_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("mfa_challenge_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("ip_group", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_webauthn_challenges_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["mfa_challenge_id"], ["mfa_challenges.id"],
            name=op.f("fk_webauthn_challenges_mfa_challenge_id_mfa_challenges"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_webauthn_challenges_session_id_sessions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webauthn_challenges")),
        sa.UniqueConstraint("challenge_hash",
                            name=op.f("uq_webauthn_challenges_challenge_hash")),
    )
    with op.batch_alter_table("webauthn_challenges", schema=None) as batch_op:
        for column in ("account_id", "session_id", "mfa_challenge_id", "ip_group",
                       "expires_at"):
            batch_op.create_index(batch_op.f(f"ix_webauthn_challenges_{column}"), [column],
                                  unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webauthn_challenges", schema=None) as batch_op:
        for column in ("account_id", "session_id", "mfa_challenge_id", "ip_group",
                       "expires_at"):
            batch_op.drop_index(batch_op.f(f"ix_webauthn_challenges_{column}"))
    op.drop_table("webauthn_challenges")
    with op.batch_alter_table("webauthn_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webauthn_credentials_account_id"))
    op.drop_table("webauthn_credentials")
