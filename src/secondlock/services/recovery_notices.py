"""Telling every channel of an account about its recovery (issue #15).

Each mail and text carries its own single-use cancel link (an account token), so whoever
still holds the phone or an address can stop the recovery. The links and the messages are
made inside the transaction that starts, reminds of, shortens, stops or completes the
recovery: they are queued in the outbox (#13) and commit with the change or not at all, so a
crash right after the commit loses no notice and a rolled-back change sends none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session as DbSession

from secondlock.core.devices import describe_device
from secondlock.core.i18n import msg, nmsg
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token, new_token
from secondlock.notifications.recovery_messages import recovery_notice, recovery_sms
from secondlock.services.languages import usable_language
from secondlock.services.not_me_links import not_me_url
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import queue_email, queue_sms
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import Account, AccountToken
from secondlock.storage.repositories import Tokens
from secondlock.storage.repositories.sms_email_codes import Destinations

CANCEL_PURPOSE = "recovery_cancel"
CANCEL_PATH = "/recovery/cancel"


@dataclass(frozen=True)
class Recipient:
    channel: str  # "email" or "sms"
    to: str
    cancel_url: str
    not_me_url: str | None = None


@dataclass(frozen=True)
class NoticePlan:
    recipients: list[Recipient]
    language: str
    account_id: str


def when_text(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def delay_words(seconds: int) -> str:
    """The waiting period in words ("72 hours", "15 minutes")."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return nmsg("%(n)d hour", "%(n)d hours", seconds // 3600)
    if seconds >= 60:
        return nmsg("%(n)d minute", "%(n)d minutes", seconds // 60)
    return nmsg("%(n)d second", "%(n)d seconds", seconds)


def cancel_url(s: DbSession, origin: str, account_id: str, now: datetime,
               until: datetime) -> str:
    token = new_token()
    Tokens(s).add(AccountToken(token_hash=hash_token(token), account_id=account_id,
                               purpose=CANCEL_PURPOSE, created_at=now, expires_at=until))
    return f"{origin}{CANCEL_PATH}?{urlencode({'token': token})}"


def plan_notices(s: DbSession, rt: Runtime, account: Account, *, now: datetime,
                 until: datetime) -> NoticePlan:
    """One cancel link per channel: the account's address, every confirmed email factor's
    address and every confirmed phone (inside the caller's transaction)."""
    origin = rt.settings.origin
    own = account.email.casefold()
    others = {a for _, a in Destinations(s).confirmed(account.id, Method.EMAIL)
              if a.casefold() != own}
    addresses = [account.email, *sorted(others)]
    recipients = [Recipient(Method.EMAIL, address, cancel_url(s, origin, account.id, now, until),
                            not_me_url(s, origin=origin, account_id=account.id, now=now))
                  for address in addresses]
    phones = sorted({p for _, p in Destinations(s).confirmed(account.id, Method.SMS)})
    recipients += [Recipient(Method.SMS, phone, cancel_url(s, origin, account.id, now, until))
                   for phone in phones]
    return NoticePlan(recipients, usable_language(account.language), account.id)


def risk_facts(info: RequestInfo, known_device: bool) -> list[str]:
    """Where the request came from, against the account's usual devices (shown, not acted
    on)."""
    facts: list[str] = [msg("Asked from: %(device)s, IP address %(ip)s.",
                        device=describe_device(info.user_agent), ip=info.ip)]
    facts.append(msg("This device has signed in to your account before.") if known_device
                 else msg("This device has never signed in to your account."))
    return facts


def deliver(s: DbSession, rt: Runtime, plan: NoticePlan, *, kind: str, subject: str,
            headline: str, details: list[str], facts: list[str], ready_at: datetime) -> None:
    """Queue the notice for every recipient of ``plan`` in the caller's transaction."""
    name = rt.settings.service_name
    for r in plan.recipients:
        if r.channel == Method.EMAIL:
            queue_email(rt, s, recovery_notice(
                to=r.to, service_name=name, kind=kind, subject=subject, headline=headline,
                details=details, facts=facts, cancel_url=r.cancel_url,
                not_me_url=r.not_me_url, language=plan.language), account_id=plan.account_id)
            continue
        queue_sms(rt, s, to=r.to, kind=kind, account_id=plan.account_id,
                  body=recovery_sms(service_name=name, ready_at=when_text(ready_at),
                                    cancel_url=r.cancel_url, language=plan.language))


def send_started(s: DbSession, rt: Runtime, plan: NoticePlan, *, ready_at: datetime,
                 info: RequestInfo, known_device: bool) -> None:
    deliver(s, rt, plan, kind="recovery_started",
            subject=msg("someone is recovering your account"),
            headline=msg("Someone entered your password and asked to remove every second "
                         "factor of your account, as if all of them were lost."),
            details=[msg("If nobody stops it, on %(when)s every second factor and recovery "
                         "code is removed and they can sign in with the password alone.",
                         when=when_text(ready_at)),
                     msg("If this was not you, stop it now with the link below, or simply "
                         "sign in with your second factor: that stops it too. Then change "
                         "your password and secure your mailbox.")],
            facts=risk_facts(info, known_device), ready_at=ready_at)


def send_reminder(s: DbSession, rt: Runtime, plan: NoticePlan, *, ready_at: datetime,
                  info: RequestInfo, known_device: bool) -> None:
    deliver(s, rt, plan, kind="recovery_reminder",
            subject=msg("your account recovery ends in 24 hours"),
            headline=msg("Reminder: a recovery of your account removes every second factor "
                         "on %(when)s.", when=when_text(ready_at)),
            details=[msg("If this was not you, stop it now with the link below, or sign in "
                         "with your second factor.")],
            facts=risk_facts(info, known_device), ready_at=ready_at)


def send_shortened(s: DbSession, rt: Runtime, plan: NoticePlan, *, ready_at: datetime,
                   info: RequestInfo) -> None:
    deliver(s, rt, plan, kind="recovery_shortened", subject=msg("support shortened your account "
                                                             "recovery"),
            headline=msg("Support checked who you are and shortened the wait of the recovery "
                         "of your account. It now ends on %(when)s.", when=when_text(ready_at)),
            details=[msg("If you did not ask support for this, stop the recovery now with "
                         "the link below.")],
            facts=[], ready_at=ready_at)


def queue_recovery_stopped_by_sign_in(s: DbSession, rt: Runtime, email: str,
                                      info: RequestInfo) -> None:
    """Queued in the sign-in's own transaction (the outbox)."""
    queue_notice(s, rt, to=email, kind="recovery_cancelled", at=rt.clock.now(), info=info,
                 subject=msg("the account recovery was stopped"),
                 headline=msg("Someone signed in to your account with a second factor, so "
                              "the recovery that was waiting to remove your factors is "
                              "stopped."),
                 details=[msg("If that recovery was not yours, someone knows your password: "
                              "change it now and secure your mailbox.")])


def recovery_stopped(s: DbSession, rt: Runtime, email: str, info: RequestInfo, *,
                     by_staff: bool) -> None:
    """Queued in the transaction that stopped the recovery."""
    headline = msg("Support stopped the recovery of your account.") if by_staff else msg(
        "The recovery of your account was stopped with a link from our notice.")
    queue_notice(s, rt, to=email, kind="recovery_cancelled", at=rt.clock.now(), info=info,
                 subject=msg("the account recovery was stopped"), headline=headline,
                 details=[msg("Your second factors stay as they are. If you did not start "
                              "that recovery, someone knows your password: change it now.")])


def recovery_completed(s: DbSession, rt: Runtime, email: str, info: RequestInfo) -> None:
    """Queued in the transaction that completed the recovery."""
    queue_notice(s, rt, to=email, kind="recovery_completed", at=rt.clock.now(), info=info,
                 subject=msg("your account was recovered"),
                 headline=msg("The waiting period ended and your account was recovered: "
                              "every second factor and recovery code was removed."),
                 details=[msg("Every other device was signed out and no device is "
                              "remembered any more. Set up a new second factor now on your "
                              "security page.")])
