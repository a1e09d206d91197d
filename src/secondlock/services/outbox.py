"""Queue mail, texts and webhook events in the caller's transaction (the outbox, #13).

Every message that a change causes is written by the same transaction as the change: it
commits together or not at all, and a process killed right after the commit loses nothing
(a dispatcher sends it after the restart, or from another node). The rendered payload is
sealed with the keyring: mails carry codes and single-use links.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as DbSession

from secondlock.core.crypto import Keyring, Sealed
from secondlock.core.devices import describe_device
from secondlock.core.request_info import RequestInfo
from secondlock.notifications.base import OutgoingEmail
from secondlock.services.runtime import Runtime
from secondlock.storage.orm_outbox import PENDING, OutboxMessage
from secondlock.storage.repositories.outbox import ChannelStats, Outbox, WebhookEndpoints

#: The webhook event types of the contract.
EVENT_TYPES = (
    "account.created", "mfa.enabled", "mfa.disabled", "factor.added", "factor.removed",
    "recovery_codes.regenerated", "recovery_code.used", "sign_in.new_device",
    "sign_in.new_location", "account.locked", "account.not_me", "password.changed",
    "password.reset", "recovery.started", "recovery.cancelled", "recovery.completed",
    "staff.action",
)
#: Keys that never go into a webhook's data, whoever passes them.
_FORBIDDEN_DATA = {"secret", "code", "token", "password", "otp", "key", "link", "url"}


def new_message_id() -> str:
    """``msg_`` + the time in nanoseconds (hex, so ids sort by creation) + 48 random bits."""
    return f"msg_{time.time_ns():016x}{secrets.token_hex(6)}"


def seal_payload(keyring: Keyring, message_id: str, payload: Mapping[str, Any]) -> Sealed:
    return keyring.seal(json.dumps(payload, separators=(",", ":")).encode("utf-8"),
                        context=b"outbox:" + message_id.encode())


def open_payload(keyring: Keyring, row: OutboxMessage) -> dict[str, Any]:
    data = keyring.open(Sealed(row.payload_key_id, row.payload_blob),
                        context=b"outbox:" + row.id.encode())
    payload: dict[str, Any] = json.loads(data)
    return payload


def _wake_after_commit(rt: Runtime, s: DbSession) -> None:
    if s.info.get("outbox_wake") is None:
        s.info["outbox_wake"] = True

        def wake(session: DbSession) -> None:
            session.info.pop("outbox_wake", None)
            rt.outbox_wake()

        event.listen(s, "after_commit", wake, once=True)


def enqueue(rt: Runtime, s: DbSession, *, channel: str, kind: str,
            payload: Mapping[str, Any], account_id: str | None = None,
            endpoint_id: str | None = None, not_after: datetime | None = None,
            message_id: str | None = None) -> str:
    """Add one message to the outbox in the caller's transaction; returns its id."""
    now = rt.clock.now()
    message_id = message_id or new_message_id()
    sealed = seal_payload(rt.keyring, message_id, payload)
    hours = rt.settings.webhook_retry_hours if channel == "webhook" \
        else rt.settings.message_retry_hours
    Outbox(s).add(OutboxMessage(
        id=message_id, channel=channel, kind=kind[:64], account_id=account_id,
        endpoint_id=endpoint_id, payload_key_id=sealed.key_id, payload_blob=sealed.blob,
        status=PENDING, created_at=now, not_after=not_after,
        give_up_after=now + timedelta(hours=hours), attempts=0, next_attempt_at=now))
    _wake_after_commit(rt, s)
    return message_id


def queue_email(rt: Runtime, s: DbSession, message: OutgoingEmail, *,
                account_id: str | None = None, not_after: datetime | None = None,
                message_id: str | None = None) -> str:
    return enqueue(rt, s, channel="email", kind=message.kind, account_id=account_id,
                   not_after=not_after, message_id=message_id,
                   payload={"to": message.to, "subject": message.subject, "text": message.text,
                            "html": message.html, "kind": message.kind,
                            "headers": dict(message.headers)})


def queue_sms(rt: Runtime, s: DbSession, *, to: str, body: str, kind: str,
              account_id: str | None = None, not_after: datetime | None = None,
              message_id: str | None = None) -> str:
    return enqueue(rt, s, channel="sms", kind=kind, account_id=account_id,
                   not_after=not_after, message_id=message_id,
                   payload={"to": to, "body": body})


def email_of(payload: Mapping[str, Any]) -> OutgoingEmail:
    return OutgoingEmail(to=payload["to"], subject=payload["subject"], text=payload["text"],
                         html=payload.get("html"), kind=payload.get("kind", "notice"),
                         headers=dict(payload.get("headers") or {}))


def emit_event(rt: Runtime, s: DbSession, event_type: str, *, account_id: str,
               info: RequestInfo | None = None, at: datetime | None = None,
               **data: Any) -> list[str]:
    """Queue webhook ``event_type`` for every endpoint that wants it (same transaction).

    ``data`` gets ``account_id`` and, with a request, ``ip`` and ``device``; pass only ids,
    names and times: never a secret, code, token or password.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    bad = {k for k in data if k.lower() in _FORBIDDEN_DATA}
    if bad:
        raise ValueError(f"webhook data must not carry {sorted(bad)}")
    endpoints = [e for e in WebhookEndpoints(s).all()
                 if not e.events.split() or event_type in e.events.split()]
    if not endpoints:
        return []
    when = at or rt.clock.now()
    body: dict[str, Any] = {"account_id": account_id}
    if info is not None and info.ip != "cli":
        body["ip"] = info.ip
        body["device"] = str(describe_device(info.user_agent))
    body.update(data)
    document = json.dumps({"type": event_type,
                           "timestamp": when.isoformat().replace("+00:00", "Z"),
                           "data": body}, separators=(",", ":"), default=str)
    return [enqueue(rt, s, channel="webhook", kind=event_type, account_id=account_id,
                    endpoint_id=endpoint.id, payload={"body": document})
            for endpoint in endpoints]


# What the operator sees and does (``secondlock outbox``, ``secondlock prune``) -------------

def outbox_status(rt: Runtime) -> list[ChannelStats]:
    with rt.db.read() as s:
        return Outbox(s).stats()


def failed_messages(rt: Runtime, limit: int = 20) -> list[OutboxMessage]:
    with rt.db.read() as s:
        return Outbox(s).failed(limit)


def retry_message(rt: Runtime, message_id: str) -> bool:
    """Send a failed (or waiting) message again now; False when there is no such message
    or it already went out."""
    now = rt.clock.now()
    with rt.db.write() as s:
        row = Outbox(s).get(message_id)
        if row is None:
            return False
        hours = rt.settings.webhook_retry_hours if row.channel == "webhook" \
            else rt.settings.message_retry_hours
        done = Outbox(s).retry(message_id, now, now + timedelta(hours=hours))
        s.commit()
    return done


def retry_failed(rt: Runtime) -> int:
    now = rt.clock.now()
    with rt.db.write() as s:
        count = Outbox(s).retry_all_failed(now, now + timedelta(
            hours=rt.settings.message_retry_hours))
        s.commit()
    return count


def prune_sent(rt: Runtime, days: int | None = None) -> int:
    """Delete rows sent or dropped more than ``days`` (default: the setting) ago."""
    keep = days if days is not None else rt.settings.outbox_retention_days
    with rt.db.write() as s:
        count = Outbox(s).prune(rt.clock.now() - timedelta(days=keep))
        s.commit()
    return count
