"""Which address a request counts as (throttling, activity, notices) behind a trusted proxy."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.network import parse_networks
from secondlock.web.deps import request_info


def echo_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings

    @app.get("/ip")
    def ip(request: Request) -> str:
        return request_info(request).ip

    @app.get("/agent")
    def agent(request: Request) -> str:
        return request_info(request).user_agent

    return app


def test_a_forged_line_before_the_proxys_own_is_not_believed(settings: Settings) -> None:
    """A proxy that appends its own X-Forwarded-For line after the client's (HAProxy's
    ``option forwardfor``) gives two lines: the right-most address not of a trusted proxy,
    across every line, is the client."""
    trusted = settings.model_copy(update={"trusted_proxies": parse_networks("127.0.0.1/32")})
    client = TestClient(echo_app(trusted), client=("127.0.0.1", 50000))
    forged = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "203.0.113.9")]
    assert client.get("/ip", headers=forged).json() == "203.0.113.9"
    assert client.get("/ip", headers=[("X-Forwarded-For", "203.0.113.9")]).json() \
        == "203.0.113.9"


def test_without_a_trusted_proxy_the_header_is_ignored(settings: Settings) -> None:
    client = TestClient(echo_app(settings), client=("127.0.0.1", 50000))
    assert client.get("/ip", headers=[("X-Forwarded-For", "6.6.6.6")]).json() == "127.0.0.1"


def test_the_device_is_the_first_user_agent_line_cut_to_its_limit(settings: Settings) -> None:
    client = TestClient(echo_app(settings), client=("127.0.0.1", 50000))
    two = [("User-Agent", "Firefox/133.0"), ("User-Agent", "curl/8.0")]
    assert client.get("/agent", headers=two).json() == "Firefox/133.0"
    long = "Mozilla/5.0 " + "x" * 600
    assert client.get("/agent", headers={"User-Agent": long}).json() == long[:512]
    assert client.get("/agent", headers={"User-Agent": ""}).json() == ""
