"""The packaged common-password blocklist (NIST SP 800-63B: at least the top 100,000)."""

from __future__ import annotations

import gzip
import unicodedata
from importlib import resources

import pytest

from secondlock.core.blocklist import DEFAULT_LIST_RESOURCE, PasswordBlocklist, blocklist_key


@pytest.fixture(scope="module")
def default_list() -> PasswordBlocklist:
    return PasswordBlocklist.load_default()


def test_packaged_list_has_at_least_100000_entries(default_list: PasswordBlocklist) -> None:
    assert len(default_list) >= 100_000


def test_packaged_file_is_a_package_resource_in_the_documented_format() -> None:
    resource = resources.files("secondlock.core.data").joinpath(DEFAULT_LIST_RESOURCE)
    assert resource.is_file()
    lines = gzip.decompress(resource.read_bytes()).decode("utf-8").split("\n")
    assert lines[-1] == ""  # newline-terminated
    entries = lines[:-1]
    assert entries[:2] == ["123456", "password"]  # most common first
    assert len(set(entries)) == len(entries)  # de-duplicated
    for entry in entries:
        assert len(entry) >= 4
        assert entry == blocklist_key(entry)  # already NFKC + lower-cased
        assert not any(unicodedata.category(ch).startswith("C") for ch in entry)


@pytest.mark.parametrize("password", ["password1", "123456789", "qwertyuiop", "iloveyou"])
def test_common_passwords_are_blocked(default_list: PasswordBlocklist, password: str) -> None:
    assert password in default_list


@pytest.mark.parametrize("password", ["PASSWORD1", "Password1", "QwertyUIOP", "ILoveYou"])
def test_matching_ignores_case(default_list: PasswordBlocklist, password: str) -> None:
    assert password in default_list


@pytest.mark.parametrize(
    "password",
    [
        "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11",  # fullwidth "password1"
        "\uff30\uff21\uff33\uff33\uff37\uff2f\uff32\uff24\uff11",  # fullwidth "PASSWORD1"
        "\U0001d429\U0001d41a\U0001d42c\U0001d42c\U0001d430\U0001d428\U0001d42b\U0001d41d1",
        # ^ mathematical bold "password" + "1"
    ],
)
def test_nfkc_forms_match(default_list: PasswordBlocklist, password: str) -> None:
    assert unicodedata.normalize("NFKC", password).lower() == "password1"
    assert password in default_list


def test_long_random_passphrase_is_not_blocked(default_list: PasswordBlocklist) -> None:
    assert "correct zebra anvil tulip 7 orbit marsh" not in default_list
    assert "Vq3#kLp9!zR2@xW8" not in default_list


@pytest.mark.parametrize("value", [None, 123456, b"password1", ["password1"], 1.5])
def test_non_string_input_is_not_blocked(default_list: PasswordBlocklist, value: object) -> None:
    assert value not in default_list


def test_custom_entries_are_normalised() -> None:
    blocklist = PasswordBlocklist(
        ["Hunter2", "\uff53\uff45\uff43\uff52\uff45\uff54", "Stra\u00dfe"]
    )
    assert len(blocklist) == 3
    assert "hunter2" in blocklist
    assert "HUNTER2" in blocklist
    assert "secret" in blocklist
    assert "SECRET" in blocklist
    # casefold, not just lower: "STRASSE" and "straße" are the same password.
    assert "STRASSE" in blocklist
    assert "stra\u00dfe" in blocklist
    assert "hunter" not in blocklist


def test_duplicates_after_normalisation_count_once() -> None:
    assert len(PasswordBlocklist(["abcd", "ABCD", "\uff41\uff42\uff43\uff44"])) == 1


def test_empty_blocklist_blocks_nothing() -> None:
    blocklist = PasswordBlocklist([])
    assert len(blocklist) == 0
    assert "password1" not in blocklist


def test_load_default_returns_a_fresh_object_each_call() -> None:
    first = PasswordBlocklist.load_default()
    second = PasswordBlocklist.load_default()
    assert first is not second
    assert len(first) == len(second)


# Long passwords (issue 12 item 16): with a 15-character minimum, the list and its rules
# must still catch what attackers try first.

def test_the_list_covers_long_passwords(default_list: PasswordBlocklist) -> None:
    resource = resources.files("secondlock.core.data").joinpath(DEFAULT_LIST_RESOURCE)
    data = resource.read_bytes()
    assert len(data) < 3 * 1024 * 1024  # shipped compressed and small
    entries = gzip.decompress(data).decode("utf-8").split("\n")[:-1]
    assert sum(len(entry) >= 15 for entry in entries) >= 30_000
    assert len(PasswordBlocklist.load_default(min_length=15)) >= 30_000


@pytest.mark.parametrize("password", [
    "1qaz2wsx3edc4rfv",            # a long leaked entry
    "qwertyuiopasdfghjkl",         # keyboard walk
    "passwordpassword",            # a common password repeated
    "iloveyousomuch123",           # a well-known phrase
    "may the force be with you",
    "correct horse battery staple",  # the passphrase everyone copied from xkcd
    "CorrectHorseBatteryStaple",
])
def test_long_listed_and_generated_passwords_are_blocked(default_list: PasswordBlocklist,
                                                         password: str) -> None:
    assert password in default_list


@pytest.mark.parametrize("password", [
    "password1234567890",
    "Password1234567890!",
    "!!password0987654321",
    "qwerty123456789012",
    "sunshine12121212",
    "dragon1111111111",
    "monkey19871987",
    "football01021990",
    "letmein2024!!",
    "abcabcabcabcabc",
    "123456789987654321",
    "12345678901234567",
    "zzzzzzzzzzzzzzzz",
])
def test_common_passwords_wrapped_in_digit_runs_are_blocked(default_list: PasswordBlocklist,
                                                            password: str) -> None:
    assert password in default_list


@pytest.mark.parametrize("password", [
    "plum lantern orbit quay 73",  # the suite's own sign-up password
    "sunshine2014beach",           # the digits are inside, between two words
    "password8371946205",          # not a run, a repeat, a year or a date
    "839201748392017",
    "my cat is called pickles",
    "Vq3#kLp9!zR2@xW8",
])
def test_unpredictable_long_passwords_pass(default_list: PasswordBlocklist,
                                           password: str) -> None:
    assert password not in default_list


def test_the_single_factor_minimum_refuses_password1234567890() -> None:
    from secondlock.core.errors import WeakPasswordError
    from secondlock.core.passwords import PasswordPolicy

    blocklist = PasswordBlocklist.load_default(min_length=8)
    policy = PasswordPolicy(min_length=8, min_length_single_factor=15)
    with pytest.raises(WeakPasswordError) as refused:
        policy.check("password1234567890", email="ada@example.com", blocklist=blocklist)
    assert refused.value.reason == "blocklisted"
    assert policy.check("sunshine2014beach", email="ada@example.com", blocklist=blocklist)
