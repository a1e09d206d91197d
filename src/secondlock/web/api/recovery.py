"""Lost every factor: recovery with a waiting period (api-contract.md, issue #15).

``POST /recovery`` answers 202 before anything is looked up; the link is mailed by a
background task after the answer went out, so neither the answer nor its timing tells
whether the address has an account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import BaseModel

from secondlock.core.errors import NotFoundError
from secondlock.core.i18n import msg
from secondlock.services.recovery import RecoveryView
from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import Authenticated, Strict, Text
from secondlock.web.deps import request_info, services_of

router = APIRouter(tags=["recovery"])

ACCEPTED = ("If an account uses this address, we sent it a link to recover the account. "
            "The link works once, for 30 minutes.")


class RecoveryRequest(Strict):
    email: Text


class RecoveryAccepted(Strict):
    detail: str


class RecoveryToken(Strict):
    token: Text


class RecoveryWithPassword(Strict):
    token: Text
    password: Text


class RecoveryState(BaseModel):
    status: Literal["waiting", "ready", "cancelled", "completed"]
    ready_at: datetime
    started_at: datetime
    #: Risk signals, shown and never acted on: the device that started it, and whether the
    #: account has signed in from such a device before.
    device: str
    known_device: bool


def _state(view: RecoveryView) -> RecoveryState:
    if view.status == "link" or view.ready_at is None or view.started_at is None:
        raise NotFoundError(msg("No recovery was started with this link yet."))
    status: Literal["waiting", "ready", "cancelled", "completed"] = view.status  # type: ignore[assignment]
    return RecoveryState(status=status, ready_at=view.ready_at, started_at=view.started_at,
                         device=view.device, known_device=view.known_device)


@router.post("/recovery", status_code=202, responses=errors(429))
def request_recovery(body: RecoveryRequest, request: Request,
                     background: BackgroundTasks) -> RecoveryAccepted:
    """Mail a single-use link (30 minutes) that starts a recovery without any factor.

    The answer is the same whether or not the address has an account. At most 3 requests
    per address and 20 per network an hour (429 with Retry-After).
    """
    service, info = services_of(request).recovery, request_info(request)
    normal = service.admit(body.email, info)
    background.add_task(service.send_link, normal, info)
    return RecoveryAccepted(detail=ACCEPTED)


@router.post("/recovery/start", status_code=202, responses=errors(401, 409, 410, 429))
def start(body: RecoveryWithPassword, request: Request) -> RecoveryState:
    """The mailed token and the password start the waiting period (``ready_at``).

    A wrong password counts as a failed sign-in (401 ``invalid_credentials``). Every email
    address and phone of the account is told, each with a link that cancels. 409
    ``recovery_pending`` while another recovery of the account waits; 410
    ``recovery_link_expired`` for a used or expired link. The token stays the handle for
    ``/recovery/status`` and ``/recovery/complete``.
    """
    view = services_of(request).recovery.start(body.token, body.password,
                                               request_info(request))
    return _state(view)


@router.get("/recovery/status", responses=errors(404, 410))
def status(request: Request, token: str = Query(max_length=256)) -> RecoveryState:
    """Where the recovery started with this token stands."""
    return _state(services_of(request).recovery.look(token))


@router.post("/recovery/cancel", status_code=204, response_class=Response,
             responses=errors(410))
def cancel(body: RecoveryToken, request: Request) -> Response:
    """Stop the pending recovery with the token of a notice's cancel link (or the token that
    started it). A cancel link used before answers 204 again and changes nothing."""
    services_of(request).recovery.cancel(body.token, request_info(request))
    return Response(status_code=204)


@router.post("/recovery/complete", responses=errors(401, 404, 409, 410, 429))
def complete(body: RecoveryWithPassword, request: Request) -> Authenticated:
    """After ``ready_at``, the password signs in: every factor and recovery code is removed,
    other sessions and remembered devices end. Before it: 409 ``recovery_waiting`` (with
    ``ready_at``); 410 ``recovery_ended`` once it was cancelled or completed."""
    result = services_of(request).recovery.complete(body.token, body.password,
                                                    request_info(request))
    assert result.session is not None
    return Authenticated(status="authenticated", token=result.session.token)
