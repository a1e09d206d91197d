"""The shop's webhook endpoints: add (the secret is shown once), list, remove.

Endpoints live in the database: one added or removed while servers run counts from the next
event on, with no restart. The ``whsec_`` secret is sealed with the keyring.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from secondlock.core.crypto import Sealed
from secondlock.notifications.webhooks import check_endpoint_url
from secondlock.services.outbox import EVENT_TYPES
from secondlock.services.runtime import Runtime
from secondlock.storage.orm_outbox import PENDING, OutboxMessage, WebhookEndpoint
from secondlock.storage.repositories.outbox import Outbox, WebhookEndpoints


@dataclass(frozen=True)
class AddedEndpoint:
    id: str
    secret: str


@dataclass(frozen=True)
class EndpointView:
    id: str
    url: str
    events: list[str]
    created_at: datetime
    last_success_at: datetime | None
    failing_since: datetime | None
    marked_failing_at: datetime | None
    last_error: str | None
    pending: int

    @property
    def status(self) -> str:
        if self.marked_failing_at is not None:
            return "failing"
        if self.failing_since is not None:
            return "errors"
        return "ok"


def _context(endpoint_id: str) -> bytes:
    return b"webhook-secret:" + endpoint_id.encode()


def parse_events(text: str | None) -> list[str]:
    """``"mfa.enabled,factor.added"`` -> the list; empty for every event. ValueError if unknown."""
    events = [e.strip() for e in (text or "").replace(" ", ",").split(",") if e.strip()]
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event type {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}")
    return sorted(set(events))


def add_endpoint(rt: Runtime, url: str, events: list[str]) -> AddedEndpoint:
    url = check_endpoint_url(url)
    endpoint_id = "ep_" + uuid.uuid4().hex
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    sealed = rt.keyring.seal(secret.encode("ascii"), context=_context(endpoint_id))
    with rt.db.write() as s:
        WebhookEndpoints(s).add(WebhookEndpoint(
            id=endpoint_id, url=url, events=" ".join(events), secret_key_id=sealed.key_id,
            secret_blob=sealed.blob, created_at=rt.clock.now()))
        s.commit()
    return AddedEndpoint(endpoint_id, secret)


def endpoint_secret(rt: Runtime, endpoint: WebhookEndpoint) -> str:
    return rt.keyring.open(Sealed(endpoint.secret_key_id, endpoint.secret_blob),
                           context=_context(endpoint.id)).decode("ascii")


def list_endpoints(rt: Runtime) -> list[EndpointView]:
    with rt.db.read() as s:
        pending = dict(s.execute(
            select(OutboxMessage.endpoint_id, func.count())
            .where(OutboxMessage.status == PENDING, OutboxMessage.endpoint_id.is_not(None))
            .group_by(OutboxMessage.endpoint_id)).all())
        return [EndpointView(id=e.id, url=e.url, events=e.events.split(),
                             created_at=e.created_at, last_success_at=e.last_success_at,
                             failing_since=e.failing_since,
                             marked_failing_at=e.marked_failing_at, last_error=e.last_error,
                             pending=int(pending.get(e.id, 0)))
                for e in WebhookEndpoints(s).all()]


def remove_endpoint(rt: Runtime, endpoint_id: str) -> bool:
    """Remove it and drop its undelivered events; False when there is no such endpoint."""
    with rt.db.write() as s:
        if not WebhookEndpoints(s).remove(endpoint_id):
            return False
        Outbox(s).drop_for_endpoint(endpoint_id, rt.clock.now())
        s.commit()
    return True
