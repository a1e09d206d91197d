"""Fixtures of the web tests: an app with the metrics endpoint on."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app

#: The metrics token of ``metrics_client``'s app.
TOKEN = "metrics-token-0123456789"


@pytest.fixture
def metrics_client(settings_factory: Callable[..., Settings], clock: FixedClock,
                   outbox: OutboxMailer, database: Database) -> Iterator[TestClient]:
    app = create_app(settings_factory(metrics_token=TOKEN), clock=clock, mailer=outbox,
                     database=database)
    with TestClient(app, base_url="http://localhost:8000") as client:
        yield client
