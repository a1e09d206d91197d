"""Languages on the pages: which one a request gets, Jinja's i18n wiring, the footer switch.

A request's language is the ``secondlock_lang`` cookie (set by the footer switch), else the
best match of its ``Accept-Language`` header, else English. Templates use ``{{ _("...") }}``
and ``{% trans %}...{% endtrans %}`` (newstyle gettext: placeholders are escaped); any
:class:`~secondlock.core.i18n.Msg` printed in a template (an error's detail, a checkup item,
a notice) is translated on output by the environment's ``finalize`` hook.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.routing import Match

from secondlock import translations
from secondlock.config import Settings
from secondlock.core.i18n import (
    LANGUAGES,
    Msg,
    language_info,
    msg,
    negotiate,
    nmsg,
)
from secondlock.translations import format_country, format_number, format_when

LANGUAGE_COOKIE = "secondlock_lang"
LANGUAGE_COOKIE_DAYS = 365
MAX_RETURN_PATH = 512

def request_language(request: Request) -> str:
    """The language to answer this request in (cookie, then Accept-Language, then English)."""
    return negotiate(chosen=request.cookies.get(LANGUAGE_COOKIE),
                     accept_language=request.headers.get("accept-language"))


def set_language_cookie(response: Response, settings: Settings, language: str) -> None:
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_DAYS * 86400,
                        httponly=True, samesite="lax", secure=settings.is_https, path="/")


def safe_return_path(raw: str | None) -> str:
    """A path on this site to go back to after switching language; "/" for anything else.

    Only an absolute path without scheme or host qualifies ("//evil.example" and
    "/\\evil.example" are other sites to a browser), with no control characters.
    """
    if not raw or len(raw) > MAX_RETURN_PATH or not raw.startswith("/"):
        return "/"
    if raw.startswith(("//", "/\\")) or "\\" in raw or any(ord(c) < 32 or ord(c) == 127
                                                           for c in raw):
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return "/"
    return raw


def here(request: Request) -> str:
    """This page's path and query, for the switch to come back to. A query that carries a
    token (a mailed link) is left out: the token must not be copied into the page."""
    query = request.url.query
    if not query or "token" in request.query_params:
        return request.url.path
    return f"{request.url.path}?{query}"


def has_get_route(request: Request, path: str) -> bool:
    """Whether a GET of ``path`` reaches a page (a POST-only action would answer 405)."""
    scope = {"type": "http", "method": "GET", "path": path.split("?")[0],
             "root_path": "", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


# Formatting ------------------------------------------------------------------------------
def format_ago(value: datetime, now: datetime) -> str:
    """``5 minutes ago``; older than a week falls back to the full date."""
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return msg("just now")
    days, hours, minutes = seconds // 86400, seconds // 3600, seconds // 60
    if days > 7:
        return format_when(value)
    if days:
        return nmsg("%(n)d day ago", "%(n)d days ago", days)
    if hours:
        return nmsg("%(n)d hour ago", "%(n)d hours ago", hours)
    return nmsg("%(n)d minute ago", "%(n)d minutes ago", minutes)


def format_wait(seconds: int) -> str:
    """``45 seconds``, ``3 minutes``, ``2 hours``: how long to wait, in words."""
    if seconds < 90:
        return nmsg("%(n)d second", "%(n)d seconds", seconds)
    if seconds < 90 * 60:
        return nmsg("%(n)d minute", "%(n)d minutes", round(seconds / 60))
    return nmsg("%(n)d hour", "%(n)d hours", round(seconds / 3600))


def _fill(text: str, autoescape: bool, variables: dict[str, Any]) -> str:
    """Newstyle gettext's formatting: escape the values (not the translation), and print
    any Msg among them in the page's language."""
    values = {key: finalize(value) for key, value in variables.items()}
    # The text is from our own catalogs, as in Jinja's own newstyle gettext; values are escaped.
    return (Markup(text) if autoescape else text) % values  # noqa: S704


@pass_context
def _gettext(context: Context, message: str, /, **variables: Any) -> str:
    return _fill(translations.gettext(message), context.eval_ctx.autoescape, variables)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int, /,
              **variables: Any) -> str:
    variables.setdefault("num", num)
    return _fill(translations.ngettext(singular, plural, num), context.eval_ctx.autoescape,
                 variables)


@pass_context
def _pgettext(context: Context, msgctxt: str, message: str, /, **variables: Any) -> str:
    return _fill(translations.pgettext(msgctxt, message), context.eval_ctx.autoescape,
                 variables)


def left_to_right(value: object) -> Markup:
    """An email address, phone number, IP or URL kept left to right inside any text: a
    ``<bdi dir="ltr">`` island, so an Arabic sentence around it cannot reorder its parts."""
    return Markup('<bdi dir="ltr">%s</bdi>') % (value,)


def install_i18n(env: Environment) -> None:
    """Newstyle gettext in ``env``; the language comes from the render's context variable."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                       languages=LANGUAGES, language_info=language_info)
    env.filters["when"] = format_when
    env.filters["wait"] = format_wait
    env.filters["ago"] = format_ago
    env.filters["country"] = format_country
    env.filters["ltr"] = left_to_right
    env.filters["number"] = format_number
    env.filters["without_title"] = without_title


#: What ends a sentence in the languages we speak (Latin, Cyrillic and Arabic script).
SENTENCE_ENDS = ".!?。؟"


def without_title(detail: object, title: object) -> str:
    """An error's detail minus a first sentence that only repeats its title, so one box
    never says "That code did not work" twice ("That code did not work" / "That code did
    not work. Type the code from the newest email." reads as the title, then the rest)."""
    text, heading = str(finalize(detail)), str(finalize(title))
    rest = text[len(heading):] if heading and text.startswith(heading) else None
    # Only a whole first sentence: "...link has expired" must not cut "... or was used".
    if rest is not None and (not rest or rest[0] in SENTENCE_ENDS):
        return rest.lstrip(" " + SENTENCE_ENDS)
    return text


def finalize(value: object) -> object:
    """Jinja's output hook: a Msg prints in the page's language, the rest as it is."""
    return translations.translate(value) if isinstance(value, Msg) else value
