"""SMS and email codes as second factors: add a phone or an address, send sign-in and
"confirm it's you" codes. Checking the codes lives in ``oob_codes``; sending in
``oob_sending``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import delete

from secondlock.core.emails import normalise_email
from secondlock.core.errors import (
    ConflictError,
    NotFoundError,
    RateLimitedError,
    SecondFactorRequiredError,
)
from secondlock.core.i18n import msg
from secondlock.core.methods import SMS_EMAIL_METHODS, Method
from secondlock.core.phones import parse_phone, region_allowed
from secondlock.core.request_info import RequestInfo
from secondlock.core.sms_email_code_errors import (
    SAME_CHANNEL_TEXT,
    DeliveryFailedError,
    InvalidPhoneError,
    SameChannelError,
)
from secondlock.core.throttle import retry_after
from secondlock.core.views import SessionView
from secondlock.services.factors import (
    PENDING_MINUTES,
    clean_name,
    make_room_for_pending,
)
from secondlock.services.methods.sms_email_code_checks import (
    email_code_allowed_now,
    email_session_counts,
)
from secondlock.services.methods.sms_email_code_delivery import (
    FAILED,
    NONE,
    delivery_state,
)
from secondlock.services.methods.sms_email_code_sending import CodeSender, CodeSent, Target, mask
from secondlock.services.recent_auth import require_recent_auth
from secondlock.services.runtime import Runtime
from secondlock.services.sign_in import pending_sign_in
from secondlock.storage.orm import Authenticator, MfaChallenge
from secondlock.storage.repositories import Authenticators
from secondlock.storage.repositories.sms_email_codes import DeliveryCodes, Destinations

DEFAULT_NAMES: dict[str, str] = {Method.SMS: "Phone", Method.EMAIL: "Email"}


@dataclass(frozen=True)
class PendingCode:
    """For the sign-in page: where the last code went and when a new one may be asked for."""

    sent: bool
    sent_to: str  # masked
    resend_in: int
    #: What became of the last code: ``none``, ``pending``, ``sent`` or ``failed``
    #: (``sms_email_code_delivery``); after ``failed`` a new code may be asked for at once.
    delivery: str = NONE


class SmsEmailCodeService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.sender = CodeSender(rt)

    # Enrollment --------------------------------------------------------------------------
    def enroll_sms(self, view: SessionView, phone: str, name: str | None,
                   info: RequestInfo) -> CodeSent:
        """Add a phone (pending) and text it a code; confirm with ``confirm()``.

        Raises:
            ReauthRequiredError, InvalidPhoneError, ConflictError, RateLimitedError,
            DeliveryFailedError.
        """
        require_recent_auth(self.rt, view)
        settings = self.rt.settings
        if settings.resolved_sms_provider == "off":
            raise DeliveryFailedError(msg("Text messages are not available on this service. "
                                          "Add an authenticator app instead."))
        number = parse_phone(phone, settings.sms_default_region)
        if not region_allowed(number, settings.sms_countries):
            raise InvalidPhoneError(msg("We cannot send text messages to numbers in that "
                                        "country. Use an authenticator app instead."))
        return self._enroll(view, Method.SMS, number, name, info)

    def enroll_email(self, view: SessionView, email: str | None, name: str | None,
                     info: RequestInfo) -> CodeSent:
        """Add the account's address (default) or another one (pending) and mail it a code.

        Raises:
            ReauthRequiredError, InvalidEmailError, ConflictError, RateLimitedError.
        """
        require_recent_auth(self.rt, view)
        address = normalise_email(email) if email else view.email
        return self._enroll(view, Method.EMAIL, address, name, info)

    def resend_enrollment(self, view: SessionView, authenticator_id: str,
                          info: RequestInfo) -> CodeSent:
        """A new code for a pending phone or address (the old code stops working).

        Raises:
            NotFoundError, RateLimitedError, DeliveryFailedError.
        """
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            row = Authenticators(s).get(view.account_id, authenticator_id)
            destination = Destinations(s).of([authenticator_id]).get(authenticator_id)
        if row is None or row.confirmed_at is not None or destination is None \
                or row.pending_expires_at is None or row.pending_expires_at <= now:
            raise NotFoundError(msg("This setup has expired or does not exist. Start again."))
        sent = self.sender.send(Target(view.account_id, "enroll", row.id, row.type,
                                       destination, authenticator_id=row.id,
                                       not_after=row.pending_expires_at), info)
        return replace(sent, id=row.id)

    def _enroll(self, view: SessionView, channel: str, destination: str, name: str | None,
                info: RequestInfo) -> CodeSent:
        now = self.rt.clock.now()
        row_id = str(uuid.uuid4())
        expires = now + timedelta(minutes=PENDING_MINUTES)
        with self.rt.db.write() as s:
            repo = Authenticators(s)
            make_room_for_pending(repo, view.account_id, now)
            if any(dest == destination for _, dest in
                   Destinations(s).confirmed(view.account_id, channel)):
                raise ConflictError(msg("This is already one of your second factors."))
            repo.add(Authenticator(id=row_id, account_id=view.account_id, type=channel,
                                   name=clean_name(name, DEFAULT_NAMES[channel]),
                                   created_at=now, pending_expires_at=expires))
            Destinations(s).add(row_id, channel, destination)
            s.commit()
        target = Target(view.account_id, "enroll", row_id, channel, destination,
                        authenticator_id=row_id, not_after=expires)
        try:
            return replace(self.sender.send(target, info), id=row_id)
        except (DeliveryFailedError, RateLimitedError):
            # Nothing half-done stays behind: the shopper simply starts again.
            with self.rt.db.write() as s:
                s.execute(delete(Authenticator).where(Authenticator.id == row_id))
                s.commit()
            raise

    # Sign-in -----------------------------------------------------------------------------
    def _pending_sign_in(self, mfa_token: str) -> MfaChallenge:
        with self.rt.db.read() as s:
            return pending_sign_in(s, mfa_token, self.rt.clock.now())

    def _factor(self, account_id: str, method: str) -> tuple[str, str]:
        """The factor (id, destination) codes of ``method`` go to: the oldest confirmed."""
        if method not in SMS_EMAIL_METHODS:
            raise NotFoundError(msg("Codes are sent only by text message or email."))
        with self.rt.db.read() as s:
            factors = Destinations(s).confirmed(account_id, method)
        if not factors:
            raise NotFoundError(msg("No phone is set up for this account.") if method == Method.SMS
                                else msg("No email address is set up for codes."))
        row, destination = factors[0]
        return row.id, destination

    def send_login_code(self, mfa_token: str, method: str, info: RequestInfo) -> CodeSent:
        """Send a code for the pending sign-in (``POST /login/challenge``).

        Raises:
            NotAuthenticatedError, MfaTokenExpiredError, NotFoundError, RateLimitedError,
            DeliveryFailedError.
        """
        challenge = self._pending_sign_in(mfa_token)
        factor_id, destination = self._factor(challenge.account_id, method)
        if method == Method.EMAIL:
            with self.rt.db.read() as s:
                if not email_code_allowed_now(s, challenge.account_id, self.rt.clock.now()):
                    raise SameChannelError(SAME_CHANNEL_TEXT)
        return self.sender.send(Target(challenge.account_id, "login", challenge.id, method,
                                       destination, authenticator_id=factor_id,
                                       not_after=challenge.expires_at), info)

    def pending_login(self, mfa_token: str, method: str) -> PendingCode:
        """Where the sign-in's code goes (masked), whether one was sent, and the seconds
        until a new one may be asked for.

        Raises:
            NotAuthenticatedError, MfaTokenExpiredError, NotFoundError.
        """
        challenge = self._pending_sign_in(mfa_token)
        return self._pending(challenge.account_id, "login", challenge.id, method)

    def _pending(self, account_id: str, purpose: str, binding: str,
                 method: str) -> PendingCode:
        _, destination = self._factor(account_id, method)
        with self.rt.db.read() as s:
            row = DeliveryCodes(s).find(purpose, binding, method)
            if row is None or row.code_hash is None or row.used_at is not None:
                return PendingCode(sent=False, sent_to=mask(method, destination), resend_in=0)
            delivery = delivery_state(s, row.id, row.sends)
        wait = retry_after(row.next_send_at, self.rt.clock.now()) or 0
        return PendingCode(sent=True, sent_to=mask(row.channel, row.destination),
                           resend_in=0 if delivery == FAILED else wait, delivery=delivery)

    # Confirm it's you ----------------------------------------------------------------------
    def send_reauth_code(self, view: SessionView, method: str, info: RequestInfo) -> CodeSent:
        """Send a code to confirm it's you before a sensitive change (``/reauth/challenge``).

        Raises:
            SecondFactorRequiredError, NotFoundError, RateLimitedError, DeliveryFailedError.
        """
        if not view.mfa_enabled:
            raise SecondFactorRequiredError(msg("Two-factor authentication is off: confirm "
                                                "with your password."))
        if method == Method.EMAIL and not email_session_counts(self.rt, view.account_id):
            raise SecondFactorRequiredError(msg(
                "An email code is not enough for this change: confirm with your "
                "authenticator app, security key or phone."))
        factor_id, destination = self._factor(view.account_id, method)
        return self.sender.send(Target(view.account_id, "reauth", view.id, method,
                                       destination, authenticator_id=factor_id), info)

    def pending_reauth(self, view: SessionView, method: str) -> PendingCode:
        return self._pending(view.account_id, "reauth", view.id, method)

    def destinations(self, account_id: str) -> dict[str, str]:
        """Masked destination of each SMS/email factor, by authenticator id (for lists)."""
        with self.rt.db.read() as s:
            rows = [r for r in Authenticators(s).for_account(account_id)
                    if r.type in SMS_EMAIL_METHODS]
            found = Destinations(s).of([r.id for r in rows])
        kinds = {r.id: r.type for r in rows}
        return {fid: mask(kinds[fid], dest) for fid, dest in found.items()}
