from __future__ import annotations

import pytest

from secondlock.composition import build_runtime
from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.passwords import PasswordHasher
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services.oidc import OidcServices
from secondlock.storage.db import Database


@pytest.fixture
def oidc(settings: Settings, clock: FixedClock, outbox: OutboxMailer,
         database: Database, hasher: PasswordHasher) -> OidcServices:
    rt = build_runtime(settings, mailer=outbox, clock=clock,
                       database=database, hasher=hasher)
    return OidcServices.build(rt)
