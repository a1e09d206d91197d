"""Fixtures for the browser tests: a live uvicorn server and a headless Chromium.

The server listens on 127.0.0.1 on a port we bind ourselves, but pages are opened at
http://localhost:PORT (a secure context, and the exact origin the app is configured with,
so the CSRF Origin check accepts the browser's forms). Both fixtures are module-scoped:
a sync Playwright instance must not outlive the module (see testing-recipe section 1).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright
from sqlalchemy import create_engine

from secondlock.config import Settings
from secondlock.core.clock import Clock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from secondlock.services import Services
from secondlock.storage.schema import metadata
from secondlock.web.app import create_app
from secondlock.web.cookies import session_cookie_name
from secondlock.web.i18n import LANGUAGE_COOKIE
from tests.conftest import TEST_SECRET

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
