"""Telling the owner that sign-in was locked after wrong guesses: once per lock, by mail,
queued in the same transaction as the lock.

The same path for both locks: wrong passwords (``services.password_attempts``) and wrong
second-factor codes or keys (``services.second_factor``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session as DbSession

from secondlock.core.i18n import msg, nmsg
from secondlock.core.request_info import RequestInfo
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories import Accounts

#: A lock this long is lifted by support, not by waiting.
PERMANENT_SECONDS = 365 * 24 * 3600


def queue_second_step_lock(s: DbSession, rt: Runtime, email: str, attempts: int, seconds: int,
                           info: RequestInfo) -> None:
    """Mail (and tell the shop), queued in the transaction that locks the second step."""
    _locked(s, rt, email, "second_step", seconds, info,
           subject=msg("two-factor sign-in locked"),
           headline=msg("We locked the second sign-in step of your account."),
           details=[msg("There were %(attempts)d wrong codes in a row. Nobody can sign in "
                        "until support unlocks it.", attempts=attempts)
                    if seconds >= PERMANENT_SECONDS else
                    msg("There were %(attempts)d wrong codes in a row. Nobody can sign in "
                        "for the next %(duration)s.", attempts=attempts,
                        duration=human_duration(seconds)),
                    msg("Someone may know your password. Change it once you are back "
                        "in.")])


def queue_password_lock(s: DbSession, rt: Runtime, email: str, attempts: int, seconds: int,
                        info: RequestInfo) -> None:
    """Mail (and tell the shop), queued in the transaction that locks sign-in with the
    password."""
    _locked(s, rt, email, "password", seconds, info,
           subject=msg("sign-in locked after wrong passwords"),
           headline=msg("There were %(attempts)d wrong passwords in a row. Nobody can sign in "
                        "to your account for the next %(duration)s.", attempts=attempts,
                        duration=human_duration(seconds)),
           details=[msg("If that was not you, someone is trying to guess your password: "
                        "make sure it is long and used nowhere else.")])


def _locked(s: DbSession, rt: Runtime, email: str, lock: str, seconds: int, info: RequestInfo,
            *, subject: str, headline: str, details: list[str]) -> None:
    """The notice and the ``account.locked`` webhook event, queued together in the outbox in
    the caller's transaction, the one that sets the lock: they commit with it or not at all,
    so a crash right after the lock cannot lose the notice (#13). A lock is set once, so the
    owner hears of it once."""
    now = rt.clock.now()
    account = Accounts(s).by_email(email)
    if account is not None:
        emit_event(rt, s, "account.locked", account_id=account.id, info=info, at=now,
                   lock=lock, seconds=seconds)
    queue_notice(s, rt, to=email, kind="lockout", at=now, info=info, subject=subject,
                 headline=headline, details=details)


def human_duration(seconds: int) -> str:
    if seconds >= 3600:
        return nmsg("%(n)d hour", "%(n)d hours", round(seconds / 3600))
    return nmsg("%(n)d minute", "%(n)d minutes", max(1, round(seconds / 60)))
