"""Issue 12 item 3: a NUL character in a page form is bad input, not a 500 (PostgreSQL
refuses NUL in text, so these run there; they skip without a reachable PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from secondlock.services.oidc import OidcServices
from tests.conftest import PASSWORD, MadeAccount
from tests.pages.helpers import csrf_of, page_login, page_signup

BAD_INPUT_TITLE = "That request did not work"


@pytest.fixture
def database_url(pg_url: str) -> str:
    """The app under test runs on PostgreSQL."""
    return pg_url


def refused_as_bad_input(answer_status: int, text: str) -> bool:
    return answer_status == 400 and BAD_INPUT_TITLE in text and "Go to the home page" in text


@pytest.mark.postgres
@pytest.mark.parametrize("email", ["ada\x00@example.com", "ada@example.com\x00", "\x00"])
def test_nul_in_the_sign_in_form_gets_the_bad_input_page(client: TestClient,
                                                         email: str) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    answer = page_login(client, email, PASSWORD)
    assert refused_as_bad_input(answer.status_code, answer.text), answer.text
    # Nothing was lost: the same form with the right address still works.
    assert page_login(client, "ada@example.com", PASSWORD).status_code == 303


@pytest.mark.postgres
def test_nul_in_a_password_reset_request_gets_the_bad_input_page(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    form = client.get("/password-reset")
    with caplog.at_level(logging.WARNING):
        answer = client.post("/password-reset", data={
            "email": "ada@example.com\x00", "csrf_token": csrf_of(form.text)})
    assert refused_as_bad_input(answer.status_code, answer.text), answer.text
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.postgres
def test_nul_in_the_disconnect_form_gets_the_bad_input_page(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    oidc: OidcServices = client.app.state.oidc  # type: ignore[attr-defined]
    oidc.clients.add("Shop", ["https://shop.example/cb"])
    assert page_login(client, account.email, account.password).status_code == 303
    apps = client.get("/account/apps")
    assert apps.status_code == 200
    answer = client.post("/account/apps/disconnect", follow_redirects=False, data={
        "client_id": "shop\x00", "csrf_token": csrf_of(apps.text)})
    assert refused_as_bad_input(answer.status_code, answer.text), answer.text
    # The session and the page still work.
    assert client.get("/account/apps").status_code == 200
