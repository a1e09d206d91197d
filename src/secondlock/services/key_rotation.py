"""Re-encrypt secrets at rest with the newest key of the keyring (after a key rotation)."""

from __future__ import annotations

from secondlock.core.crypto import Sealed
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories import Authenticators


def reencrypt_all(rt: Runtime) -> int:
    """Reseal every secret not yet under the active key; returns how many were resealed."""
    changed = 0
    with rt.db.write() as s:
        for row in Authenticators(s).all_sealed():
            if row.secret_key_id == rt.keyring.active_id or row.secret_blob is None \
                    or row.secret_key_id is None:
                continue
            context = row.id.encode()
            plain = rt.keyring.open(Sealed(row.secret_key_id, row.secret_blob), context=context)
            sealed = rt.keyring.seal(plain, context=context)
            row.secret_key_id, row.secret_blob = sealed.key_id, sealed.blob
            changed += 1
        s.commit()
    # OIDC signing keys (issue #7) are sealed with the same keyring.
    from secondlock.services.oidc.signing_keys import reseal_signing_keys

    return changed + reseal_signing_keys(rt)
