"""/api/v1/me/authenticators: every second factor listed, confirmed, renamed, removed.

Adding one is per method: ``authenticator_app``, ``sms_email_codes``, ``security_keys``.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response

from secondlock.services.factors import Factor
from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import (
    AuthenticatorOut,
    ConfirmRequest,
    RecoveryCodesOut,
    Rename,
)
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(prefix="/me", tags=["second factors"])

AuthenticatorId = Path(max_length=64, pattern=r"^[0-9a-fA-F-]+$")


def _out(row: Factor) -> AuthenticatorOut:
    return AuthenticatorOut(id=row.id, type=row.type, name=row.name, created_at=row.created_at,
                            last_used_at=row.last_used_at, confirmed=row.confirmed_at is not None)


@router.get("/authenticators", responses=errors(401))
def list_authenticators(request: Request, token: BearerToken) -> list[AuthenticatorOut]:
    """The account's second factors, confirmed and pending."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return [_out(row) for row in services.authenticators.list(view.account_id)]


@router.post("/authenticators/{authenticator_id:id}/confirm", responses=errors(401, 404, 429))
def confirm(body: ConfirmRequest, request: Request, token: BearerToken,
            authenticator_id: str = AuthenticatorId) -> RecoveryCodesOut:
    """Confirm a pending authenticator with a code from it.

    When this turns two-factor authentication on, the answer holds the ten recovery codes,
    shown only this once; other sessions are signed out.
    """
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    done = services.authenticators.confirm(view, authenticator_id, body.code,
                                           request_info(request))
    return RecoveryCodesOut(recovery_codes=done.recovery_codes)


@router.patch("/authenticators/{authenticator_id:id}", responses=errors(401, 404))
def rename(body: Rename, request: Request, token: BearerToken,
           authenticator_id: str = AuthenticatorId) -> AuthenticatorOut:
    """Rename an authenticator ("iPhone", "Work Android")."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return _out(services.authenticators.rename(view, authenticator_id, body.name,
                                               request_info(request)))


@router.delete("/authenticators/{authenticator_id:id}", status_code=204, response_class=Response,
               responses=errors(401, 403, 404))
def remove(request: Request, token: BearerToken,
           authenticator_id: str = AuthenticatorId) -> Response:
    """Remove an authenticator; removing the last one turns 2FA off. Needs recent auth."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    services.authenticators.remove(view, authenticator_id, request_info(request))
    return Response(status_code=204)
