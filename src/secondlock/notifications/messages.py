"""The words of every mail we send: plain text first, a simple HTML twin. No secrets."""

from __future__ import annotations

from html import escape

from secondlock.notifications.base import OutgoingEmail


def _html(paragraphs: list[str], link: tuple[str, str] | None = None) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if link:
        label, url = link
        body += (f'<p><a href="{escape(url, quote=True)}" style="display:inline-block;'
                 f'padding:10px 16px;background:#1d4ed8;color:#fff;border-radius:6px;'
                 f'text-decoration:none">{escape(label)}</a></p>'
                 f"<p>Or open this address: {escape(url)}</p>")
    return (f'<!doctype html><html><body style="font-family:system-ui,sans-serif;'
            f'line-height:1.5;color:#111">{body}</body></html>')


def welcome_email(*, to: str, service_name: str, verify_url: str,
                  hours_valid: int) -> OutgoingEmail:
    text = (
        f"Welcome to {service_name}!\n\n"
        f"Please confirm that this is your email address by opening the link below. "
        f"It works once and expires in {hours_valid} hours.\n\n{verify_url}\n\n"
        f"If you did not create an account, you can ignore this message: nobody can use "
        f"this address with {service_name} until it is confirmed.\n"
    )
    html = _html([
        f"Welcome to {service_name}!",
        "Please confirm that this is your email address. The link works once and "
        f"expires in {hours_valid} hours.",
    ], ("Confirm my email address", verify_url))
    return OutgoingEmail(to=to, subject=f"Welcome to {service_name}: confirm your email",
                         text=text, html=html, kind="welcome")


def security_notice(*, to: str, service_name: str, origin: str, subject: str, headline: str,
                    details: list[str], when: str, where: str, device: str,
                    kind: str, not_me_url: str | None = None) -> OutgoingEmail:
    """A change or event on the account, with what/when/where and what to do if it wasn't you.

    ``not_me_url`` is the single-use "this wasn't me" link: one click (and a confirmation)
    signs everyone out and asks for a new password at the next sign-in.
    """
    facts = [f"When: {when}", f"Device: {device}", f"IP address: {where}"]
    if not_me_url:
        advice = ("If this was you, there is nothing to do. If it was not you, open the link "
                  "below: it signs out every device, forgets remembered devices and asks for a "
                  "new password at the next sign-in. The link works once, for 7 days.")
        text = "\n".join([headline, "", *details, "", *facts, "", advice, "",
                          f"This wasn't me: {not_me_url}", "",
                          f"Your account: {origin}/account", ""])
        html = _html([headline, *details, *facts, advice], ("This wasn't me", not_me_url))
    else:
        advice = (f"If this was not you, sign in at {origin}/login right away, change your "
                  f"password and review your two-factor settings, or contact the shop's "
                  f"support.")
        text = "\n".join([headline, "", *details, "", *facts, "", advice, ""])
        html = _html([headline, *details, *facts, advice],
                     ("Review your account", f"{origin}/account"))
    return OutgoingEmail(to=to, subject=f"{service_name}: {subject}", text=text, html=html,
                         kind=kind)
