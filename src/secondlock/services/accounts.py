"""Sign-up and email confirmation."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from secondlock.core.emails import normalise_email
from secondlock.core.errors import (
    EmailTakenError,
    InvalidTokenError,
    NotFoundError,
    RateLimitedError,
)
from secondlock.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, msg
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token, new_token
from secondlock.notifications.messages import welcome_email
from secondlock.services.activity import event
from secondlock.services.outbox import emit_event, queue_email
from secondlock.services.runtime import Runtime
from secondlock.services.throttling import ip_key, seconds_locked
from secondlock.storage.orm import Account, AccountToken
from secondlock.storage.repositories import Accounts, Activity, Throttles, Tokens


def account_by_email(rt: Runtime, email: str) -> Account:
    """The account an operator or staff member named by its email (CLI and support).

    Raises:
        NotFoundError: no account has that email.
    """
    with rt.db.read() as s:
        account = Accounts(s).by_email(normalise_email(email))
    if account is None:
        raise NotFoundError(msg("No account with the email %(email)s.", email=email))
    return account

VERIFY_EMAIL_PURPOSE = "verify_email"
VERIFY_EMAIL_HOURS = 48
SIGN_UPS_PER_HOUR = 20
RESENDS_PER_HOUR = 3


@dataclass(frozen=True)
class NewAccount:
    id: str
    email: str


class AccountService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def sign_up(self, email: str, password: str, info: RequestInfo, *,
                send_welcome: bool = True, language: str = DEFAULT_LANGUAGE) -> NewAccount:
        """Create an account and mail a confirmation link (in ``language``, as later mail).

        Raises:
            InvalidEmailError, WeakPasswordError, EmailTakenError.
        """
        normal_email = normalise_email(email)
        self.rt.policy.check(password, email=normal_email, blocklist=self.rt.new_password_blocklist)
        self._count_sign_up(info)
        with self.rt.db.read() as s:
            if Accounts(s).by_email(normal_email) is not None:
                raise EmailTakenError(msg("An account with this email already exists. "
                                          "Sign in, or reset your password if you forgot it."))
        password_hash = self.rt.hasher.hash(password)  # slow: outside any transaction
        now = self.rt.clock.now()
        account = Account(id=str(uuid.uuid4()), email=normal_email, password_hash=password_hash,
                          created_at=now, password_changed_at=now,
                          user_handle=secrets.token_bytes(32),
                          language=language if language in LANGUAGES else DEFAULT_LANGUAGE)
        token = new_token()
        try:
            with self.rt.db.write() as s:
                Accounts(s).add(account)
                Tokens(s).add(AccountToken(
                    token_hash=hash_token(token), account_id=account.id,
                    purpose=VERIFY_EMAIL_PURPOSE, created_at=now,
                    expires_at=now + timedelta(hours=VERIFY_EMAIL_HOURS)))
                Activity(s).add(event(at=now, name="account_created", info=info, success=True,
                                      account_id=account.id))
                emit_event(self.rt, s, "account.created", account_id=account.id, info=info,
                           at=now)
                if send_welcome:
                    queue_email(self.rt, s, welcome_email(
                        to=normal_email, service_name=self.rt.settings.service_name,
                        verify_url=f"{self.rt.settings.origin}/verify-email?token={token}",
                        hours_valid=VERIFY_EMAIL_HOURS, language=account.language),
                        account_id=account.id)
                s.commit()
        except IntegrityError as exc:
            # Two sign-ups raced for one address: the unique index let exactly one win.
            raise EmailTakenError(msg("An account with this email already exists.")) from exc
        return NewAccount(id=account.id, email=normal_email)

    def resend_verification(self, account_id: str, info: RequestInfo) -> bool:
        """Mail a fresh confirmation link (the old ones keep working until they expire).

        Returns False when the address is already confirmed.

        Raises:
            RateLimitedError: more than RESENDS_PER_HOUR an hour.
        """
        now = self.rt.clock.now()
        key = f"verify_resend:{account_id}"
        token = new_token()
        with self.rt.db.write() as s:
            account = Accounts(s).get(account_id)
            if account is None or account.email_verified_at is not None:
                return False
            counted = Throttles(s).take_ticket(
                # The attempt that goes past lock_after is still let through (and locks).
                key, now, lock_after=RESENDS_PER_HOUR - 1, window_start=now - timedelta(hours=1),
                provisional_until=now + timedelta(hours=1))
            if counted is None:
                wait = seconds_locked(s, [key], now) or 3600
                s.commit()
                raise RateLimitedError(wait, msg("We sent several links already. Look for them "
                                           "in your inbox and spam folder, or try again "
                                           "later."))
            Tokens(s).add(AccountToken(
                token_hash=hash_token(token), account_id=account_id,
                purpose=VERIFY_EMAIL_PURPOSE, created_at=now,
                expires_at=now + timedelta(hours=VERIFY_EMAIL_HOURS)))
            Activity(s).add(event(at=now, name="email_verification_sent", info=info,
                                  success=True, account_id=account_id))
            queue_email(self.rt, s, welcome_email(
                to=account.email, service_name=self.rt.settings.service_name,
                verify_url=f"{self.rt.settings.origin}/verify-email?token={token}",
                hours_valid=VERIFY_EMAIL_HOURS, language=account.language),
                account_id=account_id)
            s.commit()
        return True

    def _count_sign_up(self, info: RequestInfo) -> None:
        """At most SIGN_UPS_PER_HOUR new accounts per IP group an hour (spam, mail bombing).

        Raises:
            RateLimitedError.
        """
        now = self.rt.clock.now()
        key = ip_key("signup", info.ip)
        with self.rt.db.write() as s:
            counted = Throttles(s).take_ticket(
                # take_ticket lets the attempt that goes past lock_after through (and locks
                # behind it), so lock_after is one less than the number allowed.
                key, now, lock_after=SIGN_UPS_PER_HOUR - 1,
                window_start=now - timedelta(hours=1),
                provisional_until=now + timedelta(hours=1))
            wait = seconds_locked(s, [key], now) if counted is None else None
            s.commit()
        if counted is None:
            raise RateLimitedError(wait or 3600, msg("Too many new accounts from your network. "
                                       "Try again later."))

    def verify_email(self, token: str, info: RequestInfo) -> str:
        """Mark the address confirmed; returns the account id.

        Raises:
            InvalidTokenError: unknown, used or expired link.
        """
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account_id = Tokens(s).consume(hash_token(token), VERIFY_EMAIL_PURPOSE, now)
            if account_id is None:
                raise InvalidTokenError(msg("This confirmation link is not valid any more. "
                                            "Sign in to get a new one."))
            account = Accounts(s).get(account_id)
            if account is not None and account.email_verified_at is None:
                account.email_verified_at = now
            Activity(s).add(event(at=now, name="email_verified", info=info, success=True,
                                  account_id=account_id))
            s.commit()
        return account_id
