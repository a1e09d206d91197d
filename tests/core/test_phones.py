"""Phone numbers: E.164 from international or national input, clear refusals, masking."""

from __future__ import annotations

import pytest

from secondlock.core.phones import (
    mask_email,
    mask_phone,
    parse_phone,
    phone_region,
    region_allowed,
)
from secondlock.core.sms_email_code_errors import InvalidPhoneError


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+1 201 555 0123", None, "+12015550123"),
    ("(201) 555-0123", "US", "+12015550123"),
    ("0044 7400 123456", None, "+447400123456"),
    ("07400 123456", "GB", "+447400123456"),
    ("+49 151 23456789", "US", "+4915123456789"),
])
def test_parse_to_e164(raw: str, region: str | None, e164: str) -> None:
    assert parse_phone(raw, region) == e164


@pytest.mark.parametrize(("raw", "region", "words"), [
    ("(201) 555-0123", None, "country code"),
    ("12", "US", "not valid"),
    ("hello", "US", "phone number"),
    ("", "US", "mobile number"),
    ("+44 20 7183 8750", None, "cannot receive text messages"),  # a London landline
    ("+1" + "9" * 60, None, "mobile number"),
])
def test_invalid_numbers_say_what_to_fix(raw: str, region: str | None, words: str) -> None:
    with pytest.raises(InvalidPhoneError, match=words):
        parse_phone(raw, region)


def test_mask_shows_country_code_and_last_four_only() -> None:
    assert mask_phone("+12015552671") == "+1 \u2022\u2022\u2022 \u2022\u2022\u2022 2671"
    assert mask_phone("+447400123456").endswith(" 3456")
    assert "7400" not in mask_phone("+447400123456")
    assert mask_email("ada@example.com") == "a\u2022\u2022\u2022@example.com"


def test_country_allow_list() -> None:
    assert phone_region("+447400123456") == "GB"
    assert region_allowed("+447400123456", ())
    assert region_allowed("+447400123456", ("GB", "US"))
    assert not region_allowed("+33612345678", ("GB", "US"))
