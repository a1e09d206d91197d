"""Codes and refresh tokens are exchanged once, also when requests race (an atomic UPDATE
decides); a second exchange revokes what the first produced."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import RequestInfo
from secondlock.services.oidc import OidcServices
from secondlock.services.oidc.tokens import CodeRequest, Principal

INFO = RequestInfo(ip="198.51.100.9", user_agent="race")
RACERS = 8


def account(oidc: OidcServices) -> str:
    from secondlock.storage.orm import Account

    now = oidc.rt.clock.now()
    with oidc.rt.db.write() as s:
        s.add(Account(id="acc-1", email="ada@example.com", password_hash="x", created_at=now,
                      password_changed_at=now, user_handle=b"h" * 16))
        s.commit()
    return "acc-1"


def issue_code(oidc: OidcServices) -> tuple[str, str, Principal]:
    client = oidc.clients.add("Shop", ["https://shop.example/cb"]).client_id
    principal = Principal(account(oidc), "pwd otp mfa", datetime(2026, 1, 1, 11, 59, tzinfo=UTC))
    oidc.tokens.save_code(CodeRequest(
        code="the-code", client_id=client, principal=principal,
        redirect_uri="https://shop.example/cb", scope="openid", nonce="n",
        code_challenge="c" * 43, code_challenge_method="S256"), INFO)
    return client, "the-code", principal


def race(attempt: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(RACERS)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        results.append(attempt())

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_code_is_redeemed_once_under_concurrency(oidc: OidcServices) -> None:
    client, code, _ = issue_code(oidc)
    results = race(lambda: oidc.tokens.redeem_code(code, client, INFO))
    assert sum(r is not None for r in results) == 1


def test_a_code_of_another_client_is_not_redeemed(oidc: OidcServices) -> None:
    _, code, _ = issue_code(oidc)
    other = oidc.clients.add("Other", ["https://other.example/cb"]).client_id
    assert oidc.tokens.redeem_code(code, other, INFO) is None


def test_a_refresh_token_rotates_once_under_concurrency(oidc: OidcServices) -> None:
    client, _, principal = issue_code(oidc)
    oidc.tokens.save_token({"access_token": "a1", "refresh_token": "r1", "scope": "openid"},
                           client_id=client, principal=principal, code_hash=None, parent=None)
    results = race(lambda: oidc.tokens.rotate_refresh("r1", client, INFO))
    assert sum(r is not None for r in results) == 1
    # The losers looked like a replay: the family is revoked, access token included.
    assert oidc.tokens.access("a1") is None


def test_prune_deletes_expired_codes_and_tokens(oidc: OidcServices, clock: FixedClock) -> None:
    client, _, principal = issue_code(oidc)
    oidc.tokens.save_token({"access_token": "a1", "refresh_token": "r1", "scope": "openid"},
                           client_id=client, principal=principal, code_hash=None, parent=None)
    assert oidc.tokens.prune() == 0
    clock.advance(days=oidc.rt.settings.oidc_refresh_token_days, seconds=1)
    assert oidc.tokens.prune() == 2
