"""Issue 12 item 7: a request body that never arrives is timed out (408), through a real
uvicorn on loopback, with many stalled uploads at once."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.uvicorn_thread import served

TIMEOUT = 2.0
STALLED = 60


@pytest.fixture
def port(settings_factory: Callable[..., Settings], clock: FixedClock, outbox: OutboxMailer,
         database: Database) -> Iterator[int]:
    app = create_app(settings_factory(body_timeout_seconds=TIMEOUT), clock=clock,
                     mailer=outbox, database=database)
    with served(app) as port:
        yield port


def start_upload(port: int, path: str, announced: int, first: bytes,
                 content_type: str = "application/json") -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost:8000\r\n"
                 "Origin: http://localhost:8000\r\n"
                 f"Content-Type: {content_type}\r\nContent-Length: {announced}\r\n\r\n"
                 .encode() + first)
    return conn


def read_response(conn: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response (status, headers, body), read by its Content-Length."""
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = conn.recv(65536)
        assert chunk, f"closed before a response: {raw!r}"
        raw += chunk
    status, headers, body = status_and_body(raw)
    while len(body) < int(headers["content-length"]):
        body += conn.recv(65536)
    return status, headers, body


def read_all(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    conn.close()
    return b"".join(chunks)


def status_and_body(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_stalled_uploads_get_408_and_are_closed(port: int) -> None:
    started = time.monotonic()
    stalled = [start_upload(port, "/api/v1/login", 100, b'{"email": ') for _ in range(STALLED)]
    stalled.append(start_upload(port, "/login", 500, b"email=a",  # a page form too
                                "application/x-www-form-urlencoded"))
    answers = [read_all(conn) for conn in stalled]  # recv returns b"" once closed
    elapsed = time.monotonic() - started
    assert TIMEOUT <= elapsed < TIMEOUT + 5
    for raw in answers:
        status, headers, body = status_and_body(raw)
        assert status == 408
        assert headers["content-type"] == "application/problem+json"
        assert headers["connection"] == "close"
        assert json.loads(body)["code"] == "request_timeout"


def test_trickling_does_not_extend_the_deadline(port: int) -> None:
    body = b'{"email": "ada@example.com", "password": "not the password at all"}'
    conn = start_upload(port, "/api/v1/login", len(body), body[:1])
    started = time.monotonic()
    try:
        for byte in body[1:]:
            conn.sendall(bytes([byte]))
            time.sleep(0.1)
    except OSError:
        pass  # closed by the server after its 408
    status, _, _ = status_and_body(read_all(conn))
    assert status == 408
    assert time.monotonic() - started < TIMEOUT + 3


def test_a_slow_body_that_arrives_in_time_is_served(port: int) -> None:
    body = b'{"email": "ada@example.com", "password": "not the password at all"}'
    conn = start_upload(port, "/api/v1/login", len(body), body[:10])
    time.sleep(0.3)  # well inside the deadline, also on a busy machine
    conn.sendall(body[10:])
    status, headers, _ = read_response(conn)
    conn.close()
    assert status == 401
    assert headers["content-type"] == "application/problem+json"
