"""ID-token signing keys: created on first use, sealed at rest, rotated by the operator.

The newest unretired key signs. ``rotate`` retires it: a retired key stays in the JWKS until
every ID token it signed has expired (plus a margin for clock skew and caches), then it is
dropped. Private keys are sealed with the data keyring like TOTP secrets, bound to their kid.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import ECKey, KeySet, RSAKey

from secondlock.core.crypto import Sealed
from secondlock.services.runtime import Runtime
from secondlock.storage.orm_oidc import OidcSigningKey
from secondlock.storage.repositories.oidc import OidcSigningKeys

#: Added to the ID-token lifetime before a retired key disappears from the JWKS.
PUBLISH_MARGIN = timedelta(hours=1)

SigningKey = ECKey | RSAKey


def _context(kid: str) -> bytes:
    return b"oidc-signing-key\x00" + kid.encode()


def _generate(alg: str, kid: str) -> SigningKey:
    parameters: Any = {"kid": kid, "alg": alg, "use": "sig"}
    if alg == "RS256":
        return RSAKey.generate_key(2048, parameters=parameters, private=True)
    return ECKey.generate_key("P-256", parameters=parameters, private=True)


def reseal_signing_keys(rt: Runtime) -> int:
    """Re-encrypt signing keys not yet under the active data key (after ``rotate-key``);
    returns how many were resealed."""
    changed = 0
    with rt.db.write() as s:
        for row in OidcSigningKeys(s).all():
            if row.secret_key_id == rt.keyring.active_id:
                continue
            context = _context(row.kid)
            plain = rt.keyring.open(Sealed(row.secret_key_id, row.secret_blob), context=context)
            sealed = rt.keyring.seal(plain, context=context)
            row.secret_key_id, row.secret_blob = sealed.key_id, sealed.blob
            changed += 1
        s.commit()
    return changed


class SigningKeyService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.rt.settings.oidc_access_token_minutes)

    def _new_row(self, now: datetime) -> OidcSigningKey:
        alg = self.rt.settings.oidc_signing_alg
        kid = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
        key = _generate(alg, kid)
        sealed = self.rt.keyring.seal(key.as_pem(private=True), context=_context(kid))
        return OidcSigningKey(kid=kid, alg=alg, created_at=now, secret_key_id=sealed.key_id,
                              secret_blob=sealed.blob)

    def _load(self, row: OidcSigningKey) -> SigningKey:
        pem = self.rt.keyring.open(Sealed(row.secret_key_id, row.secret_blob),
                                   context=_context(row.kid))
        parameters: Any = {"kid": row.kid, "alg": row.alg, "use": "sig"}
        if row.alg == "RS256":
            return RSAKey.import_key(pem, parameters=parameters)
        return ECKey.import_key(pem, parameters=parameters)

    def signing_key(self) -> SigningKey:
        """The key that signs now; the first call creates one."""
        with self.rt.db.read() as s:
            row = OidcSigningKeys(s).active()
        if row is None:
            with self.rt.db.write() as s:
                keys = OidcSigningKeys(s)
                row = keys.active()  # another process may just have made one
                if row is None:
                    row = self._new_row(self.rt.clock.now())
                    keys.add(row)
                s.commit()
        return self._load(row)

    def rotate(self) -> str:
        """Retire the signing key and make a new one; returns the new kid."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            keys = OidcSigningKeys(s)
            keys.delete_unpublished(now)
            keys.retire_all(now, now + self.token_lifetime + PUBLISH_MARGIN)
            row = self._new_row(now)
            keys.add(row)
            s.commit()
        return row.kid

    def public_keys(self) -> KeySet:
        """Every key a shop may still see on an ID token (the signing key first)."""
        self.signing_key()
        with self.rt.db.read() as s:
            rows = OidcSigningKeys(s).published(self.rt.clock.now())
        return KeySet([self._load(row) for row in rows])

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.public_keys().keys]}
