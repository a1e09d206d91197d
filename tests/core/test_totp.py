"""RFC 4226 / RFC 6238 vectors (checklist Appendix D) and our matching rules."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from secondlock.core import totp

RFC_SEEDS: dict[str, tuple[bytes, Any]] = {
    "SHA1": (b"12345678901234567890", hashlib.sha1),
    "SHA256": (b"12345678901234567890123456789012", hashlib.sha256),
    "SHA512": (b"1234567890123456789012345678901234567890123456789012345678901234",
               hashlib.sha512),
}
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
RFC4226 = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
           "399871", "520489"]


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), RFC6238)
def test_rfc6238_appendix_b(at: int, sha1: str, sha256: str, sha512: str) -> None:
    for mode, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        seed, digest = RFC_SEEDS[mode]
        secret = base64.b32encode(seed).decode()
        assert pyotp.TOTP(secret, digits=8, digest=digest).at(at) == expected, mode


def test_rfc6238_seed_trap_sha512_with_the_20_byte_seed() -> None:
    secret = base64.b32encode(RFC_SEEDS["SHA1"][0]).decode()
    assert pyotp.TOTP(secret, digits=8, digest=hashlib.sha512).at(59) == "69342147"


@pytest.mark.parametrize(("counter", "expected"), list(enumerate(RFC4226)))
def test_rfc4226_appendix_d(counter: int, expected: str) -> None:
    secret = base64.b32encode(RFC_SEEDS["SHA1"][0]).decode()
    assert pyotp.HOTP(secret).at(counter) == expected


def test_our_six_digit_code_is_the_rfc_value_mod_a_million() -> None:
    secret = base64.b32encode(RFC_SEEDS["SHA1"][0]).decode()
    assert totp.code_at(secret, datetime.fromtimestamp(59, UTC)) == "287082"


def test_new_secrets_are_160_bits_and_unique() -> None:
    secrets = {totp.new_secret() for _ in range(1000)}
    assert len(secrets) == 1000
    for s in list(secrets)[:50]:
        assert len(base64.b32decode(s + "=" * (-len(s) % 8))) == 20


AT = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(offset_steps: int) -> str:
    return totp.code_at(SECRET, AT + timedelta(seconds=30 * offset_steps))


@pytest.mark.parametrize(("offset", "drift", "ok"), [
    (0, 1, True), (-1, 1, True), (1, 1, True), (-2, 1, False), (2, 1, False),
    (-1, 0, False), (2, 2, True), (-3, 2, False)])
def test_drift_window(offset: int, drift: int, ok: bool) -> None:
    step = totp.match_step(SECRET, code(offset), at=AT, last_step=None, drift=drift)
    assert (step == totp.current_step(AT) + offset) if ok else step is None


def test_replay_and_older_steps_are_refused() -> None:
    now_step = totp.current_step(AT)
    assert totp.match_step(SECRET, code(0), at=AT, last_step=now_step) is None
    assert totp.match_step(SECRET, code(-1), at=AT, last_step=now_step) is None
    assert totp.match_step(SECRET, code(1), at=AT, last_step=now_step) == now_step + 1


def test_drift_beyond_two_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="drift"):
        totp.match_step(SECRET, code(0), at=AT, last_step=None, drift=3)


@pytest.mark.parametrize(("raw", "clean"), [("123 456", "123456"), ("123-456", "123456"),
                                            ("12345a", None), ("1234567", None), ("", None),
                                            (123456, None), ("١٢٣٤٥٦", None)])
def test_code_cleaning(raw: object, clean: str | None) -> None:
    assert totp.clean_code(raw) == clean


def test_otpauth_uri_refuses_colons() -> None:
    with pytest.raises(ValueError, match=":"):
        totp.otpauth_uri(SECRET, account="a:b@example.com", issuer="Shop")


def test_grouped_secret_for_typing() -> None:
    assert totp.group_secret("ABCDEFGHIJKL") == "ABCD EFGH IJKL"
