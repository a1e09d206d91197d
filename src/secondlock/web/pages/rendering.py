"""Shared plumbing for the HTML pages: templates, CSRF tokens, the signed-in session.

``Pages`` (built once in ``install``) renders templates and the standard pages; handlers get
it, the signed-in session and the checked form from the dependencies in ``deps``. Handlers
that call services are plain ``def`` functions, so FastAPI runs them in the threadpool; the
form body is read by the async ``form_fields`` dependency first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from secondlock.config import Settings
from secondlock.core.errors import NotAuthenticatedError, RateLimitedError, SecondLockError
from secondlock.core.i18n import msg
from secondlock.core.views import SessionView
from secondlock.services import Services
from secondlock.services.recovery_state import pending_recovery
from secondlock.translations import translate, use_language
from secondlock.web.cookies import clear_session_cookie, read_session_cookie, set_session_cookie
from secondlock.web.csrf import CSRF_FIELD, apply_cookies, check_csrf, csrf_token
from secondlock.web.deps import services_of
from secondlock.web.i18n import finalize, here, install_i18n, request_language
from secondlock.web.pages.forced_change import EXEMPT_PATHS, PasswordChangeRequired
from secondlock.web.pages.forced_enrollment import EnrollmentRequired, enrollment_page
from secondlock.web.problems import STATUS_BY_CODE

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

#: The names a factor gets when the shopper gives none: stored in English, shown in the
#: page's language (a name the shopper typed is shown as typed).
DEFAULT_FACTOR_NAMES = {"Authenticator app": msg("Authenticator app"), "Phone": msg("Phone"),
                        "Email": msg("Email"), "Passkey": msg("Passkey"),
                        "Security key": msg("Security key")}


def factor_name(name: str) -> str:
    """A factor's name as the pages show it (``DEFAULT_FACTOR_NAMES`` translated now, in
    the page's language, so it survives ``join``)."""
    return str(translate(DEFAULT_FACTOR_NAMES[name])) if name in DEFAULT_FACTOR_NAMES else name


#: Short notices a redirect may ask for (``?notice=...``); never free text from the URL.
NOTICES = {
    "shop-requires-2fa": msg("The shop you are signing in to requires two-factor "
                             "authentication. Set up an authenticator app; then you go back to "
                             "the shop."),
    "enroll-required": msg("This service requires two-factor authentication. Set up an "
                           "authenticator app (or add a security key or phone on your security "
                           "page) to continue."),
    "signed-out": msg("You are signed out."),
    "session-ended": msg("That device is signed out. It has to sign in again to get back in."),
    "others-ended": msg("All your other devices are signed out."),
    "session-gone": msg("That session had already ended."),
    "account-created": msg("Your account is ready. Sign in to continue."),
    "mfa-expired": msg("Your sign-in took too long or was already used. For your safety, enter "
                   "your email and password again."),
    "test-setup": msg("Now test your setup: sign in with your email and password, then type the "
                  "code your authenticator app shows."),
    "setup-works": msg("Your setup works: you signed in with your second factor. Keep your "
                       "recovery codes somewhere safe."),
    "recovery-code-used": msg("You signed in with a recovery code. That code is used up now."),
    "confirmed": msg("Thank you, that's confirmed. You can make the change now."),
    "app-added": msg("The authenticator app is added. You can use it when you sign in."),
    "app-renamed": msg("The authenticator app is renamed."),
    # The security page removes apps, phones and addresses through the same form.
    "app-removed": msg("Removed. It no longer works for signing in."),
    "app-gone": msg("That method was already removed."),
    "mfa-off": msg("Two-factor authentication is off. Signing in needs only your password now."),
    "codes-saved": msg("Good. Your new recovery codes are the only ones that work now."),
    "setup-expired": msg("That setup expired before it was finished. Start again."),
    "device-forgotten": msg("That device is forgotten. It will ask for a code at its next "
                            "sign-in."),
    "devices-forgotten": msg("No device is remembered any more. Each will ask for a code at its "
                         "next sign-in."),
    "device-gone": msg("That device was already forgotten."),
    "devices-reviewed": msg("Thank you. We will ask again when a new device signs in."),
    "link-sent": msg("We sent a new confirmation link. It works for 48 hours."),
    "resend-limited": msg("We sent several links already. Look for them in your inbox and spam "
                      "folder, or try again in an hour."),
    # Password change and reset
    "password-changed": msg("Your password is changed. Your other devices are signed out."),
    "reset-link-expired": msg("That password reset link has expired or was already used. "
                              "Ask for a new one below."),
    "factor-added": msg("Done. You can use it when you sign in."),
    "key-added": msg("The security key is added. You can use it when you sign in."),
    "key-renamed": msg("The security key is renamed."),
    "key-removed": msg("The security key is removed."),
    "key-gone": msg("That security key was already removed."),
    # Recovery with a waiting period (#15)
    "recovered": msg("You are back in. Every old second factor was removed: set up a new "
                     "one now."),
    "recovery-cancelled": msg("You signed in with a second factor, so the recovery of your "
                              "account that was waiting is stopped. Nothing was removed."),
    # The support console (issue #14)
    "staff-done": msg("Done. The shopper was mailed, and the audit log has the entry."),
    "staff-approval-asked": msg("The reset is waiting for another admin to approve it."),
    "staff-incomplete": msg("Give a reason, and for a reset also the ticket and every check."),
}

