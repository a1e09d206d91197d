"""Every page that needs an account sends a signed-out browser to sign in, and every form
refuses a missing CSRF token with the friendly 403 page: checked for each route, found by
the dependency it declares (so a new page gets the same checks without a new test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from secondlock.web.pages.deps import signed_in
from tests.conftest import PASSWORD
from tests.pages.helpers import csrf_of, page_signup


def _calls(dependant: Dependant) -> Iterator[Callable[..., object]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # FastAPI 0.16x keeps an included router whole instead of copying its routes.
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def _routes(app: FastAPI, wanted: Callable[[Callable[..., object]], bool],
            ) -> list[tuple[str, str]]:
    return [(method, route.path) for route in _api_routes(app.routes)
            if any(wanted(c) for c in _calls(route.dependant))
            for method in sorted(route.methods or ())]


def _needs_account(call: Callable[..., object]) -> bool:
    return call is signed_in


def _checks_form(call: Callable[..., object]) -> bool:
    return getattr(call, "__name__", "") == "form_with_valid_token"


def test_pages_that_need_an_account_send_a_signed_out_browser_to_sign_in(
        app: FastAPI, client: TestClient) -> None:
    routes = _routes(app, _needs_account)
    assert ("GET", "/account") in routes
    assert ("POST", "/account/confirm") in routes
    token = csrf_of(client.get("/login").text)  # a valid form, so only the account is missing
    for method, path in routes:
        response = client.request(method, path, data={"csrf_token": token} if method == "POST"
                                  else None, follow_redirects=False)
        assert (response.status_code, response.headers.get("location")) == (303, "/login"), \
            (method, path)


def test_every_checked_form_refuses_a_missing_token_with_the_friendly_page(
        app: FastAPI, client: TestClient) -> None:
    routes = _routes(app, _checks_form)
    assert ("POST", "/login") in routes
    assert ("POST", "/account/sessions/revoke") in routes
    page_signup(client, "ada@example.com", PASSWORD)
    for method, path in routes:
        response = client.request(method, path, data={"next": "/account"},
                                  follow_redirects=False)
        assert response.status_code == 403, (method, path)
        assert "This form could not be accepted" in response.text, (method, path)
    assert client.get("/account", follow_redirects=False).status_code == 200  # still signed in
