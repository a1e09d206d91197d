"""Scenarios a2 and a-pg (issue #17): the session check for an account with 2FA, and GET /me
on PostgreSQL, each alternating with the bare app in the same rounds.

The 2FA account is made over HTTP like a shopper does it (sign up, sign in, add an
authenticator app, confirm it with a code), so its session is an ordinary one with 2FA on,
an authenticator and ten recovery codes: GET /me answers
``"methods": ["totp", "recovery_code"], "recovery_codes_remaining": 10``.
"""

from __future__ import annotations

import json
import secrets
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from load import Result, Scenario
from seed import PASSWORD, post_json
from servers import Server, start
from sqlalchemy import create_engine

from secondlock.core.totp import code_at
from secondlock.storage.migrate import upgrade

ME = "/api/v1/me"
Measure = Callable[[Scenario, Server, bool], Result]


def me_scenario(name: str, token: str) -> Scenario:
    return Scenario(name, "GET", ME, headers={"Authorization": f"Bearer {token}"})


def _authorized(base: str, path: str, token: str, body: dict[str, str]) -> dict[str, object]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, object] = json.loads(response.read() or b"{}")
        return answer


def account_token(base: str, *, with_2fa: bool) -> str:
    """Sign up a fresh account, with 2FA on (an authenticator app) or not; its token."""
    email = f"me-{secrets.token_hex(4)}@example.com"
    status, body = post_json(base + "/api/v1/accounts", {"email": email, "password": PASSWORD})
    if status != 201:
        raise RuntimeError(f"sign-up answered {status}: {body}")
    status, body = post_json(base + "/api/v1/login", {"email": email, "password": PASSWORD})
    if status != 200 or not isinstance(body.get("token"), str):
        raise RuntimeError(f"login answered {status}: {body}")
    token = str(body["token"])
    if not with_2fa:
        return token
    started = _authorized(base, "/api/v1/me/authenticators/totp", token, {})
    _authorized(base, f"/api/v1/me/authenticators/{started['id']}/confirm", token,
                {"code": code_at(str(started["secret"]), datetime.now(UTC))})
    request = urllib.request.Request(base + ME, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        me = json.loads(response.read())
    if me.get("methods") != ["totp", "recovery_code"]:
        raise RuntimeError(f"the 2FA account's GET /me answered {me}")
    return token


def start_on_postgres(url: str, env: dict[str, str], *, log: Path, pin: list[str]) -> Server:
    """SecondLock on the PostgreSQL at ``url`` (migrated first; accounts get fresh emails)."""
    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return start("secondlock-pg", "secondlock_app:create", factory=True,
                 env={**env, "SECONDLOCK_DATABASE_URL": url}, log=log, pin=pin,
                 ready_path="/healthz")


def alternate(measure: Measure, pairs: list[tuple[Scenario, Server]],
              rounds: int) -> list[list[Result]]:
    """Each scenario ``rounds`` times, in turn (so drift hits all alike); warm the first."""
    results: list[list[Result]] = [[] for _ in pairs]
    for i in range(rounds):
        for j, (scenario, server) in enumerate(pairs):
            results[j].append(measure(scenario, server, i == 0))
    return results
