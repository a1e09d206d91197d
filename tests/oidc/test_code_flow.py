"""Discovery, code + PKCE, token, ID token, userinfo and refresh, driven by Authlib's client
against the running provider (security-checklist OIDC-1, OIDC-2, OIDC-4, OIDC-5)."""

from __future__ import annotations

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError

from tests.oidc.conftest import REDIRECT_URI, Provider
from tests.oidc.flow import (
    authorize,
    code_from,
    discover,
    redeem,
    rp_client,
    sign_in,
    start,
)


def userinfo(provider: Provider, access_token: str) -> httpx.Response:
    return httpx.get(discover(provider)["userinfo_endpoint"],
                     headers={"Authorization": f"Bearer {access_token}"})


def test_discovery_describes_code_flow_with_s256_only(provider: Provider) -> None:
    meta = discover(provider)
    assert meta["issuer"] == provider.url
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "password" not in meta["grant_types_supported"]
    assert meta["acr_values_supported"] == ["urn:secondlock:pwd", "urn:secondlock:mfa",
                                            "urn:secondlock:phishing-resistant"]
    keys = httpx.get(meta["jwks_uri"]).json()["keys"]
    assert keys
    assert all(k["kid"] and "d" not in k for k in keys)


def test_code_flow_gives_signed_id_token_and_userinfo(provider: Provider) -> None:
    registered = provider.register()
    shopper = provider.password_only()
    token, claims = sign_in(provider, registered, shopper)
    assert claims["sub"]
    assert claims["email"] == shopper.email
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "urn:secondlock:pwd"
    assert isinstance(claims["auth_time"], int)
    info = userinfo(provider, token["access_token"])
    assert info.status_code == 200
    assert info.json() == {"sub": claims["sub"], "email": shopper.email,
                           "email_verified": False}
    activity = provider.api.get("/api/v1/me/activity", headers={
        "Authorization": f"Bearer {shopper.session_token}"}).json()
    assert activity[0]["event"] == "oidc_signed_in"
    assert activity[0]["description"].startswith("Signed in to a shop through SecondLock")


def test_public_client_with_pkce_gets_tokens(provider: Provider) -> None:
    registered = provider.register(public=True)
    token, claims = sign_in(provider, registered, provider.password_only())
    assert token["refresh_token"]
    assert claims["aud"] == registered.client_id


def test_refresh_rotates_and_reuse_revokes_the_family(provider: Provider) -> None:
    registered = provider.register()
    token, _ = sign_in(provider, registered, provider.password_only())
    client = rp_client(provider, registered)
    endpoint = discover(provider)["token_endpoint"]
    first = token["refresh_token"]
    second = client.refresh_token(endpoint, refresh_token=first)
    assert second["refresh_token"] != first
    assert userinfo(provider, second["access_token"]).status_code == 200
    with pytest.raises(OAuthError):  # the rotated token again: a leaked copy
        client.refresh_token(endpoint, refresh_token=first)
    assert userinfo(provider, second["access_token"]).status_code == 401
    with pytest.raises(OAuthError):  # the family is revoked, the successor too
        client.refresh_token(endpoint, refresh_token=second["refresh_token"])


def test_reused_code_is_refused_and_revokes_its_tokens(provider: Provider) -> None:
    registered = provider.register()
    auth = start(provider, registered)
    location = authorize(provider, provider.password_only(), auth)
    token = redeem(provider, auth, location)
    with pytest.raises(OAuthError) as refused:
        redeem(provider, auth, location)
    assert refused.value.error == "invalid_grant"
    assert userinfo(provider, token["access_token"]).status_code == 401


def test_code_expires(provider: Provider) -> None:
    registered = provider.register()
    auth = start(provider, registered)
    location = authorize(provider, provider.password_only(), auth)
    provider.clock.advance(minutes=10, seconds=1)
    with pytest.raises(OAuthError) as refused:
        redeem(provider, auth, location)
    assert refused.value.error == "invalid_grant"


