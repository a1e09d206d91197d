"""Fixtures for the browser tests: a live uvicorn server and a headless Chromium.

The server listens on 127.0.0.1 on a port we bind ourselves, but pages are opened at
http://localhost:PORT (a secure context, and the exact origin the app is configured with,
so the CSRF Origin check accepts the browser's forms). Both fixtures are module-scoped:
a sync Playwright instance must not outlive the module (see testing-recipe section 1).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright
from sqlalchemy import create_engine

from secondlock.composition import read_through
from secondlock.config import Settings
from secondlock.core.clock import Clock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from secondlock.services import Services
from secondlock.storage.schema import metadata
from secondlock.web.app import create_app
from secondlock.web.cookies import session_cookie_name
from secondlock.web.i18n import LANGUAGE_COOKIE
from tests.conftest import PASSWORD, TEST_SECRET
from tests.softkey import SoftKey

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class LiveServer:
    url: str
    outbox: OutboxMailer
    texts: OutboxSms  # text messages (SMS codes)
    #: The server's services, for setting up what no page does (staff roles, say).
    services: Services
    app: FastAPI
    settings: Settings
    clock: Clock

    def api(self) -> httpx.Client:
        """A client for the JSON API (accounts, factors and tokens made without pages)."""
        return httpx.Client(base_url=self.url + "/api/v1", timeout=15)


@contextmanager
def serve_live(data_dir: Path, *, clock: Clock | None = None,
               **overrides: Any) -> Iterator[LiveServer]:
    """A live server on a fresh SQLite database in ``data_dir``, with settings overrides."""
    database_url = f"sqlite:///{data_dir / 'secondlock.db'}"
    engine = create_engine(database_url)
    metadata.create_all(engine)
    engine.dispose()

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://localhost:{port}"
    outbox = OutboxMailer(echo=False)
    settings = Settings(env="development", origin=url, data_dir=data_dir,
                        secret_key=TEST_SECRET, database_url=database_url, **overrides)
    app = create_app(settings, mailer=outbox, clock=clock)
    texts = OutboxSms(echo=False)
    app.state.services.rt.sms = texts
    read_through(app.state.services.rt)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    services: Services = app.state.services
    yield LiveServer(url=url, outbox=outbox, texts=texts, services=services, app=app,
                     settings=settings, clock=services.rt.clock)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def browser_context(browser: Browser, live: LiveServer, viewport: ViewportSize, *,
                    language: str | None = None, token: str | None = None,
                    init_script: str | None = None) -> BrowserContext:
    """A fresh context at ``viewport``: in ``language`` and signed in with the session
    ``token`` when given (cookies set up front), with ``init_script`` run on every page."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    if init_script:
        context.add_init_script(script=init_script)
    cookies = []
    if language:
        cookies.append({"name": LANGUAGE_COOKIE, "value": language, "url": live.url})
    if token:
        cookies.append({"name": session_cookie_name(live.settings), "value": token,
                        "url": live.url})
    if cookies:
        context.add_cookies(cookies)  # type: ignore[arg-type]
    return context


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_live(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    yield context.new_page()
    context.close()


# Accounts made through the JSON API, for browser tests that start signed in -----------------

PHONE_NUMBER = "+12015550123"
CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class Account:
    email: str
    token: str  # a session token: the session cookie's value
    totp: pyotp.TOTP | None = None
    recovery_codes: list[str] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_account(api: httpx.Client, email: str) -> Account:
    made = api.post("/accounts", json={"email": email, "password": PASSWORD})
    assert made.status_code == 201, made.text
    login = api.post("/login", json={"email": email, "password": PASSWORD})
    return Account(email, login.json()["token"])


def wait_for(find: Callable[[], object], what: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = find()
        if found:
            return str(found)
        time.sleep(0.05)
    raise AssertionError(f"no {what} arrived")


def sms_code(live: LiveServer, to: str = PHONE_NUMBER) -> str:
    def find() -> str | None:
        for sent in live.texts.latest():
            match = CODE.search(sent.body)
            if sent.to == to and match:
                return match.group(1)
        return None
    return wait_for(find, "text message")


def mail_code(live: LiveServer, to: str) -> str:
    def find() -> str | None:
        for sent in live.outbox.latest():
            match = CODE.search(sent.message.text)
            if sent.message.to == to and sent.message.kind.startswith("email_code") and match:
                return match.group(1)
        return None
    return wait_for(find, f"code mail to {to}")


def full_account(live: LiveServer, email: str) -> Account:
    """An account with every method: an app, a phone, a backup address, a security key and
    recovery codes, plus a second session on a remembered device."""
    with live.api() as api:
        full = new_account(api, email)
        app = api.post("/me/authenticators/totp", json={"name": "iPhone"}, headers=full.auth)
        full.totp = pyotp.TOTP(app.json()["secret"])
        confirmed = api.post(f"/me/authenticators/{app.json()['id']}/confirm",
                             json={"code": full.totp.now()}, headers=full.auth)
        assert confirmed.status_code == 200, confirmed.text
        full.recovery_codes = confirmed.json()["recovery_codes"]
        phone = api.post("/me/authenticators/sms", json={"phone": PHONE_NUMBER},
                         headers=full.auth)
        assert phone.status_code == 201, phone.text
        api.post(f"/me/authenticators/{phone.json()['id']}/confirm",
                 json={"code": sms_code(live)}, headers=full.auth).raise_for_status()
        backup = "backup." + full.email
        mail = api.post("/me/authenticators/email", json={"email": backup}, headers=full.auth)
        assert mail.status_code == 201, mail.text
        api.post(f"/me/authenticators/{mail.json()['id']}/confirm",
                 json={"code": mail_code(live, backup)}, headers=full.auth).raise_for_status()
        options = api.post("/me/authenticators/webauthn/options", json={"name": "YubiKey"},
                           headers=full.auth)
        key = api.post("/me/authenticators/webauthn", headers=full.auth,
                       json={"credential": SoftKey().create(options.json(), live.url)})
        assert key.status_code == 201, key.text
        # A second session on a remembered device, for the sessions and devices lists.
        step = api.post("/login", json={"email": full.email, "password": PASSWORD}).json()
        api.post("/login/verify", json={"mfa_token": step["mfa_token"],
                                        "method": "recovery_code", "remember_device": True,
                                        "code": full.recovery_codes.pop()}).raise_for_status()
    return full
