"""Signing in and confirming it's you with a security key or passkey.

Three ceremonies share one check (``_check``): the second step after the password (the key
must be one of *this* account's keys, WA-8), passwordless sign-in with a discoverable
passkey (user verification required, ``userHandle`` must be the owner's, WA-3/WA-8) and
re-authentication. Every one ends in the signature-counter compare-and-set (WA-9): a counter
that did not move forward after a valid signature blocks the key and mails the owner.

Failed assertions in the second step and in re-authentication count towards the same
guessing cap as wrong codes (services.second_factor). Passwordless attempts prove no
password, so they count per IP instead: a stranger must not be able to lock an owner out.
"""

from __future__ import annotations

from typing import Any, NoReturn

from secondlock.core import webauthn
from secondlock.core.errors import (
    NotFoundError,
    RateLimitedError,
)
from secondlock.core.i18n import msg, nmsg
from secondlock.core.methods import Method
from secondlock.core.network import throttle_group
from secondlock.core.request_info import RequestInfo
from secondlock.core.throttle import IP_LOGIN_POLICY
from secondlock.core.views import SessionView
from secondlock.core.webauthn import AssertionRejectedError
from secondlock.services.activity import event
from secondlock.services.methods.security_key_assertions import (
    AssertionChecks,
    KeyRefused,
    refusal_detail,
    refusal_reason,
)
from secondlock.services.methods.security_keys import key_refs, new_challenge, take_challenge
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import SecondFactor, mfa_key
from secondlock.services.sessions import SessionService
from secondlock.services.sign_in import (
    LoginResult,
    complete_sign_in,
    pending_sign_in,
)
from secondlock.services.throttling import ip_key, record_failure, seconds_locked
from secondlock.storage.orm import MfaChallenge
from secondlock.storage.repositories import Activity, MfaChallenges, Sessions, Throttles
from secondlock.storage.repositories.security_keys import WebAuthnChallenges, WebAuthnCredentials