@pytest.mark.parametrize("uri", [REDIRECT_URI + "/", REDIRECT_URI + "?x=1",
                                 REDIRECT_URI + "/more", "http://localhost:8999/other"])
def test_unregistered_redirect_uri_shows_an_error_page_without_redirect(
        provider: Provider, uri: str) -> None:
    registered = provider.register()
    auth = start(provider, registered)
    bad = str(httpx.URL(auth.url).copy_set_param("redirect_uri", uri))
    assert bad != auth.url
    with provider.browser(provider.password_only()) as browser:
        answer = browser.get(bad)
    assert answer.status_code == 400
    assert "location" not in answer.headers


def test_plain_pkce_and_missing_pkce_are_refused(provider: Provider) -> None:
    registered = provider.register()
    shopper = provider.password_only()
    good = httpx.URL(start(provider, registered).url)
    plain = good.copy_set_param("code_challenge_method", "plain").copy_set_param(
        "code_challenge", "v" * 43)
    missing = good.copy_remove_param("code_challenge").copy_remove_param(
        "code_challenge_method")
    for url in (plain, missing):
        with provider.browser(shopper) as browser:
            answer = browser.get(url)
        assert answer.status_code == 302
        assert code_from(answer.headers["location"])["error"] == ["invalid_request"]


def test_wrong_verifier_and_password_grant_are_refused(provider: Provider) -> None:
    registered = provider.register()
    auth = start(provider, registered)
    location = authorize(provider, provider.password_only(), auth)
    auth.verifier = "w" * 50
    with pytest.raises(OAuthError) as refused:
        redeem(provider, auth, location)
    assert refused.value.error == "invalid_grant"
    answer = httpx.post(discover(provider)["token_endpoint"], data={
        "grant_type": "password", "username": "pat@example.com", "password": "x"},
        auth=(registered.client_id, registered.client_secret or ""))
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def test_wrong_client_secret_is_refused(provider: Provider) -> None:
    registered = provider.register()
    auth = start(provider, registered)
    location = authorize(provider, provider.password_only(), auth)
    auth.client.client_secret = "not-the-secret"
    with pytest.raises(OAuthError) as refused:
        redeem(provider, auth, location)
    assert refused.value.error == "invalid_client"


def test_access_token_in_query_is_not_accepted(provider: Provider) -> None:
    registered = provider.register()
    token, _ = sign_in(provider, registered, provider.password_only())
    answer = httpx.get(discover(provider)["userinfo_endpoint"],
                       params={"access_token": token["access_token"]})
    assert answer.status_code == 401


def test_revoke_all_tokens_of_an_account(provider: Provider) -> None:
    registered = provider.register()
    shopper = provider.password_only()
    token, claims = sign_in(provider, registered, shopper)
    assert provider.oidc.tokens.revoke_all_for_account(claims["sub"]) == 1
    assert userinfo(provider, token["access_token"]).status_code == 401
    with pytest.raises(OAuthError):
        rp_client(provider, registered).refresh_token(discover(provider)["token_endpoint"],
                                            refresh_token=token["refresh_token"])


def test_key_rotation_keeps_the_old_key_published_until_its_tokens_expire(
        provider: Provider) -> None:
    registered = provider.register()
    _, claims_before = sign_in(provider, registered, provider.password_only())
    old = {k["kid"] for k in httpx.get(discover(provider)["jwks_uri"]).json()["keys"]}
    new_kid = provider.oidc.signing_keys.rotate()
    published = {k["kid"] for k in httpx.get(discover(provider)["jwks_uri"]).json()["keys"]}
    assert published == old | {new_kid}
    provider.clock.advance(hours=2)
    published = {k["kid"] for k in httpx.get(discover(provider)["jwks_uri"]).json()["keys"]}
    assert published == {new_kid}
    assert claims_before["sub"]

