"""The relying party's side of the tests: Authlib's OAuth2Client (httpx) plus joserfc for the
ID token, the way a shop's backend would use them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc.conftest import REDIRECT_URI, Provider, Registered, Shopper


@dataclass
class Authorization:
    client: OAuth2Client
    url: str
    verifier: str
    nonce: str
    state: str


def discover(provider: Provider) -> dict[str, Any]:
    meta: dict[str, Any] = httpx.get(provider.url + "/.well-known/openid-configuration").json()
    return meta


def rp_client(provider: Provider, registered: Registered, **extra: Any) -> OAuth2Client:
    method = "none" if registered.client_secret is None else "client_secret_basic"
    options: dict[str, Any] = {"scope": "openid email", "redirect_uri": REDIRECT_URI,
                               "code_challenge_method": "S256",
                               "token_endpoint_auth_method": method, **extra}
    return provider.track(OAuth2Client(registered.client_id, registered.client_secret,
                                       **options))


def start(provider: Provider, registered: Registered, **params: str) -> Authorization:
    client = rp_client(provider, registered)
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(
        discover(provider)["authorization_endpoint"], code_verifier=verifier, nonce=nonce,
        **params)
    return Authorization(client, url, verifier, nonce, state)


def code_from(location: str) -> dict[str, list[str]]:
    assert location.startswith(REDIRECT_URI), location
    return parse_qs(urlsplit(location).query)


def authorize(provider: Provider, shopper: Shopper, auth: Authorization) -> str:
    """The browser's trip to the authorization endpoint; returns the redirect back."""
    with provider.browser(shopper) as browser:
        answer = browser.get(auth.url)
    assert answer.status_code == 302, (answer.status_code, answer.headers.get("location"),
                                       answer.text[:500])
    location: str = answer.headers["location"]
    return location


def redeem(provider: Provider, auth: Authorization, location: str) -> dict[str, Any]:
    token: dict[str, Any] = auth.client.fetch_token(
        discover(provider)["token_endpoint"], authorization_response=location,
        code_verifier=auth.verifier)
    return token


def verify_id_token(provider: Provider, registered: Registered, id_token: str,
                    nonce: str) -> dict[str, Any]:
    meta = discover(provider)
    keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())
    decoded = jwt.decode(id_token, keys, algorithms=meta["id_token_signing_alg_values_supported"])
    jwt.JWTClaimsRegistry(
        now=int(provider.clock.now().timestamp()),  # the provider's (fixed) clock
        iss={"essential": True, "value": meta["issuer"]},
        aud={"essential": True, "value": registered.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True}, iat={"essential": True}, auth_time={"essential": True},
    ).validate(decoded.claims)
    return dict(decoded.claims)


def sign_in(provider: Provider, registered: Registered, shopper: Shopper,
            **params: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The whole code flow; returns the token response and the verified ID-token claims."""
    auth = start(provider, registered, **params)
    token = redeem(provider, auth, authorize(provider, shopper, auth))
    return token, verify_id_token(provider, registered, token["id_token"], auth.nonce)
