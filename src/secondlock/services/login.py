"""Password sign-in (the first step), with throttling and an activity record per attempt."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.core.emails import lookup_form
from secondlock.core.errors import InvalidCredentialsError
from secondlock.core.i18n import msg
from secondlock.core.methods import SECOND_FACTORS, Method
from secondlock.core.passwords import MAX_PASSWORD_LENGTH
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token, new_token
from secondlock.services.activity import event
from secondlock.services.methods.sms_email_code_checks import email_code_allowed_now
from secondlock.services.password_attempts import IN_FLIGHT_WAIT_SECONDS, PasswordAttempts
from secondlock.services.runtime import Runtime
from secondlock.services.sessions import SessionService
from secondlock.services.sign_in import (
    PASSWORD_AMR,
    LoginResult,
    complete_sign_in,
)
from secondlock.services.trusted_devices import DeviceUse, use_device, warn_replay
from secondlock.storage.orm import MfaChallenge
from secondlock.storage.repositories import (
    Accounts,
    Activity,
    Authenticators,
    MfaChallenges,
    RecoveryCodes,
    Throttles,
)
from secondlock.storage.repositories.security_keys import WebAuthnCredentials

MFA_TOKEN_MINUTES = 5


def available_methods(s: DbSession, account_id: str, *,
                      now: datetime | None = None) -> tuple[str, ...]:
    """What this account can use for its second step right now. Given ``now`` (a sign-in),
    an email code is left out right after a password reset through that same mailbox."""
    kinds = set(Authenticators(s).confirmed_types(account_id))
    if now is not None and Method.EMAIL in kinds and not email_code_allowed_now(s, account_id, now):
        kinds.discard(Method.EMAIL)
    if Method.WEBAUTHN in kinds and not WebAuthnCredentials(s).has_usable(account_id):
        kinds.discard(Method.WEBAUTHN)  # every key is blocked (flagged as possibly cloned)
    if RecoveryCodes(s).remaining(account_id):
        kinds.add(Method.RECOVERY_CODE)
    return tuple(m for m in SECOND_FACTORS if m in kinds)


@dataclass(frozen=True)
class StartedAttempt:
    """A sign-in attempt after its first lock check (``LoginService.check_locks``): counted
    (``attempt``), or to look again (``attempt`` None), after waiting for the attempt in
    flight at the cap first when ``wait``."""

    attempts: PasswordAttempts
    attempt: int | None
    wait: bool = False


class LoginService:
    def __init__(self, rt: Runtime, sessions: SessionService) -> None:
        self.rt = rt
        self.sessions = sessions

    def check_locks(self, email: str, info: RequestInfo) -> StartedAttempt:
        """The first lock check of ``login``, one short write that never waits (so on SQLite
        the web layer may run it on the event loop), to hand to ``login``: the attempt is
        counted, or ``login`` goes on looking (an attempt in flight at the cap). No password
        is looked at.

        Raises:
            RateLimitedError: the account or the IP is locked.
        """
        attempts = PasswordAttempts(self.rt, lookup_form(email), info)
        attempt, wait = attempts.look(time.monotonic() + IN_FLIGHT_WAIT_SECONDS)
        return StartedAttempt(attempts, attempt, wait)

    def login(self, email: str, password: str, info: RequestInfo, *,
              device_token: str | None = None,
              started: StartedAttempt | None = None) -> LoginResult:
        """Check email and password and open a session.

        Unknown email and wrong password give the same error after the same work (a dummy
        argon2 verify). Failures count per account key and per IP group. A remembered
        device's token (``device_token``) skips the second step, only after the password.

        Raises:
            InvalidCredentialsError, RateLimitedError.
        """
        normal = lookup_form(email)
        if started is None:
            attempts = PasswordAttempts(self.rt, normal, info)
            attempt = attempts.begin()
        else:  # ``check_locks`` looked once already
            attempts = started.attempts
            attempt = started.attempt if started.attempt is not None \
                else attempts.begin(wait_first=started.wait)
        with self.rt.db.read() as s:
            account = Accounts(s).by_email(normal)
        if account is None or not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            self.rt.hasher.dummy_verify(password if isinstance(password, str) else "")
            attempts.failed(attempt, account_id=account.id if account else None,
                            reason="unknown_account" if account is None else "bad_password")
            raise InvalidCredentialsError(msg("Email or password is not correct."))
        if not self.rt.hasher.verify(account.password_hash, password):
            attempts.failed(attempt, account_id=account.id, reason="bad_password")
            raise InvalidCredentialsError(msg("Email or password is not correct."))

        new_hash = self.rt.hasher.hash(password) if self.rt.hasher.needs_rehash(
            account.password_hash) else None
        now = self.rt.clock.now()
        # Lists grow: a password that was fine at sign-up may be on today's list.
        blocklisted = password in self.rt.blocklist
        with self.rt.db.write() as s:
            if new_hash is not None:
                Accounts(s).set_password_hash(account.id, new_hash)
            if blocklisted != account.password_blocklisted:
                Accounts(s).set_password_blocklisted(account.id, blocklisted)
            attempts.succeeded(Throttles(s), account.id)
            use = use_device(s, account_id=account.id, token=device_token, info=info, now=now) \
                if device_token is not None and account.mfa_enabled_at is not None \
                else DeviceUse("ask")
            if account.mfa_enabled_at is not None and use.outcome != "skip":
                result = self._pending_second_step(s, account.id, info, now)
                if use.replayed_account_id is not None:
                    warn_replay(s, self.rt, use.replayed_account_id, info)
                s.commit()
                return result
            # A remembered device skips the code; the session is single-factor either way
            # ("pwd"), so sensitive changes still ask for a factor.
            signed_in = complete_sign_in(
                s, self.rt, account_id=account.id, amr=PASSWORD_AMR, info=info,
                method=Method.REMEMBERED_DEVICE if use.outcome == "skip" else Method.PASSWORD,
                device_token=use.token)
            s.commit()
        return signed_in.result()

    def _pending_second_step(self, s: DbSession, account_id: str, info: RequestInfo,
                             now: datetime) -> LoginResult:
        """The password was right and the account has 2FA: a pending sign-in (its token)."""
        token = new_token()
        MfaChallenges(s).add(MfaChallenge(
            id=str(uuid.uuid4()), token_hash=hash_token(token), account_id=account_id,
            created_at=now, expires_at=now + timedelta(minutes=MFA_TOKEN_MINUTES),
            ip=info.ip, user_agent=info.user_agent))
        methods = available_methods(s, account_id, now=now)
        Activity(s).add(event(at=now, name="login_password", info=info, success=True,
                              account_id=account_id, method=Method.PASSWORD))
        return LoginResult(status="mfa_required", account_id=account_id, mfa_token=token,
                           methods=methods)
