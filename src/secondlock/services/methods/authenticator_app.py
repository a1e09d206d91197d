"""Authenticator apps (TOTP): start adding one (a fresh secret, pending until confirmed).

Confirming, renaming and removing work the same for every factor: ``services.factors``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from secondlock.core import totp
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.views import SessionView
from secondlock.services.factors import PENDING_MINUTES, clean_name, make_room_for_pending
from secondlock.services.recent_auth import require_recent_auth
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import Authenticator
from secondlock.storage.repositories import Authenticators


@dataclass(frozen=True)
class Enrollment:
    id: str
    secret: str
    otpauth_uri: str
    qr_svg: str
    expires_in: int


class AuthenticatorAppService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def enroll(self, view: SessionView, name: str | None, info: RequestInfo) -> Enrollment:
        """Start adding an authenticator app: a fresh secret, pending until confirmed.

        Raises:
            ReauthRequiredError, RateLimitedError (too many pending enrollments).
        """
        require_recent_auth(self.rt, view)
        now = self.rt.clock.now()
        secret = totp.new_secret()
        row_id = str(uuid.uuid4())
        sealed = self.rt.keyring.seal(secret.encode("ascii"), context=row_id.encode())
        with self.rt.db.write() as s:
            repo = Authenticators(s)
            make_room_for_pending(repo, view.account_id, now)
            repo.add(Authenticator(
                id=row_id, account_id=view.account_id, type=Method.TOTP,
                name=clean_name(name, "Authenticator app"), created_at=now,
                pending_expires_at=now + timedelta(minutes=PENDING_MINUTES),
                secret_key_id=sealed.key_id, secret_blob=sealed.blob))
            s.commit()
        uri = totp.otpauth_uri(secret, account=view.email, issuer=self.rt.settings.service_name)
        # Imported here: a QR code is drawn once per authenticator app added, and segno
        # would sit in every worker's memory for it (~1 MB, issue #17).
        import segno

        qr = segno.make(uri, error="m").svg_inline(scale=5, border=4, title="QR code to scan "
                                                   "with your authenticator app")
        return Enrollment(id=row_id, secret=secret, otpauth_uri=uri, qr_svg=qr,
                          expires_in=PENDING_MINUTES * 60)
