"""The mail that carries an email code: the code, the service name, and what to do if unasked."""

from __future__ import annotations

from secondlock.core.i18n import DEFAULT_LANGUAGE, msg, nmsg
from secondlock.notifications.base import OutgoingEmail
from secondlock.notifications.messages import _html
from secondlock.translations import translate


def email_code_message(*, to: str, code: str, service_name: str, minutes: int,
                       purpose: str, language: str = DEFAULT_LANGUAGE) -> OutgoingEmail:
    """``purpose``: "login", "reauth" or "enroll" (only the wording changes)."""
    def t(text: str) -> str:
        return str(translate(text, language))

    intro = {
        "enroll": msg("Your %(service)s code to confirm this address for two-factor sign-in "
                      "is:", service=service_name),
        "reauth": msg("Your %(service)s code to confirm it's you before a change to your "
                      "account is:", service=service_name),
    }.get(purpose, msg("Your %(service)s code to finish signing in is:", service=service_name))
    expires = t(nmsg("It works once and expires in %(n)d minute. Never share it, not even "
                     "with %(service)s support.",
                     "It works once and expires in %(n)d minutes. Never share it, not even "
                     "with %(service)s support.", minutes, service=service_name))
    unasked = t(msg("If you did not ask for it, someone may know your password: change it."))
    lines = [t(intro), "", f"    {code}", "", expires, unasked]
    html = _html([t(intro), code, expires, unasked], language=language)
    subject = t(msg("%(service)s code: %(code)s", service=service_name, code=code))
    return OutgoingEmail(to=to, subject=subject, text="\n".join(lines), html=html,
                         kind=f"email_code_{purpose}")
