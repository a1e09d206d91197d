"""The composition root: builds the runtime (database, clock, hasher, mail, SMS) from Settings.

The web app factory and the CLI both start here, so neither reaches into storage or
notifications to wire things up, and both get the same wiring. The schema migrations the CLI
runs are handed out here too: web and cli import storage through this module only.
"""

from __future__ import annotations

from functools import lru_cache

from secondlock.config import Settings
from secondlock.core.blocklist import PasswordBlocklist
from secondlock.core.clock import Clock, SystemClock
from secondlock.core.passwords import HashParameters, PasswordHasher, PasswordPolicy
from secondlock.core.places import PlaceLookup
from secondlock.geoip import build_places
from secondlock.notifications.base import Mailer
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms, build_sms_gateway
from secondlock.notifications.smtp import SmtpMailer
from secondlock.services.pwned_passwords import PwnedPasswords
from secondlock.services.runtime import Runtime
from secondlock.storage.db import Database
from secondlock.storage.migrate import (
    current_revision,
    migration_engine,
    pending_revisions,
    upgrade,
)

#: What web and cli may use of storage: they reach it only through this module.
__all__ = [
    "Database",
    "build_mailer",
    "build_runtime",
    "current_revision",
    "default_blocklist",
    "migration_engine",
    "pending_revisions",
    "read_through",
    "upgrade",
]


@lru_cache(maxsize=4)
def places_for(setting: str) -> PlaceLookup:
    """One loaded lookup per setting, shared by every app and CLI run in the process."""
    return build_places(setting)


@lru_cache(maxsize=4)
def default_blocklist(min_length: int) -> PasswordBlocklist:
    return PasswordBlocklist.load_default(min_length=min_length)


def build_mailer(settings: Settings) -> Mailer:
    if settings.smtp_url is not None:
        return SmtpMailer(settings.smtp_url.get_secret_value(), settings.mail_from)
    return OutboxMailer()


def build_runtime(settings: Settings, *, mailer: Mailer | None = None, clock: Clock | None = None,
                  database: Database | None = None,
                  hasher: PasswordHasher | None = None) -> Runtime:
    """Wire the services' dependencies; used by the app factory and the CLI.

    ``mailer`` is what the outbox dispatcher delivers mail through (default: SMTP when
    configured, else the development outbox). ``hasher`` replaces the one built from the
    argon2 settings (tests use cheap parameters below the settings' floor where hashing cost
    is not what they test).
    """
    rt = Runtime(
        settings=settings,
        db=database or Database(settings.resolved_database_url),
        clock=clock or SystemClock(),
        hasher=hasher or PasswordHasher(HashParameters(time_cost=settings.argon2_time_cost,
                                                       memory_kib=settings.argon2_memory_kib,
                                                       parallelism=settings.argon2_parallelism),
                                        max_parallel=settings.argon2_threads),
        policy=PasswordPolicy(min_length=settings.password_min_length,
                              min_length_single_factor=settings.password_min_length_single_factor,
                              service_name=settings.service_name),
        blocklist=default_blocklist(settings.password_min_length),
        mailer=mailer or build_mailer(settings),
        keyring=settings.keyring(),
        sms=build_sms_gateway(settings),
        pwned=PwnedPasswords(settings.pwned_passwords_url)
        if settings.pwned_passwords == "api" else None,
        places=places_for(settings.geoip),
    )
    read_through(rt)
    return rt


def read_through(rt: Runtime) -> None:
    """The development outboxes (console + /dev/outbox) deliver what the database outbox holds
    before they are read, so the page (and a test) shows a mail right after its change.
    Called again after ``rt.sms`` or ``rt.mailer`` is replaced (tests do)."""
    mailer = rt.mailer
    if isinstance(mailer, OutboxMailer) or isinstance(rt.sms, OutboxSms):
        from secondlock.services.outbox_dispatcher import Dispatcher

        # One at a time, oldest first: the page lists them in the order they were queued.
        flusher = Dispatcher(rt, mailer=mailer, mail_concurrency=1, sms_concurrency=1)
        if isinstance(mailer, OutboxMailer):
            mailer.before_read = flusher.deliver_now
        if isinstance(rt.sms, OutboxSms):
            rt.sms.before_read = flusher.deliver_now
