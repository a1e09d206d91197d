"""The delivery protocol every mail transport implements, and the message it carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str | None = None
    #: A short machine tag ("welcome", "lockout") for logs and tests; never the content.
    kind: str = "notice"
    headers: dict[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    """Delivers one message or raises ``DeliveryError``."""

    async def send(self, message: OutgoingEmail) -> None: ...

    async def close(self) -> None: ...


class DeliveryError(Exception):
    """A transport could not deliver; the message says why, never the content."""


@dataclass(frozen=True)
class SentEmail:
    at: datetime
    message: OutgoingEmail
