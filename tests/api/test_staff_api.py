"""The admin API (issue #14): who may call what, what it answers, and what it never shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from secondlock.services.webhooks import add_endpoint
from secondlock.storage.orm_outbox import OutboxMessage
from tests.api.conftest import TotpAccount
from tests.api.oob_helpers import PHONE, add_phone, sms_outbox
from tests.api.staff_helpers import ADMIN, Staff, reason, services_of, staff_factory
from tests.conftest import MadeAccount

#: Every admin route with what the matrix sends; {a} is the shopper's account id.
ROUTES: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", ADMIN + "/accounts?query=shopper", None),
    ("GET", ADMIN + "/accounts/{a}", None),
    ("GET", ADMIN + "/accounts/{a}/activity", None),
    ("POST", ADMIN + "/accounts/{a}/unlock", {"reason": "locked out, called in"}),
    ("POST", ADMIN + "/accounts/{a}/sign-out", {"reason": "reported takeover"}),
    ("POST", ADMIN + "/accounts/{a}/reset-2fa", {**reason()}),
    ("POST", ADMIN + "/approvals/{p}/approve", None),
    ("GET", ADMIN + "/audit?account_id={a}", None),
]
#: What each role gets from each route (the approval id names no waiting request: 404).
SUPPORT = [200, 200, 200, 204, 204, 204, 403, 403]
ADMIN_ROLE = [200, 200, 200, 204, 204, 204, 404, 200]


@pytest.fixture
def make_staff(app: FastAPI, account_factory: Callable[..., MadeAccount]) -> Callable[[str], Staff]:
    return staff_factory(app, account_factory)


def call(client: TestClient, method: str, path: str, body: dict[str, object] | None,
         headers: dict[str, str], account_id: str) -> int:
    url = path.format(a=account_id, p="0a1b2c3d-0000-0000-0000-000000000000")
    return client.request(method, url, json=body, headers=headers).status_code


@pytest.mark.parametrize(("role", "expected"), [("support", SUPPORT), ("admin", ADMIN_ROLE)])
def test_role_matrix_for_staff(client: TestClient, make_staff: Callable[[str], Staff],
                               totp_factory: Callable[..., TotpAccount], role: str,
                               expected: list[int]) -> None:
    staff = make_staff(role)
    shopper = totp_factory()
    got = [call(client, m, p, b, staff.auth, shopper.account.id) for m, p, b in ROUTES]
    assert got == expected


def test_shopper_sessions_missing_and_revoked_keys_are_401(
        client: TestClient, app: FastAPI, make_staff: Callable[[str], Staff], clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    staff = make_staff("admin")
    shopper = account_factory()
    services_of(app).staff.revoke_key(staff.key_id)
    for headers in ({}, shopper.auth, staff.auth, {"Authorization": "Bearer slk_nonsense"},
                    staff.account.auth):
        clock.advance(seconds=7200)  # the bad-key counter of this client starts over
        for method, path, body in ROUTES:
            answer = client.request(method, path.format(a=shopper.id, p="0a1b"), json=body,
                                    headers=headers)
            assert answer.status_code == 401, (headers, path, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"


def test_a_removed_staff_member_s_key_stops_working(
        client: TestClient, app: FastAPI, make_staff: Callable[[str], Staff]) -> None:
    staff = make_staff("support")
    assert client.get(ADMIN + "/accounts?query=x", headers=staff.auth).status_code == 200
    services_of(app).staff.remove(staff.account.email)
    assert client.get(ADMIN + "/accounts?query=x", headers=staff.auth).status_code == 401


def test_forbidden_is_a_problem_with_code_forbidden(
        client: TestClient, make_staff: Callable[[str], Staff]) -> None:
    answer = client.get(ADMIN + "/audit", headers=make_staff("support").auth)
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"


def test_staff_cannot_act_on_their_own_account(
        client: TestClient, make_staff: Callable[[str], Staff]) -> None:
    staff = make_staff("admin")
    own = staff.account.id
    for action, body in (("unlock", {"reason": "x"}), ("sign-out", {"reason": "x"}),
                         ("reset-2fa", reason())):
        answer = client.post(f"{ADMIN}/accounts/{own}/{action}", json=body, headers=staff.auth)
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "forbidden"


@pytest.mark.parametrize("body", [{}, {"reason": "  "}, {"reason": "ok"},
                                  {"reason": "ok", "ticket": " "}, {"ticket": "T-1"}])
def test_a_reset_needs_a_reason_and_a_ticket(
        client: TestClient, make_staff: Callable[[str], Staff],
        totp_factory: Callable[..., TotpAccount], body: dict[str, str]) -> None:
    shopper = totp_factory()
    answer = client.post(f"{ADMIN}/accounts/{shopper.account.id}/reset-2fa", json=body,
                         headers=make_staff("support").auth)
    assert answer.status_code == 422
    me = client.get("/api/v1/me", headers=shopper.account.auth).json()
    assert me["mfa_enabled"] is True


@pytest.mark.parametrize("action", ["unlock", "sign-out"])
def test_unlock_and_sign_out_need_a_reason(
        client: TestClient, make_staff: Callable[[str], Staff],
        account_factory: Callable[..., MadeAccount], action: str) -> None:
    shopper = account_factory()
    answer = client.post(f"{ADMIN}/accounts/{shopper.id}/{action}", json={"reason": " "},
                         headers=make_staff("support").auth)
    assert answer.status_code == 422


def test_search_by_email_start_and_by_whole_phone_number(
        client: TestClient, app: FastAPI, make_staff: Callable[[str], Staff],
        account_factory: Callable[..., MadeAccount]) -> None:
    gateway: OutboxSms = sms_outbox(app)
    shopper = account_factory(email="grace.hopper@example.com")
    add_phone(client, gateway, shopper)
    staff = make_staff("support")
    by_email = client.get(ADMIN + "/accounts", params={"query": "Grace.H"}, headers=staff.auth)
    assert [a["email"] for a in by_email.json()] == ["grace.hopper@example.com"]
    assert set(by_email.json()[0]) == {"id", "email", "mfa_enabled", "methods", "locked",
                                       "created_at", "last_sign_in_at"}
    assert set(by_email.json()[0]["methods"]) == {"recovery_code", "sms"}
    by_phone = client.get(ADMIN + "/accounts", params={"query": PHONE}, headers=staff.auth)
    assert [a["id"] for a in by_phone.json()] == [shopper.id]
    unencoded = client.get(f"{ADMIN}/accounts?query={PHONE}", headers=staff.auth)
    assert [a["id"] for a in unencoded.json()] == [shopper.id]
    partial = client.get(ADMIN + "/accounts", params={"query": PHONE[:-2]}, headers=staff.auth)
    assert partial.json() == []


def test_no_secret_code_or_full_phone_number_in_any_admin_answer(
        client: TestClient, app: FastAPI, make_staff: Callable[[str], Staff],
        totp_factory: Callable[..., TotpAccount]) -> None:
    gateway = sms_outbox(app)
    shopper = totp_factory()
    add_phone(client, gateway, shopper.account)
    staff = make_staff("admin")
    a = shopper.account.id
    answers = [client.get(ADMIN + "/accounts", params={"query": PHONE}, headers=staff.auth),
               client.get(ADMIN + "/accounts", params={"query": "shopper"}, headers=staff.auth),
               client.get(f"{ADMIN}/accounts/{a}", headers=staff.auth),
               client.get(f"{ADMIN}/accounts/{a}/activity", headers=staff.auth),
               client.get(ADMIN + "/audit", headers=staff.auth)]
    assert all(r.status_code == 200 for r in answers)
    text = "".join(r.text for r in answers)
    digits = PHONE.lstrip("+")
    for forbidden in [shopper.secret, PHONE, digits, digits[-7:], shopper.account.token,
                      staff.key, *shopper.recovery_codes]:
        assert forbidden not in text
    detail = answers[2].json()
    sms = next(f for f in detail["factors"] if f["type"] == "sms")
    assert sms["destination"].endswith(PHONE[-4:])
    assert detail["recovery_codes_remaining"] == 10
    assert {f["type"] for f in detail["factors"]} == {"totp", "sms"}
    assert detail["recovery"] is None


def test_unlock_lifts_the_lock_and_tells_the_shopper(
        client: TestClient, make_staff: Callable[[str], Staff], outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    shopper = account_factory()
    for _ in range(6):
        client.post("/api/v1/login", json={"email": shopper.email, "password": "wrong-one!"})
    staff = make_staff("support")
    detail = client.get(f"{ADMIN}/accounts/{shopper.id}", headers=staff.auth).json()
    assert detail["locked_until"] is not None
    assert client.post(f"{ADMIN}/accounts/{shopper.id}/unlock", json={"reason": "called in"},
                       headers=staff.auth).status_code == 204
    detail = client.get(f"{ADMIN}/accounts/{shopper.id}", headers=staff.auth).json()
    assert detail["locked_until"] is None
    mail = outbox.latest()[0].message
    assert mail.to == shopper.email
    assert "This wasn't me" in mail.text
    events = [e["event"] for e in client.get("/api/v1/me/activity",
                                             headers=shopper.auth).json()]
    assert "staff_unlock" in events


def test_sign_out_ends_sessions_and_can_require_a_new_password(
        client: TestClient, make_staff: Callable[[str], Staff],
        account_factory: Callable[..., MadeAccount]) -> None:
    shopper = account_factory()
    answer = client.post(f"{ADMIN}/accounts/{shopper.id}/sign-out",
                         json={"reason": "takeover", "require_new_password": True},
                         headers=make_staff("support").auth)
    assert answer.status_code == 204
    assert client.get("/api/v1/me", headers=shopper.auth).status_code == 401
    login = client.post("/api/v1/login", json={"email": shopper.email,
                                               "password": shopper.password})
    token = login.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["password_change_required"] is True


def test_keys_are_rate_limited_per_minute(client: TestClient,
                                          make_staff: Callable[[str], Staff]) -> None:
    staff = make_staff("support")
    codes = [client.get(ADMIN + "/accounts?query=z", headers=staff.auth).status_code
             for _ in range(121)]
    assert codes[:120] == [200] * 120
    assert codes[120] == 429


def test_bad_keys_from_one_ip_get_throttled(client: TestClient) -> None:
    codes = [client.get(ADMIN + "/accounts?query=z",
                        headers={"Authorization": f"Bearer slk_guess{i}"}).status_code
             for i in range(12)]
    assert codes[:10] == [401] * 10
    assert codes[-1] == 429


def test_every_staff_action_queues_the_staff_action_webhook(
        client: TestClient, app: FastAPI, make_staff: Callable[[str], Staff],
        totp_factory: Callable[..., TotpAccount]) -> None:
    rt = services_of(app).rt
    add_endpoint(rt, "https://helpdesk.example.com/hooks", ["staff.action"])
    shopper = totp_factory()
    staff = make_staff("support")
    a = shopper.account.id
    client.post(f"{ADMIN}/accounts/{a}/unlock", json={"reason": "x"}, headers=staff.auth)
    client.post(f"{ADMIN}/accounts/{a}/reset-2fa", json=reason(), headers=staff.auth)
    with rt.db.read() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                              .order_by(OutboxMessage.created_at)))
    assert [(r.kind, r.account_id) for r in rows] == [("staff.action", a)] * 2
