"""Every language in the registry: negotiation, text-message length, dates, numbers and
country names from CLDR, and the registry itself (one line per language)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from secondlock.core.i18n import LANGUAGES, REGISTRY, language_info, negotiate
from secondlock.notifications.sms import sms_text
from secondlock.translations import format_country, format_number, format_when, po_path

OTHERS = sorted(set(LANGUAGES) - {"en"})

#: GSM 03.38 basic character set (one septet each) and its extension table (two septets).
GSM7_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
              "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = "^{}\\[~]|€\f"


def sms_cost(text: str) -> tuple[str, int]:
    """("gsm7", septets) when every character is in GSM-7, else ("ucs2", UTF-16 units)."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        return "gsm7", sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    return "ucs2", len(text.encode("utf-16-le")) // 2


def test_the_sms_cost_counts_like_a_phone() -> None:
    assert sms_cost("123456 is your Shop code.") == ("gsm7", 25)
    assert sms_cost("Preis: 5€") == ("gsm7", 10)
    assert sms_cost("código") == ("ucs2", 6)
    assert sms_cost("Ваш код") == ("ucs2", 7)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("minutes", [1, 2, 5, 10])
def test_the_code_text_message_fits_one_segment(language: str, minutes: int) -> None:
    """160 GSM-7 septets, or 70 UCS-2 characters as soon as one character is outside GSM-7
    (Cyrillic, Arabic, or Spanish ó); with a realistic code, the default service name and
    every code lifetime the settings allow up to the default of 10 minutes."""
    text = sms_text("482913", "SecondLock", minutes, language)
    assert "482913" in text
    assert "SecondLock" in text
    if language != "en":
        assert text != sms_text("482913", "SecondLock", minutes, "en"), "not translated"
    encoding, length = sms_cost(text)
    assert length <= (160 if encoding == "gsm7" else 70), (language, encoding, length, text)


def test_a_longer_shop_name_still_fits_in_gsm7_languages() -> None:
    for language in sorted(LANGUAGES):
        text = sms_text("482913", "Northwind Traders", 10, language)
        encoding, length = sms_cost(text)
        if encoding == "gsm7":
            assert length <= 160, (language, text)


def test_pt_falls_back_to_brazilian_portuguese_while_there_is_no_pt_pt() -> None:
    supported = ["en", "de", "pt_BR"]
    for header in ("pt", "pt-PT", "pt-pt,en;q=0.5", "pt-BR", "pt_BR", "en-GB;q=0.2,pt;q=0.9"):
        assert negotiate(chosen=None, accept_language=header, supported=supported) == "pt_BR"
    # A pt_PT catalog, once there, wins for pt-PT and Brazil keeps its own.
    both = ["en", "pt_BR", "pt_PT"]
    assert negotiate(chosen=None, accept_language="pt-PT", supported=both) == "pt_PT"
    assert negotiate(chosen=None, accept_language="pt-BR", supported=both) == "pt_BR"
    # The cookie's choice wins over the browser.
    assert negotiate(chosen="de", accept_language="pt-BR", supported=supported) == "de"
    assert negotiate(chosen=None, accept_language="ja, zh-CN", supported=supported) == "en"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_browser_tag_reaches_its_language(language: str) -> None:
    info = language_info(language)
    assert negotiate(chosen=None, accept_language=f"{info.tag},en;q=0.1") == language
    assert negotiate(chosen=language, accept_language="en") == language


def test_the_registry_is_the_one_list_of_languages() -> None:
    codes = [language.code for language in REGISTRY]
    assert codes[0] == "en"
    assert len(set(codes)) == len(codes)
    assert {language.code: language.name for language in REGISTRY} == LANGUAGES
    for language in REGISTRY:
        assert language.code == "en" or po_path(language.code).exists()
        assert language.direction in ("ltr", "rtl")
    assert language_info("xx").code == "en"


WHEN = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize("language", OTHERS)
def test_dates_numbers_and_countries_come_from_cldr(language: str) -> None:
    when = format_when(WHEN, language)
    assert "2026" in when
    assert "14:05" in when
    assert when.endswith("UTC")
    assert when != format_when(WHEN, "en"), "the month is not in the language"
    assert format_country("US", language) != "United States"
    assert format_country("DE", language) != "Germany"



#: CLDR's separators (Arabic pages use Latin digits, as codes and phone numbers do).
NUMBERS = {"de": "1.234.567,5", "es": "1.234.567,5", "fr": "1\u202f234\u202f567,5",
           "pt_BR": "1.234.567,5", "ru": "1\xa0234\xa0567,5", "pl": "1\xa0234\xa0567,5",
           "ar": "1,234,567.5"}


@pytest.mark.parametrize("language", OTHERS)
def test_numbers_use_the_languages_separators(language: str) -> None:
    assert format_number(1234567.5, language) == NUMBERS[language]


def test_english_dates_numbers_and_countries_are_unchanged() -> None:
    assert format_when(WHEN, "en") == "22 Nov 2026, 14:05 UTC"
    assert format_country("us", "en") == "United States"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_country("", "en") == ""
