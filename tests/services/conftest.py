from __future__ import annotations

import pytest

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.dispatch import BlockingNotifier
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.storage.db import Database
from secondlock.web.app import build_runtime


@pytest.fixture
def services(settings: Settings, clock: FixedClock, outbox: OutboxMailer,
             database: Database) -> Services:
    """The use cases wired without the web layer; mail goes straight to the outbox."""
    rt = build_runtime(settings, notifier=BlockingNotifier(outbox), clock=clock,
                       database=database)
    return Services.build(rt)
