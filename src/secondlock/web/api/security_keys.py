"""Security keys and passkeys over the API: register, second step, passwordless, reauth.

Options come back in the WebAuthn JSON form (base64url), ready for
``PublicKeyCredential.parseCreationOptionsFromJSON`` / ``parseRequestOptionsFromJSON``;
credentials go in as ``PublicKeyCredential.toJSON()`` makes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import AfterValidator, BaseModel, Field

from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import Authenticated, Strict, Text, _clean_text
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(tags=["security keys"])

Name = Annotated[str, Field(max_length=64), AfterValidator(_clean_text)]
#: ``PublicKeyCredential.toJSON()``: checked field by field by the service.
Credential = dict[str, Any]


class KeyOptionsRequest(Strict):
    name: Name | None = None


class NewKeyRequest(Strict):
    credential: Credential
    name: Name | None = None


class KeyAdded(BaseModel):
    id: str
    name: str
    #: The ten recovery codes when this key turned two-factor authentication on (else []).
    recovery_codes: list[str]


class KeyOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    model: str | None
    synced: bool
    transports: list[str]
    blocked: bool
    blocked_at: datetime | None


class LoginOptionsRequest(Strict):
    mfa_token: Text | None = None


class KeyVerifyRequest(Strict):
    mfa_token: Text | None = None
    credential: Credential
    remember_device: bool = False


class ReauthKeyRequest(Strict):
    credential: Credential


@router.post("/me/authenticators/webauthn/options", responses=errors(401, 403, 409))
def registration_options(body: KeyOptionsRequest, request: Request,
                         token: BearerToken) -> dict[str, Any]:
    """Creation options for adding a security key or passkey. Needs a recent authentication.

    The challenge is bound to this session and works once within 5 minutes.
    """
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    return services.security_keys.registration_options(view, body.name)


@router.post("/me/authenticators/webauthn", status_code=201, responses=errors(401, 403, 409))
def register(body: NewKeyRequest, request: Request, token: BearerToken) -> KeyAdded:
    """Add the key the browser just created. Needs a recent authentication; mailed to you.

    When it is the first second factor, two-factor authentication turns on: the answer holds
    the recovery codes (shown only this once) and other sessions are signed out.
    """
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    done = services.security_keys.register(view, body.credential, body.name,
                                           request_info(request))
    return KeyAdded(id=done.id, name=done.name, recovery_codes=done.recovery_codes)


@router.get("/me/authenticators/webauthn", responses=errors(401))
def list_keys(request: Request, token: BearerToken) -> list[KeyOut]:
    """The account's keys with their model, whether synced, and whether blocked (cloned)."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return [KeyOut(id=k.id, name=k.name, created_at=k.created_at, last_used_at=k.last_used_at,
                   model=k.model, synced=k.synced, transports=list(k.transports),
                   blocked=k.flagged_at is not None, blocked_at=k.flagged_at)
            for k in services.security_keys.keys(view.account_id)]


@router.post("/login/webauthn/options", tags=["login"], responses=errors(401, 404, 410, 429))
def login_options(body: LoginOptionsRequest, request: Request) -> dict[str, Any]:
    """Request options: with ``mfa_token`` for the second step (this account's keys), or
    ``{}`` for a passwordless sign-in with a passkey (user verification required)."""
    sign_in = services_of(request).security_key_sign_in
    if body.mfa_token is not None:
        return sign_in.second_step_options(body.mfa_token)
    return sign_in.passwordless_options(request_info(request))


@router.post("/login/webauthn/verify", tags=["login"], responses=errors(401, 410, 429))
def login_verify(body: KeyVerifyRequest, request: Request) -> Authenticated:
    """Finish signing in with the key: the second step (``mfa_token``) or passwordless.

    ``remember_device`` works with the second step as on ``/login/verify``.
    """
    sign_in, info = services_of(request).security_key_sign_in, request_info(request)
    if body.mfa_token is not None:
        result = sign_in.verify_second_step(body.mfa_token, body.credential, info,
                                            remember=body.remember_device)
    else:
        result = sign_in.verify_passwordless(body.credential, info)
    return Authenticated.of(result)


@router.post("/reauth/webauthn/options", tags=["login"], responses=errors(401, 404))
def reauth_options(request: Request, token: BearerToken) -> dict[str, Any]:
    """Request options to confirm it's you with one of your keys."""
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    return services.security_key_sign_in.reauth_options(view)


@router.post("/reauth/webauthn/verify", tags=["login"], responses=errors(401, 429))
def reauth_verify(body: ReauthKeyRequest, request: Request,
                  token: BearerToken) -> dict[str, str]:
    """Confirm it's you with a key: sensitive changes are allowed for the next minutes."""
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    services.security_key_sign_in.verify_reauth(view, body.credential, request_info(request))
    return {"status": "ok"}
