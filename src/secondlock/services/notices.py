"""Mail the account owner about security events (after the change committed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from secondlock.core.devices import describe_device
from secondlock.core.request_info import RequestInfo
from secondlock.notifications.messages import security_notice
from secondlock.services.languages import language_of
from secondlock.services.not_me_links import link_for
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories import Accounts
from secondlock.storage.repositories.delivery import Destinations


def notify(rt: Runtime, *, to: str, kind: str, subject: str, headline: str,
           details: Sequence[str], info: RequestInfo, at: datetime,
           not_me_link: bool = True) -> None:
    """Send a security notice. Each carries its own single-use "this wasn't me" link,
    unless ``not_me_link`` is False (the mail that confirms the link was used).

    Write ``subject``, ``headline`` and ``details`` as ``msg("English text", name=value)``
    (secondlock.core.i18n): the mail goes out in the account's own language."""
    language = language_of(rt, to)
    # AUD-4: every confirmed address hears about it, not only the account's own (an email
    # factor at another address is a second place to notice a stranger). Each mail gets its
    # own single-use link.
    for address in (to, *_other_addresses(rt, to)):
        url = link_for(rt, to) if not_me_link else None
        rt.notifier.send_email(security_notice(
            to=address, service_name=rt.settings.service_name, origin=rt.settings.origin,
            subject=subject, headline=headline, details=list(details),
            when=at.strftime("%Y-%m-%d %H:%M UTC"), where=info.ip,
            device=describe_device(info.user_agent), kind=kind, not_me_url=url,
            language=language))


def _other_addresses(rt: Runtime, email: str) -> list[str]:
    """Confirmed email-factor addresses of the account other than its own."""
    with rt.db.read() as s:
        account = Accounts(s).by_email(email)
        if account is None:
            return []
        found = [address for _, address in Destinations(s).confirmed(account.id, "email")]
    own = email.casefold()
    return sorted({a for a in found if a.casefold() != own})
