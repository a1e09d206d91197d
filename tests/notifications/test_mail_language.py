"""Mail goes out in the account's language: a German account gets German alerts, each with
its working "this wasn't me" link (received by a real SMTP server)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.i18n import msg, nmsg
from secondlock.core.totp import code_at
from secondlock.notifications.messages import security_notice
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD
from tests.notifications.conftest import Inbox
from tests.notifications.test_alert_mails import parts, wait_for

GERMAN_LINK = re.compile(r"Das war ich nicht: http://localhost:8000/not-me\?token=([\w-]+)")


def test_a_german_account_gets_german_alerts_with_a_working_link(
        smtp_server: tuple[Inbox, int], settings_factory: Callable[..., Settings],
        clock: FixedClock, database: Database) -> None:
    inbox, port = smtp_server
    settings = settings_factory(smtp_url=f"smtp://127.0.0.1:{port}", service_name="Teeladen",
                                mail_from="Teeladen <konto@tee.example>")
    with TestClient(create_app(settings, clock=clock, database=database),
                    base_url="http://localhost:8000") as client:
        email = "grete@example.com"
        created = client.post("/api/v1/accounts", json={"email": email, "password": PASSWORD},
                              headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.8"})
        assert created.status_code == 201
        token = client.post("/api/v1/login", json={"email": email, "password": PASSWORD}
                            ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        started = client.post("/api/v1/me/authenticators/totp", json={"name": "Handy"},
                              headers=auth).json()
        assert client.post(f"/api/v1/me/authenticators/{started['id']}/confirm",
                           json={"code": code_at(started["secret"], clock.now())},
                           headers=auth).status_code == 200

        mails = wait_for(inbox, lambda got: any("eingeschaltet" in str(m["Subject"])
                                                for m in got))
        welcome = next(m for m in mails if "Willkommen" in str(m["Subject"]))
        assert "Bitte bestätigen Sie" in parts(welcome)[0]
        alert = next(m for m in mails if "eingeschaltet" in str(m["Subject"]))
        assert str(alert["Subject"]) == \
            "Teeladen: Die Zwei-Faktor-Authentifizierung ist eingeschaltet"
        text, html = parts(alert)
        assert "Die Zwei-Faktor-Authentifizierung ist jetzt für Ihr Konto eingeschaltet." in text
        assert "Authenticator-App: Handy." in text
        assert "Wann: " in text
        assert "IP-Adresse: " in text
        assert "Wenn Sie das waren, müssen Sie nichts tun." in text
        assert ">Das war ich nicht</a>" in html
        assert '<html lang="de" dir="ltr">' in html
        assert "When:" not in text
        link = GERMAN_LINK.search(text)
        assert link, text

        # The German link works like the English one.
        assert client.post("/api/v1/not-me", json={"token": link.group(1)}).status_code == 204
        assert client.get("/api/v1/me", headers=auth).status_code == 401
        got = wait_for(inbox, lambda got: any("abgemeldet" in str(m["Subject"]) for m in got))
        secured = next(m for m in got if "abgemeldet" in str(m["Subject"]))
        assert "deshalb haben wir Ihr Konto gesichert" in parts(secured)[0]


def test_a_notice_in_english_is_unchanged_and_german_translates_each_part() -> None:
    def notice(language: str) -> tuple[str, str, str | None]:
        mail = security_notice(
            to="a@example.com", service_name="Shop", origin="https://shop.example",
            subject=msg("a recovery code was used"),
            headline=msg("Someone signed in to your account with a recovery code."),
            details=[nmsg("You have %(n)d recovery code left.",
                          "You have %(n)d recovery codes left.", 2), "plain text stays"],
            when="2026-12-01 10:00 UTC", where="198.51.100.7", device=msg("Unknown device"),
            kind="recovery_code_used", not_me_url="https://shop.example/not-me?token=t",
            language=language)
        return mail.subject, mail.text, mail.html

    subject, text, _ = notice("en")
    assert subject == "Shop: a recovery code was used"
    assert "You have 2 recovery codes left." in text
    assert "This wasn't me: https://shop.example/not-me?token=t" in text
    assert "Device: Unknown device" in text
    subject, text, html = notice("de")
    assert subject == "Shop: Ein Wiederherstellungscode wurde verwendet"
    assert "Sie haben noch 2 Wiederherstellungscodes." in text
    assert "plain text stays" in text
    assert "Gerät: Unbekanntes Gerät" in text
    assert "Das war ich nicht: https://shop.example/not-me?token=t" in text
    assert html is not None
    assert ("Oder öffnen Sie diese Adresse: <bdi dir=\"ltr\">https://shop.example/not-me?token=t"
            "</bdi>") in html


def test_reset_mail_code_mail_and_text_message_follow_the_account_language() -> None:
    from secondlock.notifications.password_messages import password_reset_email
    from secondlock.notifications.sms import sms_text
    from secondlock.notifications.sms_email_code_messages import email_code_message

    link = "https://accounts.tea.example/password-reset/link?token=abc"
    reset = password_reset_email(to="ada@example.com", service_name="Tea", reset_url=link,
                                 minutes_valid=60, origin="https://accounts.tea.example",
                                 language="de")
    assert reset.subject == "Tea: Passwort zurücksetzen"
    assert link in reset.text
    assert "läuft in 60 Minuten ab" in reset.text
    code = email_code_message(to="ada@example.com", code="123456", service_name="Tea",
                              minutes=10, purpose="login", language="de")
    assert code.subject == "Tea-Code: 123456"
    assert "Anmeldung abzuschließen" in code.text
    assert sms_text("123456", "Tea", 10, "de").startswith("123456 ist Ihr Tea-Code.")
    assert sms_text("123456", "Tea", 10).startswith("123456 is your Tea code.")
    assert password_reset_email(to="a@example.com", service_name="Tea", reset_url=link,
                                minutes_valid=60, origin="https://x").subject == \
        "Tea: reset your password"
