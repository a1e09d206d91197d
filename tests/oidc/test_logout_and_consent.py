"""RP-initiated logout (checklist OIDC-4, OIDC-6) and the consent screen for third-party
shops (remembered per client and scope)."""

from __future__ import annotations

import base64
import json
from typing import Any

from joserfc import jwt
from joserfc.jwk import OctKey

from tests.oidc.conftest import LOGOUT_URI, Provider, Shopper, csrf_of, refresh_target
from tests.oidc.flow import code_from, sign_in, start


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def still_signed_in(provider: Provider, shopper: Shopper) -> bool:
    with provider.browser(shopper) as browser:
        return browser.get("/account").status_code == 200


def test_logout_with_a_valid_hint_signs_out_and_returns_to_the_shop(provider: Provider) -> None:
    registered = provider.register()
    shopper = provider.password_only()
    token, _ = sign_in(provider, registered, shopper)
    with provider.browser(shopper) as browser:
        answer = browser.get("/oidc/logout", params={
            "id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGOUT_URI,
            "state": "s1"})
    assert answer.status_code == 302
    assert answer.headers["location"] == LOGOUT_URI + "?state=s1"
    assert not still_signed_in(provider, shopper)


def test_unregistered_post_logout_uri_is_not_followed(provider: Provider) -> None:
    registered = provider.register()
    shopper = provider.password_only()
    token, _ = sign_in(provider, registered, shopper)
    with provider.browser(shopper) as browser:
        answer = browser.get("/oidc/logout", params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "https://evil.example/"})
    assert answer.status_code == 200
    assert "location" not in answer.headers


def test_alg_none_hint_is_refused_and_signs_nobody_out(provider: Provider) -> None:
    registered = provider.register()
    shopper = provider.password_only()
    _, claims = sign_in(provider, registered, shopper)
    forged = b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims) + "."
    with provider.browser(shopper) as browser:
        answer = browser.get("/oidc/logout", params={
            "id_token_hint": forged, "post_logout_redirect_uri": LOGOUT_URI})
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert still_signed_in(provider, shopper)


def test_hs256_hint_signed_with_the_client_secret_is_refused(provider: Provider) -> None:
    registered = provider.register()
    shopper = provider.password_only()
    _, claims = sign_in(provider, registered, shopper)
    key = OctKey.import_key((registered.client_secret or "x" * 32).encode())
    forged = jwt.encode({"alg": "HS256"}, claims, key, algorithms=["HS256"])
    with provider.browser(shopper) as browser:
        answer = browser.get("/oidc/logout", params={"id_token_hint": forged})
    assert answer.status_code == 400
    assert still_signed_in(provider, shopper)


def test_logout_without_a_hint_asks_first(provider: Provider) -> None:
    shopper = provider.password_only()
    with provider.browser(shopper) as browser:
        page = browser.get("/oidc/logout")
        assert page.status_code == 200
        assert "Sign out?" in page.text
        assert browser.get("/account").status_code == 200
        done = browser.post("/oidc/logout", data={"csrf_token": csrf_of(page.text)})
        assert done.status_code == 200
    assert not still_signed_in(provider, shopper)


def consent(provider: Provider, shopper: Shopper, url: str, decision: str) -> tuple[str, str]:
    """Open the consent page, answer it; returns the page and where the shopper lands."""
    with provider.browser(shopper) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        assert "Allow Test Shop" in page.text
        request = page.text.split('name="request" value="', 1)[1].split('"', 1)[0]
        done = browser.post("/oidc/consent", data={
            "csrf_token": csrf_of(page.text), "request": request.replace("&amp;", "&"),
            "decision": decision})
        assert done.status_code == 200, done.text
        target = refresh_target(done.text)
        if target.startswith("/"):
            back = browser.get(target)
            assert back.status_code == 302
            target = str(back.headers["location"])
    return page.text, target


def test_third_party_shop_asks_for_consent_once(provider: Provider) -> None:
    registered = provider.register(first_party=False)
    shopper = provider.password_only()
    auth = start(provider, registered)
    html, location = consent(provider, shopper, auth.url, "allow")
    assert "See your email address" in html
    assert "code" in code_from(location)
    # Remembered for this client and scope: the next sign-in goes straight through.
    token, claims = sign_in(provider, registered, shopper)
    assert claims["amr"] == ["pwd"]
    assert token["access_token"]


def test_denied_consent_returns_access_denied(provider: Provider) -> None:
    registered = provider.register(first_party=False)
    shopper = provider.password_only()
    auth = start(provider, registered)
    _, location = consent(provider, shopper, auth.url, "deny")
    assert code_from(location)["error"] == ["access_denied"]
    assert code_from(location)["state"] == [auth.state]


def test_oidc_pages_have_labelled_fields_and_no_inline_script(provider: Provider) -> None:
    from tests.pages.helpers import audit

    registered = provider.register(first_party=False)
    auth = start(provider, registered)
    query = auth.url.split("?", 1)[1]
    with provider.browser(provider.with_totp()) as browser:
        pages = [browser.get(auth.url), browser.get("/oidc/confirm?" + query),
                 browser.get("/oidc/confirm?" + query + "&method=recovery_code"),
                 browser.get("/oidc/logout"), browser.get("/oidc/authorize/continue?" + query)]
    for page in pages:
        assert page.status_code == 200, page.text
        found = audit(page.text)
        assert found.unlabelled() == []
        assert found.inline_scripts == 0
        assert found.inline_styles == 0
        assert found.lang == "en"
        assert found.headings[:1] == [1]


def test_connected_shop_is_listed_and_can_be_disconnected(provider: Provider) -> None:
    from tests.pages.helpers import audit

    registered = provider.register(first_party=False)
    shopper = provider.password_only()
    consent(provider, shopper, start(provider, registered).url, "allow")
    token, _ = sign_in(provider, registered, shopper)
    with provider.browser(shopper) as browser:
        page = browser.get("/account/apps")
        assert page.status_code == 200
        assert "Test Shop" in page.text
        assert "See your email address" in page.text
        assert audit(page.text).unlabelled() == []
        done = browser.post("/account/apps/disconnect", data={
            "csrf_token": csrf_of(page.text), "client_id": registered.client_id})
        assert done.headers["location"] == "/account/apps?done=disconnected"
        assert "Test Shop" not in browser.get("/account/apps").text
    assert provider.oidc.tokens.access(token["access_token"]) is None
    with provider.browser(shopper) as browser:  # consent is asked again
        assert "Allow Test Shop" in browser.get(start(provider, registered).url).text
