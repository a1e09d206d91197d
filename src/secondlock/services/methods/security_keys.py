"""Security keys and passkeys: challenges, registration, the list the pages show.

Challenges (WA-1) are 32 random bytes made here, stored only as a SHA-256, bound to what
asked for them (the session for registration and re-authentication, the pending sign-in
for the second step, nothing for a passwordless start), used once pass or fail, and
expire with the ceremony (5 minutes).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from secondlock.core import webauthn
from secondlock.core.errors import ConflictError
from secondlock.core.i18n import msg
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.views import SessionView
from secondlock.core.webauthn import (
    CredentialExistsError,
    KeyRef,
    ParsedCredential,
    RegistrationRejectedError,
)
from secondlock.services.activation import Activation, FactorWords, activate_factor, announce_factor
from secondlock.services.factors import MAX_NAME, clean_name
from secondlock.services.recent_auth import require_recent_auth
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import Authenticator, WebAuthnChallenge, WebAuthnCredential
from secondlock.storage.repositories import Accounts, Authenticators
from secondlock.storage.repositories.security_keys import WebAuthnChallenges, WebAuthnCredentials

#: More keys than this on one account is a mistake or abuse, never a need.
MAX_KEYS = 20
KEY_WORDS = FactorWords(label=msg("Security key"),
                        added=msg("A security key was added to your account."),
                        sign_in_with=msg("your security key"),
                        subject=msg("security key added"))


def challenge_hash(challenge: bytes) -> bytes:
    return hashlib.sha256(challenge).digest()


def new_challenge(s: DbSession, *, purpose: str, now: datetime, account_id: str | None = None,
                  session_id: str | None = None, mfa_challenge_id: str | None = None,
                  name: str | None = None, ip_group: str | None = None) -> bytes:
    """Store a fresh challenge in the caller's transaction and return it."""
    challenge = secrets.token_bytes(32)
    WebAuthnChallenges(s).add(WebAuthnChallenge(
        id=str(uuid.uuid4()), challenge_hash=challenge_hash(challenge), purpose=purpose,
        account_id=account_id, session_id=session_id, mfa_challenge_id=mfa_challenge_id,
        name=name, ip_group=ip_group, created_at=now,
        expires_at=now + timedelta(seconds=webauthn.CEREMONY_SECONDS)))
    return challenge


def take_challenge(rt: Runtime, parsed: ParsedCredential, purpose: str
                   ) -> WebAuthnChallenge | None:
    """Use the response's challenge up (committed at once, whatever happens next)."""
    with rt.db.write() as s:
        row = WebAuthnChallenges(s).take(challenge_hash(parsed.challenge), purpose,
                                         rt.clock.now())
        s.commit()
    return row


def key_refs(rows: list[WebAuthnCredential]) -> list[KeyRef]:
    return [KeyRef(r.credential_id, tuple(r.transports.split())) for r in rows]


@dataclass(frozen=True)
class Registered:
    id: str
    name: str
    recovery_codes: list[str]
    mfa_turned_on: bool


@dataclass(frozen=True)
class KeyInfo:
    """A key as the security page and ``GET /me/authenticators/webauthn`` show it."""

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    model: str | None
    synced: bool
    transports: tuple[str, ...]
    flagged_at: datetime | None


