"""Staff 2FA resets (issue #14): at once, or after a second person approves; the shopper
is mailed and sees it; the audit log holds every action and read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.notifications.outbox import OutboxMailer
from tests.api.conftest import TotpAccount
from tests.api.staff_helpers import ADMIN, Staff, reason, staff_factory
from tests.conftest import MadeAccount


@pytest.fixture
def make_staff(app: FastAPI, account_factory: Callable[..., MadeAccount]) -> Callable[[str], Staff]:
    return staff_factory(app, account_factory)


@pytest.fixture(params=[0, 1], ids=["at-once", "with-approval"])
def settings(request: pytest.FixtureRequest,
             settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(staff_reset_approval=request.param)


def factors_of(client: TestClient, shopper: TotpAccount, staff: Staff) -> list[Any]:
    answer = client.get(f"{ADMIN}/accounts/{shopper.account.id}", headers=staff.auth)
    assert answer.status_code == 200
    factors: list[Any] = answer.json()["factors"]
    return factors


def test_a_reset_with_and_without_approval(
        client: TestClient, settings: Settings, outbox: OutboxMailer,
        make_staff: Callable[[str], Staff], totp_factory: Callable[..., TotpAccount]) -> None:
    shopper = totp_factory()
    support, admin, other_admin = make_staff("support"), make_staff("admin"), make_staff("admin")
    a = shopper.account.id
    answer = client.post(f"{ADMIN}/accounts/{a}/reset-2fa", json=reason("T-42"),
                         headers=admin.auth)
    if settings.staff_reset_approval:
        assert answer.status_code == 202
        approval = answer.json()["approval_id"]
        # Nothing changed yet; the requester and a support member cannot approve.
        assert len(factors_of(client, shopper, support)) == 1
        assert client.get("/api/v1/me", headers=shopper.account.auth).status_code == 200
        same = client.post(f"{ADMIN}/approvals/{approval}/approve", headers=admin.auth)
        assert (same.status_code, same.json()["code"]) == (403, "same_person")
        by_support = client.post(f"{ADMIN}/approvals/{approval}/approve", headers=support.auth)
        assert (by_support.status_code, by_support.json()["code"]) == (403, "forbidden")
        assert len(factors_of(client, shopper, support)) == 1
        assert client.post(f"{ADMIN}/approvals/{approval}/approve",
                           headers=other_admin.auth).status_code == 204
        again = client.post(f"{ADMIN}/approvals/{approval}/approve", headers=other_admin.auth)
        assert again.status_code == 409
    else:
        assert answer.status_code == 204
    assert factors_of(client, shopper, support) == []
    assert client.get("/api/v1/me", headers=shopper.account.auth).status_code == 401
    login = client.post("/api/v1/login", json={"email": shopper.account.email,
                                               "password": shopper.account.password})
    assert login.json()["status"] == "authenticated", login.text
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    me = client.get("/api/v1/me", headers=token).json()
    assert me["mfa_enabled"] is False
    assert me["recovery_codes_remaining"] == 0
    events = [e for e in client.get("/api/v1/me/activity", headers=token).json()
              if e["event"].startswith("staff_")]
    assert [e["event"] for e in events] == ["staff_reset_2fa"]
    assert events[0]["description"].startswith("Support reset two-factor authentication")
    mails = [s.message for s in outbox.latest() if s.message.to == shopper.account.email
             and s.message.kind == "staff_reset_2fa"]
    assert len(mails) == 1
    assert "This wasn't me" in mails[0].text


def test_a_requester_cannot_approve_even_as_the_only_admin(
        client: TestClient, settings: Settings, make_staff: Callable[[str], Staff],
        totp_factory: Callable[..., TotpAccount]) -> None:
    if not settings.staff_reset_approval:
        pytest.skip("approvals are off")
    shopper = totp_factory()
    admin = make_staff("admin")
    answer = client.post(f"{ADMIN}/accounts/{shopper.account.id}/reset-2fa", json=reason(),
                         headers=admin.auth)
    approval = answer.json()["approval_id"]
    assert client.post(f"{ADMIN}/approvals/{approval}/approve",
                       headers=admin.auth).status_code == 403
    me = client.get("/api/v1/me", headers=shopper.account.auth).json()
    assert me["mfa_enabled"] is True


def test_the_audit_holds_every_action_and_read_newest_first(
        client: TestClient, settings: Settings, make_staff: Callable[[str], Staff],
        totp_factory: Callable[..., TotpAccount]) -> None:
    shopper = totp_factory()
    support, admin = make_staff("support"), make_staff("admin")
    a = shopper.account.id
    client.get(f"{ADMIN}/accounts/{a}", headers=support.auth)
    client.get(f"{ADMIN}/accounts/{a}/activity", headers=support.auth)
    client.post(f"{ADMIN}/accounts/{a}/unlock", json={"reason": "called", "ticket": "T-7"},
                headers=support.auth)
    client.post(f"{ADMIN}/accounts/{a}/sign-out", json={"reason": "takeover"},
                headers=support.auth)
    reset = client.post(f"{ADMIN}/accounts/{a}/reset-2fa", json=reason("T-9"),
                        headers=support.auth)
    if reset.status_code == 202:
        client.post(f"{ADMIN}/approvals/{reset.json()['approval_id']}/approve",
                    headers=admin.auth)
    audit = client.get(ADMIN + "/audit", params={"account_id": a}, headers=admin.auth)
    assert audit.status_code == 200
    rows = audit.json()
    assert all(set(r) == {"at", "staff", "action", "account_id", "reason", "ticket", "ip"}
               for r in rows)
    actions = [(r["staff"], r["action"]) for r in reversed(rows)]
    expected = [(support.account.email, "view_account"),
                (support.account.email, "view_activity"),
                (support.account.email, "unlock"), (support.account.email, "sign_out")]
    if settings.staff_reset_approval:
        expected += [(support.account.email, "reset_2fa_requested"),
                     (admin.account.email, "approve_reset"), (admin.account.email, "reset_2fa")]
    else:
        expected += [(support.account.email, "reset_2fa")]
    assert actions == expected
    unlock = next(r for r in rows if r["action"] == "unlock")
    assert (unlock["reason"], unlock["ticket"], unlock["ip"]) == ("called", "T-7", "testclient")
    assert rows[0]["ticket"] == "T-9"
    # Reading the audit is audited too, and nothing in the API edits or deletes it.
    again = client.get(ADMIN + "/audit", headers=admin.auth).json()
    assert again[0]["action"] == "read_audit"
    for method in ("DELETE", "PATCH", "PUT"):
        assert client.request(method, ADMIN + "/audit", headers=admin.auth).status_code == 405
