"""Every security alert reaches a real SMTP server as text + HTML, names the shop, carries
no secret, and carries a "this wasn't me" link that works."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage

from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD
from tests.notifications.conftest import Inbox

LINK = re.compile(r"This wasn't me: http://localhost:8000/not-me\?token=([\w-]+)")
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
EXPECTED = {
    "two-factor authentication is on", "authenticator app added", "new recovery codes",
    "someone entered your password", "two-factor sign-in locked",
    "new sign-in to your account", "a recovery code was used",
    "two-factor authentication is off",
}


def subjects_of(mails: list[EmailMessage]) -> set[str]:
    return {"welcome" if "Welcome" in str(m["Subject"]) else
            str(m["Subject"]).removeprefix("Tea Shop: ") for m in mails}


def wait_for(inbox: Inbox, done: Callable[[list[EmailMessage]], bool]) -> list[EmailMessage]:
    """Mail is sent in the background: wait (up to 10 s) until ``done`` holds."""
    for count in range(1, 200):
        got = inbox.wait(count)
        if done(got):
            return list(got)
    raise AssertionError(subjects_of(inbox.messages))


def parts(mail: EmailMessage) -> tuple[str, str]:
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def test_every_alert_arrives_by_smtp_with_a_working_this_wasnt_me_link(
        smtp_server: tuple[Inbox, int], settings_factory: Callable[..., Settings],
        clock: FixedClock, database: Database) -> None:
    inbox, port = smtp_server
    settings = settings_factory(smtp_url=f"smtp://127.0.0.1:{port}", service_name="Tea Shop",
                                mail_from="Tea Shop <accounts@tea.example>")
    secrets: list[str] = [PASSWORD]
    with TestClient(create_app(settings, clock=clock, database=database),
                    base_url="http://localhost:8000") as client:
        email = "ada@example.com"
        client.post("/api/v1/accounts", json={"email": email, "password": PASSWORD})
        token = client.post("/api/v1/login", json={"email": email, "password": PASSWORD}
                            ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}

        def add_app(name: str) -> tuple[str, str, list[str]]:
            started = client.post("/api/v1/me/authenticators/totp", json={"name": name},
                                  headers=auth).json()
            done = client.post(f"/api/v1/me/authenticators/{started['id']}/confirm",
                               json={"code": code_at(started["secret"], clock.now())},
                               headers=auth)
            assert done.status_code == 200
            clock.advance(seconds=30)
            secrets.append(started["secret"])
            return started["id"], started["secret"], done.json()["recovery_codes"]

        first_id, secret, _ = add_app("iPhone")  # 2FA on
        second_id, _, _ = add_app("iPad")  # authenticator added
        codes = client.post("/api/v1/me/recovery-codes", headers=auth).json()["codes"]
        secrets.extend(codes)

        def password_step() -> str:
            answer = client.post("/api/v1/login", json={"email": email, "password": PASSWORD},
                                 headers={"User-Agent": ANDROID})
            mfa_token: str = answer.json()["mfa_token"]
            return mfa_token

        def second_step(mfa_token: str, method: str, code: str) -> int:
            return client.post("/api/v1/login/verify", json={
                "mfa_token": mfa_token, "method": method, "code": code},
                headers={"User-Agent": ANDROID}).status_code

        wrong = "000000" if code_at(secret, clock.now()) != "000000" else "111111"
        pending = password_step()
        for _ in range(3):  # correct password, wrong codes: "someone entered your password"
            assert second_step(pending, "totp", wrong) == 401
        assert second_step(pending, "totp", code_at(secret, clock.now())) == 200  # new device
        clock.advance(seconds=30)
        assert second_step(password_step(), "recovery_code", codes[0]) == 200
        assert client.delete(f"/api/v1/me/authenticators/{second_id}",
                             headers=auth).status_code == 204
        pending = password_step()
        for _ in range(10):  # the tenth wrong code locks
            second_step(pending, "totp", wrong)
        assert client.delete(f"/api/v1/me/authenticators/{first_id}",
                             headers=auth).status_code == 204  # the last one: 2FA off

        mails = wait_for(inbox, lambda got: subjects_of(got) >= EXPECTED | {"welcome"})
        alerts = [m for m in mails if LINK.search(parts(m)[0])]
        subjects = {str(m["Subject"]).removeprefix("Tea Shop: ") for m in alerts}
        assert subjects >= EXPECTED
        for mail in alerts:
            text, html = parts(mail)
            assert str(mail["Subject"]).startswith("Tea Shop: ")
            assert "When: " in text
            assert "IP address: " in text
            assert "not-me?token=" in html
            for secret_value in secrets:
                assert secret_value not in mail.as_string()
        links = [LINK.search(parts(m)[0]).group(1) for m in alerts]  # type: ignore[union-attr]
        assert len(set(links)) == len(links)  # one link per mail

        # The link of any of them works once, and the owner is told.
        used = client.post("/api/v1/not-me", json={"token": links[0]})
        assert used.status_code == 204
        assert client.get("/api/v1/me", headers=auth).status_code == 401
        got = wait_for(inbox, lambda got: "we signed everyone out of your account"
                       in subjects_of(got))
        secured = next(m for m in got if "signed everyone out" in str(m["Subject"]))
        assert "secured your account" in parts(secured)[0]
        assert not LINK.search(parts(secured)[0])
