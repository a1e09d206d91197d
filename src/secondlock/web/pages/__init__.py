"""Server-rendered HTML pages (no JS framework).

``install(app, settings)`` mounts /static, adds the page routes and returns the renderer the
error handlers use for friendly HTML error pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.staticfiles import StaticFiles

from secondlock.config import Settings
from secondlock.core.i18n import msg
from secondlock.web.pages import (
    account,
    auth,
    checkup,
    dev,
    enroll,
    forced_change,
    keys,
    language,
    mfa,
    not_me,
    oob,
    password_change,
    password_reset,
    reauth,
    security,
    verify,
)
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


def install(app: FastAPI, settings: Settings) -> HtmlError:
    pages = Pages(settings)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(auth.router(pages))
    app.include_router(mfa.router(pages))
    app.include_router(account.router(pages))
    app.include_router(security.router(pages))
    app.include_router(enroll.router(pages))
    app.include_router(reauth.router(pages))
    app.include_router(verify.router(pages))
    app.include_router(not_me.router(pages))
    app.include_router(checkup.router(pages))
    app.include_router(password_reset.router(pages))
    app.include_router(password_change.router(pages))
    forced_change.install(app)
    app.include_router(oob.router(pages))  # SMS and email codes (#4)
    app.include_router(keys.router(pages))
    app.include_router(language.router(pages))
    if settings.env == "development":
        app.include_router(dev.router(pages))

    async def html_error(request: Request, status: int, message: str) -> Response:
        title, text = ERRORS.get(status, FALLBACK)
        return pages.render(request, "message.html", status=status, nav=False,
                            title=title, text=text, links=[("/", msg("Go to the home page"))])

    return html_error
