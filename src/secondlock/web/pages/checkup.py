"""The security checkup page, and the two fixes that are a single button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import RateLimitedError
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.rendering import redirect

router = APIRouter(prefix="/account", include_in_schema=False)


@router.get("/checkup")
def checkup(request: Request, pages: Renderer, view: SignedIn) -> Response:
    return pages.render(request, "checkup.html", user=view,
                        checkup=pages.services(request).checkup.run(view))


@router.post("/checkup/reviewed")
def reviewed(request: Request, pages: Renderer, view: SignedIn,
             form: Annotated[Form, checked_form("/account/checkup")]) -> Response:
    pages.services(request).checkup.mark_devices_reviewed(view, request_info(request))
    return redirect("/account/checkup?notice=devices-reviewed")


@router.post("/email/resend")
def resend(request: Request, pages: Renderer, view: SignedIn,
           form: Annotated[Form, checked_form("/account")]) -> Response:
    try:
        sent = pages.services(request).accounts.resend_verification(
            view.account_id, request_info(request))
    except RateLimitedError:
        return redirect("/account/checkup?notice=resend-limited")
    return redirect("/account/checkup?notice=" + ("link-sent" if sent else "confirmed"))
