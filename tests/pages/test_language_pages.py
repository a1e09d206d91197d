"""The pages in German: chosen from Accept-Language or the footer switch, with <html lang>,
form errors, error pages, the checkup and the activity list all in the same language."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from tests.conftest import PASSWORD
from tests.pages.helpers import audit, csrf_of, enroll_app, page_login, page_signup

EMAIL = "grete@example.com"
GERMAN = {"Accept-Language": "de-CH,de;q=0.9,en;q=0.5"}


def switch(client: TestClient, page: str, language: str, *,
           next_path: str | None = None) -> str:
    """Press a language button in the footer of ``page``; returns where it leads."""
    html = client.get(page).text
    found = re.search(r'name="next" value="([^"]*)"', html)
    assert found, "the page has no language switch"
    response = client.post("/language", data={
        "csrf_token": csrf_of(html), "language": language,
        "next": found.group(1).replace("&amp;", "&") if next_path is None else next_path},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_the_home_page_follows_accept_language(client: TestClient) -> None:
    german = client.get("/", headers=GERMAN).text
    assert '<html lang="de" dir="ltr">' in german
    assert "Ein zweites Schloss für Ihr Shop-Konto" in german
    assert "Zum Hauptinhalt springen" in german
    assert ">English</button>" in german
    assert ">Deutsch</button>" in german
    english = client.get("/", headers={"Accept-Language": "ja-JP,en;q=0.5"}).text
    assert '<html lang="en" dir="ltr">' in english
    assert "A second lock on your shop account" in english


def test_sign_up_in_german_shows_german_pages_and_sends_a_german_welcome(
        client: TestClient, outbox: OutboxMailer) -> None:
    client.headers.update(GERMAN)
    page_signup(client, EMAIL, PASSWORD)
    account = client.get("/account").text
    assert "<h1>Ihr Konto</h1>" in account
    assert "Sicherheits-Check: 2 von 6 erledigt" in account
    checkup = client.get("/account/checkup").text
    assert "<strong>2 von 6</strong> erledigt." in checkup
    assert checkup.count(">Offen<") == 4
    assert "Zwei-Faktor-Authentifizierung einschalten" in checkup
    assert "Bestätigungslink erneut senden" in checkup
    assert audit(checkup).lang == "de"
    activity = client.get("/account/activity").text
    assert "Konto erstellt" in activity
    assert "gerade eben" in activity
    welcome = next(m.message for m in outbox.latest() if m.message.kind == "welcome")
    assert welcome.subject.startswith("Willkommen bei ")
    assert "Bitte bestätigen Sie" in welcome.text
    assert welcome.html is not None
    assert 'lang="de"' in welcome.html


def test_form_errors_and_notices_are_german(client: TestClient) -> None:
    client.headers.update(GERMAN)
    short = client.post("/signup", data={
        "email": EMAIL, "password": "kurz", "csrf_token": csrf_of(client.get("/signup").text)})
    assert short.status_code == 422
    assert "Wählen Sie ein anderes Passwort" in short.text
    assert "Verwenden Sie mindestens" in short.text
    assert "Sie sind abgemeldet." in client.get("/login?notice=signed-out").text


def test_error_pages_are_german(client: TestClient) -> None:
    missing = client.get("/no-such-page", headers=GERMAN)
    assert missing.status_code == 404
    assert "Wir konnten diese Seite nicht finden" in missing.text
    assert '<html lang="de" dir="ltr">' in missing.text


def test_the_footer_switch_remembers_the_choice_and_returns_to_the_page(
        client: TestClient) -> None:
    assert switch(client, "/signup", "de") == "/signup"
    assert client.cookies.get("secondlock_lang") == "de"
    # The cookie wins over the browser's header.
    page = client.get("/signup", headers={"Accept-Language": "en"}).text
    assert "<h1>Erstellen Sie Ihr Konto</h1>" in page
    assert 'aria-pressed="true">Deutsch</button>' in page
    assert switch(client, "/signup", "en") == "/signup"
    assert "<h1>Create your account</h1>" in client.get("/signup", headers=GERMAN).text


def test_the_switch_keeps_the_query_of_the_page(client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    assert switch(client, "/account/activity?kind=sign-in", "de") == \
        "/account/activity?kind=sign-in"


@pytest.mark.parametrize("next_path", [
    "//evil.example/account", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
    "account", "/account\r\nSet-Cookie: x=1", "",
    "/account/security/totp/confirm",  # answers POST only: it would be a 405
])
def test_the_switch_never_leaves_the_site(client: TestClient, next_path: str) -> None:
    assert switch(client, "/", "de", next_path=next_path) == "/"


def test_the_switch_refuses_a_forged_form_and_ignores_unknown_languages(
        client: TestClient) -> None:
    forged = client.post("/language", data={"language": "de", "next": "/"},
                         follow_redirects=False)
    assert forged.status_code == 403
    assert "secondlock_lang" not in client.cookies
    assert switch(client, "/", "xx") == "/"
    assert "secondlock_lang" not in client.cookies


def test_a_signed_in_switch_changes_the_language_of_the_mail(
        client: TestClient, outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    assert switch(client, "/account/checkup", "de") == "/account/checkup"
    html = client.get("/account/checkup").text
    resent = client.post("/account/email/resend", data={"csrf_token": csrf_of(html)},
                         follow_redirects=False)
    assert resent.headers["location"] == "/account/checkup?notice=link-sent"
    latest = next(m.message for m in outbox.latest() if m.message.kind == "welcome")
    assert latest.subject.startswith("Willkommen bei ")
    assert "Wir haben einen neuen Bestätigungslink gesendet" in client.get(
        resent.headers["location"], headers={"Accept-Language": "en"}).text


def test_the_sign_in_page_is_german(client: TestClient) -> None:
    page = client.get("/login", headers=GERMAN).text
    assert "<h1>Anmelden</h1>" in page
    assert "Passwort vergessen?" in page
    assert 'Neu hier? <a href="/signup">Konto erstellen</a>' in page
    assert "Forgot your password?" not in page


def test_the_second_step_is_german(client: TestClient, clock: FixedClock) -> None:
    client.headers.update(GERMAN)
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)
    client.cookies.clear()
    assert page_login(client, EMAIL, PASSWORD).headers["location"] == "/login/verify"
    page = client.get("/login/verify").text
    assert "Zweiter Schritt: Bestätigen Sie, dass Sie es sind" in page
    assert "Geben Sie jetzt den Code aus Ihrer Authenticator-App ein." in page
    assert "Handy verloren?" in page
    assert ">Weiter</button>" in page
    recovery = client.get("/login/verify?method=recovery_code").text
    assert "Geben Sie jetzt einen Ihrer Wiederherstellungscodes ein." in recovery


def test_the_security_page_is_german(client: TestClient, clock: FixedClock) -> None:
    client.headers.update(GERMAN)
    page_signup(client, EMAIL, PASSWORD)
    off = client.get("/account/security").text
    assert "<h1>Sicherheit</h1>" in off
    assert 'Zwei-Faktor-Authentifizierung: <span class="badge badge--off">ausgeschaltet</span>' \
        in off
    assert "Möglichkeiten für den zweiten Schritt" in off
    assert "Nicht eingerichtet" in off
    assert "Noch keine Authenticator-App." in client.get("/account/security/apps").text
    enroll_app(client, clock)
    on = client.get("/account/security").text
    assert 'Zwei-Faktor-Authentifizierung: <span class="badge badge--on">eingeschaltet</span>' \
        in on
    assert "10 von 10 übrig" in on
    assert "Verwalten" in on
    assert "Neue Codes erstellen" in client.get("/account/security/recovery-codes").text
    assert "Neuer Name für iPhone" in client.get("/account/security/apps").text


def test_the_forgot_password_pages_are_german(client: TestClient) -> None:
    client.headers.update(GERMAN)
    page = client.get("/password-reset").text
    assert "<h1>Passwort zurücksetzen</h1>" in page
    assert "Wir senden Ihnen einen Link" in page
    assert 'Doch wieder eingefallen? <a href="/login">Anmelden</a>' in page
    sent = client.post("/password-reset", data={"email": EMAIL, "csrf_token": csrf_of(page)})
    assert sent.status_code == 200
    assert "Sehen Sie in Ihren E-Mails nach" in sent.text
    assert f"Falls ein Konto {EMAIL} verwendet" in sent.text
    assert "Zurück zur Anmeldung" in sent.text


def test_page_scripts_get_their_words_in_the_page_language(client: TestClient) -> None:
    """The countdown, the password toggle and the security-key messages come from the page
    (#sl-text), so German pages show German script texts too."""
    german = client.get("/login", headers={"Accept-Language": "de"}).text
    assert 'id="sl-text"' in german
    assert 'data-hide-password="Passwort verbergen"' in german
    assert "Nicht erhalten? Erneut senden in {clock}" in german
    english = client.get("/login", headers={"Accept-Language": "en"}).text
    assert 'data-hide-password="Hide password"' in english
