"""Tables of the OpenID Connect provider (issue #7).

Client secrets, authorization codes, access and refresh tokens are stored only as SHA-256
hashes (they are high-entropy random strings); signing keys are sealed with the data keyring
like TOTP secrets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from secondlock.storage.base import Base, UTCDateTime


class OidcClient(Base):
    """A shop (relying party) registered with ``secondlock oidc add-client``."""

    __tablename__ = "oidc_clients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    #: None for a public client (PKCE only, no secret).
    secret_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    #: Exact redirect URIs, one per line.
    redirect_uris: Mapped[str] = mapped_column(Text)
    post_logout_redirect_uris: Mapped[str] = mapped_column(Text, default="")
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: ``--require-mfa``: this shop only ever gets a sign-in with a second factor; an
    #: account without one enrolls first (issue #16).
    require_mfa: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class OidcCode(Base):
    """A single-use authorization code and what it was issued for."""

    __tablename__ = "oidc_codes"

    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oidc_clients.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(512))
    scope: Mapped[str] = mapped_column(String(256))
    nonce: Mapped[str | None] = mapped_column(String(256), default=None)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    #: The session's sign-in when the code was issued (claims are computed from it).
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime())
    amr: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class OidcToken(Base):
    """An access token and its refresh token. Rotation keeps the family id: replaying a
    rotated refresh token revokes every token of the family."""

    __tablename__ = "oidc_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oidc_clients.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    access_token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    refresh_token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True,
                                                             default=None)
    #: The code the family started from: a replayed code revokes the family.
    code_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True, default=None)
    scope: Mapped[str] = mapped_column(String(256))
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime())
    amr: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Absolute end of the family: rotation does not extend it.
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set when the refresh token was exchanged for a new one.
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class OidcConsent(Base):
    """The scopes an account allowed a third-party client (asked once per client+scope)."""

    __tablename__ = "oidc_consents"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oidc_clients.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(256))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OidcSigningKey(Base):
    """An ID-token signing key, sealed at rest. The newest unretired key signs; a retired key
    stays in the JWKS until the tokens it signed have expired."""

    __tablename__ = "oidc_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: After this the key is no longer published (None while it signs).
    publish_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    secret_key_id: Mapped[str] = mapped_column(String(16))
    secret_blob: Mapped[bytes] = mapped_column(LargeBinary(4096))
