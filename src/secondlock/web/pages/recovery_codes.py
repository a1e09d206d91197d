"""Recovery codes on the pages: their own page (how many are left, "make new codes") and
the one-time page that shows a fresh set (with download)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import ReauthRequiredError, SecondLockError
from secondlock.core.i18n import msg
from secondlock.core.recovery_codes import LOW_CODES_THRESHOLD
from secondlock.core.views import SessionView
from secondlock.translations import translate, use_language
from secondlock.web.deps import request_info
from secondlock.web.i18n import request_language
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.factors import failed
from secondlock.web.pages.rendering import Pages, confirm_first, redirect

CODES_FILE = "secondlock-recovery-codes.txt"

router = APIRouter(include_in_schema=False)


def codes_text(service_name: str, email: str, codes: list[str]) -> str:
    lines = [translate(msg("%(service)s recovery codes for %(email)s", service=service_name,
                           email=email)), "",
             translate(msg("Each code works once. Use one to sign in when you do not have "
                           "your authenticator app.")),
             translate(msg("Keep them somewhere safe, away from your phone.")), ""]
    return "\n".join(lines + codes) + "\n"


def render_codes(pages: Pages, request: Request, view: SessionView, codes: list[str], *,
                 then: str, turned_on: bool) -> Response:
    """The one-time page that shows a fresh set of recovery codes (never again after)."""
    with use_language(request_language(request)):
        text = codes_text(pages.settings.service_name, view.email, codes)
    return pages.render(request, "recovery_codes.html", user=view, codes=codes,
                        download_href="data:text/plain;charset=utf-8," + quote(text),
                        download_name=CODES_FILE, then=then, turned_on=turned_on,
                        # No language switch: it would reload the page and lose the codes,
                        # which are not stored in a readable form anywhere (see base.html).
                        codes_on_screen=True)


@router.get("/account/security/recovery-codes")
def codes_page(request: Request, pages: Renderer, view: SignedIn) -> Response:
    """How many recovery codes are left, and "make new codes"."""
    if not view.mfa_enabled:
        return redirect("/account/security")
    summary = pages.services(request).authenticators.summary(view.account_id)
    return pages.render(request, "security_recovery_codes.html", user=view,
                        codes_left=summary.recovery_codes_remaining,
                        low_codes=LOW_CODES_THRESHOLD)


@router.post("/account/security/recovery-codes")
def regenerate(request: Request, pages: Renderer, view: SignedIn,
               form: Annotated[Form, checked_form("/account/security")]) -> Response:
    try:
        codes = pages.services(request).recovery_codes.regenerate(view, request_info(request))
    except ReauthRequiredError:
        return confirm_first("/account/security")
    except SecondLockError as exc:
        return failed(pages, request, view, exc)
    return render_codes(pages, request, view, codes,
                        then="/account/security?notice=codes-saved", turned_on=False)
