"""Mounts the OpenID Connect provider on the app (issue #7)."""

from __future__ import annotations

from fastapi import FastAPI

from secondlock.config import Settings
from secondlock.services import Services
from secondlock.services.oidc import OidcServices
from secondlock.web.oidc import apps, authorize, endpoints, logout, step_up


def install(app: FastAPI, settings: Settings, services: Services) -> None:
    app.state.oidc = OidcServices.build(services.rt)
    app.include_router(endpoints.router(settings))
    for module in (authorize, step_up, logout, apps):
        app.include_router(module.router)
