"""A real HTTP server on loopback that plays an SMS gateway (webhook or Twilio-shaped)."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.notifications.conftest import free_port

TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-test-token"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeGateway:
    """What the server got, and how it should answer the next requests."""

    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    #: Statuses to answer with before answering normally (e.g. [500] or [503, 503]).
    fail_with: list[int] = field(default_factory=list)
    #: When set, requests hang until the test ends (a gateway that never answers).
    hang: bool = False
    release: threading.Event = field(default_factory=threading.Event)

    def bodies(self) -> list[str]:
        return [r.json["body"] if r.json else r.form.get("Body", "") for r in self.received]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[str]:
        """The bodies once ``count`` requests arrived (texts leave through the outbox, off
        the request path)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} texts, got {len(self.received)}")
            time.sleep(0.02)
        return self.bodies()


def _app(state: FakeGateway) -> Starlette:
    async def answer(request: Request, record: Received) -> Response:
        state.received.append(record)
        if state.hang:
            import anyio

            await anyio.to_thread.run_sync(state.release.wait, 30)
        if state.fail_with:
            return JSONResponse({"message": "gateway trouble"},
                                status_code=state.fail_with.pop(0))
        return JSONResponse({"sid": "SM" + "0" * 32, "status": "queued"}, status_code=201)

    async def webhook(request: Request) -> Response:
        return await answer(request, Received(request.url.path, dict(request.headers),
                                              json=await request.json()))

    async def twilio(request: Request) -> Response:
        expected = "Basic " + base64.b64encode(
            f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"code": 20003, "message": "Authenticate"}, status_code=401)
        form = await request.form()
        return await answer(request, Received(request.url.path, dict(request.headers),
                                              form={k: str(v) for k, v in form.items()}))

    return Starlette(routes=[
        Route("/sms", webhook, methods=["POST"]),
        Route("/2010-04-01/Accounts/{sid}/Messages.json", twilio, methods=["POST"]),
    ])


@pytest.fixture
def sms_server() -> Iterator[FakeGateway]:
    """The fake gateway served by uvicorn in a thread on 127.0.0.1."""
    state = FakeGateway()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_app(state), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(200):
        if server.started:
            started.set()
            break
        started.wait(0.025)
    assert server.started, "fake SMS gateway did not start"
    state.base_url = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        state.release.set()
        server.should_exit = True
        thread.join(timeout=10)
