"""A page, a mail and a text message in every language, through the app: the browser's
Accept-Language picks the pages' language, the account keeps it, and its mail and its text
messages come in it."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.i18n import LANGUAGES, language_info, msg, nmsg
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import sms_text
from secondlock.translations import format_when, translate
from tests.api.oob_helpers import last_sms_code, sms_outbox
from tests.conftest import PASSWORD
from tests.pages.helpers import audit, enroll_app, page_signup, submit

OTHERS = sorted(set(LANGUAGES) - {"en"})


def said(text: str, language: str, **params: object) -> str:
    """``text`` in ``language``, checked to be a real translation (not the English)."""
    translated = str(translate(msg(text, **params), language))
    assert translated != text, f"{text!r} is not translated in {language}"
    return translated


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


@pytest.mark.parametrize("language", OTHERS)
def test_the_home_page_speaks_the_browsers_language(client: TestClient, language: str) -> None:
    info = language_info(language)
    html = client.get("/", headers={"Accept-Language": f"{info.tag},en;q=0.5"}).text
    assert f'<html lang="{info.tag}" dir="{info.direction}">' in html
    assert escaped(said("A second lock on your shop account", language)) in html
    assert escaped(said("Skip to main content", language)) in html
    assert "A second lock on your shop account" not in html
    assert audit(html).lang == info.tag
    for code, name in LANGUAGES.items():  # the switch: every language by its own name
        other = language_info(code)
        assert (f'lang="{other.tag}" dir="{other.direction}" class="button button--quiet '
                f'language-switch__option" aria-pressed="{str(code == language).lower()}">'
                f"{name}</button>") in html


@pytest.mark.parametrize("language", OTHERS)
def test_sign_up_keeps_the_language_for_pages_and_mail(
        client: TestClient, outbox: OutboxMailer, clock: FixedClock, language: str) -> None:
    info = language_info(language)
    client.headers.update({"Accept-Language": info.tag})
    page_signup(client, f"shopper-{language.lower()}@example.com", PASSWORD)
    account = client.get("/account").text
    assert f"<h1>{escaped(said('Your account', language))}</h1>" in account
    security = client.get("/account/security").text
    assert escaped(said("Ways to do the second step", language)) in security

    welcome = next(m.message for m in outbox.latest() if m.message.kind == "welcome")
    assert welcome.subject == said("Welcome to %(service)s: confirm your email", language,
                                   service="SecondLock")
    assert str(translate(nmsg(
        "Please confirm that this is your email address by opening the link below. It works "
        "once and expires in %(n)d hour.",
        "Please confirm that this is your email address by opening the link below. It works "
        "once and expires in %(n)d hours.", 48), language)) in welcome.text
    assert welcome.html is not None
    assert f'<html lang="{info.tag}" dir="{info.direction}">' in welcome.html

    # The browser's language is gone; the account's stays for its security notices.
    del client.headers["Accept-Language"]
    enrolled_at = clock.now()
    enroll_app(client, clock)
    notice = next(m.message for m in outbox.latest()
                  if m.message.kind != "welcome" and m.message.to == welcome.to)
    assert notice.subject == "SecondLock: " + said("two-factor authentication is on", language)
    assert said("This wasn't me", language) in notice.text
    when = str(translate(msg("When: %(when)s", when=format_when(enrolled_at, language)),
                         language))
    assert when in notice.text


@pytest.mark.parametrize("header", ["pt", "pt-PT,pt;q=0.9", "pt-BR", "es-ES;q=0.5, pt;q=0.8"])
def test_portuguese_browsers_get_brazilian_portuguese(client: TestClient, header: str) -> None:
    html = client.get("/login", headers={"Accept-Language": header}).text
    assert '<html lang="pt-BR" dir="ltr">' in html
    assert escaped(said("Forgot your password?", "pt_BR")) in html


@pytest.mark.parametrize("language", OTHERS)
def test_the_code_text_message_is_in_the_accounts_language(
        client: TestClient, app: FastAPI, language: str) -> None:
    gateway = sms_outbox(app)
    client.headers.update({"Accept-Language": language_info(language).tag})
    page_signup(client, f"texts-{language.lower()}@example.com", PASSWORD)
    del client.headers["Accept-Language"]  # the account's language, not the browser's
    started = submit(client, "/account/security/phone", "/account/security/phone",
                     {"phone": "+1 201 555 0123", "name": ""})
    assert started.status_code == 200, started.text
    code = last_sms_code(gateway)
    assert gateway.latest()[0].body == sms_text(code, "SecondLock", 10, language)
    assert sms_text(code, "SecondLock", 10, language) != sms_text(code, "SecondLock", 10)
