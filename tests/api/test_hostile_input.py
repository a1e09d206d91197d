"""Hostile input answers 4xx problem+json, never 500, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from secondlock.storage.db import Database
from secondlock.storage.orm import Account
from tests.conftest import PASSWORD, MadeAccount

JSON_ROUTES = ["/api/v1/accounts", "/api/v1/login"]

BAD_BODIES: list[tuple[str, bytes]] = [
    ("malformed", b'{"email": "a@example.com", "password": '),
    ("empty", b""),
    ("array", b'[{"email": "a@example.com", "password": "x"}]'),
    ("string", b'"hello"'),
    ("null", b"null"),
    ("wrong types", b'{"email": 42, "password": ["a", "b"]}'),
    ("bool password", b'{"email": "a@example.com", "password": true}'),
    ("unknown field",
     b'{"email": "a@example.com", "password": "xxxxxxxxxxxxxxxxx", "admin": true}'),
    ("missing field", b'{"email": "a@example.com"}'),
    ("nul in email", b'{"email": "a\\u0000@example.com", "password": "xxxxxxxxxxxxxxxxx"}'),
    ("nul in password", b'{"email": "a@example.com", "password": "xxxxxxx\\u0000xxxxxxxxxx"}'),
    ("lone surrogate", b'{"email": "a@example.com", "password": "xxxxxxxxxxxxxxx\\ud800"}'),
    ("huge number", b'{"email": "a@example.com", "password": 1e999999}'),
    ("deep nesting", b'{"email": ' + b"[" * 5000 + b"]" * 5000 + b', "password": "x"}'),
    ("long email", json.dumps({"email": "a" * 2000 + "@example.com",
                               "password": "xxxxxxxxxxxxxxxxxx"}).encode()),
    ("invalid utf-8", b'{"email": "\xff\xfe@example.com", "password": "xxxxxxxxxxxxxxxxxx"}'),
]


def assert_problem(response: Any, *allowed: int) -> None:
    assert response.status_code in allowed, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == response.status_code


@pytest.mark.parametrize("route", JSON_ROUTES)
@pytest.mark.parametrize(("name", "body"), BAD_BODIES, ids=[n for n, _ in BAD_BODIES])
def test_bad_bodies_get_a_4xx_problem(client: TestClient, database: Database, route: str,
                                      name: str, body: bytes) -> None:
    response = client.post(route, content=body, headers={"Content-Type": "application/json"})
    assert_problem(response, 400, 401, 413, 422)
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 0


def test_unknown_fields_are_422(client: TestClient) -> None:
    response = client.post("/api/v1/accounts", json={"email": "a@example.com",
                                                     "password": PASSWORD, "is_admin": True})
    assert_problem(response, 422)
    assert response.json()["code"] == "validation_error"


def test_validation_errors_never_echo_the_password(client: TestClient) -> None:
    response = client.post("/api/v1/login", json={"email": ["x"], "password": "hunter2-secret",
                                                  "extra": 1})
    assert "hunter2-secret" not in response.text


def test_form_encoded_body_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/login", data={"email": "a@example.com", "password": "x"})
    assert_problem(response, 400, 415, 422)


def test_oversized_declared_body_is_413(client: TestClient) -> None:
    response = client.post("/api/v1/login", content=b" " * 70_000,
                           headers={"Content-Type": "application/json"})
    assert_problem(response, 413)


def test_oversized_streamed_body_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 1024

    response = client.post("/api/v1/login", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert_problem(response, 413)


@pytest.mark.parametrize("path", [
    "/api/v1/me/sessions/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/me/sessions/%00",
    "/api/v1/me/sessions/" + "a" * 300,
    "/api/v1/me/sessions/1;DROP TABLE sessions",
])
def test_path_tricks_on_session_ids(client: TestClient, path: str,
                                    account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    response = client.delete(path, headers=account.auth)
    assert_problem(response, 404, 422)
    assert client.get("/api/v1/me", headers=account.auth).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/%2e%2e/%2e%2e/etc/passwd", "/api/v1/nope", "/api/v2/me",
                                  "/api/v1/me/../accounts"])
def test_unknown_api_paths_are_404_problems(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert_problem(response, 404, 405)


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/login"), 405)


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Bearer " + "x" * 5000,
                                    "Bearer a\tb", "bearer nonsense"])
def test_bad_authorization_headers_are_401(client: TestClient, header: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert_problem(response, 401)


def test_no_500_for_garbage_user_agent_and_forwarded_for(client: TestClient) -> None:
    response = client.post("/api/v1/login", json={"email": "a@example.com", "password": "x"},
                           headers={"User-Agent": "\u0001" * 3000,
                                    "X-Forwarded-For": "999.999.1.1, ::zz"})
    assert_problem(response, 401)
