"""``SECONDLOCK_LOG_FORMAT=json`` on a real server: every line is one JSON object with a time,
a level and an event, requests carry their id (also the X-Request-ID header) and the account
once known, and no secret the test created shows up anywhere in the output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.cli.test_serve import serving
from tests.conftest import PASSWORD
from tests.notifications.conftest import Inbox

TOKEN_IN_MAIL = re.compile(r"token=([\w-]+)")


@pytest.mark.slow
def test_json_logs_parse_and_hold_no_secret(server_env: dict[str, str], tmp_path: Path,
                                            smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    env = {**server_env, "SECONDLOCK_LOG_FORMAT": "json",
           "SECONDLOCK_SMTP_URL": f"smtp://127.0.0.1:{port}",
           "SECONDLOCK_SMS_PROVIDER": "off"}
    secrets = [PASSWORD]
    log = tmp_path / "serve.log"
    with serving(env, log) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        created = http.post("/api/v1/accounts", json={"email": "j@example.com",
                                                      "password": PASSWORD})
        assert created.status_code == 201
        account_id = created.json()["id"]
        login = http.post("/api/v1/login", json={"email": "j@example.com",
                                                 "password": PASSWORD})
        token = login.json()["token"]
        secrets.append(token)
        auth = {"Authorization": f"Bearer {token}"}
        me = http.get("/api/v1/me", headers=auth)
        request_id = me.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{24}", request_id)
        spoofed = http.get("/healthz", headers={"X-Request-ID": "chosen-by-client"})
        assert spoofed.headers["x-request-id"] != "chosen-by-client"  # not a trusted proxy
        started = http.post("/api/v1/me/authenticators/totp", json={}, headers=auth).json()
        secrets.append(started["secret"])
        confirmed = http.post(f"/api/v1/me/authenticators/{started['id']}/confirm",
                              json={"code": pyotp.TOTP(started["secret"]).now()}, headers=auth)
        assert confirmed.status_code == 200, confirmed.text
        secrets += confirmed.json()["recovery_codes"]
        http.post("/api/v1/login", json={"email": "j@example.com", "password": "wrong pw 123"})
        http.get("/verify-email?token=not-a-real-token-but-secret-looking")
        secrets.append("not-a-real-token-but-secret-looking")
        http.post("/api/v1/password-reset", json={"email": "j@example.com"})
        mails = inbox.wait(2, timeout=15)
        server.stop()
    for mail in mails:
        body = mail.get_body(("plain",))
        assert body is not None
        secrets += TOKEN_IN_MAIL.findall(body.get_content())
    output = log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines
    for line in lines:
        assert {"time", "level", "event"} <= set(line)
    me_lines = [line for line in lines if line.get("request_id") == request_id]
    assert me_lines
    assert me_lines[0]["path"] == "/api/v1/me"
    assert me_lines[0]["status"] == 200
    assert me_lines[0]["account_id"] == account_id
    assert len(secrets) >= 14
    for secret in secrets:
        assert secret not in output, f"a secret leaked into the log: {secret[:4]}..."


@pytest.mark.slow
def test_a_trusted_proxy_sets_the_request_id(server_env: dict[str, str],
                                             tmp_path: Path) -> None:
    env = {**server_env, "SECONDLOCK_TRUSTED_PROXIES": "127.0.0.1/32"}
    with serving(env, tmp_path / "serve.log") as server:
        answer = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": "edge-1f2e3d"})
        bad = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": "bad id\twith tab"})
        server.stop()
    assert answer.headers["x-request-id"] == "edge-1f2e3d"
    assert bad.headers["x-request-id"] != "bad id\twith tab"
