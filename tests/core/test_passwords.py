"""Password rules from NIST SP 800-63B (checklist PW-1..PW-4) and argon2id hashing."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher as RawArgon2

from secondlock.core.blocklist import PasswordBlocklist
from secondlock.core.errors import WeakPasswordError
from secondlock.core.passwords import HashParameters, PasswordHasher, PasswordPolicy

BLOCKLIST = PasswordBlocklist(["password1", "123456789", "1qaz2wsx3edc4rfv"])
POLICY = PasswordPolicy(min_length=8, min_length_single_factor=15, service_name="SecondLock")
EMAIL = "ada.lovelace@example.com"


def reason(password: str, *, has_second_factor: bool = False) -> str | None:
    try:
        POLICY.check(password, email=EMAIL, blocklist=BLOCKLIST,
                     has_second_factor=has_second_factor)
    except WeakPasswordError as exc:
        return exc.reason
    return None


@pytest.mark.parametrize(("length", "ok"), [(7, False), (8, True)])
def test_minimum_is_eight_with_a_second_factor(length: int, ok: bool) -> None:
    assert (reason("q" * (length - 1) + "z", has_second_factor=True) is None) is ok


@pytest.mark.parametrize(("length", "ok"), [(14, False), (15, True)])
def test_minimum_is_fifteen_without_a_second_factor(length: int, ok: bool) -> None:
    assert (reason(("vz" * 8)[:length]) is None) is ok


def test_length_counts_code_points_not_bytes() -> None:
    seven_emoji = "🦊🐙🦉🐝🦋🐢🦔"
    assert len(seven_emoji.encode()) == 28
    assert reason(seven_emoji, has_second_factor=True) == "too_short"
    assert reason(seven_emoji + "🐳", has_second_factor=True) is None


def test_sixty_four_characters_are_allowed_and_over_128_refused() -> None:
    # Varied words: one letter repeated ("w" * 64) is refused as predictable (item 16).
    text = " ".join(["orchard", "lantern", "ripple", "meadow", "quilt", "zephyr"] * 5)
    assert reason(text[:64]) is None
    assert reason(text[:128]) is None
    assert reason(text[:129]) == "too_long"
    assert reason("w" * 64) == "blocklisted"


def test_no_composition_rules_and_unicode_is_welcome() -> None:
    assert reason("plum lantern orbit quay ✓") is None
    assert reason("all lower case words here") is None


def test_blocklisted_password_is_refused_case_insensitively() -> None:
    assert reason("1QAZ2wsx3edc4rfv") == "blocklisted"
    assert reason("123456789", has_second_factor=True) == "blocklisted"


@pytest.mark.parametrize("password", ["ada.lovelace@example.com", "ada.lovelace2025!",
                                      "SecondLock2025", "secondlock!!!!!", "Ada.Lovelace"])
def test_email_local_part_and_service_name_are_refused(password: str) -> None:
    assert reason(password, has_second_factor=True) == "contextual"


def test_nul_byte_is_refused() -> None:
    assert reason("abcdefgh\x00ijklmnop") == "invalid"


def test_policy_returns_nfkc_form() -> None:
    nfd = unicodedata.normalize("NFD", "café au lait, s'il vous plaît")
    assert POLICY.check(nfd, email=EMAIL, blocklist=BLOCKLIST) == unicodedata.normalize(
        "NFKC", nfd)


def test_packaged_blocklist_is_used_by_default_list() -> None:
    default = PasswordBlocklist.load_default()
    assert len(default) >= 100_000
    assert "password1" in default


# Hashing -------------------------------------------------------------------------------

HASHER = PasswordHasher()


def test_hash_is_argon2id_with_owasp_parameters() -> None:
    stored = HASHER.hash("plum lantern orbit quay 73")
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024
    assert int(params["t"]) >= 2


def test_whole_password_is_verified_no_truncation() -> None:
    password = "".join(chr(0x61 + i % 26) for i in range(100))
    stored = HASHER.hash(password)
    assert HASHER.verify(stored, password)
    assert not HASHER.verify(stored, password[:64])
    assert not HASHER.verify(stored, password[:72])


def test_case_matters() -> None:
    stored = HASHER.hash("Passw0rd!x and more")
    assert not HASHER.verify(stored, "passw0rd!x and more")


def test_nfc_and_nfd_spellings_are_the_same_password() -> None:
    stored = HASHER.hash(unicodedata.normalize("NFC", "crème brûlée forever"))
    assert HASHER.verify(stored, unicodedata.normalize("NFD", "crème brûlée forever"))


def test_garbage_hash_never_raises() -> None:
    assert HASHER.verify("not a hash", "x") is False
    assert HASHER.verify(HASHER.hash("x"), None) is False  # type: ignore[arg-type]


def test_old_parameters_need_rehash() -> None:
    weaker = RawArgon2(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("p")
    assert HASHER.needs_rehash(weaker)
    assert not HASHER.needs_rehash(HASHER.hash("p"))
    stronger = PasswordHasher(HashParameters(time_cost=3))
    assert stronger.needs_rehash(HASHER.hash("p"))
