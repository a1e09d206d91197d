from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from secondlock.composition import build_runtime
from secondlock.config import Settings
from secondlock.core.clock import Clock, FixedClock
from secondlock.notifications.base import DeliveryError, OutgoingEmail
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services.outbox import queue_email
from secondlock.services.outbox_dispatcher import Dispatcher
from secondlock.services.runtime import Runtime
from secondlock.storage.db import Database
from tests.conftest import PG_ENV

# The real SMTP server on loopback (aiosmtpd), the one tests/notifications uses.
from tests.notifications.conftest import Inbox, free_port, smtp_server  # noqa: F401


@pytest.fixture
def server_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The environment for a real ``secondlock serve`` (as in tests/cli/test_serve.py)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SECONDLOCK_", "PROMETHEUS_MULTIPROC"))}
    env["SECONDLOCK_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONUNBUFFERED"] = "1"
    if os.environ.get(PG_ENV):
        env["SECONDLOCK_DATABASE_URL"] = request.getfixturevalue("database_url")
    return env


def build_rt(settings: Settings, clock: Clock) -> Runtime:
    return build_runtime(settings, mailer=OutboxMailer(echo=False),
                         clock=clock, database=Database(settings.resolved_database_url))


@pytest.fixture
def make_rt(settings_factory: Callable[..., Settings], clock: FixedClock,
            database: Database) -> Callable[..., Runtime]:
    def make(**overrides: Any) -> Runtime:
        return build_runtime(settings_factory(**overrides),
                             mailer=OutboxMailer(echo=False), clock=clock,
                             database=database)

    return make


@pytest.fixture
def rt(make_rt: Callable[..., Runtime]) -> Runtime:
    return make_rt()


def mail(to: str = "ada@example.com", kind: str = "mfa_enabled",
         text: str = "Two-factor authentication is on.") -> OutgoingEmail:
    return OutgoingEmail(to=to, subject="SecondLock: 2FA is on", text=text, kind=kind)


def queue(rt: Runtime, message: OutgoingEmail | None = None, **kwargs: Any) -> str:
    with rt.db.write() as s:
        message_id = queue_email(rt, s, message or mail(), **kwargs)
        s.commit()
    return message_id


def deliver(dispatcher: Dispatcher) -> int:
    """One synchronous round: claim what is due, send it, wait for it."""
    async def run() -> int:
        try:
            return await dispatcher.deliver_due()
        finally:
            await dispatcher.webhooks.close()

    return asyncio.run(run())


class FlakyMailer(OutboxMailer):
    """Refuses the first ``failures`` messages, then delivers."""

    def __init__(self, failures: int) -> None:
        super().__init__(echo=False)
        self.failures = failures
        self.attempts = 0

    async def send(self, message: OutgoingEmail) -> None:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryError("could not deliver mail via smtp.test: SMTPServerDisconnected")
        await super().send(message)
