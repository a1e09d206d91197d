"""Signing in: POST /login, the second step, /reauth and /logout."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from secondlock.services.sign_in import LoginResult
from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import (
    Authenticated,
    LoginRequest,
    MfaRequired,
    ReauthRequest,
    VerifyRequest,
)
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(tags=["login"])


def _answer(result: LoginResult) -> Authenticated | MfaRequired:
    if result.session is not None:
        return Authenticated.of(result)
    assert result.mfa_token is not None
    return MfaRequired(status="mfa_required", mfa_token=result.mfa_token,
                       methods=list(result.methods))


@router.post("/login", responses=errors(401, 429))
def login(body: LoginRequest, request: Request) -> Authenticated | MfaRequired:
    """Sign in with email and password.

    Accounts with two-factor authentication get ``mfa_required`` with a single-use
    ``mfa_token`` (5 minutes) and the methods they can use for the second step, unless a
    ``device_token`` of a remembered device comes with the right password: then the answer
    is ``authenticated`` with a new ``device_token`` (each token works once).
    """
    result = services_of(request).login.login(body.email, body.password, request_info(request),
                                              device_token=body.device_token)
    return _answer(result)


@router.post("/login/verify", responses=errors(401, 410, 429))
def verify(body: VerifyRequest, request: Request) -> Authenticated:
    """The second step: a code from the authenticator app or a recovery code.

    ``remember_device: true`` remembers this device for 30 days: the answer carries a
    ``device_token`` to send with the password next time (not with a recovery code).
    """
    result = services_of(request).second_step.verify(body.mfa_token, body.method, body.code,
                                                     request_info(request),
                                                     remember=body.remember_device)
    return Authenticated.of(result)


@router.post("/reauth", responses=errors(401, 403, 429))
def reauth(body: ReauthRequest, request: Request, token: BearerToken) -> dict[str, str]:
    """Renew the session's authentication for sensitive changes (10 minutes).

    Without two-factor authentication: ``{"password"}``. With it: ``{"method", "code"}``.
    """
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    services.reauth.reauth(view, request_info(request), password=body.password,
                           method=body.method, code=body.code)
    return {"status": "ok"}


@router.post("/logout", status_code=204, response_class=Response, responses=errors(401))
def logout(request: Request, token: BearerToken) -> Response:
    """End the session of the bearer token; it stops working at once."""
    services = services_of(request)
    services.sessions.authenticate(token, enrolling=True)
    services.sessions.logout(token, request_info(request))
    return Response(status_code=204)
