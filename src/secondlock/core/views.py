"""Plain data that storage builds and every layer above reads: no I/O, no ORM.

They live in core so that web and cli can take them from services without importing storage,
and storage can build them without importing services.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class SessionView(NamedTuple):
    """What a request needs to know about the session it carries (one SELECT).

    A named tuple, immutable like the frozen dataclasses here, because it is built on every
    request: a frozen dataclass sets each of its 14 fields through ``object.__setattr__``,
    which cost more than reading the row (#17)."""

    id: str
    account_id: str
    email: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    auth_time: datetime
    amr: str
    email_verified: bool
    mfa_enabled: bool
    #: Set by "this wasn't me": the pages ask for a new password before anything else.
    password_change_required: bool = False
    #: When the account's grace period to add a factor started (SECONDLOCK_REQUIRE_2FA).
    enrollment_started_at: datetime | None = None
    #: The account's usable second-step methods (an empty tuple without 2FA), read by the
    #: same statement, so GET /me needs nothing more (issue #17).
    methods: tuple[str, ...] = ()
    recovery_codes_remaining: int = 0
