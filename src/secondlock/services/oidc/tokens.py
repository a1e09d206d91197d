"""Authorization codes, access and refresh tokens, ID tokens and the userinfo claims.

Security rules pinned here (security-checklist OIDC-1, OIDC-4, OIDC-5):
- a code is redeemed once (an atomic UPDATE); redeeming it again revokes every token it
  produced, and it expires after ``CODE_MINUTES``;
- a refresh token is exchanged once: the exchange rotates it, and presenting a rotated one
  again revokes its whole family (the thief's and the owner's tokens alike);
- tokens are stored only as SHA-256 hashes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from sqlalchemy.orm import Session as DbSession

from secondlock.core.assurance import assurance
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token
from secondlock.services.activity import event
from secondlock.services.oidc.signing_keys import SigningKeyService
from secondlock.services.runtime import Runtime
from secondlock.storage.orm_oidc import OidcCode, OidcToken
from secondlock.storage.repositories import Accounts, Activity
from secondlock.storage.repositories.oidc import OidcCodes, OidcTokens

#: RFC 6749 §4.1.2 recommends at most 10 minutes; a shop redeems its code at once.
CODE_MINUTES = 5
MAX_TOKEN_CHARS = 256


@dataclass(frozen=True)
class Principal:
    """Who signed in, and how (the ``user`` Authlib passes around)."""

    account_id: str
    amr: str
    auth_time: datetime


@dataclass(frozen=True)
class CodeRequest:
    code: str
    client_id: str
    principal: Principal
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str


def revoke_account_tokens(s: DbSession, account_id: str, now: datetime) -> int:
    """Revoke every OIDC access and refresh token of an account, inside the caller's
    transaction (password change or reset, "this wasn't me", a second-factor reset)."""
    return OidcTokens(s).revoke_account(account_id, now)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class TokenService:
    def __init__(self, rt: Runtime, keys: SigningKeyService) -> None:
        self.rt = rt
        self.keys = keys
        self.access_lifetime = timedelta(minutes=rt.settings.oidc_access_token_minutes)
        self.refresh_lifetime = timedelta(days=rt.settings.oidc_refresh_token_days)

    @property
    def issuer(self) -> str:
        return self.rt.settings.origin

    # Codes ---------------------------------------------------------------------------------
    def save_code(self, request: CodeRequest, info: RequestInfo) -> None:
        """Store a new code; the account's activity shows which shop it signed in to."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            Activity(s).add(event(at=now, name="oidc_signed_in", info=info, success=True,
                                  account_id=request.principal.account_id,
                                  detail=f"client={request.client_id}"))
            OidcCodes(s).add(OidcCode(
                code_hash=hash_token(request.code), client_id=request.client_id,
                account_id=request.principal.account_id, redirect_uri=request.redirect_uri,
                scope=request.scope, nonce=request.nonce,
                code_challenge=request.code_challenge,
                code_challenge_method=request.code_challenge_method,
                auth_time=request.principal.auth_time, amr=request.principal.amr,
                created_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES)))
            s.commit()

    def nonce_seen(self, client_id: str, nonce: str) -> bool:
        """Whether a code was already issued with this nonce (a replayed request)."""
        with self.rt.db.read() as s:
            return OidcCodes(s).nonce_used(client_id, nonce)

    def redeem_code(self, code: str, client_id: str, info: RequestInfo) -> OidcCode | None:
        """The code's row if this is its first, timely redemption by its own client.

        A second redemption revokes whatever the first one produced (RFC 6749 §4.1.2).
        """
        if not code or len(code) > MAX_TOKEN_CHARS:
            return None
        code_hash = hash_token(code)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            codes = OidcCodes(s)
            if codes.claim(code_hash, client_id, now):
                row = codes.get(code_hash)
                s.commit()
                return row
            row = codes.get(code_hash)
            if row is not None and row.used_at is not None and row.client_id == client_id:
                revoked = OidcTokens(s).revoke_from_code(code_hash, now)
                Activity(s).add(event(at=now, name="oidc_code_replayed", info=info,
                    success=False, account_id=row.account_id,
                    reason="code_reused", detail=f"revoked={revoked}"))
                s.commit()
        return None

    # Access and refresh tokens -----------------------------------------------------------
    def save_token(self, token: dict[str, Any], *, client_id: str, principal: Principal,
                   code_hash: bytes | None, parent: OidcToken | None) -> None:
        now = self.rt.clock.now()
        refresh = token.get("refresh_token")
        with self.rt.db.write() as s:
            OidcTokens(s).add(OidcToken(
                id=str(uuid.uuid4()),
                family_id=parent.family_id if parent else str(uuid.uuid4()),
                client_id=client_id, account_id=principal.account_id,
                access_token_hash=hash_token(token["access_token"]),
                refresh_token_hash=hash_token(refresh) if refresh else None,
                code_hash=parent.code_hash if parent else code_hash,
                scope=token.get("scope") or "", auth_time=principal.auth_time,
                amr=principal.amr, issued_at=now,
                access_expires_at=now + self.access_lifetime,
                refresh_expires_at=parent.refresh_expires_at if parent
                else now + self.refresh_lifetime))
            s.commit()

    def rotate_refresh(self, refresh_token: str, client_id: str,
                       info: RequestInfo) -> OidcToken | None:
        """Exchange a refresh token once. A rotated (or revoked) one presented again means a
        copy leaked: the whole family is revoked and None is returned."""
        if not refresh_token or len(refresh_token) > MAX_TOKEN_CHARS:
            return None
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            tokens = OidcTokens(s)
            row = tokens.by_refresh_hash(hash_token(refresh_token))
            if row is None or row.client_id != client_id:
                return None
            if tokens.claim_refresh(row.id, now):
                s.commit()
                return row
            if row.refresh_expires_at > now:
                revoked = tokens.revoke_family(row.family_id, now)
                Activity(s).add(event(at=now, name="oidc_refresh_replayed", info=info,
                    success=False, account_id=row.account_id,
                    reason="refresh_token_reused", detail=f"revoked={revoked}"))
                s.commit()
        return None

    def access(self, access_token: str | None) -> OidcToken | None:
        """The live token row for a bearer access token, or None."""
        if not access_token or len(access_token) > MAX_TOKEN_CHARS:
            return None
        with self.rt.db.read() as s:
            row = OidcTokens(s).by_access_hash(hash_token(access_token))
        now = self.rt.clock.now()
        if row is None or row.revoked_at is not None or row.access_expires_at <= now:
            return None
        return row

    def prune(self) -> int:
        """Delete expired codes and token rows nobody can use any more; returns how many."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            deleted = OidcCodes(s).delete_expired(now) + OidcTokens(s).delete_expired(now)
            s.commit()
        return deleted

    def revoke_all_for_account(self, account_id: str) -> int:
        """Revoke every OIDC token of an account; returns how many were live."""
        with self.rt.db.write() as s:
            count = revoke_account_tokens(s, account_id, self.rt.clock.now())
            s.commit()
        return count

    # Claims --------------------------------------------------------------------------------
    def user_claims(self, account_id: str, scope: str) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": account_id}
        if "email" in scope.split():
            with self.rt.db.read() as s:
                account = Accounts(s).get(account_id)
            if account is not None:
                claims["email"] = account.email
                claims["email_verified"] = account.email_verified_at is not None
        return claims

    def id_token(self, *, client_id: str, principal: Principal, nonce: str | None,
                 scope: str, access_token: str | None) -> str:
        """A signed ID token (OIDC Core §2) with honest amr/acr and auth_time."""
        now = self.rt.clock.now()
        earned = assurance(principal.amr)
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": client_id, "iat": _epoch(now),
            "exp": _epoch(now + self.access_lifetime),
            "auth_time": _epoch(principal.auth_time), "amr": earned.amr, "acr": earned.acr,
        }
        if nonce:
            claims["nonce"] = nonce
        key = self.keys.signing_key()
        alg = str(key.alg)
        if access_token:
            half = create_half_hash(access_token, alg)
            if half is not None:
                claims["at_hash"] = half.decode()
        claims.update(self.user_claims(principal.account_id, scope))
        return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key,
                          algorithms=[alg])
