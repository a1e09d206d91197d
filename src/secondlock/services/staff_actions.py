"""The support desk's changes: unlock, sign out everywhere, reset 2FA, approve a reset.

Each one is audited (staff, action, account, reason, ticket, IP, time), lands in the
shopper's activity as a ``staff_...`` event, fires the ``staff.action`` webhook and is mailed
to the shopper with the "this wasn't me" link, all in the action's own transaction (outbox). With
``SECONDLOCK_STAFF_RESET_APPROVAL=1`` a reset waits for an admin other than the requester.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import ConflictError, NotFoundError, SamePersonError
from secondlock.core.i18n import msg
from secondlock.core.request_info import RequestInfo
from secondlock.core.staff import SHOPPER_EVENTS, StaffAction
from secondlock.services.activity import event
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.password_attempts import LOGIN_SCOPE
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import mfa_key
from secondlock.services.sign_out import sign_out_everywhere
from secondlock.services.staff import StaffActor
from secondlock.services.staff_audit import allow, record, target
from secondlock.services.throttling import account_key
from secondlock.storage.orm import Account
from secondlock.storage.orm_staff import StaffApproval
from secondlock.storage.repositories import (
    Accounts,
    Activity,
    Authenticators,
    RecoveryCodes,
    Throttles,
)
from secondlock.storage.repositories.staff import Approvals

NOTICES = {
    StaffAction.UNLOCK: (
        msg("support lifted the sign-in lock of your account"),
        msg("Support lifted the sign-in lock of your account."),
        [msg("You can try to sign in again now.")]),
    StaffAction.SIGN_OUT: (
        msg("support signed you out everywhere"),
        msg("Support signed your account out of every device."),
        [msg("Every device was signed out and no device is remembered any more.")]),
    StaffAction.RESET_2FA: (
        msg("two-factor authentication was reset by support"),
        msg("Support removed the two-factor authentication of your account."),
        [msg("This happens after you asked for help and proved who you are. All devices "
             "were signed out. Sign in with your password and turn two-factor "
             "authentication on again.")]),
}


def _required(text: str, what: str) -> str:
    if not text or not text.strip():
        raise ValueError(f"a {what} is required")
    return text.strip()


class StaffActions:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def unlock(self, actor: StaffActor, account_id: str, *, reason: str, info: RequestInfo,
               ticket: str | None = None) -> None:
        """Lift the sign-in locks (password and second step)."""
        allow(actor, StaffAction.UNLOCK)
        reason = _required(reason, "reason")
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account = target(s, actor, account_id, StaffAction.UNLOCK)
            throttles = Throttles(s)
            throttles.reset(mfa_key(account.id))
            throttles.reset(account_key(self.rt.secret_key, LOGIN_SCOPE, account.email))
            self._done(s, actor, StaffAction.UNLOCK, account, now=now, info=info,
                       reason=reason, ticket=ticket)
            s.commit()

    def sign_out(self, actor: StaffActor, account_id: str, *, reason: str, info: RequestInfo,
                 require_new_password: bool = False, ticket: str | None = None) -> None:
        """End every session, pending sign-in and remembered device; optionally ask for a
        new password at the next sign-in."""
        allow(actor, StaffAction.SIGN_OUT)
        reason = _required(reason, "reason")
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account = target(s, actor, account_id, StaffAction.SIGN_OUT)
            sign_out_everywhere(s, account.id, now=now)
            if require_new_password:
                Accounts(s).require_password_change(account.id)
            self._done(s, actor, StaffAction.SIGN_OUT, account, now=now, info=info,
                       reason=reason, ticket=ticket,
                       extra=[msg("At your next sign-in you will choose a new password.")]
                       if require_new_password else [])
            s.commit()

    def reset_2fa(self, actor: StaffActor, account_id: str, *, reason: str, ticket: str,
                  info: RequestInfo) -> str | None:
        """Remove every factor and recovery code and end every session and remembered
        device. With approvals on, only record the request and return its id."""
        allow(actor, StaffAction.RESET_2FA)
        reason, ticket = _required(reason, "reason"), _required(ticket, "ticket")
        now = self.rt.clock.now()
        approval = bool(self.rt.settings.staff_reset_approval)
        with self.rt.db.write() as s:
            account = target(s, actor, account_id, StaffAction.RESET_2FA)
            if approval:
                approval_id = str(uuid.uuid4())
                Approvals(s).add(StaffApproval(
                    id=approval_id, account_id=account.id, requested_by=actor.account_id,
                    requester_email=actor.email, reason=reason[:2000], ticket=ticket[:128],
                    created_at=now))
                record(s, actor, StaffAction.RESET_2FA_REQUESTED, at=now, info=info,
                       account_id=account.id, reason=reason, ticket=ticket)
                s.commit()
                return approval_id
            _remove_second_factors(s, account.id, now)
            self._done(s, actor, StaffAction.RESET_2FA, account, now=now, info=info,
                       reason=reason, ticket=ticket)
            s.commit()
        return None

    def approve(self, actor: StaffActor, approval_id: str, info: RequestInfo) -> None:
        """An admin other than the requester approves a waiting reset: it happens now.

        Raises:
            ForbiddenError, NotFoundError, SamePersonError, ConflictError (done already).
        """
        allow(actor, StaffAction.APPROVE_RESET)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            request = Approvals(s).get(approval_id) if len(approval_id) <= 64 else None
            if request is None:
                raise NotFoundError(msg("No such approval request."))
            if request.requested_by == actor.account_id:
                raise SamePersonError()
            account = target(s, actor, request.account_id, StaffAction.APPROVE_RESET)
            if not Approvals(s).mark_approved(request.id, actor.account_id, now):
                raise ConflictError(msg("This reset was approved already."))
            record(s, actor, StaffAction.APPROVE_RESET, at=now, info=info,
                   account_id=account.id, reason=request.reason, ticket=request.ticket)
            _remove_second_factors(s, account.id, now)
            self._done(s, actor, StaffAction.RESET_2FA, account, now=now, info=info,
                       reason=request.reason, ticket=request.ticket)
            s.commit()

    def pending(self, actor: StaffActor) -> list[tuple[StaffApproval, str]]:
        """Resets waiting for approval, oldest first, with the shopper's email."""
        allow(actor, StaffAction.APPROVE_RESET)
        with self.rt.db.read() as s:
            found = Approvals(s).pending()
            s.expunge_all()
        return found

    def _done(self, s: DbSession, actor: StaffActor, action: StaffAction, account: Account,
              *, now: datetime, info: RequestInfo, reason: str, ticket: str | None,
              extra: list[str] | None = None) -> None:
        """In the action's transaction: the audit entry, the shopper's activity row, the
        ``staff.action`` webhook and the mail with the "this wasn't me" link (outbox)."""
        record(s, actor, action, at=now, info=info, account_id=account.id, reason=reason,
               ticket=ticket)
        Activity(s).add(event(at=now, name=SHOPPER_EVENTS[action], info=info, success=True,
                              account_id=account.id,
                              detail=f"ticket={ticket[:128]}" if ticket else None))
        emit_event(self.rt, s, "staff.action", account_id=account.id, info=info, at=now,
                   action=action.value, via=actor.via)
        if action is StaffAction.RESET_2FA:
            emit_event(self.rt, s, "mfa.disabled", account_id=account.id, info=info, at=now)
        subject, headline, details = NOTICES[action]
        queue_notice(s, self.rt, to=account.email, kind=SHOPPER_EVENTS[action], at=now,
                     info=info, subject=subject, headline=headline,
                     details=[*details, *(extra or [])])


def _remove_second_factors(s: DbSession, account_id: str, now: datetime) -> None:
    Authenticators(s).delete_all(account_id)
    RecoveryCodes(s).delete_all(account_id)
    Accounts(s).set_mfa_enabled(account_id, None)
    sign_out_everywhere(s, account_id, now=now)
    Throttles(s).reset(mfa_key(account_id))
