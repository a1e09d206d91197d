"""Finishing a sign-in, the same way for every way in.

Password alone, a remembered device, a code from an app, a recovery code, an SMS or email
code, a security key after the password, a passkey alone (and the OpenID Connect flows, which
call the same services) all end in ``complete_sign_in`` inside the transaction that proved
the factor, which also queues the notices and webhook events (the outbox). So every way in
consumes the pending sign-in, clears the guessing counter, issues the session with its
``amr``, records the activity, asks whether the device is new, remembers the device when
asked, and tells the owner the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import MfaTokenExpiredError, NotAuthenticatedError
from secondlock.core.i18n import msg, nmsg
from secondlock.core.methods import Method
from secondlock.core.recovery_codes import LOW_CODES_THRESHOLD
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token
from secondlock.services.activity import event
from secondlock.services.enrollment import (
    NOTHING_DUE,
    Enrollment,
    enrollment_at_sign_in,
    enrollment_rule,
)
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.recovery_notices import queue_recovery_stopped_by_sign_in
from secondlock.services.recovery_state import CANCELLING_METHODS, cancel_pending
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import mfa_key
from secondlock.services.sessions import IssuedSession, issue_session
from secondlock.services.sign_in_alerts import NEW_DEVICE, alert_new_device, is_new_device
from secondlock.services.sign_in_places import (
    NO_PLACE_NEWS,
    PlaceNews,
    alert_new_location,
    check_place,
)
from secondlock.services.trusted_devices import forget_all_devices, remember_device
from secondlock.storage.orm import MfaChallenge
from secondlock.storage.repositories import (
    Accounts,
    Activity,
    MfaChallenges,
    RecoveryCodes,
    Throttles,
)

#: The session ``amr`` (RFC 8176 tokens) after the password and a code of each kind.
AMR_BY_METHOD: dict[str, str] = {
    Method.TOTP: "pwd otp mfa",
    Method.RECOVERY_CODE: "pwd rc mfa",
    # RFC 8176 has "sms" (a confirmation by text message) but no value for email. An email
    # code is never a second factor (security checklist OOB-8, issue #7): the mailbox often
    # falls with the password. So it gets only our own "email" marker (core.assurance claims
    # it as "otp" of the same channel), never "otp" or "mfa" in the session.
    Method.SMS: "pwd sms mfa",
    Method.EMAIL: "pwd email",
    # A security key after the password; a synced passkey gets "swk" instead
    # (core.webauthn.amr_for decides from the key's backup-eligible flag).
    Method.WEBAUTHN: "pwd hwk mfa",
}
#: A remembered device skips the code: single-factor, so sensitive changes still ask for one.
PASSWORD_AMR = "pwd"  # noqa: S105 (an amr value, not a password)


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
    #: SECONDLOCK_REQUIRE_2FA: the session may only add a factor, or must by this time.
    enrollment: Enrollment = NOTHING_DUE
    #: This sign-in with a factor stopped a pending recovery of the account (issue #15).
    recovery_cancelled: bool = False


@dataclass(frozen=True)
class SignedIn:
    """A finished sign-in, and what the owner is still to be told after the commit."""

    account_id: str
    method: Method
    session: IssuedSession
    new_device: bool
    device_token: str | None = None
    #: Set when a recovery code was used: how many are left.
    recovery_codes_left: int | None = None
    #: Where the sign-in came from, and whether that is news (issue #16).
    place: PlaceNews = NO_PLACE_NEWS
    enrollment: Enrollment = NOTHING_DUE
    #: The sign-in proved a factor while a recovery of the account waited: it is cancelled.
    recovery_cancelled: bool = False

    def result(self) -> LoginResult:
        return LoginResult(status="authenticated", account_id=self.account_id,
                           session=self.session, device_token=self.device_token,
                           enrollment=self.enrollment,
                           recovery_cancelled=self.recovery_cancelled)


INVALID_PENDING_TEXT = msg("This sign-in is not valid. Start again.")
EXPIRED_PENDING_TEXT = msg("This sign-in took too long or was already used. Enter your email "
                           "and password again.")


def pending_token_hash(mfa_token: str) -> bytes:
    """The stored hash of an mfa_token.

    Raises:
        NotAuthenticatedError: it cannot be one.
    """
    if not isinstance(mfa_token, str) or not mfa_token or len(mfa_token) > 256:
        raise NotAuthenticatedError(INVALID_PENDING_TEXT)
    return hash_token(mfa_token)


def pending_sign_in(s: DbSession, mfa_token: str, now: datetime) -> MfaChallenge:
    """The live pending sign-in of an mfa_token.

    Raises:
        NotAuthenticatedError, MfaTokenExpiredError.
    """
    challenge = MfaChallenges(s).by_token_hash(pending_token_hash(mfa_token))
    if challenge is None:
        raise NotAuthenticatedError(INVALID_PENDING_TEXT)
    if challenge.used_at is not None or challenge.expires_at <= now:
        raise MfaTokenExpiredError(EXPIRED_PENDING_TEXT)
    return challenge


def complete_sign_in(s: DbSession, rt: Runtime, *, account_id: str, method: Method, amr: str,
                     info: RequestInfo, pending_id: str | None = None, remember: bool = False,
                     device_token: str | None = None) -> SignedIn:
    """Open the session inside the caller's transaction, queueing the owner's notices and the
    shop's webhook events with it (the caller commits).

    ``pending_id`` is the pending sign-in a second step finishes: it is used up here, so a
    second proof for the same pending sign-in fails. ``device_token`` is the replacement token
    of a remembered device that skipped the second step.

    Raises:
        MfaTokenExpiredError: the pending sign-in was already finished (roll back).
    """
    now = rt.clock.now()
    if pending_id is not None:
        if not MfaChallenges(s).consume(pending_id, now):
            raise MfaTokenExpiredError(msg("This sign-in was already completed."))
        Throttles(s).reset(mfa_key(account_id))  # the second factor was proven
    new_device = is_new_device(s, account_id, info.user_agent)
    place = check_place(s, rt, account_id=account_id, method=method, info=info, now=now)
    enrollment = enrollment_at_sign_in(s, enrollment_rule(rt.settings), account_id=account_id,
                                       now=now)
    issued = issue_session(s, account_id=account_id, amr=amr, info=info, now=now,
                           absolute=timedelta(hours=rt.settings.session_absolute_hours))
    Activity(s).add(event(at=now, name="login", info=info, success=True, account_id=account_id,
                          method=method, detail=NEW_DEVICE if new_device else None))
    # Whoever still holds a factor is the owner: a recovery waiting to remove them stops.
    cancelled = method in CANCELLING_METHODS and cancel_pending(
        s, account_id, now=now, by="sign_in", info=info, detail=f"method={method}")
    remaining = None
    if method == Method.RECOVERY_CODE:
        remaining = RecoveryCodes(s).remaining(account_id)
        forget_all_devices(s, account_id)  # a lost factor: start trust afresh
    elif remember:
        device_token = remember_device(s, account_id=account_id, info=info, now=now,
                                       days=rt.settings.trusted_device_days)
    _queue_news(s, rt, account_id=account_id, method=method, info=info, place=place,
                new_device=new_device, remaining=remaining, cancelled=cancelled)
    return SignedIn(account_id=account_id, method=method, session=issued, new_device=new_device,
                    device_token=device_token, recovery_codes_left=remaining, place=place,
                    enrollment=enrollment, recovery_cancelled=cancelled)


def _queue_news(s: DbSession, rt: Runtime, *, account_id: str, method: str,
                info: RequestInfo, place: PlaceNews, new_device: bool, remaining: int | None,
                cancelled: bool) -> None:
    """What the sign-in is news for, queued with it (the outbox): a country or a device
    never seen before (one mail, the country's: it names the device too), a recovery code
    used, a waiting recovery stopped."""
    if place.new_country and place.place is not None:
        alert_new_location(s, rt, account_id, place.place, info)
    elif new_device:
        alert_new_device(s, rt, account_id, method, info)
    if remaining is None and not cancelled:
        return
    account = Accounts(s).get(account_id)
    if account is None:
        return
    if remaining is not None:
        emit_event(rt, s, "recovery_code.used", account_id=account_id, info=info,
                   remaining=remaining)
        _recovery_code_used(s, rt, account.email, remaining, info)
    if cancelled:
        emit_event(rt, s, "recovery.cancelled", account_id=account_id, info=info,
                   by="sign_in")
        queue_recovery_stopped_by_sign_in(s, rt, account.email, info)


def _recovery_code_used(s: DbSession, rt: Runtime, email: str, remaining: int,
                        info: RequestInfo) -> None:
    details = [nmsg("You have %(n)d recovery code left.",
                    "You have %(n)d recovery codes left.", remaining)]
    if remaining <= LOW_CODES_THRESHOLD:
        details.append(msg("That is not many: make a new set on your security page."))
    queue_notice(s, rt, to=email, kind="recovery_code_used", at=rt.clock.now(), info=info,
                 subject=msg("a recovery code was used"),
                 headline=msg("Someone signed in to your account with a recovery code."),
                 details=details)
