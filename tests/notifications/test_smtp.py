"""Real mail through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from secondlock.composition import build_runtime
from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.base import DeliveryError, OutgoingEmail
from secondlock.notifications.smtp import SmtpMailer
from secondlock.services.outbox import queue_email
from secondlock.services.outbox_dispatcher import Dispatcher
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD
from tests.notifications.conftest import Inbox, free_port

MESSAGE = OutgoingEmail(to="ada@example.com", subject="Hello", text="Plain words",
                        html="<p>Plain words</p>", kind="test")


def test_smtp_mailer_delivers_text_and_html(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "SecondLock <no-reply@shop.example>")
    asyncio.run(mailer.send(MESSAGE))
    [mail] = inbox.wait()
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"] == "Hello"
    assert mail["From"] == "SecondLock <no-reply@shop.example>"
    assert mail["Auto-Submitted"] == "auto-generated"
    body = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert body is not None
    assert "Plain words" in body.get_content()
    assert html is not None
    assert "<p>Plain words</p>" in html.get_content()


def test_unreachable_server_raises_delivery_error_without_content() -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "x@example.com", timeout=2)
    with pytest.raises(DeliveryError) as info:
        asyncio.run(mailer.send(MESSAGE))
    assert "Plain words" not in str(info.value)


def test_temporary_failure_is_retried_by_the_outbox(
        smtp_server: tuple[Inbox, int], settings_factory: Callable[..., Settings],
        clock: FixedClock, database: Database) -> None:
    inbox, port = smtp_server
    inbox.fail_next = 1
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "x@example.com")
    rt = build_runtime(settings_factory(), mailer=mailer, clock=clock, database=database)
    with rt.db.write() as s:
        queue_email(rt, s, MESSAGE)
        s.commit()

    async def round_() -> int:
        return await Dispatcher(rt).deliver_due()

    assert asyncio.run(round_()) == 1  # refused: waits for its retry
    assert inbox.messages == []
    clock.advance(seconds=10)
    assert asyncio.run(round_()) == 1
    assert len(inbox.wait()) == 1
    asyncio.run(mailer.close())


def test_sign_up_mails_the_welcome_through_smtp(
        smtp_server: tuple[Inbox, int], settings_factory: Callable[..., Settings],
        clock: FixedClock, database: Database) -> None:
    inbox, port = smtp_server
    settings = settings_factory(smtp_url=f"smtp://127.0.0.1:{port}",
                                mail_from="Shop Accounts <accounts@shop.example>")
    app = create_app(settings, clock=clock, database=database)
    with TestClient(app, base_url="http://localhost:8000") as client:
        response = client.post("/api/v1/accounts",
                               json={"email": "ada@example.com", "password": PASSWORD})
        assert response.status_code == 201
        [mail] = inbox.wait()
    assert mail["To"] == "ada@example.com"
    assert inbox.envelopes[0] == ("accounts@shop.example", ["ada@example.com"])
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    assert "http://localhost:8000/verify-email?token=" in text.get_content()
    assert PASSWORD not in mail.as_string()


def test_smtp_url_parsing() -> None:
    mailer = SmtpMailer("smtps://user%40x:p%3Ass@mail.example:2465", "x@example.com")
    assert (mailer._host, mailer._port, mailer._use_tls) == ("mail.example", 2465, True)
    assert (mailer._username, mailer._password) == ("user@x", "p:ss")
    starttls = SmtpMailer("smtp://mail.example:587?starttls=1", "x@example.com")
    assert starttls._start_tls
    assert not starttls._use_tls
