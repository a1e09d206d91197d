"""Everything a use case needs, passed explicitly (no globals, no settings reads at import)."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field

from secondlock.config import Settings
from secondlock.core.clock import Clock
from secondlock.core.crypto import Keyring
from secondlock.core.passwords import PasswordHasher, PasswordPolicy
from secondlock.core.places import NoPlaces, PlaceLookup
from secondlock.notifications.base import Mailer
from secondlock.notifications.sms import DisabledSms, SmsGateway
from secondlock.services.pwned_passwords import AnyOf
from secondlock.storage.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    hasher: PasswordHasher
    policy: PasswordPolicy
    blocklist: Container[str]
    #: What the outbox dispatcher delivers mail through (SMTP, or the development outbox).
    #: Services never send: they queue in the outbox (services.outbox), in their transaction.
    mailer: Mailer
    keyring: Keyring
    #: SMS codes (#4): the gateway SECONDLOCK_SMS_PROVIDER names.
    sms: SmsGateway = field(default_factory=DisabledSms)
    #: The outbox (#13): called after a transaction that queued a message committed, so the
    #: dispatcher of this process sends it at once instead of at its next poll.
    outbox_wake: Callable[[], None] = field(default=lambda: None)
    #: SECONDLOCK_PWNED_PASSWORDS=api: the breach corpus, asked about new passwords only.
    pwned: Container[str] | None = None

    @property
    def new_password_blocklist(self) -> Container[str]:
        """What a new password is checked against: the packaged list and its rules, then
        (optionally) the Pwned Passwords range API. Sign-ins ask ``blocklist`` alone."""
        if self.pwned is None:
            return self.blocklist
        return AnyOf(self.blocklist, self.pwned)
    #: Where an address is (SECONDLOCK_GEOIP), loaded once at start (#16).
    places: PlaceLookup = field(default_factory=NoPlaces)

    @property
    def secret_key(self) -> bytes:
        return self.settings.secret_key_bytes
