"""/api/v1/me/authenticators and /api/v1/me/recovery-codes."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from fastapi import APIRouter, Path, Request, Response

from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import (
    AuthenticatorOut,
    ConfirmRequest,
    NewTotp,
    RecoveryCodeSet,
    RecoveryCodesOut,
    RecoveryRemaining,
    Rename,
    TotpEnrollment,
)
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(prefix="/me", tags=["second factors"])

AuthenticatorId = Path(max_length=64, pattern=r"^[0-9a-fA-F-]+$")


class Factor(Protocol):
    """What the API shows of a second factor, whatever the service hands over.

    The services still return their stored rows here; this names only the fields read, so
    web needs nothing from storage. When they return plain data, this can go.
    """

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def last_used_at(self) -> datetime | None: ...
    @property
    def confirmed_at(self) -> datetime | None: ...


def _out(factor: Factor) -> AuthenticatorOut:
    return AuthenticatorOut(id=factor.id, type=factor.type, name=factor.name,
                            created_at=factor.created_at, last_used_at=factor.last_used_at,
                            confirmed=factor.confirmed_at is not None)


@router.get("/authenticators", responses=errors(401))
def list_authenticators(request: Request, token: BearerToken) -> list[AuthenticatorOut]:
    """The account's second factors, confirmed and pending."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return [_out(row) for row in services.authenticators.list(view.account_id)]


@router.post("/authenticators/totp", status_code=201, responses=errors(401, 403, 429))
def enroll_totp(body: NewTotp, request: Request, token: BearerToken) -> TotpEnrollment:
    """Start adding an authenticator app. The secret is shown only in this answer.

    It stays pending until confirmed with a code, and expires after 10 minutes.
    Needs a recent authentication.
    """
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    started = services.authenticator_app.enroll(view, body.name, request_info(request))
    return TotpEnrollment(id=started.id, secret=started.secret, otpauth_uri=started.otpauth_uri,
                          qr_svg=started.qr_svg, expires_in=started.expires_in)


@router.post("/authenticators/{authenticator_id}/confirm", responses=errors(401, 404, 429))
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


@router.patch("/authenticators/{authenticator_id}", responses=errors(401, 404))
def rename(body: Rename, request: Request, token: BearerToken,
           authenticator_id: str = AuthenticatorId) -> AuthenticatorOut:
    """Rename an authenticator ("iPhone", "Work Android")."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return _out(services.authenticators.rename(view, authenticator_id, body.name,
                                               request_info(request)))


@router.delete("/authenticators/{authenticator_id}", status_code=204, response_class=Response,
               responses=errors(401, 403, 404))
def remove(request: Request, token: BearerToken,
           authenticator_id: str = AuthenticatorId) -> Response:
    """Remove an authenticator; removing the last one turns 2FA off. Needs recent auth."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    services.authenticators.remove(view, authenticator_id, request_info(request))
    return Response(status_code=204)


@router.get("/recovery-codes", responses=errors(401))
def recovery_codes_left(request: Request, token: BearerToken) -> RecoveryRemaining:
    """How many unused recovery codes the account has."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return RecoveryRemaining(remaining=services.recovery_codes.remaining(view.account_id))


@router.post("/recovery-codes", status_code=201, responses=errors(401, 403, 409))
def regenerate(request: Request, token: BearerToken) -> RecoveryCodeSet:
    """A new set of ten recovery codes; the old set stops working. Needs recent auth."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return RecoveryCodeSet(codes=services.recovery_codes.regenerate(view, request_info(request)))
