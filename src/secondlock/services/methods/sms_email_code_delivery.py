"""What became of the last SMS or email code: its outbox row says (issue #13).

Codes leave through the outbox like every other message: queued in the transaction that
stores the code (so a crash right after the commit loses no code), sent by a dispatcher in
whichever server runs, and dropped, not sent, once the code has expired. The request that
asked for the code answers at once with delivery ``pending``; the sign-in page, the confirm
page and ``POST /login/challenge/status`` show what became of it since:

- ``sent``: the gateway or the mail server took it;
- ``failed``: the last attempt failed (or it was dropped unsent). The outbox keeps trying
  while the code is valid, and the shopper may ask for a new code at once, cooldown or not;
- ``pending``: not tried yet (or being sent right now);
- ``none``: no code was asked for yet.

A new code voids the old one, so the old code's row is dropped if it has not gone out yet.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.storage.orm_outbox import DROPPED
from secondlock.storage.orm_outbox import FAILED as ROW_FAILED
from secondlock.storage.orm_outbox import SENT as ROW_SENT
from secondlock.storage.repositories.outbox import Outbox

NONE = "none"
PENDING = "pending"
SENT = "sent"
FAILED = "failed"


def code_message_id(challenge_id: str, send_number: int) -> str:
    """The outbox id of a challenge's ``send_number``-th code, so the row is found again
    without a column of its own: ``msg_`` + the challenge's 32 hex digits + 4 of the count
    (40 characters, the id column's size)."""
    return f"msg_{uuid.UUID(challenge_id).hex}{send_number % 0x10000:04x}"


def delivery_state(s: DbSession, challenge_id: str, sends: int) -> str:
    """``none``, ``pending``, ``sent`` or ``failed`` for the challenge's latest code."""
    if sends <= 0:
        return NONE
    row = Outbox(s).get(code_message_id(challenge_id, sends))
    if row is None:  # pruned long after the code expired, or sent before the outbox
        return PENDING
    if row.status == ROW_SENT:
        return SENT
    if row.status in (ROW_FAILED, DROPPED) or row.attempts > 0:
        return FAILED
    return PENDING


def drop_replaced(s: DbSession, challenge_id: str, sends: int, now: datetime) -> None:
    """The challenge's code number ``sends`` was replaced: don't send it any more."""
    if sends > 0:
        Outbox(s).drop(code_message_id(challenge_id, sends), now, "replaced by a new code")
