"""The signed-in pages: account overview, signed-in devices and activity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.activity_text import KIND_LABELS, KINDS
from secondlock.core.devices import describe_device
from secondlock.core.errors import NotFoundError
from secondlock.core.i18n import msg
from secondlock.core.places import describe_place
from secondlock.core.recovery_codes import LOW_CODES_THRESHOLD
from secondlock.core.views import SessionView
from secondlock.web.cookies import clear_session_cookie
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.rendering import Pages, redirect

SESSION_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")

router = APIRouter(prefix="/account", include_in_schema=False)
SessionsForm = Annotated[Form, checked_form("/account/sessions")]


@dataclass(frozen=True)
class DeviceRow:
    id: str
    device: str
    ip: str
    created_at: datetime
    last_seen_at: datetime
    current: bool
    place: str | None = None


def _devices(pages: Pages, request: Request, view: SessionView) -> list[DeviceRow]:
    services = pages.services(request)
    rows = services.sessions.list(view.account_id)
    devices = [DeviceRow(id=r.id, device=describe_device(r.user_agent), ip=r.ip,
                         created_at=r.created_at, last_seen_at=r.last_seen_at,
                         current=r.id == view.id,
                         place=describe_place(services.rt.places.locate(r.ip))) for r in rows]
    # This device first, then the most recently active.
    return sorted(devices, key=lambda d: (not d.current, -d.last_seen_at.timestamp()))


def _positive_int(raw: str | None) -> int | None:
    if raw is None or not raw.isdigit() or len(raw) > 18:
        return None
    value = int(raw)
    return value if value > 0 else None


@router.get("")
def account(request: Request, pages: Renderer, view: SignedIn) -> Response:
    services = pages.services(request)
    # With few recovery codes left (say after using one to sign in), nudge for new ones.
    codes_left = services.recovery_codes.remaining(view.account_id) \
        if view.mfa_enabled else None
    return pages.render(request, "account.html", user=view, codes_left=codes_left,
                        low_codes=LOW_CODES_THRESHOLD, checkup=services.checkup.run(view),
                        previous=services.activity.previous_sign_in(view.account_id))


@router.get("/sessions")
def sessions(request: Request, pages: Renderer, view: SignedIn) -> Response:
    return pages.render(request, "sessions.html", user=view,
                        devices=_devices(pages, request, view),
                        remembered=pages.services(request).trusted_devices.list(
                            view.account_id))


@router.post("/sessions/revoke")
def revoke(request: Request, pages: Renderer, view: SignedIn, form: SessionsForm) -> Response:
    session_id = form.get("session_id", "")
    if not SESSION_ID.match(session_id):
        return redirect("/account/sessions?notice=session-gone")
    try:
        pages.services(request).sessions.revoke(view.account_id, session_id,
                                                request_info(request))
    except NotFoundError:
        return redirect("/account/sessions?notice=session-gone")
    if session_id == view.id:
        response = redirect("/login?notice=signed-out")
        clear_session_cookie(response, pages.settings)
        return response
    return redirect("/account/sessions?notice=session-ended")


@router.post("/sessions/revoke-others")
def revoke_others(request: Request, pages: Renderer, view: SignedIn,
                  form: SessionsForm) -> Response:
    pages.services(request).sessions.revoke_others(view, request_info(request))
    return redirect("/account/sessions?notice=others-ended")


@router.post("/devices/forget")
def forget_device(request: Request, pages: Renderer, view: SignedIn,
                  form: SessionsForm) -> Response:
    device_id = form.get("device_id", "")
    try:
        if not SESSION_ID.match(device_id):
            raise NotFoundError(msg("No such remembered device."))
        pages.services(request).trusted_devices.revoke(view, device_id, request_info(request))
    except NotFoundError:
        return redirect("/account/sessions?notice=device-gone")
    return redirect("/account/sessions?notice=device-forgotten")


@router.post("/devices/forget-all")
def forget_all_devices(request: Request, pages: Renderer, view: SignedIn,
                       form: SessionsForm) -> Response:
    pages.services(request).trusted_devices.revoke_all(view, request_info(request))
    return redirect("/account/sessions?notice=devices-forgotten")


@router.get("/activity")
def activity(request: Request, pages: Renderer, view: SignedIn) -> Response:
    kind = request.query_params.get("kind") or None
    if kind not in KINDS:
        kind = None  # an unknown filter shows everything rather than an error page
    before = _positive_int(request.query_params.get("before"))
    services = pages.services(request)
    page = services.activity.page(view.account_id, kind=kind, before=before)
    older = None
    if page.next_before is not None:
        older = f"/account/activity?before={page.next_before}" + \
            (f"&kind={kind}" if kind else "")
    return pages.render(request, "activity.html", user=view, entries=page.entries,
                        kind=kind, kinds=KIND_LABELS, older=older, paged=before is not None,
                        now=services.rt.clock.now())
