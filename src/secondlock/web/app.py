"""The application factory: one call builds a fully wired app from Settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI

from secondlock import __version__
from secondlock.composition import Database, build_runtime
from secondlock.config import Settings
from secondlock.core.clock import Clock
from secondlock.core.passwords import PasswordHasher
from secondlock.notifications.base import Mailer
from secondlock.services import Services
from secondlock.services.outbox_dispatcher import Dispatcher
from secondlock.services.recovery_admin import send_due_reminders
from secondlock.services.runtime import Runtime
from secondlock.web import health, problems
from secondlock.web.api import fast_lane
from secondlock.web.api import router as api_router
from secondlock.web.api.docs import API_PREFIX, install_openapi
from secondlock.web.api.login import take_fast_lanes as take_login_lanes
from secondlock.web.api.me import me
from secondlock.web.hot_path import HotPathApp, Layer
from secondlock.web.logs import RequestObserver
from secondlock.web.metrics import Metrics
from secondlock.web.metrics import router as metrics_router
from secondlock.web.middleware import (
    BodySizeLimitMiddleware,
    BodyTimeoutMiddleware,
    SecurityHeadersMiddleware,
)

logger = logging.getLogger(__name__)

#: How often every server sends the recovery reminders that are due (issue #15). Each
#: reminder is claimed with one conditional UPDATE, so several servers never send one twice.
RECOVERY_TICK_SECONDS = 300.0


async def recovery_reminders(rt: Runtime, every: float = RECOVERY_TICK_SECONDS) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(send_due_reminders, rt)
        except Exception:
            logger.exception("sending due recovery reminders failed; trying again later")


def create_app(settings: Settings, *, clock: Clock | None = None, mailer: Mailer | None = None,
               database: Database | None = None,
               hasher: PasswordHasher | None = None) -> FastAPI:
    """Build the ASGI app. Nothing is read from the environment here.

    Mail, texts and webhooks leave only through the outbox (#13): services queue them in the
    transaction of the change that causes them, and this process's dispatcher sends what any
    process queued (``mailer`` is what it delivers mail through).
    """
    rt = build_runtime(settings, mailer=mailer, clock=clock, database=database, hasher=hasher)
    services = Services.build(rt)
    metrics = Metrics(rt)
    rt.db.signal_listeners.append(metrics.on_signals)
    dispatcher = Dispatcher(rt, on_result=metrics.on_message)
    rt.outbox_wake = dispatcher.wake

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await dispatcher.start()
        flusher = asyncio.get_running_loop().create_task(metrics.flush_every())
        ticker = asyncio.create_task(recovery_reminders(rt))
        yield
        ticker.cancel()
        flusher.cancel()
        await asyncio.gather(flusher, ticker, return_exceptions=True)
        await dispatcher.stop()
        await services.sessions.aclose()
        await rt.mailer.close()
        rt.sms.close()
        rt.db.dispose()

    app = HotPathApp(title="SecondLock", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  description="Two-factor account security for web shops: the v1 JSON API.")
    app.state.settings = settings
    app.state.services = services
    app.state.mailer = rt.mailer
    app.state.dispatcher = dispatcher

    from secondlock.web.pages import install as install_pages

    # The API first: the session check is the hot path, and routes match in order.
    app.include_router(api_router)
    app.include_router(health.router)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.include_router(metrics_router(metrics, token))
    app.router.routes[0:0] = fast_lane()
    html_error = install_pages(app, settings)
    # OpenID Connect provider (issue #7)
    from secondlock.web.oidc.install import install as install_oidc

    install_oidc(app, settings, services)
    problems.install(app, html_error)
    install_openapi(app)
    layers: list[Layer] = [  # innermost first
        (BodySizeLimitMiddleware, {"max_bytes": settings.max_body_bytes}),
        (BodyTimeoutMiddleware, {"seconds": settings.body_timeout_seconds}),
        (SecurityHeadersMiddleware, {"https": settings.is_https}),
        (RequestObserver, {"trusted_proxies": settings.trusted_proxies,
                           "log_requests": settings.log_format if settings.access_log
                                           else "off",
                           "observe": metrics.request_times.observe})]
    for cls, options in layers:
        app.add_middleware(cast(Any, cls), **options)
    # The session check, every request of a shop: past FastAPI's own layers (#17).
    app.take_hot_path(f"{API_PREFIX}/me", me, layers)
    # Sign-in attempts, what a guessing attack sends: past FastAPI's own layers too (#17).
    take_login_lanes(app, layers)
    return app
