"""Shared steps of the recovery tests: ask for a link, read links out of mails and texts."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient

from secondlock.notifications.outbox import OutboxMailer

DELAY = 3600  # SECONDLOCK_RECOVERY_DELAY in these tests: one hour
LINK = re.compile(r"http://localhost:8000/recovery/link\?token=[\w-]+")
CANCEL = re.compile(r"http://localhost:8000/recovery/cancel\?token=[\w-]+")
NOT_ME = re.compile(r"http://localhost:8000/not-me\?token=[\w-]+")


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


def mails(outbox: OutboxMailer, kind: str, to: str | None = None) -> list[str]:
    """Texts of the mails of ``kind`` (to ``to``), oldest first."""
    return [sent.message.text for sent in reversed(outbox.latest())
            if sent.message.kind == kind and (to is None or sent.message.to == to)]


def ask_link(client: TestClient, outbox: OutboxMailer, email: str) -> str:
    """The token of a fresh recovery link for ``email``."""
    before = len(mails(outbox, "recovery_link", email))
    answer = client.post("/api/v1/recovery", json={"email": email})
    assert answer.status_code == 202, answer.text
    links = mails(outbox, "recovery_link", email)
    assert len(links) == before + 1
    match = LINK.search(links[-1])
    assert match
    return token_of(match.group(0))


def start(client: TestClient, token: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/recovery/start", json={"token": token, "password": password})


def complete(client: TestClient, token: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/recovery/complete",
                       json={"token": token, "password": password})


def status(client: TestClient, token: str) -> str:
    answer = client.get("/api/v1/recovery/status", params={"token": token})
    assert answer.status_code == 200, answer.text
    value: str = answer.json()["status"]
    return value
