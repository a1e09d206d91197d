"""Prototype GET /api/v1/me variants, to measure what src/ changes would buy (bench only).

``uvicorn --factory me_variants:create`` with ``BENCH_VARIANT`` set to one of VARIANTS. Each
variant is the real app with the /me route replaced (placed first) or a setting patched; the
prototypes keep authenticate()'s rules: an expired, idle or due-for-touch session falls back
to the real ``SessionService.authenticate``. They reach into src/ internals, so they may need
updating when src/ changes; they are experiments, not code to copy as is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import fastapi.dependencies.utils
import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import bindparam, create_engine
from starlette.routing import Route

from secondlock.config import load_settings
from secondlock.core.errors import NotAuthenticatedError
from secondlock.core.tokens import hash_token
from secondlock.core.views import SessionView
from secondlock.services import Services
from secondlock.services.sessions import TOUCH_INTERVAL
from secondlock.storage.orm import Session as SessionRow
from secondlock.storage.repositories import SESSION_VIEW
from secondlock.web.api.schemas import Me
from secondlock.web.app import create_app
from secondlock.web.deps import BearerToken

T = TypeVar("T")
VARIANTS = {
    "default": "as shipped",
    "api-first": "API router included before the pages' routers",
    "no-hop": "sync endpoint run on the event loop (run_in_threadpool inlined)",
    "async": "async def endpoint, same SessionService.authenticate",
    "async-core": "async def, Core connection + prebuilt bindparam SELECT, no explicit BEGIN",
    "async-raw": "async def, DBAPI cursor from the pool, cached SQL text; Depends + Me model",
    "route-raw": "async def, DBAPI lookup, header read by hand, json.dumps Response",
    "starlette-raw": "plain Starlette Route ahead of all routers, DBAPI lookup",
}
STMT = SESSION_VIEW.where(SessionRow.token_hash == bindparam("token_hash"))


async def _inline(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return func(*args, **kwargs)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:] if header[:7].lower() == "bearer " else None


def _me(view_id: str, email: str, verified: bool) -> Me:
    return Me(id=view_id, email=email, email_verified=verified, mfa_enabled=False, methods=[],
              recovery_codes_remaining=0)


def _parse(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def install(app: FastAPI, variant: str) -> None:
    services: Services = app.state.services
    rt = services.rt
    plain = create_engine(rt.settings.resolved_database_url, pool_size=20,
                          connect_args={"check_same_thread": False})
    sql = str(STMT.compile(plain))

    def fresh(last_seen: datetime, expires: datetime) -> bool:
        now = rt.clock.now()
        return now < expires and now - last_seen < min(TOUCH_INTERVAL, services.sessions.idle)

    def core_view(token: str | None) -> SessionView:
        if not token or len(token) > 256:
            raise NotAuthenticatedError()
        with plain.connect() as conn:
            row = conn.execute(STMT, {"token_hash": hash_token(token)}).first()
        if row is None:
            raise NotAuthenticatedError()
        view = SessionView(*tuple(row))
        return view if fresh(view.last_seen_at, view.expires_at) else \
            services.sessions.authenticate(token)

    def raw_view(token: str | None) -> tuple[str, str, bool]:
        if not token or len(token) > 256:
            raise NotAuthenticatedError()
        conn = plain.raw_connection()
        try:
            cursor = conn.cursor()
            row = cursor.execute(sql, (hash_token(token),)).fetchone()
            cursor.close()
        finally:
            conn.close()
        if row is None:
            raise NotAuthenticatedError()
        if not fresh(_parse(row[4]), _parse(row[5])):
            view = services.sessions.authenticate(token)
            return view.account_id, view.email, view.email_verified
        return row[1], row[2], bool(row[8])

    def json_response(account_id: str, email: str, verified: bool) -> Response:
        return Response(json.dumps(
            {"id": account_id, "email": email, "email_verified": verified, "mfa_enabled": False,
             "methods": [], "recovery_codes_remaining": 0}), media_type="application/json")

    async def me_async(token: BearerToken) -> Me:
        view = services.sessions.authenticate(token)
        return _me(view.account_id, view.email, view.email_verified)

    async def me_core(token: BearerToken) -> Me:
        view = core_view(token)
        return _me(view.account_id, view.email, view.email_verified)

    async def me_raw(token: BearerToken) -> Me:
        return _me(*raw_view(token))

    async def me_route_raw(request: Request) -> Response:
        return json_response(*raw_view(_bearer(request)))

    endpoints: dict[str, Callable[..., Any]] = {
        "async": me_async, "async-core": me_core, "async-raw": me_raw,
        "route-raw": me_route_raw}
    routes = app.router.routes
    if variant == "api-first":
        api = next(i for i, r in enumerate(routes)
                   if getattr(getattr(r, "original_router", None), "prefix", "") == "/api/v1")
        routes.insert(0, routes.pop(api))
    elif variant == "starlette-raw":
        routes.insert(0, Route("/api/v1/me", me_route_raw))
    elif variant in endpoints:
        app.get("/api/v1/me", response_model=None if variant == "route-raw" else Me)(
            endpoints[variant])
        routes.insert(0, routes.pop())


def create() -> FastAPI:
    variant = os.environ.get("BENCH_VARIANT", "default")
    if variant not in VARIANTS:
        raise SystemExit(f"BENCH_VARIANT must be one of {', '.join(VARIANTS)}")
    if variant == "no-hop":
        fastapi.routing.run_in_threadpool = _inline  # type: ignore[attr-defined]
        fastapi.dependencies.utils.run_in_threadpool = _inline  # type: ignore[attr-defined]
    app = create_app(load_settings())
    install(app, variant)
    return app
