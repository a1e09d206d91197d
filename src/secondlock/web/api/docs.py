"""OpenAPI helpers: every error is a problem document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

API_PREFIX = "/api/v1"


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str


_TEXT = {400: "Malformed request", 401: "Not authenticated or wrong credentials",
         403: "Forbidden", 404: "Not found", 409: "Conflict", 410: "Gone",
         413: "Body too large", 422: "Invalid input", 429: "Too many attempts (Retry-After)"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": Problem, "description": _TEXT.get(s, "Error"),
                "content": {"application/problem+json": {}}} for s in (400, 413, *statuses)}
