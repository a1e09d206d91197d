"""The message catalogs, and the language of the text being rendered right now.

Catalogs are the ``.po`` files under ``secondlock/locales``; they are compiled in memory on
first use (no build step, so a fresh clone works). The language travels in a context
variable, set around one render (:func:`use_language`), so concurrent requests never share it.
Missing translations fall back to English.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from secondlock.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, Msg

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"

_language: ContextVar[str] = ContextVar("secondlock_language", default=DEFAULT_LANGUAGE)


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str) -> NullTranslations:
    """The compiled catalog for a language (English and unknown ones: the identity)."""
    path = po_path(language)
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        messages = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, messages)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def current_language() -> str:
    return _language.get()


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Render (pages, mails) in ``language`` inside the block; unknown ones mean English."""
    token = _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def gettext(message: str) -> str:
    return str(catalog(_language.get()).gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    return str(catalog(_language.get()).ngettext(singular, plural, n))


def pgettext(context: str, message: str) -> str:
    return str(catalog(_language.get()).pgettext(context, message))


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return str(catalog(_language.get()).npgettext(context, singular, plural, n))


def translate(value: Any, language: str | None = None) -> Any:
    """A :class:`Msg` in ``language`` (default: the current one); anything else unchanged."""
    if not isinstance(value, Msg):
        return value
    return value.localized(catalog(language or _language.get()))


# Dates, numbers, countries: CLDR's, in the current (or the given) language -----------------
#: Our own pattern where CLDR's standard one reads less clearly; other languages use CLDR's.
WHEN_PATTERNS = {"de": "d. MMM y, HH:mm 'UTC'"}


def format_when(value: datetime, language: str | None = None) -> str:
    """``22 Nov 2026, 14:05 UTC`` (``22. Nov. 2026, 14:05 UTC``): unambiguous everywhere.

    Other languages get CLDR's day-month-year with a 24-hour clock for their locale
    (``22 nov 2026, 14:05 UTC``); always UTC, which the mails and pages say."""
    language = language or _language.get()
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if language == DEFAULT_LANGUAGE:
        return value.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC").lstrip("0")
    if language in WHEN_PATTERNS:
        return format_datetime(value, WHEN_PATTERNS[language], tzinfo=UTC, locale=language)
    day = format_skeleton("yMMMd", value, tzinfo=UTC, locale=language)
    clock = format_skeleton("Hm", value, tzinfo=UTC, locale=language)
    return f"{Locale.parse(language).datetime_formats['medium'].format(clock, day)} UTC"


def format_country(code: str | None, language: str | None = None) -> str:
    """A country's name from its ISO code, in the language (``US`` -> ``Estados Unidos``)."""
    if not code:
        return ""
    names = Locale.parse(language or _language.get()).territories
    return str(names.get(code.upper(), code.upper()))


def format_number(value: float, language: str | None = None) -> str:
    """A number with the language's own separators (``1,234`` / ``1.234`` / ``1 234``)."""
    return str(format_decimal(value, locale=language or _language.get()))
