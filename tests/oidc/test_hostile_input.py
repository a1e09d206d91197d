"""Malformed requests to the OIDC endpoints get an OAuth error or a friendly page, never a
500 (and never a redirect to an unchecked address)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from secondlock.services.oidc import OidcServices

REDIRECT = "https://shop.example/cb"


@pytest.fixture
def client_id(client: TestClient) -> str:
    oidc: OidcServices = client.app.state.oidc  # type: ignore[attr-defined]
    return oidc.clients.add("Shop", [REDIRECT]).client_id


@pytest.mark.parametrize("query", [
    "",
    "response_type=token&client_id=nope",
    "response_type=code&client_id=" + "x" * 5000,
    "response_type=code&response_type=code",
    "client_id=%00%ff&redirect_uri=javascript:alert(1)",
])
def test_broken_authorization_requests_show_a_page(client: TestClient, query: str) -> None:
    answer = client.get("/oidc/authorize?" + query, follow_redirects=False)
    assert answer.status_code == 400
    assert "location" not in answer.headers


def test_duplicate_parameters_are_refused_back_to_the_shop(client: TestClient,
                                                           client_id: str) -> None:
    answer = client.get("/oidc/authorize", follow_redirects=False, params=[
        ("response_type", "code"), ("client_id", client_id), ("redirect_uri", REDIRECT),
        ("scope", "openid"), ("scope", "email"), ("code_challenge", "c" * 43),
        ("code_challenge_method", "S256")])
    assert answer.status_code in (302, 400)
    if answer.status_code == 302:
        assert answer.headers["location"].startswith(REDIRECT + "?error=invalid_request")


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"grant_type": "authorization_code"}', "application/json"),
    ("grant_type=password&username=a&password=b", "application/x-www-form-urlencoded"),
    ("grant_type=authorization_code&code=" + "x" * 3000, "application/x-www-form-urlencoded"),
    ("grant_type=refresh_token&refresh_token=%00", "application/x-www-form-urlencoded"),
    ("\x00\xff", "application/x-www-form-urlencoded"),
])
def test_broken_token_requests_get_oauth_errors(client: TestClient, client_id: str,
                                                body: str, content_type: str) -> None:
    answer = client.post("/oidc/token", content=body, headers={"content-type": content_type})
    assert 400 <= answer.status_code < 500
    assert "error" in answer.json()


@pytest.mark.parametrize("hint", ["", "a.b", "a.b.c", "x" * 5000, "eyJhbGciOiJub25lIn0.e30."])
def test_broken_logout_hints_change_nothing(client: TestClient, hint: str) -> None:
    answer = client.get("/oidc/logout", params={"id_token_hint": hint},
                        follow_redirects=False)
    assert answer.status_code in (200, 400)
    assert "location" not in answer.headers


def test_consent_and_confirm_posts_without_csrf_are_refused(client: TestClient) -> None:
    for path in ("/oidc/consent", "/oidc/confirm", "/oidc/logout"):
        answer = client.post(path, data={"request": "x=1"})
        assert answer.status_code == 403


@pytest.mark.parametrize("nonce", ["a\x00b", "n" * 300, "line\nbreak"])
def test_malformed_nonce_is_refused_back_to_the_shop(client: TestClient, client_id: str,
                                                     nonce: str) -> None:
    login = client.post("/api/v1/accounts", json={"email": "n@example.com",
                                                  "password": "plum lantern orbit quay 73"})
    assert login.status_code == 201
    token = client.post("/api/v1/login", json={"email": "n@example.com",
                                               "password": "plum lantern orbit quay 73"})
    client.cookies.set("secondlock_session", token.json()["token"])
    answer = client.get("/oidc/authorize", follow_redirects=False, params={
        "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
        "scope": "openid", "nonce": nonce, "code_challenge": "c" * 43,
        "code_challenge_method": "S256"})
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(REDIRECT + "?error=invalid_request")


def test_cors_only_for_the_origins_of_registered_redirect_uris(client: TestClient,
                                                               client_id: str) -> None:
    allowed = client.options("/oidc/token", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-credentials" not in allowed.headers
    for origin in ("https://evil.example", "https://shop.example.evil.example", "null"):
        refused = client.options("/oidc/token", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in refused.headers
        token = client.post("/oidc/token", data={"grant_type": "refresh_token"},
                            headers={"Origin": origin})
        assert "access-control-allow-origin" not in token.headers
    keys = client.get("/oidc/jwks", headers={"Origin": "https://any.example"})
    assert keys.headers["access-control-allow-origin"] == "*"
