from __future__ import annotations

import pytest

from secondlock.core.crypto import (
    DecryptionError,
    Keyring,
    Sealed,
    derive_key,
    new_key_text,
    parse_keyring,
)

OLD = derive_key(b"old secret key material, long enough")
NEW = parse_keyring(new_key_text())[0]


def test_seal_and_open_round_trip_with_key_id() -> None:
    ring = Keyring([OLD])
    sealed = ring.seal(b"JBSWY3DPEHPK3PXP", context=b"row-1")
    assert sealed.key_id == ring.active_id
    assert b"JBSWY3DPEHPK3PXP" not in sealed.blob
    assert ring.open(sealed, context=b"row-1") == b"JBSWY3DPEHPK3PXP"


def test_ciphertext_is_bound_to_its_row() -> None:
    ring = Keyring([OLD])
    sealed = ring.seal(b"secret", context=b"row-1")
    with pytest.raises(DecryptionError):
        ring.open(sealed, context=b"row-2")


def test_tampering_is_detected() -> None:
    ring = Keyring([OLD])
    sealed = ring.seal(b"secret", context=b"row-1")
    flipped = Sealed(sealed.key_id, sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 1]))
    with pytest.raises(DecryptionError):
        ring.open(flipped, context=b"row-1")


def test_rotation_new_key_seals_old_key_still_opens() -> None:
    old_sealed = Keyring([OLD]).seal(b"secret", context=b"r")
    rotated = Keyring([NEW, OLD])
    assert rotated.open(old_sealed, context=b"r") == b"secret"
    assert rotated.seal(b"x", context=b"r").key_id != old_sealed.key_id
    with pytest.raises(DecryptionError, match="no key"):
        Keyring([NEW]).open(old_sealed, context=b"r")


def test_keyring_text_must_be_32_byte_base64_keys() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        parse_keyring("c2hvcnQ")
    assert len(parse_keyring(f"{new_key_text()}, {new_key_text()}")) == 2
