"""Opaque random tokens and how they are stored (only as hashes)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: 32 random bytes = 256 bits, well above the 128 bits SES-1 asks for.
TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh URL-safe token with 256 bits from the OS CSPRNG."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> bytes:
    """SHA-256 of a high-entropy token: enough, since it cannot be guessed (RC-2)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def keyed_digest(key: bytes, purpose: str, value: str) -> str:
    """A keyed, purpose-bound digest used for lookup keys of low-entropy values (emails, IPs)."""
    mac = hmac.new(key, purpose.encode() + b"\x00" + value.encode("utf-8", "surrogatepass"),
                   hashlib.sha256)
    return mac.hexdigest()
