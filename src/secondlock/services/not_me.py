""""This wasn't me": the link in every security mail that locks an intruder out.

Each security mail carries a single-use link. Following it (a page with a button; a GET never
acts, so mail scanners cannot use it up) signs out every session, ends pending sign-ins,
forgets every remembered device, asks for a new password at the next sign-in and records the
event. It does not need a session: whoever reads the owner's mail may use it, and all it can do
is make the account safer.
"""

from __future__ import annotations

from secondlock.core.errors import InvalidTokenError
from secondlock.core.i18n import msg
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token
from secondlock.services.activity import event
from secondlock.services.not_me_links import NOT_ME_PURPOSE
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.recovery_state import cancel_pending
from secondlock.services.runtime import Runtime
from secondlock.services.sign_out import sign_out_everywhere
from secondlock.storage.repositories import Accounts, Activity, Tokens

MAX_TOKEN_LENGTH = 256


class NotMeService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def secure_account(self, token: str, info: RequestInfo) -> str:
        """Lock everyone out of the account the link was mailed for; returns its email.

        Raises:
            InvalidTokenError: unknown, used or expired link.
        """
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidTokenError(msg("This link is incomplete. Open it from the email again."))
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account_id = Tokens(s).consume(hash_token(token), NOT_ME_PURPOSE, now)
            account = Accounts(s).get(account_id) if account_id is not None else None
            if account is None:
                raise InvalidTokenError(
                    msg("This link was already used or has expired. If you still think someone "
                        "else is using your account, sign in and change your password, or use "
                        "the link in a newer email from us."))
            ended = sign_out_everywhere(s, account.id, now=now)
            # A recovery waiting to remove the factors is the intruder's too: it stops.
            stopped = cancel_pending(s, account.id, now=now, by="not_me", info=info)
            Accounts(s).require_password_change(account.id)
            Activity(s).add(event(at=now, name="not_me", info=info, success=True,
                                  account_id=account.id, detail=ended.detail))
            email = account.email
            emit_event(self.rt, s, "account.not_me", account_id=account.id, info=info, at=now)
            if stopped:
                emit_event(self.rt, s, "recovery.cancelled", account_id=account.id, info=info,
                           at=now, by="not_me")
            details = [msg("The recovery of your account that was waiting to remove your "
                           "second factors is stopped.")] if stopped else []
            queue_notice(
                s, self.rt, to=email, kind="account_secured", at=now, info=info,
                subject=msg("we signed everyone out of your account"),
                headline=msg("You told us a sign-in or change was not you, so we secured "
                             "your account."),
                details=[*details,
                         msg("Every device is signed out and no device is remembered any "
                             "more."),
                         msg("At your next sign-in you will choose a new password. Use one "
                             "you use nowhere else."),
                         msg("Then look at your security page: check your two-factor methods "
                             "and recent activity, and remove anything you do not recognise.")],
                not_me_link=False)
            s.commit()
        return email
