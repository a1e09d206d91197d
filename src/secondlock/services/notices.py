"""Mail the account owner about security events, queued with the change (the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.devices import describe_device
from secondlock.core.places import describe_place
from secondlock.core.request_info import RequestInfo
from secondlock.notifications.messages import security_notice
from secondlock.services.languages import usable_language
from secondlock.services.not_me_links import not_me_url
from secondlock.services.outbox import queue_email
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import Account
from secondlock.storage.repositories import Accounts
from secondlock.storage.repositories.sms_email_codes import Destinations
from secondlock.translations import format_when


def queue_notice(s: DbSession, rt: Runtime, *, to: str, kind: str, subject: str,
                 headline: str, details: Sequence[str], info: RequestInfo, at: datetime,
                 not_me_link: bool = True) -> None:
    """Queue a security notice in the caller's transaction (the change that causes it): it
    commits with the change or not at all, and the outbox delivers it (#13). Each mail carries
    its own single-use "this wasn't me" link, unless ``not_me_link`` is False (the mail that
    confirms the link was used).

    Write ``subject``, ``headline`` and ``details`` as ``msg("English text", name=value)``
    (secondlock.core.i18n): the mail goes out in the account's own language.

    AUD-4: every confirmed address hears about it, not only the account's own (an email
    factor at another address is a second place to notice a stranger).
    """
    recipients: list[str] = [to]
    urls: list[str | None] = []
    language = usable_language(None)
    place = describe_place(rt.places.locate(info.ip))
    account = Accounts(s).by_email(to)
    if account is not None:
        language = usable_language(account.language)
        recipients += _other_addresses(s, account)
        if not_me_link:
            now = rt.clock.now()
            urls = [not_me_url(s, origin=rt.settings.origin, account_id=account.id, now=now)
                    for _ in recipients]
    for address, url in zip(recipients, urls or [None] * len(recipients), strict=True):
        queue_email(rt, s, security_notice(
            to=address, service_name=rt.settings.service_name, origin=rt.settings.origin,
            subject=subject, headline=headline, details=list(details),
            when=format_when(at, language), where=info.ip,
            device=describe_device(info.user_agent), kind=kind, not_me_url=url,
            language=language, place=place),
            account_id=account.id if account is not None else None)


def _other_addresses(s: DbSession, account: Account) -> list[str]:
    """Confirmed email-factor addresses of the account other than its own."""
    own = account.email.casefold()
    return sorted({address for _, address in Destinations(s).confirmed(account.id, "email")
                   if address.casefold() != own})
