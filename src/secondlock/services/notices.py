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


def notify(rt: Runtime, *, to: str, kind: str, subject: str, headline: str,
           details: Sequence[str], info: RequestInfo, at: datetime,
           not_me_link: bool = True) -> None:
    """Send a security notice. Each carries its own single-use "this wasn't me" link,
    unless ``not_me_link`` is False (the mail that confirms the link was used).

    Write ``subject``, ``headline`` and ``details`` as ``msg("English text", name=value)``
    (secondlock.core.i18n): the mail goes out in the account's own language."""
    url = link_for(rt, to) if not_me_link else None
    rt.notifier.send_email(security_notice(
        to=to, service_name=rt.settings.service_name, origin=rt.settings.origin,
        subject=subject, headline=headline, details=list(details),
        when=at.strftime("%Y-%m-%d %H:%M UTC"), where=info.ip,
        device=describe_device(info.user_agent), kind=kind, not_me_url=url,
        language=language_of(rt, to)))
