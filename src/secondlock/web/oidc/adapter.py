"""Starlette <-> Authlib: build an ``OidcRequest`` from a request, answer Authlib's tuples."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from secondlock.config import Settings
from secondlock.services.oidc.provider import OidcRequest
from secondlock.web.deps import request_info


def oidc_request(request: Request, settings: Settings,
                 form: list[tuple[str, str]] | None = None) -> OidcRequest:
    """The request for Authlib. The URI is built from the configured origin, never from the
    Host header, so a spoofed host cannot change what the server thinks it is."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return OidcRequest(request.method, settings.origin + path, dict(request.headers),
                       list(request.query_params.multi_items()), form or [],
                       request_info(request))


async def form_items(request: Request) -> list[tuple[str, str]]:
    data = await request.form(max_files=0, max_fields=32)
    return [(k, v[:4096]) for k, v in data.multi_items() if isinstance(v, str)]


def to_response(answer: tuple[int, Any, list[tuple[str, str]]]) -> Response:
    status, body, headers = answer
    header_map = {k: v for k, v in headers if k.lower() != "content-type"}
    if isinstance(body, dict):
        return JSONResponse(body, status_code=status, headers=header_map)
    if isinstance(body, str) and body.startswith("{"):
        return JSONResponse(json.loads(body), status_code=status, headers=header_map)
    return Response(body or b"", status_code=status, headers=header_map)
