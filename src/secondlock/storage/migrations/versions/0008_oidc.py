"""OpenID Connect provider: clients, codes, tokens, consents, signing keys (issue #7)

Revision ID: 0008_oidc
Revises: 0007_i18n
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_oidc"
down_revision = "0007_i18n"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_clients",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("post_logout_redirect_uris", sa.Text(), nullable=False),
        sa.Column("first_party", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_clients")),
    )
    op.create_table(
        "oidc_signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("alg", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publish_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secret_key_id", sa.String(length=16), nullable=False),
        sa.Column("secret_blob", sa.LargeBinary(length=4096), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_oidc_signing_keys")),
    )
    op.create_table(
        "oidc_codes",
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("redirect_uri", sa.String(length=512), nullable=False),
        sa.Column("scope", sa.String(length=256), nullable=False),
        sa.Column("nonce", sa.String(length=256), nullable=True),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=8), nullable=False),
        sa.Column("auth_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amr", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_oidc_codes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oidc_clients.id"],
            name=op.f("fk_oidc_codes_client_id_oidc_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_oidc_codes")),
    )
    with op.batch_alter_table("oidc_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_codes_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oidc_codes_client_id"), ["client_id"], unique=False)

    op.create_table(
        "oidc_consents",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=256), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_oidc_consents_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oidc_clients.id"],
            name=op.f("fk_oidc_consents_client_id_oidc_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "client_id", name=op.f("pk_oidc_consents")),
    )
    op.create_table(
        "oidc_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("access_token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("refresh_token_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("scope", sa.String(length=256), nullable=False),
        sa.Column("auth_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amr", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_oidc_tokens_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oidc_clients.id"],
            name=op.f("fk_oidc_tokens_client_id_oidc_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_oidc_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_oidc_tokens_refresh_token_hash")),
    )
    with op.batch_alter_table("oidc_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_tokens_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oidc_tokens_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oidc_tokens_code_hash"), ["code_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_oidc_tokens_family_id"), ["family_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oidc_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_tokens_family_id"))
        batch_op.drop_index(batch_op.f("ix_oidc_tokens_code_hash"))
        batch_op.drop_index(batch_op.f("ix_oidc_tokens_client_id"))
        batch_op.drop_index(batch_op.f("ix_oidc_tokens_account_id"))

    op.drop_table("oidc_tokens")
    op.drop_table("oidc_consents")
    with op.batch_alter_table("oidc_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_codes_client_id"))
        batch_op.drop_index(batch_op.f("ix_oidc_codes_account_id"))

    op.drop_table("oidc_codes")
    op.drop_table("oidc_signing_keys")
    op.drop_table("oidc_clients")
