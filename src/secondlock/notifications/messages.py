"""The words of every mail we send: plain text first, a simple HTML twin. No secrets.

Every mail is written in the reader's ``language``: our own sentences are ``msg(...)``
texts, and the subject, headline and details a caller passes (usually ``msg(...)`` too) are
translated here. Plain strings are sent as they are.
"""

from __future__ import annotations

from html import escape

from secondlock.core.i18n import DEFAULT_LANGUAGE, language_info, msg, nmsg
from secondlock.notifications.base import OutgoingEmail
from secondlock.translations import translate


def _html(paragraphs: list[str], link: tuple[str, str] | None = None, *,
          language: str = DEFAULT_LANGUAGE) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if link:
        label, url = link
        # The address stays left-to-right inside a right-to-left sentence.
        or_open = escape(translate(msg("Or open this address: %(url)s", url="\x00"),
                                   language)).replace(
            "\x00", f'<bdi dir="ltr">{escape(url)}</bdi>')
        body += (f'<p><a href="{escape(url, quote=True)}" style="display:inline-block;'
                 f'padding:10px 16px;background:#1d4ed8;color:#fff;border-radius:6px;'
                 f'text-decoration:none">{escape(label)}</a></p>'
                 f"<p>{or_open}</p>")
    info = language_info(language)
    return (f'<!doctype html><html lang="{escape(info.tag)}" dir="{info.direction}"><body '
            f'style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">{body}'
            f'</body></html>')


def welcome_email(*, to: str, service_name: str, verify_url: str, hours_valid: int,
                  language: str = DEFAULT_LANGUAGE) -> OutgoingEmail:
    def t(text: str) -> str:
        return str(translate(text, language))

    welcome = t(msg("Welcome to %(service)s!", service=service_name))
    text = "\n\n".join([
        welcome,
        t(nmsg("Please confirm that this is your email address by opening the link below. "
               "It works once and expires in %(n)d hour.",
               "Please confirm that this is your email address by opening the link below. "
               "It works once and expires in %(n)d hours.", hours_valid)),
        verify_url,
        t(msg("If you did not create an account, you can ignore this message: nobody can "
              "use this address with %(service)s until it is confirmed.",
              service=service_name)),
    ]) + "\n"
    html = _html([
        welcome,
        t(nmsg("Please confirm that this is your email address. The link works once and "
               "expires in %(n)d hour.",
               "Please confirm that this is your email address. The link works once and "
               "expires in %(n)d hours.", hours_valid)),
    ], (t(msg("Confirm my email address")), verify_url), language=language)
    subject = t(msg("Welcome to %(service)s: confirm your email", service=service_name))
    return OutgoingEmail(to=to, subject=subject, text=text, html=html, kind="welcome")


def security_notice(*, to: str, service_name: str, origin: str, subject: str, headline: str,
                    details: list[str], when: str, where: str, device: str,
                    kind: str, not_me_url: str | None = None,
                    language: str = DEFAULT_LANGUAGE, place: str | None = None) -> OutgoingEmail:
    """A change or event on the account, with what/when/where and what to do if it wasn't you.

    ``not_me_url`` is the single-use "this wasn't me" link: one click (and a confirmation)
    signs everyone out and asks for a new password at the next sign-in. ``place`` is where
    the address is ("Berlin, Germany"), when known.
    """
    def t(text: str) -> str:
        return str(translate(text, language))

    headline = t(headline)
    details = [t(detail) for detail in details]
    facts = [t(msg("When: %(when)s", when=when)), t(msg("Device: %(device)s", device=device)),
             t(msg("IP address: %(ip)s, from %(place)s", ip=where, place=place) if place
               else msg("IP address: %(ip)s", ip=where))]
    if not_me_url:
        advice = t(msg("If this was you, there is nothing to do. If it was not you, open the "
                       "link below: it signs out every device, forgets remembered devices and "
                       "asks for a new password at the next sign-in. The link works once, for "
                       "7 days."))
        not_me = t(msg("This wasn't me"))
        text = "\n".join([headline, "", *details, "", *facts, "", advice, "",
                          f"{not_me}: {not_me_url}", "",
                          t(msg("Your account: %(url)s", url=f"{origin}/account")), ""])
        html = _html([headline, *details, *facts, advice], (not_me, not_me_url),
                     language=language)
    else:
        advice = t(msg("If this was not you, sign in at %(url)s right away, change your "
                       "password and review your two-factor settings, or contact the shop's "
                       "support.", url=f"{origin}/login"))
        text = "\n".join([headline, "", *details, "", *facts, "", advice, ""])
        html = _html([headline, *details, *facts, advice],
                     (t(msg("Review your account")), f"{origin}/account"), language=language)
    return OutgoingEmail(to=to, subject=f"{service_name}: {t(subject)}", text=text, html=html,
                         kind=kind)
