"""Encryption at rest for reusable secrets (TOTP seeds): AES-256-GCM with a key id.

Each ciphertext records the id of the key that sealed it, so keys can rotate: the first key
of the ring seals, every key of the ring opens. The row's identity is bound in as associated
data, so a ciphertext copied onto another row does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionError(Exception):
    """Wrong key, unknown key id or tampered data."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes  # nonce || ciphertext+tag


def derive_key(secret_key: bytes) -> bytes:
    """The default data key, derived from the service's secret key with HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"secondlock data encryption v1").derive(secret_key)


def key_id_for(key: bytes) -> str:
    return "k" + hashlib.sha256(b"secondlock key id\x00" + key).hexdigest()[:11]


def parse_keyring(text: str) -> list[bytes]:
    """``"base64key, base64key"`` (newest first) -> raw 32-byte keys; ValueError if malformed."""
    keys: list[bytes] = []
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            key = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("encryption keys must be base64") from exc
        if len(key) != KEY_BYTES:
            raise ValueError(f"encryption keys must be {KEY_BYTES} bytes")
        keys.append(key)
    return keys


def key_text(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def new_key_text() -> str:
    return key_text(os.urandom(KEY_BYTES))


class Keyring:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._keys = {key_id_for(k): AESGCM(k) for k in keys}
        self.active_id = key_id_for(keys[0])

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def seal(self, plaintext: bytes, *, context: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        blob = nonce + self._keys[self.active_id].encrypt(nonce, plaintext, context)
        return Sealed(key_id=self.active_id, blob=blob)

    def open(self, sealed: Sealed, *, context: bytes) -> bytes:
        aead = self._keys.get(sealed.key_id)
        if aead is None:
            raise DecryptionError(f"no key with id {sealed.key_id} in the keyring")
        try:
            return aead.decrypt(sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:], context)
        except InvalidTag as exc:
            raise DecryptionError("ciphertext does not open with its key") from exc
