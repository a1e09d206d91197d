"""OpenAPI helpers: every error is a problem document, and /openapi.json says so."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from starlette.convertors import Convertor, register_url_convertor

from secondlock.web.problems import PROBLEM_MEDIA_TYPE

API_PREFIX = "/api/v1"


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str


class FieldError(BaseModel):
    loc: list[str]
    msg: str
    type: str


class ValidationProblem(Problem):
    """A 422: ``validation_error`` adds the fields that were wrong (``errors``);
    ``weak_password`` adds its ``reason``; ``invalid_email`` and ``invalid_phone`` neither."""

    errors: list[FieldError] = Field(default_factory=list)
    reason: str = ""


_TEXT = {400: "Malformed request", 401: "Not authenticated or wrong credentials",
         403: "Forbidden", 404: "Not found", 408: "The request body did not arrive in time",
         409: "Conflict", 410: "Gone", 413: "Body too large", 422: "Invalid input",
         429: "Too many attempts (Retry-After)", 503: "Delivery failed; try again later"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": Problem, "description": _TEXT.get(s, "Error"),
                "content": {PROBLEM_MEDIA_TYPE: {}}} for s in (400, 413, *statuses)}


class _IdConvertor(Convertor[str]):
    """A path segment that is an id (hex digits and dashes), never a word like ``totp``.

    ``PATCH /me/authenticators/totp`` must not reach ``PATCH /me/authenticators/{id}`` (and
    fail validation with 422): with this convertor it matches only ``POST .../totp``, and
    the answer is 405 with ``Allow: POST``.
    """

    regex = "[0-9a-fA-F-]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


#: Use as ``{authenticator_id:id}`` where a literal path sits next to the parameter.
register_url_convertor("id", _IdConvertor())


def install_openapi(app: FastAPI) -> None:
    """Serve an OpenAPI document whose errors are what the server really sends.

    FastAPI documents each error twice (``application/json`` and an empty problem type) and
    its own 422 body, which this app never sends. Every 4xx/5xx response of the API becomes
    ``application/problem+json`` with the Problem schema (ValidationProblem for 422), and
    operations that take a body also document 408 (``BodyTimeoutMiddleware``).
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version,
                                   description=app.description, routes=app.routes)
            app.openapi_schema = true_errors(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def true_errors(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ValidationProblem):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault("408", {})
            for status, response in responses.items():
                if not status.isdigit() or int(status) < 400:
                    continue
                model = ValidationProblem if status == "422" else Problem
                response["description"] = _TEXT.get(int(status), "Error")
                response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {
                    "$ref": f"#/components/schemas/{model.__name__}"}}}
    return document
