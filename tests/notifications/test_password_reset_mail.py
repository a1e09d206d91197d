"""The password-reset link arrives through a real SMTP server (aiosmtpd) and works."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD
from tests.notifications.conftest import Inbox

NEW_PASSWORD = "a brand new passphrase for shopping"


def test_the_reset_mail_arrives_with_a_working_link(
        smtp_server: tuple[Inbox, int], settings_factory: Callable[..., Settings],
        clock: FixedClock, database: Database) -> None:
    inbox, port = smtp_server
    settings = settings_factory(smtp_url=f"smtp://127.0.0.1:{port}",
                                origin="https://accounts.shop.example",
                                mail_from="Shop Accounts <accounts@shop.example>")
    app = create_app(settings, clock=clock, database=database)
    with TestClient(app, base_url="https://accounts.shop.example") as client:
        assert client.post("/api/v1/accounts", json={"email": "ada@example.com",
                                                     "password": PASSWORD}).status_code == 201
        inbox.wait(1)  # the welcome mail
        answer = client.post("/api/v1/password-reset", json={"email": "ada@example.com"},
                             headers={"Host": "evil.example"})
        assert answer.status_code == 202
        mail = inbox.wait(2)[1]
        assert mail["To"] == "ada@example.com"
        assert mail["Subject"] == "SecondLock: reset your password"
        text = mail.get_body(preferencelist=("plain",))
        html = mail.get_body(preferencelist=("html",))
        assert text is not None
        assert html is not None
        link = re.search(r"https://accounts\.shop\.example/password-reset/link\?token=([\w-]+)",
                         text.get_content())
        assert link, text.get_content()
        assert link.group(0) in html.get_content()
        assert "evil.example" not in mail.as_string()

        done = client.post("/api/v1/password-reset/complete",
                           json={"token": link.group(1), "new_password": NEW_PASSWORD})
        assert done.status_code == 204
        notice = inbox.wait(3)[2]
        assert notice["Subject"] == "SecondLock: your password was reset"
        assert link.group(1) not in notice.as_string()
        assert NEW_PASSWORD not in notice.as_string()
    assert [to for _, to in inbox.envelopes] == [["ada@example.com"]] * 3
