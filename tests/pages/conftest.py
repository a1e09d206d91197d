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

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from sqlalchemy import create_engine

from secondlock.composition import read_through
from secondlock.config import Settings
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from secondlock.services import Services
from secondlock.storage.schema import metadata
from secondlock.web.app import create_app
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
    services: Services | None = None


@contextmanager
def serve_live(data_dir: Path, **overrides: Any) -> Iterator[LiveServer]:
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
    app = create_app(settings, mailer=outbox)
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
    yield LiveServer(url=url, outbox=outbox, texts=texts, services=app.state.services)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


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
