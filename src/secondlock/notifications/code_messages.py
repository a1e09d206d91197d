"""The mail that carries an email code: the code, the service name, and what to do if unasked."""

from __future__ import annotations

from secondlock.notifications.base import OutgoingEmail
from secondlock.notifications.messages import _html


def email_code_message(*, to: str, code: str, service_name: str, minutes: int,
                       purpose: str) -> OutgoingEmail:
    """``purpose``: "login", "reauth" or "enroll" (only the wording changes)."""
    why = {"enroll": "to confirm this address for two-factor sign-in",
           "reauth": "to confirm it's you before a change to your account"}.get(
        purpose, "to finish signing in")
    lines = [f"Your {service_name} code {why} is:", "", f"    {code}", "",
             f"It works once and expires in {minutes} minutes. Never share it, not even "
             f"with {service_name} support.",
             "If you did not ask for it, someone may know your password: change it."]
    html = _html([f"Your {service_name} code {why} is:", code,
                  f"It works once and expires in {minutes} minutes. Never share it.",
                  "If you did not ask for it, someone may know your password: change it."])
    return OutgoingEmail(to=to, subject=f"{service_name} code: {code}", text="\n".join(lines),
                         html=html, kind=f"email_code_{purpose}")
