"""The signed-in account: /api/v1/me, its sessions and its activity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.routing import Route

from secondlock.core.activity_text import KINDS
from secondlock.core.devices import describe_device
from secondlock.web.api.docs import API_PREFIX, errors
from secondlock.web.api.me_json import me_json
from secondlock.web.api.schemas import (
    ActivityOut,
    LocationOut,
    Me,
    SessionOut,
    TrustedDeviceOut,
)
from secondlock.web.deps import (
    BEARER_SECURITY,
    BearerToken,
    current_session,
    request_info,
    services_of,
)
from secondlock.web.json_response import JSONBytes

router = APIRouter(prefix="/me", tags=["me"])

SessionId = Path(max_length=64, pattern=r"^[0-9a-fA-F-]+$")
DeviceId = Path(max_length=64, pattern=r"^[0-9a-fA-F-]+$")


@router.get("", response_class=Response, responses={200: {"model": Me}, **errors(401)},
            openapi_extra=BEARER_SECURITY)
async def me(request: Request) -> Response:
    """The account behind the bearer token: the hot path when a shop checks a session.

    One SELECT, with or without second factors: the session lookup also reads the methods
    and the recovery codes left (storage/session_lookup.py).
    """
    services = services_of(request)
    view = await current_session(request, services)
    # The same fields as ``Me`` (the schema above), written straight to JSON (me_json.py).
    # After "this wasn't me", password_change_required: the shopper must choose a new
    # password (POST /me/password); other calls keep working.
    enrollment = None
    if services.sessions.rule.required:
        # SECONDLOCK_REQUIRE_2FA (#16): add a factor now, or by this time.
        enrollment = (services.sessions.must_enroll(view),
                      _iso(services.sessions.enroll_by(view)))
    return JSONBytes(me_json(view, enrollment))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def fast_lane() -> list[Route]:
    """Plain Starlette routes for the hot path, placed ahead of FastAPI's router.

    FastAPI's route matching and dependency machinery cost several times what checking the
    session does; a shop calls GET /me on every request. The FastAPI route above stays for
    the OpenAPI schema; both call the same function, so there is one behaviour.
    """
    return [Route(f"{API_PREFIX}{router.prefix}", me, methods=["GET"])]


@router.get("/sessions", responses=errors(401))
def list_sessions(request: Request, token: BearerToken) -> list[SessionOut]:
    """Active sessions of this account, the current one marked."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return [SessionOut(id=row.id, created_at=row.created_at, last_seen_at=row.last_seen_at,
                       ip=row.ip, device=describe_device(row.user_agent),
                       current=row.id == view.id,
                       location=LocationOut.of(services.rt.places.locate(row.ip)))
            for row in services.sessions.list(view.account_id)]


@router.delete("/sessions/{session_id}", status_code=204, response_class=Response,
               responses=errors(401, 404))
def revoke_session(request: Request, token: BearerToken, session_id: str = SessionId) -> Response:
    """Sign one session out; it stops working at once."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    services.sessions.revoke(view.account_id, session_id, request_info(request))
    return Response(status_code=204)


ActivityKind = Literal["sign-in", "security", "devices", "admin"]
assert set(get_args(ActivityKind)) == set(KINDS)


@router.get("/activity", responses=errors(401, 422))
def activity(request: Request, response: Response, token: BearerToken,
             kind: Annotated[ActivityKind | None, Query()] = None,
             before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
             limit: Annotated[int, Query(ge=1, le=100)] = 50) -> list[ActivityOut]:
    """What happened on this account, newest first, with device and IP.

    Pages on with ``before`` (an entry's ``id``); the ``Link`` header carries the next page.
    """
    services = services_of(request)
    view = services.sessions.authenticate(token)
    page = services.activity.page(view.account_id, kind=kind, before=before, limit=limit)
    if page.next_before is not None:
        query = f"before={page.next_before}&limit={limit}" + (f"&kind={kind}" if kind else "")
        response.headers["Link"] = f'<{API_PREFIX}/me/activity?{query}>; rel="next"'
    return [ActivityOut(id=e.id, at=e.at, event=e.event, kind=e.kind, ip=e.ip, device=e.device,
                        method=e.method, success=e.success, reason=e.reason,
                        description=e.description, location=LocationOut.of(e.place))
            for e in page.entries]


@router.get("/trusted-devices", responses=errors(401))
def trusted_devices(request: Request, token: BearerToken) -> list[TrustedDeviceOut]:
    """Remembered devices: they skip the code after the password until they expire."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return [TrustedDeviceOut(id=d.id, device=d.device, ip=d.ip, created_at=d.created_at,
                             last_used_at=d.last_used_at, expires_at=d.expires_at,
                             location=LocationOut.of(d.place))
            for d in services.trusted_devices.list(view.account_id)]


@router.delete("/trusted-devices/{device_id}", status_code=204, response_class=Response,
               responses=errors(401, 404))
def forget_device(request: Request, token: BearerToken,
                  device_id: str = DeviceId) -> Response:
    """Forget one remembered device: its next sign-in asks for a code again."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    services.trusted_devices.revoke(view, device_id, request_info(request))
    return Response(status_code=204)


@router.delete("/trusted-devices", status_code=204, response_class=Response,
               responses=errors(401))
def forget_all_devices(request: Request, token: BearerToken) -> Response:
    """Forget every remembered device of the account."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    services.trusted_devices.revoke_all(view, request_info(request))
    return Response(status_code=204)
