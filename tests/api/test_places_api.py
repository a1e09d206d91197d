"""Where a sign-in comes from, through the API and the real mail path (issue #16)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from tests.conftest import PASSWORD
from tests.mmdb_support import write_mmdb

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GERMANY = "193.99.144.80"  # Hanover in the test City database
SWEDEN = "89.160.20.112"
BRITAIN = "81.2.69.160"
HOME = "192.168.1.20"  # private: no place


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], tmp_path: Path) -> Settings:
    # Behind a trusted proxy, so the test can say which address each sign-in comes from.
    return settings_factory(trusted_proxies="127.0.0.1/32",
                            geoip=str(write_mmdb(tmp_path / "GeoLite2-City.mmdb")))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://localhost:8000",
                    client=("127.0.0.1", 50000)) as test_client:
        yield test_client


def sign_in(client: TestClient, email: str, ip: str) -> str:
    response = client.post("/api/v1/login", json={"email": email, "password": PASSWORD},
                           headers={"User-Agent": FIREFOX, "X-Forwarded-For": ip})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def place_mails(outbox: OutboxMailer, to: str) -> list[str]:
    return [s.message.text for s in outbox.latest()
            if s.message.to == to and s.message.kind == "new_location_sign_in"]


def sign_up(client: TestClient, email: str, language: str = "en") -> None:
    created = client.post("/api/v1/accounts", json={"email": email, "password": PASSWORD},
                          headers={"User-Agent": FIREFOX, "X-Forwarded-For": GERMANY,
                                   "Accept-Language": language})
    assert created.status_code == 201, created.text


def test_a_new_country_is_mailed_once_even_on_the_same_device(
        client: TestClient, outbox: OutboxMailer, clock: FixedClock) -> None:
    email = "ada@example.com"
    sign_up(client, email)
    sign_in(client, email, GERMANY)  # the first sign-in sets the first country: no mail
    sign_in(client, email, HOME)
    sign_in(client, email, GERMANY)
    assert place_mails(outbox, email) == []

    clock.advance(seconds=86400)  # a day later: a flight away
    sign_in(client, email, SWEDEN)
    [mail] = place_mails(outbox, email)
    assert "from Linköping, Sweden, a country your account has not been used from" in mail
    assert f"IP address: {SWEDEN}, from Linköping, Sweden" in mail
    assert "This wasn't me: http://localhost:8000/not-me?token=" in mail
    assert not [s for s in outbox.latest() if s.message.kind == "new_device_sign_in"]

    clock.advance(seconds=86400)
    sign_in(client, email, SWEDEN)
    sign_in(client, email, GERMANY)
    assert len(place_mails(outbox, email)) == 1  # once per country

    clock.advance(seconds=86400)
    sign_in(client, email, BRITAIN)
    assert len(place_mails(outbox, email)) == 2


def test_the_mail_names_the_country_in_the_owners_language(
        client: TestClient, outbox: OutboxMailer, clock: FixedClock) -> None:
    email = "grete@example.com"
    sign_up(client, email, language="de")
    sign_in(client, email, GERMANY)
    clock.advance(seconds=86400)
    sign_in(client, email, SWEDEN)
    [mail] = place_mails(outbox, email)
    assert "Linköping, Schweden" in mail


def test_activity_and_sessions_carry_the_location(
        client: TestClient, clock: FixedClock) -> None:
    email = "lin@example.com"
    sign_up(client, email)
    sign_in(client, email, HOME)
    token = sign_in(client, email, GERMANY)
    auth = {"Authorization": f"Bearer {token}"}
    entries = client.get("/api/v1/me/activity", headers=auth).json()
    login = next(e for e in entries if e["event"] == "login" and e["ip"] == GERMANY)
    assert login["location"] == {"country": "DE", "country_name": "Germany", "city": "Hanover"}
    assert "from 193.99.144.80 in Hanover, Germany" in login["description"]
    home = next(e for e in entries if e["event"] == "login" and e["ip"] == HOME)
    assert home["location"] is None
    sessions = client.get("/api/v1/me/sessions", headers=auth).json()
    by_ip = {s["ip"]: s["location"] for s in sessions}
    assert by_ip[GERMANY]["country"] == "DE"
    assert by_ip[HOME] is None


def test_impossible_travel_is_flagged_in_the_activity_and_the_checkup(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer) -> None:
    email = "eve@example.com"
    sign_up(client, email)
    sign_in(client, email, GERMANY)
    clock.advance(seconds=3600)  # Hanover to Seattle in an hour: nobody flies that fast
    token = sign_in(client, email, "216.160.83.56")
    auth = {"Authorization": f"Bearer {token}"}
    events = [e["event"] for e in client.get("/api/v1/me/activity", headers=auth).json()]
    assert "impossible_travel" in events
    assert "new_location" in events
    clock.advance(seconds=20 * 3600)  # twenty hours later, back home: that is a flight
    token = sign_in(client, email, GERMANY)
    events = [e["event"] for e in client.get("/api/v1/me/activity",
                                             headers={"Authorization": f"Bearer {token}"})
              .json()]
    assert events.count("impossible_travel") == 1
