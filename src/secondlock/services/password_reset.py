"""Forgotten password: a single-use link by mail, then a new password (checklist AR-1..AR-3).

The request answers the same whether or not the address has an account; the web layer sends
the link after the answer went out, so the timing does not tell either. Completing a reset
sets the password, signs out everywhere and opens no session: the next sign-in still asks
for the second factor (AR-1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from secondlock.core.emails import lookup_form
from secondlock.core.errors import (
    InvalidTokenError,
    RateLimitedError,
    ResetLinkExpiredError,
)
from secondlock.core.i18n import msg
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token, new_token
from secondlock.notifications.password_messages import password_reset_email
from secondlock.services.activity import event
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event, queue_email
from secondlock.services.runtime import Runtime
from secondlock.services.sign_out import sign_out_everywhere
from secondlock.services.throttling import account_key, ip_key, seconds_locked
from secondlock.storage.repositories import Accounts, Activity, Throttles
from secondlock.storage.repositories.passwords import ResetTokens, store_password

RESET_SCOPE = "password_reset"
#: How long a mailed link works (AR-2 suggests 60 minutes; NIST caps email at 24 h).
RESET_LINK_MINUTES = 60
#: Requests per account (known or not: keyed by the address) and per IP group, per hour.
REQUESTS_PER_ACCOUNT_PER_HOUR = 3
REQUESTS_PER_IP_PER_HOUR = 20
#: Path of the mailed link; the origin always comes from settings, never from the request.
LINK_PATH = "/password-reset/link"
MAX_TOKEN_CHARS = 256

EXPIRED_TEXT = msg("This password reset link has expired or was already used. Links work "
                   "once, for 60 minutes, and only the newest one works. Ask for a new link.")
INVALID_TEXT = msg("This password reset link is not valid. Open the link from the email "
                   "again, or copy all of it into the address bar.")


@dataclass(frozen=True)
class ResetLink:
    """A live link, checked without using it up (for the page that asks for the password)."""

    email: str
    has_second_factor: bool


class PasswordResetService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    # Asking for a link -------------------------------------------------------------------
    def admit(self, email: str, info: RequestInfo) -> str:
        """Count the request per address and per IP group; returns the lookup form.

        Unknown addresses count exactly like known ones, so a refusal reveals nothing.

        Raises:
            RateLimitedError.
        """
        normal = lookup_form(email)
        now = self.rt.clock.now()
        hour = timedelta(hours=1)
        keys = [ip_key(RESET_SCOPE, info.ip),
                account_key(self.rt.secret_key, RESET_SCOPE, normal)]
        limits = [REQUESTS_PER_IP_PER_HOUR, REQUESTS_PER_ACCOUNT_PER_HOUR]
        with self.rt.db.write() as s:
            throttles = Throttles(s)
            refused = False
            for key, limit in zip(keys, limits, strict=True):
                # The attempt that reaches the limit is allowed and locks the key for an
                # hour, so exactly ``limit`` requests pass (lock_after counts past it).
                ticket = throttles.take_ticket(key, now, lock_after=limit - 1,
                                               window_start=now - hour,
                                               provisional_until=now + hour)
                if ticket is None:
                    refused = True
                    break
            wait = seconds_locked(s, keys, now) if refused else None
            s.commit()
        if refused:
            raise RateLimitedError(wait or 3600, msg(
                "Too many password reset requests. Check your inbox (and spam folder) for the "
                "link we sent, or try again later."))
        return normal

    def send_link(self, normal_email: str, info: RequestInfo) -> None:
        """Mail a fresh link when the address has an account; older links stop working."""
        now = self.rt.clock.now()
        token = new_token()  # 256 bits from the OS CSPRNG; only its hash is stored
        with self.rt.db.write() as s:
            account = Accounts(s).by_email(normal_email)
            if account is None:
                return
            tokens = ResetTokens(s)
            tokens.void_all(account.id, now)  # a newer request voids older links (AR-2)
            tokens.add(token_hash=hash_token(token), account_id=account.id, now=now,
                       expires_at=now + timedelta(minutes=RESET_LINK_MINUTES))
            Activity(s).add(event(at=now, name="password_reset_requested", info=info,
                                  success=True, account_id=account.id))
            settings = self.rt.settings
            # Queued with the link (the outbox); not sent once the link has expired.
            queue_email(self.rt, s, password_reset_email(
                to=account.email, service_name=settings.service_name, origin=settings.origin,
                reset_url=f"{settings.origin}{LINK_PATH}?token={token}",
                minutes_valid=RESET_LINK_MINUTES, language=account.language),
                account_id=account.id, not_after=now + timedelta(minutes=RESET_LINK_MINUTES))
            s.commit()

    def request(self, email: str, info: RequestInfo) -> None:
        """``admit`` and ``send_link`` in one go (the CLI and tests; the web splits them)."""
        self.send_link(self.admit(email, info), info)

    # Using the link ----------------------------------------------------------------------
    def check_link(self, token: str) -> ResetLink:
        """Whether the link still works, without using it up.

        Raises:
            InvalidTokenError, ResetLinkExpiredError.
        """
        token_hash = self._hash(token)
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            row = ResetTokens(s).find(token_hash)
            account = Accounts(s).get(row.account_id) if row is not None else None
        if row is None or account is None:
            raise InvalidTokenError(INVALID_TEXT)
        if row.used_at is not None or row.expires_at <= now:
            raise ResetLinkExpiredError(EXPIRED_TEXT)
        return ResetLink(email=account.email,
                         has_second_factor=account.mfa_enabled_at is not None)

    def complete(self, token: str, new_password: str, info: RequestInfo) -> None:
        """Set the new password, use the link up and sign out everywhere; no new session.

        Raises:
            InvalidTokenError, ResetLinkExpiredError, WeakPasswordError.
        """
        token_hash = self._hash(token)
        link = self.check_link(token)
        # The same rules as sign-up; checked before the link is used, so a refused password
        # can be retried with the same link.
        self.rt.policy.check(new_password, email=link.email,
                             blocklist=self.rt.new_password_blocklist,
                             has_second_factor=link.has_second_factor)
        password_hash = self.rt.hasher.hash(new_password)  # slow: outside any transaction
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account_id = ResetTokens(s).consume(token_hash, now)
            if account_id is None:
                # Another request used the link first (or it just expired): roll back.
                raise ResetLinkExpiredError(EXPIRED_TEXT)
            store_password(s, account_id, password_hash, now, through_reset=True)
            ResetTokens(s).void_all(account_id, now)
            ended = sign_out_everywhere(s, account_id, now=now)
            Activity(s).add(event(at=now, name="password_reset", info=info, success=True,
                                  account_id=account_id, detail=ended.detail))
            emit_event(self.rt, s, "password.reset", account_id=account_id, info=info, at=now)
            queue_notice(
                s, self.rt, to=link.email, kind="password_reset", at=now, info=info,
                subject=msg("your password was reset"),
                headline=msg("The password of your account was reset through the link we "
                             "emailed you."),
                details=[msg("Every device was signed out and remembered devices were "
                             "forgotten. Two-factor authentication stays as it was: signing "
                             "in asks for your second factor as before."),
                         msg("If you did not do this, someone can read your email: secure "
                             "your mailbox first, then reset your password again.")])
            s.commit()

    @staticmethod
    def _hash(token: str) -> bytes:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise InvalidTokenError(INVALID_TEXT)
        return hash_token(token)