#: Notices that report a problem: announced as alerts, not as polite status messages.
def _days_left(deadline: datetime | None, now: datetime) -> int:
    """Whole days left, rounded up (so the last day reads "1 day", not "0 days")."""
    if deadline is None:
        return 0
    return max(1, -(-int((deadline - now).total_seconds()) // 86400))


ALERT_NOTICES = {"mfa-expired", "setup-expired", "resend-limited", "reset-link-expired",
                 "staff-incomplete"}

#: Where the confirm-it's-you page may send people back to: pages of the account area.
SAFE_NEXT = re.compile(r"^/account(?:/[a-z0-9-]+)*$")

#: Longest form value we look at; longer ones are cut (the body limit caps the total).
MAX_FIELD_CHARS = 4096


async def form_fields(request: Request) -> dict[str, str]:
    """The submitted form as plain strings (file parts are dropped).

    A NUL character is never part of anything a person types, and PostgreSQL refuses it in
    text: such a form gets the friendly "that request did not work" page (400) here, the
    one place page forms are read, before any handler or background task sees it.
    """
    form = await request.form(max_files=0, max_fields=32)
    fields = {key: value[:MAX_FIELD_CHARS] for key, value in form.items()
              if isinstance(value, str)}
    if any("\x00" in key or "\x00" in value for key, value in fields.items()):
        raise HTTPException(400, "the form holds a NUL character")
    return fields


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def _asset_version() -> str:
    digest = hashlib.sha256()
    for name in ("secondlock.css", "secondlock.js", "webauthn.js"):
        digest.update((STATIC_DIR / name).read_bytes())
    return digest.hexdigest()[:10]


class Pages:
    """Templates plus the request helpers every page handler needs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.env = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                               autoescape=select_autoescape(default=True, default_for_string=True),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               finalize=finalize)
        install_i18n(self.env)  # _(), {% trans %}, the language switch, dates in words
        self.env.globals.update(service_name=settings.service_name,
                                asset_version=_asset_version(),
                                development=settings.env == "development",
                                csrf_field=CSRF_FIELD)
        self.env.filters["factor_name"] = factor_name

    # Sessions ------------------------------------------------------------------------------
    def session_token(self, request: Request) -> str | None:
        return read_session_cookie(request, self.settings)

    def current(self, request: Request) -> SessionView | None:
        """The signed-in session, or None. Sync: call it from a threadpool handler.

        Raises:
            PasswordChangeRequired: the account must choose a new password first (a
                redirect to that page; see ``forced_change``).
        """
        sessions = services_of(request).sessions
        try:
            view = sessions.authenticate(self.session_token(request), enrolling=True)
        except NotAuthenticatedError:
            return None
        if view.password_change_required and request.url.path not in EXEMPT_PATHS:
            raise PasswordChangeRequired()
        if sessions.must_enroll(view) and not enrollment_page(request.url.path):
            raise EnrollmentRequired()
        return view

    def services(self, request: Request) -> Services:
        return services_of(request)

    # CSRF ----------------------------------------------------------------------------------
    def csrf_ok(self, request: Request, form: dict[str, str]) -> bool:
        return check_csrf(request, form.get(CSRF_FIELD), self.settings,
                          self.session_token(request))

    # Responses -----------------------------------------------------------------------------
    def render(self, request: Request, template: str, *, status: int = 200,
               user: SessionView | None = None, headers: dict[str, str] | None = None,
               nav: bool = True, **context: Any) -> HTMLResponse:
        cookies: dict[str, str] = {}
        token = csrf_token(request, cookies, self.settings, self.session_token(request))
        key = request.query_params.get("notice", "")
        # A pending recovery shows on every signed-in page (issue #15).
        recovery = pending_recovery(services_of(request).rt, user.account_id) \
            if user is not None else None
        enroll_by = services_of(request).sessions.enroll_by(user) if user is not None else None
        with use_language(request_language(request)) as language:
            html = self.env.get_template(template).render(
                user=user, csrf_token=token, notice=NOTICES.get(key), enroll_by=enroll_by,
                enroll_days=_days_left(enroll_by, services_of(request).rt.clock.now()),
                notice_alert=key in ALERT_NOTICES, nav=nav, path=request.url.path,
                lang=language, here=here(request), recovery_banner=recovery, **context)
        response = HTMLResponse(html, status_code=status, headers=headers)
        apply_cookies(response, cookies, self.settings)
        return response

    def message(self, request: Request, *, status: int, title: str, text: str,
                links: Sequence[tuple[str, str]] | None = None,
                user: SessionView | None = None,
                headers: dict[str, str] | None = None) -> HTMLResponse:
        """A page with one heading, one paragraph and a few ways on."""
        return self.render(request, "message.html", status=status, user=user,
                           headers=headers, title=title, text=text,
                           links=links or [("/", msg("Go to the home page"))])

    def csrf_failed(self, request: Request, back: str) -> HTMLResponse:
        return self.message(
            request, status=403, title=msg("This form could not be accepted"),
            text=msg("For your safety we only accept forms sent from this site's own pages. "
                     "This happens when a page stayed open for a long time, when cookies are "
                     "blocked, or when another site tried to send the form. Open the page "
                     "again and retry."),
            links=[(back, msg("Open the page again"))])

    def renew_session(self, request: Request, response: Response, view: SessionView) -> Response:
        """After a fresh confirmation ("confirm it's you"), the browser gets a new session
        token for the same session (SES-3); the old cookie value stops working."""
        set_session_cookie(response, self.settings, self.services(request).sessions.rotate(view))
        return response

    def to_login(self, request: Request) -> Response:
        """Redirect to the sign-in page, dropping a stale session cookie."""
        response = redirect("/login")
        if self.session_token(request):
            clear_session_cookie(response, self.settings)
        return response


def safe_next(raw: str | None, default: str = "/account/security") -> str:
    """A local path in the account area, or ``default``: never another site."""
    return raw if raw and len(raw) <= 200 and SAFE_NEXT.fullmatch(raw) else default


def confirm_first(next_path: str) -> RedirectResponse:
    """A sensitive change needs a recent sign-in: confirm it's you, then come back."""
    return redirect("/account/confirm?" + urlencode({"next": next_path}))


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def error_status(exc: SecondLockError) -> tuple[int, dict[str, str]]:
    """The HTTP status (from the one table in web.problems) and headers for a form error."""
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    return STATUS_BY_CODE.get(exc.code, 400), headers
