"""The footer's language switch: a form with one button per language, no JavaScript.

It stores the choice in a cookie, remembers it on the account when someone is signed in
(their mail follows it), and goes back to the page it was pressed on: a path on this site
that answers GET, never another site.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.i18n import LANGUAGES
from secondlock.services.languages import set_language
from secondlock.web.i18n import has_get_route, safe_return_path, set_language_cookie
from secondlock.web.pages.deps import Form, MaybeSignedIn, Renderer, checked_form
from secondlock.web.pages.rendering import redirect

router = APIRouter(include_in_schema=False)


def _back(request: Request, form: Form) -> str:
    """The page the switch was pressed on, when it is ours and answers GET; else home."""
    back = safe_return_path(form.get("next"))
    return back if has_get_route(request, back) else "/"


@router.post("/language")
def switch_language(request: Request, pages: Renderer,
                    form: Annotated[Form, checked_form(_back)],
                    view: MaybeSignedIn) -> Response:
    """Switch the pages (and, when signed in, the mail) to another language."""
    back = _back(request, form)
    language = form.get("language", "")
    if language not in LANGUAGES:
        return redirect(back)
    if view is not None:
        set_language(pages.services(request).rt, view.account_id, language)
    response = redirect(back)
    set_language_cookie(response, pages.settings, language)
    return response
