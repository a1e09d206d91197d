"""SQLAlchemy 2 table models. Secrets are never stored: only hashes of tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from secondlock.storage.base import Base, UTCDateTime


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: Normalised address (core.emails: lower case, IDNA domain); unique, so "Ada@x" and
    #: "ada@x" are one account.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Random WebAuthn user handle, never derived from the email.
    user_handle: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    #: When two-factor authentication was turned on (None = off). Kept in step with the
    #: confirmed authenticators by the services, so the session check reads it in one SELECT.
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: Set by "this wasn't me": the next sign-in must choose a new password.
    password_change_required: Mapped[bool] = mapped_column(Boolean, default=False,
                                                           server_default=false())
    #: The password was on the blocklist when last checked (at sign-in): the checkup says so.
    password_blocklisted: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    #: When the owner last said "those sign-ins from new devices were all me".
    devices_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: When the password was last set through a mailed reset link (None = never). Lets the
    #: sign-in refuse an email code as the second factor right after a reset through that
    #: same mailbox (the two factors must be different channels).
    password_reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: The language mail is written in ("en", "de"): set at sign-up, changed by the switch.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    #: First sign-in under SECONDLOCK_REQUIRE_2FA=all without a factor: the grace period
    #: counts from here (issue #16).
    enrollment_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Session(Base):
    """A signed-in browser or API client. Only the SHA-256 of the token is kept."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: How the session was authenticated, RFC 8176 values separated by spaces ("pwd").
    amr: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(512))


class Throttle(Base):
    """Failure counter for a throttling key (account or IP group), shared by all processes."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: Attempts refused while locked: counted here, not one activity row each (#17), and
    #: written to the activity as one summary when the lock is replaced or cleared.
    refused: Mapped[int] = mapped_column(Integer, server_default="0")
    refused_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    refused_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ActivityEvent(Base):
    """Append-only record of sign-in attempts and account changes."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), default=None
    )
    event: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    method: Mapped[str | None] = mapped_column(String(32), default=None)
    ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(512))
    detail: Mapped[str | None] = mapped_column(Text, default=None)


class AccountToken(Base):
    """Single-use tokens sent by mail (email verification, later password reset)."""

    __tablename__ = "account_tokens"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Authenticator(Base):
    """A second factor of an account. Pending until the shopper proves it works."""

    __tablename__ = "authenticators"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16))  # "totp"; later "sms", "email", "webauthn"
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: None while pending; a pending authenticator expires at pending_expires_at.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    pending_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: AES-GCM sealed secret and the id of the key that sealed it.
    secret_key_id: Mapped[str | None] = mapped_column(String(16), default=None)
    secret_blob: Mapped[bytes | None] = mapped_column(LargeBinary(256), default=None)
    #: The last accepted TOTP time step; replays compare against it atomically.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger, default=None)


class RecoveryCode(Base):
    """One single-use recovery code, stored only as a salted argon2id hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class MfaChallenge(Base):
    """The pending state between a correct password and the second step (the mfa_token)."""

    __tablename__ = "mfa_challenges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Whether a "correct password, failed code" alert was already sent for this challenge.
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(512))


class TrustedDevice(Base):
    """A remembered device: skips the code after a correct password, until it expires."""

    __tablename__ = "trusted_devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Where it was remembered and last used (shown in the list; never the token).
    ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(512))


class TrustedDeviceToken(Base):
    """Every token a remembered device was given; only the newest (retired_at None) works.

    An older one presented again means a copy of the cookie is in someone else's hands.
    """

    __tablename__ = "trusted_device_tokens"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    device_id: Mapped[str] = mapped_column(
        ForeignKey("trusted_devices.id", ondelete="CASCADE"), index=True
    )
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


# --- WebAuthn (security keys and passkeys) ---------------------------------------------------

class WebAuthnCredential(Base):
    """The public half of a security key or passkey; one per ``webauthn`` authenticator row.

    The authenticator row carries the name, created and last-used times; this one the
    credential record of WebAuthn L3 section 7.1 (never a secret: only public keys).
    """

    __tablename__ = "webauthn_credentials"

    authenticator_id: Mapped[str] = mapped_column(
        ForeignKey("authenticators.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: Unique across all accounts (WA-6): a key registered to one account is refused to another.
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(BigInteger)
    transports: Mapped[str] = mapped_column(String(128))  # space separated
    backup_eligible: Mapped[bool] = mapped_column(Boolean)
    backup_state: Mapped[bool] = mapped_column(Boolean)
    uv_initialized: Mapped[bool] = mapped_column(Boolean)
    aaguid: Mapped[str] = mapped_column(String(36))
    attestation_format: Mapped[str] = mapped_column(String(32))
    #: Set when the signature counter went backwards: a possible clone, refused from then on.
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class WebAuthnChallenge(Base):
    """A server-side WebAuthn challenge: single-use, expiring, bound to what asked for it.

    Only a SHA-256 of the challenge is kept; the response's client data names the challenge,
    so the lookup needs no ceremony id from the client.
    """

    __tablename__ = "webauthn_challenges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    challenge_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    #: "register", "second_step", "passwordless" or "reauth".
    purpose: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), default=None, index=True)
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), default=None, index=True)
    mfa_challenge_id: Mapped[str | None] = mapped_column(
        ForeignKey("mfa_challenges.id", ondelete="CASCADE"), default=None, index=True)
    #: The name chosen for a key being registered.
    name: Mapped[str | None] = mapped_column(String(64), default=None)
    #: The client's IP group, for passwordless starts (nobody signed in): capped per group.
    ip_group: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)



class SignInCountry(Base):
    """A country an account has signed in from (issue #16): a sign-in from a country not
    listed yet is news. Kept apart from the activity rows, which are pruned."""

    __tablename__ = "sign_in_countries"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
