"""Recovery codes: typeable, single-use (also under concurrency), regenerated, mailed."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm import RecoveryCode
from tests.api.conftest import TotpAccount, start_login, verify


def test_recovery_code_signs_in_once(client: TestClient, outbox: OutboxMailer,
                                     totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    code = made.recovery_codes[0]
    first = verify(client, start_login(client, made.account), code, method="recovery_code")
    assert first.status_code == 200
    again = verify(client, start_login(client, made.account), code, method="recovery_code")
    assert again.status_code == 401
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first.json()['token']}"})
    assert me.json()["recovery_codes_remaining"] == 9
    used = [m.message for m in outbox.latest() if m.message.kind == "recovery_code_used"]
    assert len(used) == 1
    assert "9 recovery codes left" in used[0].text
    assert code not in used[0].text


def test_codes_work_without_dashes_and_in_any_case(
        client: TestClient, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    plain = made.recovery_codes[1].replace("-", "").upper()
    spaced = " ".join(made.recovery_codes[2].split("-"))
    for code in (plain, spaced):
        response = verify(client, start_login(client, made.account), code,
                          method="recovery_code")
        assert response.status_code == 200


def test_a_code_needs_the_password_first(client: TestClient,
                                         totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    response = verify(client, "no-password-step", made.recovery_codes[0],
                      method="recovery_code")
    assert response.status_code == 401


def test_one_code_sent_many_times_at_once_works_exactly_once(
        client: TestClient, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    tokens = [start_login(client, made.account) for _ in range(8)]
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def submit(mfa_token: str) -> None:
        barrier.wait()
        statuses.append(verify(client, mfa_token, made.recovery_codes[0],
                               method="recovery_code").status_code)

    threads = [threading.Thread(target=submit, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 401, 429}


def test_codes_are_stored_only_as_salted_hashes(
        client: TestClient, database: Database, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    with database.read() as s:
        hashes = list(s.scalars(select(RecoveryCode.code_hash)))
    assert len(hashes) == 10
    assert len(set(hashes)) == 10
    assert all(h.startswith("$argon2id$") for h in hashes)
    joined = "".join(hashes)
    for code in made.recovery_codes:
        assert code not in joined
        assert code.replace("-", "") not in joined


def test_regenerating_needs_recent_auth_and_voids_the_old_set(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    clock.advance(minutes=11)
    stale = client.post("/api/v1/me/recovery-codes", headers=made.account.auth)
    assert stale.status_code == 403
    assert stale.json()["code"] == "reauth_required"
    from secondlock.core.totp import code_at

    assert client.post("/api/v1/reauth", json={"method": "totp",
                                                "code": code_at(made.secret, clock.now())},
                       headers=made.account.auth).status_code == 200
    fresh = client.post("/api/v1/me/recovery-codes", headers=made.account.auth)
    assert fresh.status_code == 201
    new_codes = fresh.json()["codes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(made.recovery_codes)
    old = verify(client, start_login(client, made.account), made.recovery_codes[0],
                 method="recovery_code")
    assert old.status_code == 401
    assert verify(client, start_login(client, made.account), new_codes[0],
                  method="recovery_code").status_code == 200
    assert any(m.message.kind == "recovery_codes_regenerated" for m in outbox.latest())


def test_low_codes_are_pointed_out(client: TestClient, outbox: OutboxMailer,
                                   totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    for code in made.recovery_codes[:7]:
        assert verify(client, start_login(client, made.account), code,
                      method="recovery_code").status_code == 200
    last = next(m.message for m in outbox.latest() if m.message.kind == "recovery_code_used")
    assert "3 recovery codes left" in last.text
    assert "make a new set" in last.text


def test_remaining_count_endpoint(client: TestClient,
                                  totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    response = client.get("/api/v1/me/recovery-codes", headers=made.account.auth)
    assert response.json() == {"remaining": 10}
