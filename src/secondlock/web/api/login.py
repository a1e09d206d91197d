"""Signing in: POST /login, the second step, /reauth and /logout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secondlock.services.sign_in import LoginResult
from secondlock.web.api.docs import API_PREFIX, errors
from secondlock.web.api.schemas import (
    Authenticated,
    LoginRequest,
    MfaRequired,
    ReauthRequest,
    VerifyRequest,
)
from secondlock.web.deps import BearerToken, request_info, services_of
from secondlock.web.hot_path import HotPathApp, Layer
from secondlock.web.json_response import JSONAnswer

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


def take_fast_lanes(app: HotPathApp, layers: Sequence[Layer]) -> None:
    """POST /login and POST /login/verify past FastAPI's own layers (#17), as GET /me.

    A wrong password refused by a lock and a wrong code are what a guessing attack sends
    over and over: FastAPI's layers, route matching and request handling cost more than the
    lock check or the code check itself. The requests go through the same SecondLock
    middleware as every other request (``layers``, as for GET /me). A well-formed body is
    validated with the route's model and answered here; anything else (not JSON, a wrong
    field) goes on to the FastAPI route inside FastAPI's own exception handling, which
    answers it exactly as before. Errors from the services go to the app's exception
    handlers either way.
    """
    hand_on = _HandOn(app)
    app.take_hot_path(f"{API_PREFIX}/login",
                      _Lane(LoginRequest, _login, hand_on, early=_login_locks), layers,
                      method="POST")
    app.take_hot_path(f"{API_PREFIX}/login/verify",
                      _Lane(VerifyRequest, _verify, hand_on, inline=_verify_inline), layers,
                      method="POST")


def _login_locks(request: Request, body: Any) -> Any:
    """The first lock check, on the event loop on SQLite with this process's write turn free
    (one lean write): a refused sign-in (429) is answered without the hop to a worker
    thread. What it found goes on to ``_login``; None when ``_login`` checks itself."""
    login = services_of(request).login
    if not login.rt.db.writes_inline:
        return None
    return login.check_locks(body.email, request_info(request))


def _login(request: Request, body: Any, started: Any = None) -> Authenticated | MfaRequired:
    return _answer(services_of(request).login.login(
        body.email, body.password, request_info(request), device_token=body.device_token,
        started=started))


def _verify_inline(request: Request, body: Any) -> bool:
    """An app code on SQLite with this process's write turn free runs on the event loop: a
    wrong one is a lean write of a few statements (microseconds), cheaper than the hop to a
    worker thread and back. A recovery code (argon2) or a network database hops."""
    return bool(body.method == "totp" and services_of(request).rt.db.writes_inline)


def _verify(request: Request, body: Any) -> Authenticated:
    return Authenticated.of(services_of(request).second_step.verify(
        body.mfa_token, body.method, body.code, request_info(request),
        remember=body.remember_device))


class _Lane:
    """The handler of a fast lane (``take_fast_lanes``)."""

    def __init__(self, model: type[BaseModel], call: Callable[..., BaseModel],
                 hand_on: _HandOn, *, inline: Callable[[Request, Any], bool] | None = None,
                 early: Callable[[Request, Any], Any] | None = None) -> None:
        self.model = model
        self.call = call
        self.hand_on = hand_on
        #: Whether this request's call may run on the event loop (else a worker thread).
        self.inline = inline
        #: Run on the event loop first (it may raise: the answer); what it returns is
        #: handed to ``call`` as a third argument.
        self.early = early

    async def __call__(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = self.model.model_validate_json(raw) if _is_json(request) else None
        except ValidationError:
            body = None
        if body is None:
            return _HandedOn(self.hand_on, raw)
        args: tuple[Any, ...] = (request, body)
        if self.early is not None:
            args = (request, body, self.early(request, body))
        if self.inline is not None and self.inline(request, body):
            answer = self.call(*args)
        else:
            answer = await run_in_threadpool(self.call, *args)
        return JSONAnswer(answer.model_dump(mode="json"))


class _HandOn:
    """FastAPI's own inner layers around its router, as ``FastAPI.build_middleware_stack``
    puts them inside the user middleware: a 500 for an unexpected error, the app's
    exception handlers, the exit stack its routes expect. Built at the first use, once the
    app's exception handlers are all installed."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._inner: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._inner is None:
            handlers = {key: handler for key, handler in self.app.exception_handlers.items()
                        if key not in (500, Exception)}
            self._inner = ServerErrorMiddleware(
                ExceptionMiddleware(AsyncExitStackMiddleware(self.app.router),
                                    handlers=handlers, debug=self.app.debug),
                handler=self.app.exception_handlers.get(Exception), debug=self.app.debug)
        await self._inner(scope, receive, send)


class _HandedOn(Response):
    """The FastAPI route's answer, with the body already read replayed to it."""

    def __init__(self, hand_on: _HandOn, raw: bytes) -> None:
        super().__init__()
        self.hand_on = hand_on
        self.raw = raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": self.raw, "more_body": False}

        await self.hand_on(scope, replay, send)


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json"


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
