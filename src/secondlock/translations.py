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
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
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
