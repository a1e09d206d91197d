"""The session check straight from the server to its handler (issue #17).

A shop calls ``GET /api/v1/me`` on every request of its own. FastAPI wraps every route in
layers of its own (its error and exception middleware, an exit stack for dependencies,
routing, the request wrapper) that together cost more than checking the session. The app
below takes that one request before those layers, to the same handler as the documented
route, and answers errors with the same exception handlers.

It still does what SecondLock's own middleware does (request id, request-duration metric,
access log, security headers, body limits), with the same objects, but in one frame: each
ASGI layer wraps ``send`` in a closure of its own, and those wrappers together cost as much
as the session lookup (and a fifth of a refused sign-in, #17). A request that announces a
body (the sign-in lanes, ``web.api.login``) gets both body limits from one ``BodyLimits``.
Anything else, HEAD included, takes the normal way.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secondlock.core.errors import SecondLockError
from secondlock.web.logs import REQUEST_ID_KEY, RequestObserver
from secondlock.web.middleware import (
    BodyLimits,
    BodySizeLimitMiddleware,
    BodyTimeoutMiddleware,
    SecurityHeadersMiddleware,
    announces_body,
)

Handler = Callable[[Request], Awaitable[Response]]
#: A middleware class and its options, as given to ``add_middleware``.
Layer = tuple[type[Any], dict[str, Any]]


class _Endpoint:
    """Runs the handler like a Starlette route; errors go to the app's own handlers."""

    def __init__(self, app: FastAPI, handler: Handler) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.handler(request)
        except SecondLockError as exc:
            response = await self._handled(request, exc, SecondLockError)
        except Exception as exc:
            # As Starlette's ServerErrorMiddleware: answer, then let the server see it.
            response = await self._handled(request, exc, Exception)
            await response(scope, receive, send)
            raise
        await response(scope, receive, send)

    async def _handled(self, request: Request, exc: Exception, kind: type[Exception]
                       ) -> Response:
        handle = self.app.exception_handlers[kind]
        answer = handle(request, exc)
        response: Response = await answer if inspect.isawaitable(answer) else answer
        return response


class _Fused:
    """The layers' work in one frame (see the module's doc)."""

    def __init__(self, endpoint: _Endpoint, observer: RequestObserver,
                 security: SecurityHeadersMiddleware, limits: BodyLimits) -> None:
        self.endpoint = endpoint
        self.observer, self.security, self.limits = observer, security, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = self.observer.begin(scope)
        status = 500

        async def send_completed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = self.security.completed(
                    message.get("headers", []), static=False, request_id=scope[REQUEST_ID_KEY])
            await send(message)

        try:
            if announces_body(scope["headers"]):
                await self.limits(self.endpoint, scope, receive, send_completed)
            else:  # no body to limit
                await self.endpoint(scope, receive, send_completed)
        finally:
            self.observer.end(scope, status, started)


def _fuse(endpoint: _Endpoint, layered: ASGIApp, layers: Sequence[Layer]) -> ASGIApp:
    """The fused app when ``layers`` are exactly the ones it stands in for, else ``layered``
    (a layer it does not know must not be skipped)."""
    options = {cls: kwargs for cls, kwargs in layers}
    if set(options) != {BodySizeLimitMiddleware, BodyTimeoutMiddleware,
                        SecurityHeadersMiddleware, RequestObserver}:
        return layered
    limits = BodyLimits(**options[BodySizeLimitMiddleware], **options[BodyTimeoutMiddleware])
    return _Fused(endpoint, RequestObserver(endpoint, **options[RequestObserver]),
                  SecurityHeadersMiddleware(endpoint, **options[SecurityHeadersMiddleware]),
                  limits)


class HotPathApp(FastAPI):
    """FastAPI, except that the requests given to ``take_hot_path`` go to their handlers."""

    #: (method, path) -> the layered handler. Replaced by ``take_hot_path``, never changed
    #: in place (the empty default is the class's).
    hot_paths: dict[tuple[str, str], ASGIApp] = {}

    def take_hot_path(self, url: str, handler: Handler, layers: Sequence[Layer], *,
                      method: str = "GET") -> None:
        """Serve ``method url`` with ``handler`` inside ``layers`` (outermost last, the order
        of ``add_middleware`` calls), bypassing FastAPI's own layers."""
        endpoint = _Endpoint(self, handler)
        layered: ASGIApp = endpoint
        for cls, options in layers:
            layered = cls(layered, **options)
        self.hot_paths = {**self.hot_paths, (method, url): _fuse(endpoint, layered, layers)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = self.hot_paths.get((scope["method"], scope["path"])) \
            if scope["type"] == "http" and not scope.get("root_path") else None
        if hot is not None:
            scope["app"] = self
            await hot(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
