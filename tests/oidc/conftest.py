"""A live SecondLock on a loopback port, shops registered with it, and signed-in shoppers.

The provider runs in uvicorn in a thread (the OIDC client library talks real HTTP to it). Its
clock is a FixedClock set to the real time at the start of the test, because the client
library checks ``exp``/``iat`` of ID tokens against the real clock; tests move it on purpose.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services.oidc import OidcServices
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD, TEST_SECRET

C = TypeVar("C", bound=httpx.Client)
REDIRECT_URI = "http://localhost:8999/callback"
LOGOUT_URI = "http://localhost:8999/bye"


@dataclass(frozen=True)
class Shopper:
    email: str
    session_token: str
    secret: str | None = None
    recovery_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registered:
    client_id: str
    client_secret: str | None


def bind() -> socket.socket:
    """A loopback socket bound to a free port (bound first, so the port is known: no race)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


class Served:
    """Run an ASGI app on an already bound socket in a thread until ``stop``."""

    def __init__(self, app: object, sock: socket.socket) -> None:
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning",  # type: ignore[arg-type]
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       daemon=True)

    def start(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


class Provider:
    def __init__(self, url: str, app: FastAPI, clock: FixedClock) -> None:
        self.url = url
        self.app = app
        self.clock = clock
        self.api = httpx.Client(base_url=url, timeout=10)
        self._open: list[httpx.Client] = [self.api]

    def track(self, client: C) -> C:
        """Close this client when the test ends (an unclosed socket fails the test)."""
        self._open.append(client)
        return client

    def close(self) -> None:
        for client in self._open:
            client.close()

    @property
    def oidc(self) -> OidcServices:
        oidc: OidcServices = self.app.state.oidc
        return oidc

    def register(self, *, public: bool = False, first_party: bool = True,
                 redirect_uris: tuple[str, ...] = (REDIRECT_URI,)) -> Registered:
        made = self.oidc.clients.add("Test Shop", list(redirect_uris), public=public,
                                     first_party=first_party,
                                     post_logout_redirect_uris=[LOGOUT_URI])
        return Registered(made.client_id, made.client_secret)

    def browser(self, shopper: Shopper | None = None) -> httpx.Client:
        """An httpx client playing the shopper's browser (cookies, no redirects followed)."""
        cookies = {"secondlock_session": shopper.session_token} if shopper else {}
        return self.track(httpx.Client(base_url=self.url, timeout=10, follow_redirects=False,
                            headers={"Origin": self.url}, cookies=cookies))

    # Shoppers, signed in through the JSON API in each way the issue names ----------------
    def _account(self, email: str) -> str:
        created = self.api.post("/api/v1/accounts", json={"email": email, "password": PASSWORD})
        assert created.status_code == 201, created.text
        login = self.api.post("/api/v1/login", json={"email": email, "password": PASSWORD})
        token: str = login.json()["token"]
        return token

    def password_only(self, email: str = "pat@example.com") -> Shopper:
        return Shopper(email, self._account(email))

    def with_totp(self, email: str = "tom@example.com") -> Shopper:
        token = self._account(email)
        auth = {"Authorization": f"Bearer {token}"}
        body = self.api.post("/api/v1/me/authenticators/totp", json={}, headers=auth).json()
        confirmed = self.api.post(f"/api/v1/me/authenticators/{body['id']}/confirm",
                                  json={"code": code_at(body["secret"], self.clock.now())},
                                  headers=auth)
        assert confirmed.status_code == 200, confirmed.text
        self.clock.advance(seconds=30)
        return Shopper(email, self.login_with("totp", email, body["secret"]), body["secret"],
                       tuple(confirmed.json()["recovery_codes"]))

    def login_with(self, method: str, email: str, code: str, *,
                   remember: bool = False, device_token: str | None = None) -> str:
        body: dict[str, object] = {"email": email, "password": PASSWORD}
        if device_token:
            body["device_token"] = device_token
        started = self.api.post("/api/v1/login", json=body).json()
        if started["status"] == "authenticated":
            token: str = started["token"]
            return token
        if method == "totp":
            code = code_at(code, self.clock.now())
        done = self.api.post("/api/v1/login/verify", json={
            "mfa_token": started["mfa_token"], "method": method, "code": code,
            "remember_device": remember})
        assert done.status_code == 200, done.text
        self.clock.advance(seconds=30)
        self.last_device_token = done.json().get("device_token")
        token = done.json()["token"]
        return token

    def totp_code(self, shopper: Shopper) -> str:
        assert shopper.secret is not None
        return code_at(shopper.secret, self.clock.now())


@pytest.fixture
def provider(tmp_path: Path, database_url: str, outbox: OutboxMailer) -> Iterator[Provider]:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    sock = bind()
    url = f"http://localhost:{sock.getsockname()[1]}"
    settings = Settings(env="development", origin=url, data_dir=tmp_path,
                        secret_key=TEST_SECRET, database_url=database_url)
    database = Database(settings.resolved_database_url)
    app = create_app(settings, clock=clock, mailer=outbox, database=database)
    served = Served(app, sock).start()
    live = Provider(url, app, clock)
    yield live
    live.close()
    served.stop()
    database.dispose()


META_REFRESH = re.compile(r'http-equiv="refresh" content="0; url=([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def refresh_target(html: str) -> str:
    found = META_REFRESH.search(html)
    assert found, html
    return unescape(found.group(1))


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)
