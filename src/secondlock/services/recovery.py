"""Lost every factor: recovery with a waiting period (issue #15, api-contract.md).

Ask with the email (the same answer for every address) -> a single-use link by mail (30
minutes) -> the password -> a waiting period (``SECONDLOCK_RECOVERY_DELAY``) while every
channel of the account is told and can stop it -> the password once more signs in with every
factor and recovery code removed. The link's token stays the handle of the recovery it
started (status, completion); each notice carries a cancel link of its own. A sign-in with a
factor and "this wasn't me" stop it too (``services.recovery_state``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from secondlock.core.devices import describe_device
from secondlock.core.emails import lookup_form
from secondlock.core.errors import (
    ConflictError,
    InvalidCredentialsError,
    InvalidTokenError,
    RateLimitedError,
    RecoveryLinkExpiredError,
    RecoveryPendingError,
)
from secondlock.core.i18n import msg
from secondlock.core.passwords import MAX_PASSWORD_LENGTH
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token, new_token
from secondlock.notifications.recovery_messages import recovery_link_email
from secondlock.services.activity import event
from secondlock.services.languages import usable_language
from secondlock.services.outbox import emit_event, queue_email
from secondlock.services.password_attempts import PasswordAttempts
from secondlock.services.recovery_notices import (
    CANCEL_PURPOSE,
    delay_words,
    plan_notices,
    recovery_stopped,
    send_started,
)
from secondlock.services.recovery_state import cancel_pending, known_device
from secondlock.services.runtime import Runtime
from secondlock.services.sign_in import LoginResult
from secondlock.services.throttling import account_key, ip_key, take_hourly_tickets
from secondlock.storage.orm import Account, AccountToken
from secondlock.storage.orm_recovery import WAITING, Recovery
from secondlock.storage.repositories import Accounts, Activity, Throttles, Tokens
from secondlock.storage.repositories.recoveries import Recoveries

RECOVERY_SCOPE = "recovery"
LINK_PURPOSE = "recovery_link"
LINK_MINUTES = 30
LINK_PATH = "/recovery/link"
REQUESTS_PER_ACCOUNT_PER_HOUR = 3
REQUESTS_PER_IP_PER_HOUR = 20
#: The reminder goes out this long before the end (when the wait is longer than that).
REMIND_BEFORE = timedelta(hours=24)
#: Cancel links keep working a day past the end (a late click hears "it has ended").
CANCEL_GRACE = timedelta(days=1)
MAX_TOKEN_CHARS = 256

INVALID_TEXT = msg("This recovery link is not valid. Open the link from the email again, or "
                   "copy all of it into the address bar.")
EXPIRED_TEXT = msg("This recovery link has expired or was already used. Links work once, for "
                   "30 minutes. Ask for a new link.")


@dataclass(frozen=True)
class RecoveryView:
    """A recovery as its holder and staff see it. ``status``: ``link`` (not started yet),
    ``waiting``, ``ready``, ``cancelled`` or ``completed``."""

    status: str
    email: str
    ready_at: datetime | None = None
    started_at: datetime | None = None
    device: str = ""
    ip: str = ""
    known_device: bool = False
    ended_by: str | None = None


def view_of(row: Recovery, email: str, now: datetime) -> RecoveryView:
    status = row.status
    if status == WAITING and row.ready_at <= now:
        status = "ready"
    return RecoveryView(status=status, email=email, ready_at=row.ready_at,
                        started_at=row.started_at, device=describe_device(row.user_agent),
                        ip=row.ip, known_device=row.known_device, ended_by=row.ended_by)


def token_hash_of(token: str) -> bytes:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidTokenError(INVALID_TEXT)
    return hash_token(token)


class RecoveryService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    @property
    def delay(self) -> timedelta:
        return timedelta(seconds=self.rt.settings.recovery_delay)

    # Asking for a link -------------------------------------------------------------------
    def admit(self, email: str, info: RequestInfo) -> str:
        """Count the request per address (known or not) and per IP group.

        Raises:
            RateLimitedError.
        """
        normal = lookup_form(email)
        now = self.rt.clock.now()
        limits = [(ip_key(RECOVERY_SCOPE, info.ip), REQUESTS_PER_IP_PER_HOUR),
                  (account_key(self.rt.secret_key, RECOVERY_SCOPE, normal),
                   REQUESTS_PER_ACCOUNT_PER_HOUR)]
        with self.rt.db.write() as s:
            admitted = take_hourly_tickets(s, limits, now)
            s.commit()
        if not admitted:
            raise RateLimitedError(3600, msg(
                "Too many recovery requests. Check your inbox (and spam folder) for the link "
                "we sent, or try again later."))
        return normal

    def send_link(self, normal_email: str, info: RequestInfo) -> None:
        """Queue a fresh link when the address has an account (after the answer went out)."""
        now = self.rt.clock.now()
        token = new_token()
        with self.rt.db.write() as s:
            account = Accounts(s).by_email(normal_email)
            if account is None:
                return
            Tokens(s).add(AccountToken(token_hash=hash_token(token), account_id=account.id,
                                       purpose=LINK_PURPOSE, created_at=now,
                                       expires_at=now + timedelta(minutes=LINK_MINUTES)))
            Activity(s).add(event(at=now, name="recovery_requested", info=info, success=True,
                                  account_id=account.id))
            settings = self.rt.settings
            # Queued with the link's token (#13); useless once the link has expired.
            queue_email(self.rt, s, recovery_link_email(
                to=account.email, service_name=settings.service_name,
                minutes_valid=LINK_MINUTES, url=f"{settings.origin}{LINK_PATH}?token={token}",
                delay_text=delay_words(settings.recovery_delay),
                language=usable_language(account.language)),
                account_id=account.id, not_after=now + timedelta(minutes=LINK_MINUTES))
            s.commit()

    def request(self, email: str, info: RequestInfo) -> None:
        """``admit`` and ``send_link`` in one go (tests and the CLI; the web splits them)."""
        self.send_link(self.admit(email, info), info)

    # The holder of the link ----------------------------------------------------------------
    def look(self, token: str) -> RecoveryView:
        """What the link's token stands for now, without using anything up.

        Raises:
            InvalidTokenError, RecoveryLinkExpiredError.
        """
        token_hash = token_hash_of(token)
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            row = Recoveries(s).by_token_hash(token_hash)
            link = Tokens(s).find(token_hash, LINK_PURPOSE) if row is None else None
            owner = row.account_id if row is not None else link.account_id if link else None
            account = Accounts(s).get(owner) if owner is not None else None
        if account is None:
            raise InvalidTokenError(INVALID_TEXT)
        if row is not None:
            return view_of(row, account.email, now)
        assert link is not None
        if link.used_at is not None or link.expires_at <= now:
            raise RecoveryLinkExpiredError(EXPIRED_TEXT)
        return RecoveryView(status="link", email=account.email)

    def check_password(self, account: Account, password: str, info: RequestInfo) -> \
            PasswordAttempts:
        """Counted exactly like a sign-in with the password (same throttle, same activity)."""
        attempts = PasswordAttempts(self.rt, account.email, info)
        attempt = attempts.begin()
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH or \
                not self.rt.hasher.verify(account.password_hash, password):
            attempts.failed(attempt, account_id=account.id, reason="bad_password")
            raise InvalidCredentialsError(msg("Email or password is not correct."))
        return attempts

    def start(self, token: str, password: str, info: RequestInfo) -> RecoveryView:
        """The password starts the waiting period and every channel is told.

        Raises:
            InvalidTokenError, RecoveryLinkExpiredError, InvalidCredentialsError,
            RateLimitedError, RecoveryPendingError, ConflictError (no factor to recover).
        """
        token_hash = token_hash_of(token)
        if self.look(token).status != "link":
            raise RecoveryLinkExpiredError(EXPIRED_TEXT)
        with self.rt.db.read() as s:
            link = Tokens(s).find(token_hash, LINK_PURPOSE)
            account = Accounts(s).get(link.account_id) if link is not None else None
        if account is None:
            raise InvalidTokenError(INVALID_TEXT)
        attempts = self.check_password(account, password, info)
        now = self.rt.clock.now()
        ready_at = now + self.delay
        with self.rt.db.write() as s:
            attempts.succeeded(Throttles(s))
            s.commit()
            if account.mfa_enabled_at is None:
                raise ConflictError(msg("Your account has no second factor: sign in with "
                                        "your password alone."))
            if Recoveries(s).pending(account.id) is not None:
                raise RecoveryPendingError(msg("A recovery of this account is already under "
                                               "way. Use the link from its email to see when "
                                               "it ends."))
            if Tokens(s).consume(token_hash, LINK_PURPOSE, now) is None:
                raise RecoveryLinkExpiredError(EXPIRED_TEXT)
            known = known_device(s, account.id, info.user_agent)
            remind_at = ready_at - REMIND_BEFORE
            try:
                Recoveries(s).add(Recovery(
                    id=str(uuid.uuid4()), account_id=account.id, token_hash=token_hash,
                    status=WAITING, pending_account_id=account.id, started_at=now,
                    ready_at=ready_at, remind_at=remind_at if remind_at > now else None,
                    ip=info.ip, user_agent=info.user_agent, known_device=known))
            except IntegrityError:
                raise RecoveryPendingError(msg("A recovery of this account is already under "
                                               "way.")) from None
            plan = plan_notices(s, self.rt, account, now=now, until=ready_at + CANCEL_GRACE)
            Activity(s).add(event(at=now, name="recovery_started", info=info, success=True,
                                  account_id=account.id,
                                  detail=f"ready_at={ready_at.isoformat()}; known_device="
                                         f"{'yes' if known else 'no'}"))
            emit_event(self.rt, s, "recovery.started", account_id=account.id, info=info,
                       at=now, ready_at=ready_at.isoformat())
            send_started(s, self.rt, plan, ready_at=ready_at, info=info, known_device=known)
            s.commit()
        return self.look(token)

    def cancel(self, token: str, info: RequestInfo) -> bool:
        """Stop the pending recovery with a notice's cancel link (or the starter's own link).
        True when one was stopped; a link used before changes nothing.

        Raises:
            InvalidTokenError, RecoveryLinkExpiredError.
        """
        token_hash = token_hash_of(token)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account_id = Tokens(s).consume(token_hash, CANCEL_PURPOSE, now)
            by = "link"
            if account_id is None:
                link = Tokens(s).find(token_hash, CANCEL_PURPOSE)
                if link is not None and link.used_at is None:
                    raise RecoveryLinkExpiredError(msg("This link has expired."))
                if link is not None:
                    return False  # used before: it did its work then
                own = Recoveries(s).by_token_hash(token_hash)
                if own is None:
                    raise InvalidTokenError(INVALID_TEXT)
                account_id, by = own.account_id, "owner"
            stopped = cancel_pending(s, account_id, now=now, by=by, info=info)
            account = Accounts(s).get(account_id)
            if stopped:
                emit_event(self.rt, s, "recovery.cancelled", account_id=account_id, info=info,
                           at=now, by=by)
                if account is not None:
                    recovery_stopped(s, self.rt, account.email, info, by_staff=False)
            s.commit()
        return stopped

    def complete(self, token: str, password: str, info: RequestInfo) -> LoginResult:
        """After the wait, the password signs in with every factor removed.

        Raises:
            InvalidTokenError, RecoveryWaitingError, RecoveryEndedError,
            InvalidCredentialsError, RateLimitedError, NotFoundError.
        """
        from secondlock.services.recovery_complete import complete_recovery

        return complete_recovery(self, token, password, info)
