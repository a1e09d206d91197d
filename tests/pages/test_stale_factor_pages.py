"""A factor unused for a long time is pointed out, never removed (issue #16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from secondlock.core.checkup import CheckupFacts, evaluate, is_stale
from secondlock.core.clock import FixedClock
from tests.conftest import PASSWORD
from tests.pages.helpers import enroll_app, page_login, page_signup
from tests.pages.test_mfa_pages import second_step

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_factor_is_stale_after_the_setting_days_without_use() -> None:
    old = NOW - timedelta(days=181)
    assert is_stale(last_used_at=old, confirmed_at=old, now=NOW, days=180)
    assert not is_stale(last_used_at=NOW - timedelta(days=10), confirmed_at=old, now=NOW,
                        days=180)
    assert is_stale(last_used_at=None, confirmed_at=old, now=NOW, days=180)  # never used
    assert not is_stale(last_used_at=None, confirmed_at=None, now=NOW, days=180)  # pending


def test_the_checkup_asks_only_when_a_factor_may_be_gone() -> None:
    base = dict(mfa_enabled=True, factor_count=2, recovery_codes_left=10,
                unreviewed_sign_ins=(), password_blocklisted=False, email_verified=True)
    assert evaluate(CheckupFacts(**base)).total == 6  # type: ignore[arg-type]
    checkup = evaluate(CheckupFacts(**base, stale_factors=("Old iPhone",)))  # type: ignore[arg-type]
    [item] = [i for i in checkup.items if i.key == "stale_factors"]
    assert not item.ok
    assert "Old iPhone" in item.detail
    assert item.fix is not None
    assert item.fix.url == "/account/security#stale-factors"


def test_the_security_page_and_checkup_point_out_an_unused_app(
        client: TestClient, clock: FixedClock) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    enrolled = enroll_app(client, clock, name="Old iPhone")
    assert "Do you still have these?" not in client.get("/account/security").text
    clock.advance(seconds=181 * 86400)
    page_login(client, "ada@example.com", PASSWORD)
    # A recovery code, so the app itself stays unused.
    assert second_step(client, "recovery_code", enrolled.codes[0]).status_code == 303
    security = client.get("/account/security").text
    assert "Do you still have these?" in security
    assert "Old iPhone" in security
    checkup = client.get("/account/checkup").text
    assert "Every two-factor method is still yours" in checkup
    # Pointing out removes nothing.
    assert "Old iPhone" in client.get("/account/security").text
