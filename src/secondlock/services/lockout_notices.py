"""Telling the owner that sign-in was locked after wrong guesses: once per lock, by mail.

The same path for both locks: wrong passwords (``services.password_attempts``) and wrong
second-factor codes or keys (``services.second_factor``).
"""

from __future__ import annotations

from secondlock.core.i18n import msg, nmsg
from secondlock.core.request_info import RequestInfo
from secondlock.services.notices import notify
from secondlock.services.runtime import Runtime

#: A lock this long is lifted by support, not by waiting.
PERMANENT_SECONDS = 365 * 24 * 3600


def notify_second_step_lock(rt: Runtime, email: str, attempts: int, seconds: int,
                            info: RequestInfo) -> None:
    """Mail after the commit that locked the second step."""
    notify(rt, to=email, kind="lockout", at=rt.clock.now(), info=info,
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


def notify_password_lock(rt: Runtime, email: str, attempts: int, seconds: int,
                         info: RequestInfo) -> None:
    """Mail after the commit that locked sign-in with the password."""
    notify(rt, to=email, kind="lockout", at=rt.clock.now(), info=info,
           subject=msg("sign-in locked after wrong passwords"),
           headline=msg("There were %(attempts)d wrong passwords in a row. Nobody can sign in "
                        "to your account for the next %(duration)s.", attempts=attempts,
                        duration=human_duration(seconds)),
           details=[msg("If that was not you, someone is trying to guess your password: "
                        "make sure it is long and used nowhere else.")])


def human_duration(seconds: int) -> str:
    if seconds >= 3600:
        return nmsg("%(n)d hour", "%(n)d hours", round(seconds / 3600))
    return nmsg("%(n)d minute", "%(n)d minutes", max(1, round(seconds / 60)))
