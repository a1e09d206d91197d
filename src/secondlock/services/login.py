"""Password sign-in (the first step), with throttling and an activity record per attempt."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy.orm import Session as DbSession

from secondlock.core.emails import MAX_EMAIL_LENGTH, normalise_email
from secondlock.core.errors import InvalidCredentialsError, InvalidEmailError, RateLimitedError
from secondlock.core.i18n import msg, nmsg
from secondlock.core.methods import SECOND_FACTORS, Method
from secondlock.core.passwords import MAX_PASSWORD_LENGTH
from secondlock.core.request_info import RequestInfo
from secondlock.core.throttle import ACCOUNT_LOGIN_POLICY, IP_LOGIN_POLICY
from secondlock.core.tokens import hash_token, new_token
from secondlock.services.activity import event
from secondlock.services.methods.sms_email_code_checks import email_code_allowed_now
from secondlock.services.runtime import Runtime
from secondlock.services.sessions import IssuedSession, SessionService, issue_session
from secondlock.services.sign_in_alerts import NEW_DEVICE, alert_new_device, is_new_device
from secondlock.services.throttling import account_key, ip_key, record_failure, seconds_locked
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

LOGIN_SCOPE = "login"


MFA_TOKEN_MINUTES = 5
THROTTLED_LOG_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class LoginResult:
    """Either a session (``authenticated``) or the pending second step (``mfa_required``)."""

    status: str
    account_id: str
    session: IssuedSession | None = None
    mfa_token: str | None = None
    methods: tuple[str, ...] = ()
    #: A new remembered-device token for the client to keep (replaces the one it sent).
    device_token: str | None = None


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


class LoginService:
    def __init__(self, rt: Runtime, sessions: SessionService) -> None:
        self.rt = rt
        self.sessions = sessions

    def login(self, email: str, password: str, info: RequestInfo, *,
              device_token: str | None = None) -> LoginResult:
        """Check email and password and open a session.

        Unknown email and wrong password give the same error after the same work (a dummy
        argon2 verify). Failures count per account key and per IP group. A remembered
        device's token (``device_token``) skips the second step, only after the password.

        Raises:
            InvalidCredentialsError, RateLimitedError.
        """
        normal = _lookup_form(email)
        keys = [account_key(self.rt.secret_key, LOGIN_SCOPE, normal), ip_key(LOGIN_SCOPE, info.ip)]
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            wait = seconds_locked(s, keys, now)
            account = Accounts(s).by_email(normal) if wait is None else None
        attempt = self._count_attempt(keys[0]) if wait is None else None
        if attempt is None:
            self._throttled(keys, info)

        if account is None or not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            self.rt.hasher.dummy_verify(password if isinstance(password, str) else "")
            self._fail(keys, attempt, info, account_id=account.id if account else None,
                       reason="unknown_account" if account is None else "bad_password")
            raise InvalidCredentialsError(msg("Email or password is not correct."))
        if not self.rt.hasher.verify(account.password_hash, password):
            self._fail(keys, attempt, info, account_id=account.id, reason="bad_password")
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
            Throttles(s).reset(keys[0])  # a success clears only this account's counter
            use = use_device(s, account_id=account.id, token=device_token, info=info, now=now) \
                if device_token is not None and account.mfa_enabled_at is not None \
                else DeviceUse("ask")
            if use.outcome == "skip":
                # Single-factor ("pwd"): sensitive changes still ask for a factor.
                issued = issue_session(s, account_id=account.id, amr="pwd", info=info, now=now,
                                       absolute=self.sessions.absolute)
                Activity(s).add(event(at=now, name="login", info=info, success=True,
                                      account_id=account.id, method=Method.REMEMBERED_DEVICE))
                s.commit()
                return LoginResult(status="authenticated", session=issued,
                                   account_id=account.id, device_token=use.token)
            if account.mfa_enabled_at is not None:
                token = new_token()
                MfaChallenges(s).add(MfaChallenge(
                    id=str(uuid.uuid4()), token_hash=hash_token(token), account_id=account.id,
                    created_at=now, expires_at=now + timedelta(minutes=MFA_TOKEN_MINUTES),
                    ip=info.ip, user_agent=info.user_agent))
                methods = available_methods(s, account.id, now=now)
                Activity(s).add(event(at=now, name="login_password", info=info, success=True,
                                      account_id=account.id, method=Method.PASSWORD))
                s.commit()
                if use.replayed_account_id is not None:
                    warn_replay(self.rt, use.replayed_account_id, info)
                return LoginResult(status="mfa_required", account_id=account.id,
                                   mfa_token=token, methods=methods)
            new_device = is_new_device(s, account.id, info.user_agent)
            issued = issue_session(s, account_id=account.id, amr="pwd", info=info, now=now,
                                   absolute=self.sessions.absolute)
            Activity(s).add(event(at=now, name="login", info=info, success=True,
                                  account_id=account.id, method=Method.PASSWORD,
                                  detail=NEW_DEVICE if new_device else None))
            s.commit()
        if new_device:
            alert_new_device(self.rt, account.id, Method.PASSWORD, info)
        return LoginResult(status="authenticated", session=issued, account_id=account.id)

    def _count_attempt(self, key: str) -> int | None:
        """Count this attempt on the account key before checking the password (see
        ``Throttles.take_ticket``): parallel guesses cannot slip past the lock."""
        now = self.rt.clock.now()
        policy = ACCOUNT_LOGIN_POLICY
        with self.rt.db.write() as s:
            attempt = Throttles(s).take_ticket(
                key, now, lock_after=policy.free_failures, window_start=now - policy.window,
                provisional_until=now + timedelta(seconds=policy.max_delay))
            s.commit()
        return attempt

    def _throttled(self, keys: list[str], info: RequestInfo) -> NoReturn:
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            # Read the lock again: a parallel attempt may just have set it.
            wait = seconds_locked(s, keys, now) or 1
            # One row a minute per IP is enough to see the attack; a row per refused attempt
            # would let an attacker grow the table at the speed of their requests.
            activity = Activity(s)
            if not activity.seen_since(event="login", reason="throttled", ip=info.ip,
                                       since=now - THROTTLED_LOG_INTERVAL):
                activity.add(event(at=now, name="login", info=info, success=False,
                                   reason="throttled", method=Method.PASSWORD))
            s.commit()
        raise RateLimitedError(wait, nmsg("Too many failed sign-ins. For your safety, wait "
                                          "%(n)d second before trying again.",
                                          "Too many failed sign-ins. For your safety, wait "
                                          "%(n)d seconds before trying again.", wait))

    def _fail(self, keys: list[str], attempt: int, info: RequestInfo, *,
              account_id: str | None, reason: str) -> None:
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            # The attempt was counted up front. If it was one past the free ones, its real
            # back-off replaces the provisional lock; an earlier attempt never clears a lock.
            lock = ACCOUNT_LOGIN_POLICY.locked_until(attempt, now)
            if lock is not None:
                Throttles(s).set_lock(keys[0], lock)
            record_failure(s, keys[1], IP_LOGIN_POLICY, now)
            Activity(s).add(event(at=now, name="login", info=info, success=False,
                                  account_id=account_id, reason=reason, method=Method.PASSWORD))
            s.commit()


def _lookup_form(email: str) -> str:
    """The normal form used for lookup and throttling, also for malformed input."""
    try:
        return normalise_email(email)
    except InvalidEmailError:
        return str(email).strip().casefold()[:MAX_EMAIL_LENGTH]
