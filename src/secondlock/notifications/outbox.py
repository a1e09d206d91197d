"""The development outbox: prints mail to the console and keeps the latest for a dev page.

Only used when no SMTP server is configured, which production refuses.
"""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from secondlock.notifications.base import OutgoingEmail, SentEmail

logger = logging.getLogger(__name__)


class OutboxMailer:
    def __init__(self, *, keep: int = 50, stream: TextIO | None = None,
                 echo: bool = True) -> None:
        self.messages: deque[SentEmail] = deque(maxlen=keep)
        self._stream = stream
        self._echo = echo
        #: Called before ``latest()`` reads: sends what the database outbox holds for now
        #: (the dev page and tests read right after the change that queued a mail).
        self.before_read: Callable[[], None] | None = None

    async def send(self, message: OutgoingEmail) -> None:
        self.messages.appendleft(SentEmail(at=datetime.now(UTC), message=message))
        if self._echo:
            stream = self._stream or sys.stderr
            # Development only: the whole point of the outbox is to show the mail.
            stream.write(f"\n--- outbox: mail to {message.to}: {message.subject}\n"
                         f"{message.text}\n--- end of mail\n")
            stream.flush()

    async def close(self) -> None:
        return None

    def latest(self) -> list[SentEmail]:
        if self.before_read is not None:
            self.before_read()
        return list(self.messages)
