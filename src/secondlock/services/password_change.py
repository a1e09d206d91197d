"""Changing the password while signed in, and the forced change after "this wasn't me".

A normal change needs a recent sign-in (sudo mode) and the current password (PW-7). A forced
change (``accounts.password_change_required``) needs only the recent sign-in: the shopper
just proved the password and, with 2FA on, the second factor. Either way the other sessions
end, remembered devices are forgotten and the owner gets mail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import (
    NotAuthenticatedError,
    RateLimitedError,
    WeakPasswordError,
    WrongPasswordError,
)
from secondlock.core.i18n import msg
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.throttle import ACCOUNT_LOGIN_POLICY
from secondlock.core.tokens import hash_token, new_token
from secondlock.core.views import SessionView
from secondlock.services.activity import event
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.password_attempts import LOGIN_SCOPE
from secondlock.services.recent_auth import require_recent_auth
from secondlock.services.runtime import Runtime
from secondlock.services.sign_out import sign_out_everywhere
from secondlock.services.throttling import account_key, record_failure, seconds_locked
from secondlock.storage.orm import Session as SessionRow
from secondlock.storage.repositories import Accounts, Activity, Sessions
from secondlock.storage.repositories.passwords import ResetTokens, store_password


@dataclass(frozen=True)
class PasswordChanged:
    #: The replacement of the caller's session token when ``rotate`` was asked for.
    session_token: str | None
    signed_out: int


def rotate_session(s: DbSession, view: SessionView, info: RequestInfo, now: datetime) -> str:
    """Replace the session's token, keeping what the session proved and when (caller's
    transaction); returns the new token.

    Raises:
        NotAuthenticatedError: the session ended meanwhile (it is not brought back).
    """
    if not Sessions(s).delete(view.id):
        raise NotAuthenticatedError(msg("Your session has ended. Sign in again."))
    token = new_token()
    Sessions(s).add(SessionRow(id=str(uuid.uuid4()), token_hash=hash_token(token),
                               account_id=view.account_id, created_at=view.created_at,
                               last_seen_at=now, auth_time=view.auth_time,
                               expires_at=view.expires_at, amr=view.amr, ip=info.ip,
                               user_agent=info.user_agent))
    return token


class PasswordChangeService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def change(self, view: SessionView, current_password: str | None, new_password: str,
               info: RequestInfo, *, rotate: bool = False) -> PasswordChanged:
        """Set a new password for the signed-in account.

        ``current_password`` may be None only while a change is forced. ``rotate`` gives
        the caller's session a new token (the pages do; the API keeps its bearer token).

        Raises:
            ReauthRequiredError, WrongPasswordError, WeakPasswordError, RateLimitedError,
            NotAuthenticatedError.
        """
        require_recent_auth(self.rt, view)
        with self.rt.db.read() as s:
            account = Accounts(s).get(view.account_id)
        if account is None:
            raise NotAuthenticatedError()
        forced = account.password_change_required
        if current_password is not None or not forced:
            self._check_current(view, account.password_hash, current_password or "", info)
        self.rt.policy.check(new_password, email=account.email,
                             blocklist=self.rt.new_password_blocklist,
                             has_second_factor=account.mfa_enabled_at is not None)
        if self.rt.hasher.verify(account.password_hash, new_password):
            raise WeakPasswordError("reused", msg("Choose a password different from the one you "
                                                "have now."))
        password_hash = self.rt.hasher.hash(new_password)  # slow: outside any transaction
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            store_password(s, view.account_id, password_hash, now, through_reset=False)
            ResetTokens(s).void_all(view.account_id, now)  # AR-2: a change voids reset links
            ended = sign_out_everywhere(s, view.account_id, now=now,
                                        keep_session_id=view.id)
            token = rotate_session(s, view, info, now) if rotate else None
            Activity(s).add(event(at=now, name="password_changed", info=info, success=True,
                                  account_id=view.account_id,
                                  reason="forced" if forced else None, detail=ended.detail))
            emit_event(self.rt, s, "password.changed", account_id=view.account_id, info=info,
                       at=now)
            queue_notice(s, self.rt, to=account.email, kind="password_changed", at=now,
                         info=info, subject=msg("your password was changed"),
                         headline=msg("The password of your account was changed."),
                         details=[msg("All other devices were signed out and remembered "
                                      "devices were forgotten.")])
            s.commit()
        return PasswordChanged(session_token=token, signed_out=ended.sessions)

    def _check_current(self, view: SessionView, stored_hash: str, password: str,
                       info: RequestInfo) -> None:
        """The current password, counted against the same lock as sign-in failures."""
        key = account_key(self.rt.secret_key, LOGIN_SCOPE, view.email)
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            wait = seconds_locked(s, [key], now)
        if wait is not None:
            raise RateLimitedError(wait)
        if self.rt.hasher.verify(stored_hash, password):
            return
        with self.rt.db.write() as s:
            record_failure(s, key, ACCOUNT_LOGIN_POLICY, now)
            Activity(s).add(event(at=now, name="password_changed", info=info, success=False,
                                  account_id=view.account_id, reason="bad_password",
                                  method=Method.PASSWORD))
            s.commit()
        raise WrongPasswordError(msg("That is not your current password. If you forgot it, "
                                     "sign out and use \"Forgot your password?\"."))