class SecurityKeyService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def registration_options(self, view: SessionView, name: str | None) -> dict[str, Any]:
        """Creation options for a new key, its challenge bound to this session.

        Raises:
            ReauthRequiredError, ConflictError (too many keys).
        """
        require_recent_auth(self.rt, view)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account = Accounts(s).get(view.account_id)
            existing = WebAuthnCredentials(s).for_account(view.account_id)
            if account is None:
                raise ConflictError(msg("This account no longer exists."))
            if len(existing) >= MAX_KEYS:
                raise ConflictError(msg("An account can have at most %(n)d security keys. Remove "
                                        "one you no longer use first.", n=MAX_KEYS))
            challenge = new_challenge(s, purpose="register", now=now,
                                      account_id=view.account_id, session_id=view.id,
                                      name=name[:MAX_NAME] if name else None)
            s.commit()
        return webauthn.registration_options(
            rp_id=self.rt.settings.rp_id, rp_name=self.rt.settings.service_name,
            user_handle=account.user_handle, user_name=view.email,
            exclude=key_refs(existing), challenge=challenge)

    def register(self, view: SessionView, credential: object, name: str | None,
                 info: RequestInfo) -> Registered:
        """Verify and store a new key; the first factor turns 2FA on (recovery codes).

        Raises:
            ReauthRequiredError, RegistrationRejectedError, CredentialExistsError.
        """
        require_recent_auth(self.rt, view)
        parsed = webauthn.parse_credential(credential, kind="create")
        stored = take_challenge(self.rt, parsed, "register")
        if stored is None or stored.session_id != view.id:
            raise RegistrationRejectedError(msg("This setup expired or was already used. "
                                                "Start adding the key again."))
        key = webauthn.verify_new_key(parsed, expected_challenge=parsed.challenge,
                                      rp_id=self.rt.settings.rp_id,
                                      origin=self.rt.settings.origin)
        default = webauthn.model_name(key.aaguid) or (
            "Passkey" if key.backup_eligible else "Security key")
        chosen = clean_name(name if name is not None else stored.name, default)
        now = self.rt.clock.now()
        row_id = str(uuid.uuid4())
        try:
            done = self._store(view, key, row_id, chosen, info, now)
        except IntegrityError:  # the same key registered by a parallel request a moment ago
            raise CredentialExistsError(_ALREADY) from None
        return Registered(id=row_id, name=chosen, recovery_codes=done.recovery_codes,
                          mfa_turned_on=done.turned_on)

    def _store(self, view: SessionView, key: webauthn.NewKey, row_id: str, name: str,
               info: RequestInfo, now: datetime) -> Activation:
        with self.rt.db.write() as s:
            if WebAuthnCredentials(s).exists(key.credential_id):
                raise CredentialExistsError(_ALREADY)
            Authenticators(s).add(Authenticator(
                id=row_id, account_id=view.account_id, type=Method.WEBAUTHN, name=name,
                created_at=now, confirmed_at=now))
            WebAuthnCredentials(s).add(WebAuthnCredential(
                authenticator_id=row_id, account_id=view.account_id,
                credential_id=key.credential_id, public_key=key.public_key,
                sign_count=key.sign_count, transports=" ".join(key.transports),
                backup_eligible=key.backup_eligible, backup_state=key.backup_state,
                uv_initialized=key.user_verified, aaguid=key.aaguid,
                attestation_format=key.attestation_format))
            done = activate_factor(s, view, method=Method.WEBAUTHN, name=name, info=info, now=now,
                                   amr=webauthn.amr_for(backup_eligible=key.backup_eligible,
                                                        passwordless=False))
            announce_factor(s, self.rt, view, done, method=Method.WEBAUTHN, words=KEY_WORDS,
                            name=name, info=info, at=now)
            s.commit()
        return done

    def keys(self, account_id: str) -> list[KeyInfo]:
        with self.rt.db.read() as s:
            rows = {r.id: r for r in Authenticators(s).for_account(
                account_id, confirmed_only=True, type_=Method.WEBAUTHN)}
            creds = WebAuthnCredentials(s).for_account(account_id)
        out = [KeyInfo(id=c.authenticator_id, name=rows[c.authenticator_id].name,
                       created_at=rows[c.authenticator_id].created_at,
                       last_used_at=rows[c.authenticator_id].last_used_at,
                       model=webauthn.model_name(c.aaguid), synced=c.backup_eligible,
                       transports=tuple(c.transports.split()), flagged_at=c.flagged_at)
               for c in creds if c.authenticator_id in rows]
        return sorted(out, key=lambda k: k.created_at)


_ALREADY = msg("This security key is already registered. A key can belong to one account "
               "only; if it is yours, you can already use it.")
