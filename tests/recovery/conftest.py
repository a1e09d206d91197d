from __future__ import annotations

from collections.abc import Callable

import pytest

from secondlock.config import Settings
from tests.recovery.helpers import DELAY


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(recovery_delay=DELAY)
