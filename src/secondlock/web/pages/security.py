"""The security page: two-factor status, authenticator apps and recovery codes.

Sensitive changes (remove, turn off, new codes) need a recent sign-in; when the service
says it is too old, the shopper confirms it's them on /account/confirm and comes back.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import NotFoundError, ReauthRequiredError, SecondLockError
from secondlock.core.i18n import msg
from secondlock.core.recovery_codes import LOW_CODES_THRESHOLD
from secondlock.storage.repositories import SessionView
from secondlock.translations import translate, use_language
from secondlock.web.deps import request_info
from secondlock.web.i18n import request_language
from secondlock.web.pages.rendering import (
    FormFields,
    Pages,
    confirm_first,
    error_status,
    redirect,
)

AUTHENTICATOR_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
CODES_FILE = "secondlock-recovery-codes.txt"


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
                        download_name=CODES_FILE, then=then, turned_on=turned_on)


def failed(pages: Pages, request: Request, view: SessionView, exc: SecondLockError) -> Response:
    """A change on the security page was refused: say why, with the way back."""
    status, headers = error_status(exc)
    return pages.message(request, status=status, title=exc.title, text=exc.detail,
                         user=view, headers=headers,
                         links=[("/account/security", msg("Back to security settings"))])


def rename_factor(pages: Pages, request: Request, form: dict[str, str], *, gone: str,
                  done: str) -> Response:
    """Rename an app, phone, address or key (the form's ``authenticator_id``); ``gone`` and
    ``done`` are the notices for a factor that no longer exists and for success."""
    view = pages.current(request)
    if view is None:
        return pages.to_login(request)
    if not pages.csrf_ok(request, form):
        return pages.csrf_failed(request, "/account/security")
    factor_id = form.get("authenticator_id", "")
    try:
        if not AUTHENTICATOR_ID.match(factor_id):
            raise NotFoundError(msg("No such authenticator."))
        pages.services(request).authenticators.rename(view, factor_id, form.get("name", ""),
                                                      request_info(request))
    except NotFoundError:
        return redirect(f"/account/security?notice={gone}")
    except SecondLockError as exc:
        return failed(pages, request, view, exc)
    return redirect(f"/account/security?notice={done}")


def remove_factor(pages: Pages, request: Request, form: dict[str, str], *, gone: str,
                  done: str) -> Response:
    """Remove an app, phone, address or key; the last one turns 2FA off (needs a recent
    sign-in: else "confirm it's you" first)."""
    view = pages.current(request)
    if view is None:
        return pages.to_login(request)
    if not pages.csrf_ok(request, form):
        return pages.csrf_failed(request, "/account/security")
    factor_id = form.get("authenticator_id", "")
    try:
        if not AUTHENTICATOR_ID.match(factor_id):
            raise NotFoundError(msg("No such authenticator."))
        turned_off = pages.services(request).authenticators.remove(view, factor_id,
                                                                   request_info(request))
    except ReauthRequiredError:
        return confirm_first("/account/security")
    except NotFoundError:
        return redirect(f"/account/security?notice={gone}")
    except SecondLockError as exc:
        return failed(pages, request, view, exc)
    return redirect("/account/security?notice=" + ("mfa-off" if turned_off else done))


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(prefix="/account/security", include_in_schema=False)

    @routes.get("")
    def security(request: Request) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        services = pages.services(request)
        apps = [a for a in services.authenticators.list(view.account_id)
                if a.confirmed_at is not None and a.type == "totp"]
        summary = services.authenticators.summary(view.account_id)
        from secondlock.web.pages import oob as oob_pages  # SMS/email codes (#4)

        return pages.render(request, "security.html", user=view, apps=apps,
                            codes_left=summary.recovery_codes_remaining,
                            low_codes=LOW_CODES_THRESHOLD,
                            oob=oob_pages.security_section(pages, request, view),
                            keys=services.security_keys.keys(view.account_id))

    @routes.post("/apps/rename")
    def rename(request: Request, form: FormFields) -> Response:
        return rename_factor(pages, request, form, gone="app-gone", done="app-renamed")

    @routes.post("/apps/remove")
    def remove(request: Request, form: FormFields) -> Response:
        return remove_factor(pages, request, form, gone="app-gone", done="app-removed")

    @routes.get("/turn-off")
    def turn_off_form(request: Request) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        if not view.mfa_enabled:
            return redirect("/account/security")
        return pages.render(request, "turn_off.html", user=view)

    @routes.post("/turn-off")
    def turn_off(request: Request, form: FormFields) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account/security/turn-off")
        try:
            pages.services(request).authenticators.turn_off(view, request_info(request))
        except ReauthRequiredError:
            return confirm_first("/account/security/turn-off")
        except SecondLockError as exc:
            return failed(pages, request, view, exc)
        return redirect("/account/security?notice=mfa-off")

    @routes.post("/recovery-codes")
    def regenerate(request: Request, form: FormFields) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account/security")
        try:
            codes = pages.services(request).recovery_codes.regenerate(view,
                                                                     request_info(request))
        except ReauthRequiredError:
            return confirm_first("/account/security")
        except SecondLockError as exc:
            return failed(pages, request, view, exc)
        return render_codes(pages, request, view, codes,
                            then="/account/security?notice=codes-saved", turned_on=False)

    return routes
