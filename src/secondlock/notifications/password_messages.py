"""The words of the password-reset mail. The link is the only secret, and only in the body."""

from __future__ import annotations

from secondlock.core.i18n import DEFAULT_LANGUAGE, msg, nmsg
from secondlock.notifications.base import OutgoingEmail
from secondlock.notifications.messages import _html
from secondlock.translations import translate


def password_reset_email(*, to: str, service_name: str, reset_url: str,
                         minutes_valid: int, origin: str,
                         language: str = DEFAULT_LANGUAGE) -> OutgoingEmail:
    def t(text: str) -> str:
        return str(translate(text, language))

    asked = t(msg("Someone asked to reset the password of your %(service)s account.",
                  service=service_name))
    ignore = t(msg("If you did not ask for this, ignore this message: your password stays as "
                   "it is."))
    text = "\n\n".join([
        asked,
        t(nmsg("To choose a new password, open the link below. It works once and expires "
               "in %(n)d minute.",
               "To choose a new password, open the link below. It works once and expires "
               "in %(n)d minutes.", minutes_valid)),
        reset_url,
        t(msg("Your second factor stays on: after the reset you sign in with the new password "
              "and still confirm with your second factor or a recovery code.")),
        ignore + " " + t(msg("Nobody can use the link without access to this mailbox. If it "
                             "keeps happening, sign in at %(url)s and review your account.",
                             url=f"{origin}/login")),
    ]) + "\n"
    html = _html([
        asked,
        t(nmsg("To choose a new password, use the button below. The link works once and "
               "expires in %(n)d minute.",
               "To choose a new password, use the button below. The link works once and "
               "expires in %(n)d minutes.", minutes_valid)),
        ignore,
    ], (t(msg("Choose a new password")), reset_url), language=language)
    subject = t(msg("%(service)s: reset your password", service=service_name))
    return OutgoingEmail(to=to, subject=subject, text=text, html=html,
                         kind="password_reset_link")
