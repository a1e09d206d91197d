"""ID-token signing keys: sealed at rest like TOTP secrets, resealed by ``rotate-key``,
rotated by ``oidc rotate-keys`` with the old key published until its tokens expire."""

from __future__ import annotations

from pathlib import Path

from secondlock.core.clock import FixedClock
from secondlock.core.crypto import Keyring, derive_key, parse_keyring
from secondlock.services.key_rotation import reencrypt_all
from secondlock.services.oidc import OidcServices
from secondlock.storage.orm_oidc import OidcSigningKey
from tests.conftest import TEST_SECRET


def test_private_key_is_not_in_the_database_in_the_clear(oidc: OidcServices,
                                                         tmp_path: Path) -> None:
    key = oidc.signing_keys.signing_key()
    pem = key.as_pem(private=True)
    with oidc.rt.db.read() as s:
        row = s.get(OidcSigningKey, key.kid)
        assert row is not None
        assert pem not in row.secret_blob
        assert b"PRIVATE KEY" not in row.secret_blob
    database = tmp_path / "secondlock.db"
    if database.exists():
        assert b"PRIVATE KEY" not in database.read_bytes()


def test_data_key_rotation_reseals_signing_keys(oidc: OidcServices) -> None:
    kid = oidc.signing_keys.signing_key().kid
    old_key = derive_key(TEST_SECRET.encode())
    new_key = parse_keyring("cm90YXRpb24tdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE")[0]
    oidc.rt.keyring = Keyring([new_key, old_key])
    assert reencrypt_all(oidc.rt) == 1
    oidc.rt.keyring = Keyring([new_key])  # the old data key can go now
    assert oidc.signing_keys.signing_key().kid == kid


def test_rotation_signs_with_the_new_key_and_retires_the_old_later(
        oidc: OidcServices, clock: FixedClock) -> None:
    old = oidc.signing_keys.signing_key().kid
    new = oidc.signing_keys.rotate()
    assert oidc.signing_keys.signing_key().kid == new
    assert [k["kid"] for k in oidc.signing_keys.jwks()["keys"]] == [new, old]
    clock.advance(minutes=oidc.rt.settings.oidc_access_token_minutes + 61)
    assert [k["kid"] for k in oidc.signing_keys.jwks()["keys"]] == [new]
    assert all("d" not in k for k in oidc.signing_keys.jwks()["keys"])
