"""GET /me/activity: newest first, with device and IP, filtered, paged; only one's own."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from tests.conftest import PASSWORD, MadeAccount

ACTIVITY = "/api/v1/me/activity"
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36")


def test_activity_lists_sign_ins_newest_first_with_the_device(
        client: TestClient, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    clock.advance(minutes=1)
    client.post("/api/v1/login", json={"email": made.email, "password": "wrong password!!"},
                headers={"User-Agent": ANDROID_CHROME})
    clock.advance(minutes=1)
    client.post("/api/v1/login", json={"email": made.email, "password": PASSWORD},
                headers={"User-Agent": ANDROID_CHROME})
    body = client.get(ACTIVITY, headers=made.auth).json()
    assert [e["event"] for e in body[:3]] == ["login", "login", "login"]
    newest, failed = body[0], body[1]
    assert newest["success"] is True
    assert newest["method"] == "pwd"
    assert "Chrome" in newest["device"]
    assert "Android" in newest["device"]
    assert newest["ip"] == "testclient"
    assert newest["description"].startswith("Signed in with your password on Chrome")
    assert failed["success"] is False
    assert failed["reason"] == "bad_password"
    assert failed["description"].startswith("Sign-in failed: wrong password")
    assert body[0]["at"] > body[1]["at"] > body[2]["at"]
    assert set(newest) >= {"at", "event", "ip", "device", "method", "success"}


def test_activity_shows_only_the_callers_own_account(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    ada, bob = account_factory(), account_factory()
    client.post("/api/v1/login", json={"email": bob.email, "password": "wrong password!!"})
    ada_events = client.get(ACTIVITY, headers=ada.auth).json()
    bob_events = client.get(ACTIVITY, headers=bob.auth).json()
    assert all(e["success"] for e in ada_events)
    assert any(not e["success"] for e in bob_events)
    assert {e["id"] for e in ada_events}.isdisjoint({e["id"] for e in bob_events})


def test_activity_filters_by_kind(client: TestClient,
                                  account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    security = client.get(ACTIVITY, params={"kind": "security"}, headers=made.auth).json()
    assert [e["event"] for e in security] == ["account_created"]
    sign_ins = client.get(ACTIVITY, params={"kind": "sign-in"}, headers=made.auth).json()
    assert {e["kind"] for e in sign_ins} == {"sign-in"}


def test_activity_pages_on_with_before_and_a_link_header(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    for _ in range(4):
        client.post("/api/v1/login", json={"email": made.email, "password": PASSWORD})
    everything = client.get(ACTIVITY, headers=made.auth).json()
    assert len(everything) == 6  # account_created + 5 sign-ins
    first = client.get(ACTIVITY, params={"limit": 4}, headers=made.auth)
    assert [e["id"] for e in first.json()] == [e["id"] for e in everything[:4]]
    link = first.headers["Link"]
    assert link == f'</api/v1/me/activity?before={everything[3]["id"]}&limit=4>; rel="next"'
    second = client.get(link[1:link.index(">")], headers=made.auth)
    assert [e["id"] for e in second.json()] == [e["id"] for e in everything[4:]]
    assert "Link" not in second.headers


def test_activity_rejects_bad_queries_with_problems(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    for params in ({"kind": "everything"}, {"limit": 0}, {"limit": 101}, {"before": -1},
                   {"before": "x"}):
        response = client.get(ACTIVITY, params=params, headers=made.auth)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(ACTIVITY).status_code == 401
