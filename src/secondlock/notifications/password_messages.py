"""The words of the password-reset mail. The link is the only secret, and only in the body."""

from __future__ import annotations

from secondlock.notifications.base import OutgoingEmail
from secondlock.notifications.messages import _html


def password_reset_email(*, to: str, service_name: str, reset_url: str,
                         minutes_valid: int, origin: str) -> OutgoingEmail:
    text = (
        f"Someone asked to reset the password of your {service_name} account.\n\n"
        f"To choose a new password, open the link below. It works once and expires in "
        f"{minutes_valid} minutes.\n\n{reset_url}\n\n"
        f"Your second factor stays on: after the reset you sign in with the new password "
        f"and still confirm with your authenticator app or a recovery code.\n\n"
        f"If you did not ask for this, ignore this message: your password stays as it is. "
        f"Nobody can use the link without access to this mailbox. If it keeps happening, "
        f"sign in at {origin}/login and review your account.\n"
    )
    html = _html([
        f"Someone asked to reset the password of your {service_name} account.",
        f"To choose a new password, use the button below. The link works once and expires "
        f"in {minutes_valid} minutes.",
    ], ("Choose a new password", reset_url)).replace(
        "</body>", "<p>If you did not ask for this, ignore this message: your password stays "
                   "as it is.</p></body>")
    return OutgoingEmail(to=to, subject=f"{service_name}: reset your password", text=text,
                         html=html, kind="password_reset_link")
