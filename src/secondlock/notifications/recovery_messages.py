"""The words of the recovery mails and texts (issue #15): what happens, when, and how to stop it.

The cancel link is the only secret, and only in the body.
"""

from __future__ import annotations

from secondlock.core.i18n import DEFAULT_LANGUAGE, msg
from secondlock.notifications.base import OutgoingEmail
from secondlock.notifications.messages import _html
from secondlock.translations import translate


def recovery_link_email(*, to: str, service_name: str, url: str, minutes_valid: int,
                        delay_text: str, language: str = DEFAULT_LANGUAGE) -> OutgoingEmail:
    def t(text: str) -> str:
        return str(translate(text, language))

    asked = t(msg("Someone asked to recover your %(service)s account without its second "
                  "factor.", service=service_name))
    how = t(msg("To go on, open the link below and enter your password. The link works once "
                "and expires in %(minutes)d minutes.", minutes=minutes_valid))
    wait = t(msg("Then the recovery waits %(delay)s. Every phone and address of the account "
                 "is told and can stop it. After the wait, every second factor and recovery "
                 "code is removed.", delay=delay_text))
    ignore = t(msg("If you did not ask for this, ignore this message: nothing changes."))
    text = "\n\n".join([asked, how, url, wait, ignore]) + "\n"
    html = _html([asked, how, wait, ignore], (t(msg("Recover my account")), url),
                 language=language)
    subject = t(msg("%(service)s: recover your account", service=service_name))
    return OutgoingEmail(to=to, subject=subject, text=text, html=html, kind="recovery_link")


def recovery_notice(*, to: str, service_name: str, kind: str, subject: str, headline: str,
                    details: list[str], facts: list[str], cancel_url: str | None,
                    not_me_url: str | None, language: str = DEFAULT_LANGUAGE) -> OutgoingEmail:
    """A notice about a recovery, with the link that stops it (and "this wasn't me")."""
    def t(text: str) -> str:
        return str(translate(text, language))

    paragraphs = [t(headline), *(t(d) for d in details), *(t(f) for f in facts)]
    lines = list(paragraphs)
    link = None
    if cancel_url:
        stop = t(msg("Stop this recovery"))
        lines.append(f"{stop}: {cancel_url}")
        link = (stop, cancel_url)
    if not_me_url:
        advice = t(msg("Not you? Stop the recovery, then use this link: it signs out every "
                       "device and asks for a new password at the next sign-in."))
        lines.append(f"{advice} {not_me_url}")
        paragraphs.append(f"{advice} {not_me_url}")
    html = _html(paragraphs, link, language=language)
    return OutgoingEmail(to=to, subject=f"{service_name}: {t(subject)}",
                         text="\n\n".join(lines) + "\n", html=html, kind=kind)


def recovery_sms(*, service_name: str, ready_at: str, cancel_url: str,
                 language: str = DEFAULT_LANGUAGE) -> str:
    """The text to every confirmed phone: what happens, when, and the link that stops it."""
    return str(translate(msg(
        "%(service)s: someone started a recovery that removes every second factor of your "
        "account on %(when)s. Not you? Stop it: %(url)s",
        service=service_name, when=ready_at, url=cancel_url), language))
