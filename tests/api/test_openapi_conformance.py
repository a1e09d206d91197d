"""Issue 12 item 6: /openapi.json tells the truth about what the API answers.

Schemathesis generates requests for every documented operation from the document itself;
they go in-process to one app (its TestClient, on the test database). Each real answer
(mostly errors: most generated input is refused) must be no 5xx and have a documented
status code, a documented content type and a body that matches the documented schema. The
number of examples is bounded so the run stays well under a minute.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine

from secondlock.config import Settings
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.base import Base
from secondlock.web.app import create_app
from tests.conftest import PASSWORD, PG_ENV, TEST_SECRET, fresh_postgres

PROBLEM = "application/problem+json"
EXAMPLES_PER_OPERATION = 12
BASE_URL = "http://localhost:8000"


def _published_document() -> dict[str, Any]:
    """The document as the app publishes it (no database is opened to build it)."""
    settings = Settings(secret_key=TEST_SECRET, database_url="sqlite:///:memory:")
    return create_app(settings, mailer=OutboxMailer(echo=False)).openapi()


schema = schemathesis.openapi.from_dict(_published_document())


@dataclass(frozen=True)
class Served:
    client: TestClient
    token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One app for every operation (a fresh one each would cost a second per operation)."""
    data_dir = tmp_path_factory.mktemp("openapi")
    if os.environ.get(PG_ENV):
        url = fresh_postgres(os.environ[PG_ENV])
    else:
        url = f"sqlite:///{data_dir / 'secondlock.db'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
    settings = Settings(data_dir=data_dir, secret_key=TEST_SECRET, database_url=url)
    with TestClient(create_app(settings, mailer=OutboxMailer(echo=False)),
                    base_url=BASE_URL) as client:
        account = {"email": "schema@example.com", "password": PASSWORD}
        assert client.post("/api/v1/accounts", json=account).status_code == 201
        login = client.post("/api/v1/login", json=account)
        assert login.status_code == 200
        yield Served(client=client, token=login.json()["token"])


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), database=None)
def test_real_answers_match_the_document(case: Any, served: Served) -> None:
    # Calls under /me carry a real session, so answers past the authentication check (403
    # reauth_required, 404, 409, 422 and successes) are checked too.
    auth = {"Authorization": f"Bearer {served.token}"} if case.path.startswith("/api/v1/me") \
        else None
    sent = case.as_transport_kwargs(base_url=BASE_URL, headers=auth)
    answer = served.client.request(sent["method"], sent["url"], headers=sent["headers"],
                            params=sent.get("params"), json=sent.get("json"),
                            content=sent.get("data"), follow_redirects=False)
    case.validate_response(answer, checks=[
        not_a_server_error, status_code_conformance, content_type_conformance,
        response_schema_conformance])


def test_every_documented_error_is_a_problem_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    errors = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                errors += 1
                assert list(response["content"]) == [PROBLEM], (method, path, status)
                wanted = "ValidationProblem" if status == "422" else "Problem"
                assert response["content"][PROBLEM]["schema"] == {
                    "$ref": f"#/components/schemas/{wanted}"}, (method, path, status)
    assert errors > 100
    invalid = schemas["ValidationProblem"]
    assert set(invalid["required"]) == {"type", "title", "status", "detail", "code"}
    assert {"errors", "reason"} <= set(invalid["properties"])


def test_validation_errors_are_answered_as_documented(client: TestClient) -> None:
    answer = client.post("/api/v1/login", json={"email": 5})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(answer.json())


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("PATCH", "/api/v1/me/authenticators/totp", "POST"),
    ("PUT", "/api/v1/me/authenticators/sms", "POST"),
    ("OPTIONS", "/api/v1/me/trusted-devices", "GET, DELETE"),
    ("POST", "/api/v1/me/trusted-devices", "GET, DELETE"),
    ("OPTIONS", "/api/v1/me/authenticators/0a1b-2c", "PATCH, DELETE"),
    ("GET", "/api/v1/me/authenticators/0a1b-2c", "PATCH, DELETE"),
    ("DELETE", "/api/v1/me/recovery-codes", "GET, POST"),
    ("DELETE", "/api/v1/me/authenticators/webauthn", "GET, POST"),
    ("OPTIONS", "/api/v1/me", "GET, HEAD"),
    ("DELETE", "/api/v1/login", "POST"),
])
def test_wrong_methods_get_405_with_every_allowed_method(client: TestClient, method: str,
                                                         path: str, allow: str) -> None:
    answer = client.request(method, path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == allow
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["code"] == "method_not_allowed"


def test_a_wrong_method_on_a_page_names_the_allowed_ones(client: TestClient) -> None:
    answer = client.delete("/static/secondlock.css")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD"
    assert client.put("/login").headers["allow"] == "GET, POST"
