"""Server-rendered HTML pages (no JS framework).

``install(app, settings)`` mounts /static, adds the page routes and returns the renderer the
error handlers use for friendly HTML error pages.

One module per page or method, each with a module-level ``router`` whose handlers take
their dependencies from ``deps`` (``Renderer``, ``SignedIn``, ``MaybeSignedIn``,
``checked_form(back)``). The methods: ``authenticator_app``, ``recovery_codes``,
``sms_email_codes``, ``security_keys``; around them ``sign_in``, ``second_step`` (with
``pending_sign_in``), ``confirm`` ("confirm it's you"), ``security``, ``factors`` (rename
and remove for every method) and the account pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from secondlock.config import Settings
from secondlock.core.i18n import msg
from secondlock.core.views import SessionView
from secondlock.web.pages import (
    account,
    authenticator_app,
    checkup,
    confirm,
    deps,
    dev,
    forced_change,
    forced_enrollment,
    language,
    not_me,
    password_change,
    password_reset,
    recovery,
    recovery_codes,
    second_step,
    security,
    security_keys,
    sign_in,
    sms_email_codes,
    staff_console,
    verify,
)
from secondlock.web.pages.forced_change import PasswordChangeRequired
from secondlock.web.pages.forced_enrollment import EnrollmentRequired
from secondlock.web.pages.rendering import STATIC_DIR, Pages

HtmlError = Callable[[Request, int, str], Awaitable[Response]]

#: Title and text of the error pages; the exception's own message is never shown.
ERRORS: dict[int, tuple[str, str]] = {
    400: (msg("That request did not work"),
          msg("Something in the request was not right. Go back and try again.")),
    401: (msg("Please sign in"), msg("Sign in to see this page.")),
    403: (msg("You cannot open this page"), msg("This page is not available to you.")),
    404: (msg("We could not find that page"),
          msg("The address may be mistyped, or the page may have moved.")),
    405: (msg("That did not work"),
          msg("This page cannot be used that way. Open it from a link or a button on this "
              "site.")),
    413: (msg("That was too much to send"),
          msg("The form was too large. Shorten it and try again.")),
}
FALLBACK = (msg("Something did not work"), msg("Please go back and try again."))


def _signed_in(pages: Pages, request: Request) -> SessionView | None:
    """The signed-in shopper on an error page, or None (also when a forced step is due)."""
    try:
        return pages.current(request)
    except (PasswordChangeRequired, EnrollmentRequired):
        return None


def install(app: FastAPI, settings: Settings) -> HtmlError:
    pages = Pages(settings)
    app.state.pages = pages  # what ``deps.Renderer`` hands to every handler
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (sign_in, second_step, account, security, authenticator_app,
                   recovery_codes, sms_email_codes, security_keys, confirm, verify, not_me,
                   checkup, password_reset, password_change, language, recovery,
                   staff_console):
        app.include_router(module.router)
    if settings.env == "development":
        app.include_router(dev.router)
    forced_change.install(app)
    forced_enrollment.install(app)
    deps.install_handlers(app, pages)

    async def html_error(request: Request, status: int, message: str) -> Response:
        title, text = ERRORS.get(status, FALLBACK)
        if status != 404:
            return pages.render(request, "message.html", status=status, nav=False,
                                title=title, text=text,
                                links=[("/", msg("Go to the home page"))])
        # A page that is not there: the site's navigation and the ways on a shopper needs.
        view = await run_in_threadpool(_signed_in, pages, request)
        onward = ("/account", msg("Go to your account")) if view else ("/login", msg("Sign in"))
        return pages.render(request, "message.html", status=status, user=view, title=title,
                            text=text, links=[("/", msg("Go to the home page")), onward])

    return html_error