PASSKEY_SCOPE = "passkey"
#: Passwordless starts per IP group (IPv6 /64) within one ceremony window of 5 minutes.
MAX_PASSWORDLESS_STARTS = 100
class SecurityKeySignIn:
    def __init__(self, rt: Runtime, sessions: SessionService, factor: SecondFactor) -> None:
        self.rt = rt
        self.sessions = sessions
        self.factor = factor
        self.checks = AssertionChecks(rt)

    # Options -------------------------------------------------------------------------------
    def second_step_options(self, mfa_token: str) -> dict[str, Any]:
        """Request options listing this account's usable keys, for the pending sign-in.

        Raises:
            NotAuthenticatedError, MfaTokenExpiredError, NotFoundError (no usable key).
        """
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            pending = pending_sign_in(s, mfa_token, self.rt.clock.now())
            keys = WebAuthnCredentials(s).usable(pending.account_id)
            if not keys:
                raise NotFoundError(msg("This account has no security key that can sign in."))
            challenge = new_challenge(s, purpose="second_step", now=now,
                                      account_id=pending.account_id,
                                      mfa_challenge_id=pending.id)
            s.commit()
        return webauthn.authentication_options(rp_id=self.rt.settings.rp_id,
                                               allow=key_refs(keys), challenge=challenge,
                                               user_verification="preferred")

    def passwordless_options(self, info: RequestInfo) -> dict[str, Any]:
        """Request options for a discoverable passkey: no account named, UV required.

        Anyone may ask, so the live challenges per IP group are capped (each is a row).

        Raises:
            RateLimitedError.
        """
        now, group = self.rt.clock.now(), throttle_group(info.ip)
        with self.rt.db.write() as s:
            if WebAuthnChallenges(s).count_live("passwordless", group, now) \
                    >= MAX_PASSWORDLESS_STARTS:
                raise RateLimitedError(webauthn.CEREMONY_SECONDS, msg(
                    "Too many passkey sign-ins were started from here. Wait a few minutes."))
            challenge = new_challenge(s, purpose="passwordless", now=now, ip_group=group)
            s.commit()
        return webauthn.authentication_options(rp_id=self.rt.settings.rp_id, allow=[],
                                               challenge=challenge,
                                               user_verification="required")

    def reauth_options(self, view: SessionView) -> dict[str, Any]:
        """Request options to confirm it's you with one of the account's keys.

        Raises:
            NotFoundError (no usable key).
        """
        with self.rt.db.write() as s:
            keys = WebAuthnCredentials(s).usable(view.account_id)
            if not keys:
                raise NotFoundError(msg("This account has no security key that can be used."))
            challenge = new_challenge(s, purpose="reauth", now=self.rt.clock.now(),
                                      account_id=view.account_id, session_id=view.id)
            s.commit()
        return webauthn.authentication_options(rp_id=self.rt.settings.rp_id,
                                               allow=key_refs(keys), challenge=challenge,
                                               user_verification="preferred")

    # Verification --------------------------------------------------------------------------
    def verify_second_step(self, mfa_token: str, credential: object, info: RequestInfo, *,
                           remember: bool = False) -> LoginResult:
        """The second step with a key: a session, or AssertionRejectedError.

        Raises:
            NotAuthenticatedError, MfaTokenExpiredError, AssertionRejectedError,
            RateLimitedError.
        """
        with self.rt.db.read() as s:
            pending = pending_sign_in(s, mfa_token, self.rt.clock.now())
        account_id = pending.account_id
        with self.rt.db.write() as s:
            attempt = self.factor.take_attempt(s, account_id)
            s.commit()
        try:
            parsed = webauthn.parse_credential(credential, kind="get")
            stored = take_challenge(self.rt, parsed, "second_step")
            if stored is None or stored.mfa_challenge_id != pending.id:
                raise KeyRefused("challenge", msg("This sign-in took too long or was already "
                                                  "tried. Try your key again."))
            use = self.checks.check(parsed, stored, account_id=account_id, require_uv=False,
                                    info=info)
        except (KeyRefused, AssertionRejectedError) as exc:
            self._second_step_failed(pending, attempt, info, exc)
        with self.rt.db.write() as s:
            if not self.checks.claim(s, use):
                s.rollback()
                self._second_step_failed(pending, attempt, info, self.checks.cloned(use, info))
            signed_in = complete_sign_in(
                s, self.rt, account_id=account_id, method=Method.WEBAUTHN, info=info,
                amr=webauthn.amr_for(backup_eligible=use.backup_eligible, passwordless=False),
                pending_id=pending.id, remember=remember)
            s.commit()
        return signed_in.result()

    def verify_passwordless(self, credential: object, info: RequestInfo) -> LoginResult:
        """Sign in with a passkey alone: discoverable credential, UV, matching user handle.

        Raises:
            AssertionRejectedError, RateLimitedError.
        """
        key = ip_key(PASSKEY_SCOPE, info.ip)
        with self.rt.db.read() as s:
            wait = seconds_locked(s, [key], self.rt.clock.now())
        if wait is not None:
            raise RateLimitedError(wait, nmsg(
                "Too many failed passkey sign-ins from here. Wait %(n)d second before trying "
                "again.",
                "Too many failed passkey sign-ins from here. Wait %(n)d seconds before trying "
                "again.", wait))
        try:
            parsed = webauthn.parse_credential(credential, kind="get")
            stored = take_challenge(self.rt, parsed, "passwordless")
            if stored is None:
                raise KeyRefused("challenge", msg("This sign-in took too long or was already "
                                                  "tried. Try your passkey again."))
            use = self.checks.check(parsed, stored, account_id=None, require_uv=True, info=info)
            with self.rt.db.write() as s:
                if not self.checks.claim(s, use):
                    s.rollback()
                    raise self.checks.cloned(use, info)
                signed_in = complete_sign_in(
                    s, self.rt, account_id=use.account_id, method=Method.PASSKEY, info=info,
                    amr=webauthn.amr_for(backup_eligible=use.backup_eligible, passwordless=True))
                s.commit()
        except (KeyRefused, AssertionRejectedError) as exc:
            now = self.rt.clock.now()
            with self.rt.db.write() as s:
                record_failure(s, key, IP_LOGIN_POLICY, now)
                Activity(s).add(event(at=now, name="login", info=info, success=False,
                                      reason=refusal_reason(exc), method=Method.PASSKEY))
                s.commit()
            raise AssertionRejectedError(refusal_detail(exc)) from None
        return signed_in.result()

    def verify_reauth(self, view: SessionView, credential: object, info: RequestInfo) -> None:
        """Confirm it's you with a key: the session counts as freshly two-factor.

        Raises:
            AssertionRejectedError, RateLimitedError.
        """
        with self.rt.db.write() as s:
            attempt = self.factor.take_attempt(s, view.account_id)
            s.commit()
        now = self.rt.clock.now()
        try:
            parsed = webauthn.parse_credential(credential, kind="get")
            stored = take_challenge(self.rt, parsed, "reauth")
            if stored is None or stored.session_id != view.id:
                raise KeyRefused("challenge", msg("That took too long or was already tried. "
                                                  "Try your key again."))
            use = self.checks.check(parsed, stored, account_id=view.account_id, require_uv=False,
                              info=info)
            with self.rt.db.write() as s:
                if not self.checks.claim(s, use):
                    s.rollback()
                    raise self.checks.cloned(use, info)
                Throttles(s).reset(mfa_key(view.account_id))
                Sessions(s).mark_second_factor(view.id, webauthn.amr_for(
                    backup_eligible=use.backup_eligible, passwordless=False), now)
                Activity(s).add(event(at=now, name="reauth", info=info, success=True,
                                      account_id=view.account_id, method=Method.WEBAUTHN))
                s.commit()
        except (KeyRefused, AssertionRejectedError) as exc:
            with self.rt.db.write() as s:
                self.factor.lock_if_due(s, view.account_id, attempt, info)
                Activity(s).add(event(at=now, name="reauth", info=info, success=False,
                                      account_id=view.account_id, reason=refusal_reason(exc),
                                      method=Method.WEBAUTHN))
                s.commit()
            raise AssertionRejectedError(refusal_detail(exc)) from None

    # Shared --------------------------------------------------------------------------------
    def _second_step_failed(self, pending: MfaChallenge, attempt: int, info: RequestInfo,
                            exc: Exception) -> NoReturn:
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            MfaChallenges(s).count_failure(pending.id)
            self.factor.lock_if_due(s, pending.account_id, attempt, info)
            Activity(s).add(event(at=now, name="login_second_step", info=info, success=False,
                                  account_id=pending.account_id, reason=refusal_reason(exc),
                                  method=Method.WEBAUTHN))
            s.commit()
        raise AssertionRejectedError(refusal_detail(exc)) from None
