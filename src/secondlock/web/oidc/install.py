"""Mounts the OpenID Connect provider on the app (issue #7)."""

from __future__ import annotations

from fastapi import FastAPI

from secondlock.config import Settings
from secondlock.services import Services
from secondlock.services.oidc import OidcServices
from secondlock.web.oidc import apps, authorize, endpoints, logout
from secondlock.web.pages.rendering import Pages


def install(app: FastAPI, settings: Settings, services: Services) -> None:
    app.state.oidc = OidcServices.build(services.rt)
    pages = Pages(settings)
    app.include_router(endpoints.router(settings))
    app.include_router(authorize.router(pages))
    app.include_router(logout.router(pages))
    app.include_router(apps.router(pages))
