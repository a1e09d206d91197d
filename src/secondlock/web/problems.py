"""Errors as RFC 9457 problem documents. The only place that maps codes to HTTP statuses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles

from secondlock.core.errors import (
    DatabaseUnavailableError,
    RateLimitedError,
    RecoveryWaitingError,
    SecondLockError,
    WeakPasswordError,
)
from secondlock.web.json_response import JSONAnswer

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://secondlock.dev/problems/"

STATUS_BY_CODE: dict[str, int] = {
    "invalid_credentials": 401,
    "not_authenticated": 401,
    "invalid_code": 401,
    "code_used": 401,
    "email_taken": 409,
    "invalid_email": 422,
    "weak_password": 422,
    "validation_error": 422,
    "malformed_json": 400,
    "invalid_token": 400,
    "not_found": 404,
    "method_not_allowed": 405,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "too_many_attempts": 429,
    "reauth_required": 403,
    "forbidden": 403,
    "mfa_token_expired": 410,
    "second_factor_required": 403,
    "enrollment_required": 403,
    "conflict": 409,
    # password reset and change
    "reset_link_expired": 410,
    "invalid_current_password": 403,
    # SMS and email codes (#4)
    "invalid_phone": 422,
    "delivery_failed": 503,
    "same_channel": 403,
    # security keys and passkeys (core.webauthn)
    "invalid_assertion": 401,
    "invalid_registration": 400,
    "credential_exists": 409,
    # recovery with a waiting period (#15)
    "recovery_waiting": 409,
    "recovery_pending": 409,
    "recovery_ended": 410,
    "recovery_link_expired": 410,
    # staff (#14)
    "same_person": 403,
    # the database is away (restart, network); the client may retry (#17)
    "database_unavailable": 503,
}

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type", 401: "not_authenticated", 403: "forbidden"}


def problem(status: int, code: str, title: str, detail: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPE_BASE + code, "title": title, "status": status,
                            "detail": detail or title, "code": code, **extra}
    return JSONAnswer(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def problem_for(exc: SecondLockError) -> JSONResponse:
    status = STATUS_BY_CODE.get(exc.code, 400)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, RateLimitedError | DatabaseUnavailableError):
        headers["Retry-After"] = str(exc.retry_after)
        extra["retry_after"] = exc.retry_after
    if isinstance(exc, WeakPasswordError):
        extra["reason"] = exc.reason
    if isinstance(exc, RecoveryWaitingError):
        extra["ready_at"] = exc.ready_at.isoformat()
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem(status, exc.code, exc.title, exc.detail, headers=headers or None, **extra)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path, for the Allow header of a 405.

    Starlette's own 405 names only the methods of the first route whose path matched, so a
    path served by two routes (GET and DELETE, say) would claim to allow just one of them.
    """
    scope = request.scope
    probe = {"type": "http", "path": scope["path"], "headers": [], "query_string": b"",
             "root_path": scope.get("app_root_path", scope.get("root_path", ""))}
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Mount):  # a mount matches any method: ask what it serves
            if isinstance(route.app, StaticFiles) and route.matches(probe)[0] is Match.FULL:
                allowed |= {"GET", "HEAD"}
            continue
        allowed |= {method for method in _METHODS
                    if route.matches({**probe, "method": method})[0] is Match.FULL}
    return ", ".join(method for method in _METHODS if method in allowed)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install(app: FastAPI, html_error: Any = None) -> None:
    """Register the handlers. ``html_error(request, status, message)`` renders page errors."""

    @app.exception_handler(SecondLockError)
    async def _domain(request: Request, exc: SecondLockError) -> Response:
        return problem_for(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(400, "malformed_json", "The request body is not valid JSON",
                           "Send a JSON object with Content-Type: application/json.")
        # Never echo the input back: it may hold a password.
        fields = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""),
                   "type": e.get("type", "")} for e in errors]
        return problem(422, "validation_error", "The request is not valid",
                       "; ".join(f"{'.'.join(f['loc'][1:]) or 'body'}: {f['msg']}"
                                 for f in fields[:5]), errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        if html_error is not None and not is_api(request) and request.url.path != "/openapi.json":
            rendered: Response = await html_error(request, exc.status_code, str(exc.detail))
            rendered.headers.update(headers)
            return rendered
        code = _HTTP_CODES.get(exc.status_code, "error")
        return problem(exc.status_code, code, str(exc.detail), headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Log the type and where, never request bodies; answer generically.
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal_error", "Something went wrong on our side",
                       "Please try again. If it keeps happening, contact support.")
