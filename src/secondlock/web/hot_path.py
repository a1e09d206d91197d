"""The session check straight from SecondLock's own middleware to its handler (issue #17).

A shop calls ``GET /api/v1/me`` on every request of its own. FastAPI wraps every route in
layers of its own (its error and exception middleware, an exit stack for dependencies,
routing, the request wrapper) that together cost more than checking the session. The app
below takes that one request before those layers, through the same SecondLock middleware
as every other request (request id, request-duration metric, JSON request log, security
headers, body limits), to the same handler as the documented route, and answers errors
with the same exception handlers. Anything else, HEAD included, takes the normal way.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from secondlock.core.errors import SecondLockError

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


class HotPathApp(FastAPI):
    """FastAPI, except that the requests given to ``take_hot_path`` go to their handlers."""

    #: (method, path) -> the layered handler. Replaced by ``take_hot_path``, never changed
    #: in place (the empty default is the class's).
    hot_paths: dict[tuple[str, str], ASGIApp] = {}

    def take_hot_path(self, url: str, handler: Handler, layers: Sequence[Layer], *,
                      method: str = "GET") -> None:
        """Serve ``method url`` with ``handler`` inside ``layers`` (outermost last, the order
        of ``add_middleware`` calls), bypassing FastAPI's own layers."""
        hot: ASGIApp = _Endpoint(self, handler)
        for cls, options in layers:
            hot = cls(hot, **options)
        self.hot_paths = {**self.hot_paths, (method, url): hot}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = self.hot_paths.get((scope["method"], scope["path"])) \
            if scope["type"] == "http" and not scope.get("root_path") else None
        if hot is not None:
            scope["app"] = self
            await hot(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
