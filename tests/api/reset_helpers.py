"""Reading the mailed password-reset link back out of the dev outbox."""

from __future__ import annotations

import re
import threading

from secondlock.notifications.base import OutgoingEmail
from secondlock.notifications.outbox import OutboxMailer

LINK = re.compile(r"(https?://[^\s/]+)/password-reset/link\?token=([\w-]+)")
NEW_PASSWORD = "a brand new passphrase for shopping"


def reset_mails(outbox: OutboxMailer, to: str | None = None) -> list[OutgoingEmail]:
    return [m.message for m in outbox.latest()
            if m.message.kind == "password_reset_link" and (to is None or m.message.to == to)]


def wait_for_reset_mail(outbox: OutboxMailer, to: str, count: int = 1) -> OutgoingEmail:
    """The newest reset mail to ``to`` once ``count`` have arrived (delivery runs on the
    app's event loop, after the answer went out)."""
    pause = threading.Event()
    for _ in range(200):
        mails = reset_mails(outbox, to)
        if len(mails) >= count:
            return mails[0]
        pause.wait(0.02)
    raise AssertionError(f"no password reset mail to {to}")


def token_in(mail: OutgoingEmail) -> tuple[str, str]:
    """(origin, token) of the link in the mail."""
    match = LINK.search(mail.text)
    assert match, mail.text
    return match.group(1), match.group(2)
