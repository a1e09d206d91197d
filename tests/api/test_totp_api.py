"""Authenticator apps over the API: enroll, confirm, sign in, replay, drift, lockout."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from tests.api.conftest import TotpAccount, start_login, verify
from tests.conftest import MadeAccount


def test_enrollment_gives_secret_uri_and_qr(client: TestClient,
                                            account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory(email="ada@example.com")
    response = client.post("/api/v1/me/authenticators/totp", json={"name": "iPhone"},
                           headers=account.auth)
    assert response.status_code == 201
    body = response.json()
    secret = body["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)  # 160 bits, base32, no padding
    uri = urlsplit(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == "/SecondLock:ada@example.com"
    query = parse_qs(uri.query)
    assert query["secret"] == [secret]
    assert query["issuer"] == ["SecondLock"]
    assert query["digits"] == ["6"]
    assert query["period"] == ["30"]
    assert query["algorithm"] == ["SHA1"]
    parsed = pyotp.parse_uri(body["otpauth_uri"])
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == secret
    assert body["qr_svg"].startswith("<svg")


def test_secrets_are_fresh_each_time(client: TestClient,
                                     account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    secrets = {client.post("/api/v1/me/authenticators/totp", json={},
                           headers=account.auth).json()["secret"] for _ in range(5)}
    assert len(secrets) == 5


def test_pending_authenticator_does_not_turn_2fa_on(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    client.post("/api/v1/me/authenticators/totp", json={}, headers=account.auth)
    me = client.get("/api/v1/me", headers=account.auth).json()
    assert me["mfa_enabled"] is False
    login = client.post("/api/v1/login", json={"email": account.email,
                                               "password": account.password}).json()
    assert login["status"] == "authenticated"


def test_wrong_confirmation_code_leaves_it_pending(
        client: TestClient, account_factory: Callable[..., MadeAccount], clock: FixedClock) -> None:
    account = account_factory()
    body = client.post("/api/v1/me/authenticators/totp", json={}, headers=account.auth).json()
    wrong = "000000" if code_at(body["secret"], clock.now()) != "000000" else "111111"
    response = client.post(f"/api/v1/me/authenticators/{body['id']}/confirm",
                           json={"code": wrong}, headers=account.auth)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_code"
    listed = client.get("/api/v1/me/authenticators", headers=account.auth).json()
    assert [a["confirmed"] for a in listed] == [False]


def test_pending_authenticator_expires_after_ten_minutes(
        client: TestClient, account_factory: Callable[..., MadeAccount], clock: FixedClock) -> None:
    account = account_factory()
    body = client.post("/api/v1/me/authenticators/totp", json={}, headers=account.auth).json()
    clock.advance(minutes=10, seconds=1)
    client.post("/api/v1/reauth", json={"password": account.password}, headers=account.auth)
    response = client.post(f"/api/v1/me/authenticators/{body['id']}/confirm",
                           json={"code": code_at(body["secret"], clock.now())},
                           headers=account.auth)
    assert response.status_code == 404


def test_confirming_turns_2fa_on_with_ten_recovery_codes(
        client: TestClient, totp_factory: Callable[..., TotpAccount], outbox: OutboxMailer) -> None:
    made = totp_factory()
    codes = made.recovery_codes
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[2-9a-hjkmnp-z]{4}(-[2-9a-hjkmnp-z]{4}){3}", c) for c in codes)
    me = client.get("/api/v1/me", headers=made.account.auth).json()
    assert me["mfa_enabled"] is True
    assert me["methods"] == ["totp", "recovery_code"]
    assert me["recovery_codes_remaining"] == 10
    assert any(m.message.kind == "mfa_enabled" for m in outbox.latest())
    listed = client.get("/api/v1/me/authenticators", headers=made.account.auth).json()
    assert "secret" not in str(listed)
    assert made.secret not in str(listed)


def test_turning_2fa_on_signs_other_sessions_out(
        client: TestClient, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    other = client.post("/api/v1/login", json={"email": account.email,
                                               "password": account.password}).json()["token"]
    body = client.post("/api/v1/me/authenticators/totp", json={}, headers=account.auth).json()
    client.post(f"/api/v1/me/authenticators/{body['id']}/confirm",
                json={"code": code_at(body["secret"], clock.now())}, headers=account.auth)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}
                      ).status_code == 401
    assert client.get("/api/v1/me", headers=account.auth).status_code == 200


def test_sign_in_with_an_app_code(client: TestClient, clock: FixedClock,
                                  totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    login = client.post("/api/v1/login", json={"email": made.account.email,
                                               "password": made.account.password}).json()
    assert login["status"] == "mfa_required"
    assert login["methods"] == ["totp", "recovery_code"]
    assert "token" not in login
    response = verify(client, login["mfa_token"], code_at(made.secret, clock.now()))
    assert response.status_code == 200
    token = response.json()["token"]
    assert token != login["mfa_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200


def test_mfa_token_authorizes_nothing_else(client: TestClient,
                                           totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    mfa_token = start_login(client, made.account)
    bearer = {"Authorization": f"Bearer {mfa_token}"}
    for method, path in [("GET", "/api/v1/me"), ("GET", "/api/v1/me/sessions"),
                         ("GET", "/api/v1/me/authenticators"),
                         ("POST", "/api/v1/me/recovery-codes"),
                         ("POST", "/api/v1/me/authenticators/totp")]:
        assert client.request(method, path, headers=bearer, json={}).status_code == 401


def test_code_accepted_once_even_in_the_next_step(
        client: TestClient, clock: FixedClock, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    code = code_at(made.secret, clock.now())
    assert verify(client, start_login(client, made.account), code).status_code == 200
    replay = verify(client, start_login(client, made.account), code)
    assert replay.status_code == 401
    assert replay.json()["code"] == "code_used"  # a replay has its own code: wait for the next one
    clock.advance(seconds=30)  # still inside the drift window, but already used
    assert verify(client, start_login(client, made.account), code).status_code == 401


def test_older_code_after_a_newer_one_is_refused(
        client: TestClient, clock: FixedClock, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    previous = code_at(made.secret, clock.now())
    clock.advance(seconds=30)
    current = code_at(made.secret, clock.now())
    assert verify(client, start_login(client, made.account), current).status_code == 200
    if previous != current:
        assert verify(client, start_login(client, made.account), previous).status_code == 401


@pytest.mark.parametrize(("offset_steps", "accepted"),
                         [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_drift_of_one_step_is_accepted_two_refused(
        client: TestClient, clock: FixedClock, totp_factory: Callable[..., TotpAccount],
        offset_steps: int, accepted: bool) -> None:
    made = totp_factory()
    clock.advance(minutes=5)
    from datetime import timedelta

    code = code_at(made.secret, clock.now() + timedelta(seconds=30 * offset_steps))
    if not accepted and code == code_at(made.secret, clock.now()):
        pytest.skip("codes of two steps happen to collide")
    status = verify(client, start_login(client, made.account), code).status_code
    assert (status == 200) is accepted


def test_code_with_a_space_is_accepted(client: TestClient, clock: FixedClock,
                                       totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    code = code_at(made.secret, clock.now())
    assert verify(client, start_login(client, made.account),
                  f"{code[:3]} {code[3:]}").status_code == 200


@pytest.mark.parametrize("bad", ["12345a", "1234567", "", "\uff11\uff12\uff13\uff14\uff15\uff16"])
def test_malformed_codes_are_refused(client: TestClient, bad: str,
                                     totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    response = verify(client, start_login(client, made.account), bad)
    assert response.status_code == 401


def test_array_of_codes_is_refused(client: TestClient,
                                   totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    response = client.post("/api/v1/login/verify", json={
        "mfa_token": start_login(client, made.account), "method": "totp",
        "code": ["000000", "000001", "000002"]})
    assert response.status_code == 422


def test_mfa_token_expires_after_five_minutes(
        client: TestClient, clock: FixedClock, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    mfa_token = start_login(client, made.account)
    clock.advance(minutes=5, seconds=1)
    response = verify(client, mfa_token, code_at(made.secret, clock.now()))
    assert response.status_code == 410
    assert response.json()["code"] == "mfa_token_expired"


def test_mfa_token_is_single_use(client: TestClient, clock: FixedClock,
                                 totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    mfa_token = start_login(client, made.account)
    assert verify(client, mfa_token, code_at(made.secret, clock.now())).status_code == 200
    clock.advance(seconds=30)
    again = verify(client, mfa_token, code_at(made.secret, clock.now()))
    assert again.status_code == 410


def test_unknown_mfa_token_is_401(client: TestClient) -> None:
    response = verify(client, "made-up-token", "123456")
    assert response.status_code == 401


def test_lockout_after_ten_failures_across_logins_and_ips_refuses_the_right_code(
        client: TestClient, clock: FixedClock, totp_factory: Callable[..., TotpAccount],
        outbox: OutboxMailer) -> None:
    made = totp_factory()
    right = code_at(made.secret, clock.now())
    wrong = "000000" if right != "000000" else "111111"
    statuses = []
    for i in range(11):
        mfa_token = start_login(client, made.account)
        statuses.append(verify(client, mfa_token, wrong,
                               **{"X-Forwarded-For": f"198.51.100.{i}"}).status_code)
    assert statuses == [401] * 10 + [429]
    locked = verify(client, start_login(client, made.account), right)
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    assert any(m.message.kind == "lockout" for m in outbox.latest())
    clock.advance(minutes=15, seconds=1)
    assert verify(client, start_login(client, made.account),
                  code_at(made.secret, clock.now())).status_code == 200


def test_correct_password_then_wrong_codes_alerts_the_owner_once(
        client: TestClient, totp_factory: Callable[..., TotpAccount], clock: FixedClock,
        outbox: OutboxMailer) -> None:
    made = totp_factory()
    mfa_token = start_login(client, made.account)
    wrong = "000000" if code_at(made.secret, clock.now()) != "000000" else "111111"
    for _ in range(4):
        verify(client, mfa_token, wrong, **{"User-Agent": "Mozilla/5.0 (Windows NT 10.0) "
                                            "Firefox/130.0"})
    alerts = [m.message for m in outbox.latest() if m.message.kind == "partial_sign_in"]
    assert len(alerts) == 1
    assert "Firefox" in alerts[0].text
    assert "IP address" in alerts[0].text
