"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task per request)."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secondlock.web import body_deadlines
from secondlock.web.body_deadlines import BodyTimedOut

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware:
    """Adds the security headers to every response (and HSTS when served over https)."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        headers = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on
            # form posts, which the CSRF Origin check must refuse. Other sites get nothing.
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if https:
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.headers = headers
        #: What a dynamic answer gets when it set none of these itself (nearly every one).
        self._dynamic = [*headers, _NO_STORE]
        self._names = frozenset(name for name, _ in self._dynamic)

    def completed(self, headers: list[tuple[bytes, bytes]], *, static: bool,
                  request_id: str | None) -> list[tuple[bytes, bytes]]:
        """``headers`` with the security headers the response did not set itself (a page
        may: the password-reset link page sends no-referrer), ``Cache-Control: no-store``
        unless static, and the request id."""
        present = {key.lower() for key, _ in headers}
        if present.isdisjoint(self._names):  # none set by the response: all of ours
            raw = [*headers, *(self.headers if static else self._dynamic)]
        else:
            raw = [*headers, *(h for h in self.headers if h[0] not in present)]
            if not static and b"cache-control" not in present:
                raw.append(_NO_STORE)
        if request_id is not None:
            raw.append((b"x-request-id", request_id.encode("latin-1")))
        return raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.completed(
                    message.get("headers", []), static=static,
                    request_id=scope.get("secondlock.request_id"))  # web.logs.RequestObserver
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimits:
    """The limits on one request body: at most ``max_bytes`` (413), and all of it within
    ``seconds`` of the headers (408); None is no such limit. The two middleware below each
    apply one; the hot path (``web.hot_path``) applies both in one frame."""

    def __init__(self, *, max_bytes: int | None = None, seconds: float | None = None) -> None:
        self.max_bytes = max_bytes
        self.seconds = seconds
        #: What this object answers; a limit enforced further out is left to its own.
        self._answers: tuple[type[BaseException], ...] = (
            *((_BodyTooLarge,) if max_bytes is not None else ()),
            *((BodyTimedOut,) if seconds is not None else ()))

    def declared_too_large(self, headers: list[tuple[bytes, bytes]]) -> bool:
        """Whether the Content-Length is over the limit (or not a length)."""
        if self.max_bytes is None:
            return False
        for key, value in headers:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return True
                return declared < 0 or declared > self.max_bytes
        return False

    def guarded(self, receive: Receive) -> Receive:
        """``receive``, raising ``_BodyTooLarge`` or ``BodyTimedOut`` past a limit. The
        deadline covers the whole body, so trickling one byte at a time does not extend it;
        after the body, waiting for a disconnect is not bounded here."""
        max_bytes = self.max_bytes
        deadline, deadlines = 0.0, None
        if self.seconds is not None:
            loop = asyncio.get_running_loop()
            deadline, deadlines = loop.time() + self.seconds, body_deadlines.for_loop(loop)
        received = 0
        complete = False

        async def guarded_receive() -> Message:
            nonlocal received, complete
            if complete or deadlines is None:
                message = await receive()
            else:
                message = await deadlines.wait(receive, deadline)
            if message["type"] != "http.request":
                complete = True
                return message
            if max_bytes is not None:
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _BodyTooLarge
            if not message.get("more_body", False):
                complete = True
            return message

        return guarded_receive

    async def __call__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """``app`` with this request's body limited: a limit broken before the answer has
        started is answered here (413 or 408), and the connection closed."""
        if self.declared_too_large(scope["headers"]):
            await self._refuse(_BodyTooLarge(), send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, self.guarded(receive), tracking_send)
        except self._answers as exc:
            if not started:
                await self._refuse(exc, send)

    async def _refuse(self, exc: BaseException, send: Send) -> None:
        if isinstance(exc, _BodyTooLarge):
            await _problem(send, 413, "payload_too_large", "The request body is too large",
                           f"Send at most {self.max_bytes} bytes.")
        else:
            await _problem(send, 408, "request_timeout", "The request body did not arrive",
                           f"Send the whole body within {self.seconds:g} seconds.")


class BodySizeLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.limits = BodyLimits(max_bytes=max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.limits(self.app, scope, receive, send)


class BodyTimeoutMiddleware:
    """Answers 408 when a request body has not arrived in full ``seconds`` after the headers.

    uvicorn and h11 have no such limit: a client that announces a body and never sends it
    would hold its connection (and whatever the handler holds) open for ever. Requests that
    announce no body (no Content-Length, no Transfer-Encoding: GET /me) pass untouched.
    """

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.limits = BodyLimits(seconds=seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not announces_body(scope["headers"]):
            await self.app(scope, receive, send)
            return
        await self.limits(self.app, scope, receive, send)


def announces_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a request says a body follows (Content-Length above 0, or chunked)."""
    for key, value in headers:
        if key == b"transfer-encoding" or (key == b"content-length" and value != b"0"):
            return True
    return False


class _BodyTooLarge(BaseException):
    pass


async def _problem(send: Send, status: int, code: str, title: str, detail: str) -> None:
    """A problem document, and the connection closed: the rest of the body is unread."""
    body = json.dumps({"type": f"https://secondlock.dev/problems/{code}", "title": title,
                       "status": status, "detail": detail, "code": code}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
