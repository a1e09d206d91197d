"""The support console (/admin, issue #14) over HTTP: who gets in, CSRF, the identity
checklist, and a reset approved by a second admin in another browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.request_info import RequestInfo
from secondlock.services import Services
from secondlock.services.sessions import issue_session
from secondlock.web.cookies import session_cookie_name
from secondlock.web.i18n import LANGUAGE_COOKIE
from tests.api.conftest import TotpAccount
from tests.api.webauthn_support import add_key
from tests.conftest import MadeAccount
from tests.pages.helpers import csrf_of
from tests.softkey import SoftKey

KEY_AMR = "pwd hwk mfa"
TOTP_AMR = "pwd otp mfa"


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(staff_reset_approval=1)


def browser_for(app: FastAPI, account: MadeAccount, amr: str, role: str | None) -> TestClient:
    """A browser of its own, signed in as ``account`` with ``amr``, staff in ``role``."""
    services: Services = app.state.services
    if role and "hwk" in amr.split():
        assert add_key(TestClient(app), account, SoftKey()).status_code == 201
    if role:
        services.staff.add(account.email, role)
    with services.rt.db.write() as s:
        issued = issue_session(s, account_id=account.id, amr=amr,
                               info=RequestInfo("127.0.0.1", "test"),
                               now=services.rt.clock.now(), absolute=services.sessions.absolute)
        s.commit()
    browser = TestClient(app, base_url="http://localhost:8000")
    browser.cookies.set(session_cookie_name(services.rt.settings), issued.token)
    return browser


def test_shoppers_and_staff_without_a_key_are_refused(
        app: FastAPI, account_factory: Callable[..., MadeAccount]) -> None:
    shopper = browser_for(app, account_factory(), KEY_AMR, None)
    assert shopper.get("/admin").status_code == 403
    with_totp = browser_for(app, account_factory(), TOTP_AMR, "admin")
    answer = with_totp.get("/admin")
    assert answer.status_code == 403
    assert "security key or a passkey" in answer.text
    assert TestClient(app).get("/admin", follow_redirects=False).status_code == 303


def test_a_key_added_after_the_grant_opens_the_console_once_the_role_is_granted_again(
        app: FastAPI, clock: FixedClock, account_factory: Callable[..., MadeAccount]) -> None:
    """Whoever knows a keyless member's password could add a key of their own: a key the
    operator did not vouch for by granting the role does not open the console."""
    services: Services = app.state.services
    account = account_factory()
    assert services.staff.add(account.email, "support") is False
    clock.advance(seconds=1)
    assert add_key(TestClient(app), account, SoftKey()).status_code == 201
    staff = browser_for(app, account, KEY_AMR, None)
    refused = staff.get("/admin")
    assert refused.status_code == 403
    assert "added after you became staff" in refused.text
    assert services.staff.add(account.email, "support") is True
    assert staff.get("/admin").status_code == 200


def test_staff_sessions_idle_out_after_15_minutes(
        app: FastAPI, clock: FixedClock, account_factory: Callable[..., MadeAccount]) -> None:
    staff = browser_for(app, account_factory(), KEY_AMR, "support")
    assert staff.get("/admin").status_code == 200
    clock.advance(minutes=16)
    answer = staff.get("/admin", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")


def test_search_reset_with_approval_in_another_browser(
        app: FastAPI, account_factory: Callable[..., MadeAccount],
        totp_factory: Callable[..., TotpAccount], client: TestClient) -> None:
    shopper = totp_factory(email="lost.phone@example.com")
    agent = browser_for(app, account_factory(), KEY_AMR, "support")
    lead = browser_for(app, account_factory(), KEY_AMR, "admin")
    found = agent.get("/admin", params={"query": "lost.ph"})
    assert f'href="/admin/accounts/{shopper.account.id}"' in found.text
    page = agent.get(f"/admin/accounts/{shopper.account.id}")
    assert page.status_code == 200
    assert shopper.secret not in page.text
    assert "The order history matches" in page.text
    action = f"/admin/accounts/{shopper.account.id}/reset-2fa"
    form = {"reason": "video call", "ticket": "T-5", "csrf_token": csrf_of(page.text)}
    unchecked = agent.post(action, data=form, follow_redirects=False)
    assert unchecked.headers["location"].endswith("notice=staff-incomplete")
    assert agent.post(action, data={**form, "csrf_token": "forged"},
                      follow_redirects=False).status_code == 403
    checks = {f"check{i}": "1" for i in range(3)}
    asked = agent.post(action, data={**form, **checks}, follow_redirects=False)
    assert asked.headers["location"].endswith("notice=staff-approval-asked")
    assert client.get("/api/v1/me", headers=shopper.account.auth).json()["mfa_enabled"]
    assert agent.get("/admin/approvals").status_code == 403  # support: no approvals
    approvals = lead.get("/admin/approvals")
    assert "lost.phone@example.com" in approvals.text
    approval_id = approvals.text.split('action="/admin/approvals/')[1].split("/")[0]
    done = lead.post(f"/admin/approvals/{approval_id}/approve",
                     data={"csrf_token": csrf_of(approvals.text)}, follow_redirects=False)
    assert done.headers["location"].endswith("notice=staff-done")
    assert client.get("/api/v1/me", headers=shopper.account.auth).status_code == 401
    audit = lead.get("/admin/audit")
    assert "reset_2fa_requested" in audit.text
    assert "approve_reset" in audit.text


def test_staff_cannot_act_on_their_own_account(
        app: FastAPI, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    staff = browser_for(app, account, KEY_AMR, "admin")
    page = staff.get(f"/admin/accounts/{account.id}")
    assert "staff cannot act on it here" in page.text
    answer = staff.post(f"/admin/accounts/{account.id}/unlock",
                        data={"reason": "x", "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 403


def test_the_console_speaks_german(app: FastAPI,
                                   account_factory: Callable[..., MadeAccount]) -> None:
    staff = browser_for(app, account_factory(), KEY_AMR, "admin")
    staff.cookies.set(LANGUAGE_COOKIE, "de")
    page = staff.get("/admin")
    assert '<html lang="de"' in page.text
    assert "Support-Konsole" in page.text
    assert "Prüfprotokoll" in page.text
