"""Request-scoped helpers shared by the API and the pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from secondlock.config import Settings
from secondlock.core.network import client_ip
from secondlock.core.request_info import RequestInfo
from secondlock.core.views import SessionView
from secondlock.services import Services

bearer_scheme = HTTPBearer(auto_error=False, description="The opaque session token from login")


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_info(request: Request) -> RequestInfo:
    """The client's IP and user agent, from one pass over the raw ASGI headers (Starlette's
    ``Headers`` view, built for it, cost more than the rest: #17)."""
    scope = request.scope
    client = scope.get("client")
    # Every X-Forwarded-For line, in order: a proxy that appends its own line after one the
    # client sent must not leave the client's line to be believed (RFC 9110 5.3).
    forwarded: list[str] = []
    agent: str | None = None
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            forwarded.append(value.decode("latin-1"))
        elif name == b"user-agent" and agent is None:
            agent = value.decode("latin-1")
    ip = client_ip(client[0] if client else None, ", ".join(forwarded) or None,
                   settings_of(request).trusted_proxies)
    return RequestInfo.of(ip, agent)


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> str | None:
    """The bearer token, if any. Checked later, inside the handler's one worker-thread hop."""
    return credentials.credentials if credentials else None


BearerToken = Annotated[str | None, Depends(bearer_token)]

#: For hot routes that read the header themselves: documents the bearer scheme in OpenAPI.
BEARER_SECURITY: dict[str, Any] = {"security": [{"HTTPBearer": []}]}


def bearer_from(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, read without the DI machinery
    (and from the raw ASGI headers: Starlette's ``Headers`` view costs more than this)."""
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            header = value.decode("latin-1")
            break
    else:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def current_session(request: Request, services: Services | None = None) -> SessionView:
    """The request's live session, checked on the fast path.

    With SQLite the lookup (one keyed SELECT, microseconds) runs right on the event loop;
    with a network database it is awaited there on an async connection (a worker-thread
    hop cost more than the query). A write (expiry, or the once-a-minute last_seen_at)
    always goes through a worker thread.

    Raises:
        NotAuthenticatedError.
    """
    services = services or services_of(request)
    sessions = services.sessions
    token = bearer_from(request)
    if services.rt.db.reads_inline:
        check = sessions.peek_on_loop(token)
    else:
        check = await sessions.peek_async(token)
    if check.needs_write:
        return await run_in_threadpool(sessions.settle, check)
    return check.view
