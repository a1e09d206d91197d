"""Translatable text and language negotiation: pure rules, no catalogs, no I/O.

Code that shows words to a shopper (services, core rules, page handlers) writes them in
English, wrapped so they can be translated later, in the reader's language:

    raise NotFoundError(msg("No such session."))
    headline = msg("You have %(n)d recovery codes left.", n=3)
    detail = nmsg("%(n)d sign-in from a new device", "%(n)d sign-ins from a new device", n)

A :class:`Msg` *is* the English string (a ``str`` subclass), so the API, logs and tests see
plain English; it also keeps its msgid and parameters, so the pages and the mails can
translate it (``secondlock.translations.translate``, or ``Msg.localized``). Parameters that
are themselves a ``Msg`` are translated too. ``pybabel extract`` finds the strings through
the keywords ``msg``, ``nmsg:1,2`` and ``pmsg:1c,2`` (see babel.cfg and scripts/i18n).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Language:
    """One language we speak: ``code`` names its catalog folder (``locales/<code>``) and its
    CLDR locale (``pt_BR``); ``name`` is what it calls itself; ``rtl`` for right-to-left."""

    code: str
    name: str
    rtl: bool = False

    @property
    def tag(self) -> str:
        """The BCP 47 tag for ``<html lang>`` and ``Content-Language`` (``pt-BR``)."""
        return self.code.replace("_", "-")

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


#: Every language with a complete catalog, in the footer's order. A new language is its
#: catalog (``./scripts/i18n init xx``, translated) and one line here (docs/languages.md).
REGISTRY: tuple[Language, ...] = (
    Language("en", "English"),
    Language("de", "Deutsch"),
    Language("es", "Español"),
    Language("fr", "Français"),
    Language("pt_BR", "Português (Brasil)"),
    Language("ru", "Русский"),
    Language("pl", "Polski"),
    Language("ar", "العربية", rtl=True),
)
DEFAULT_LANGUAGE = "en"

#: Code -> own name, for the footer switch and for checks like ``language in LANGUAGES``.
LANGUAGES: dict[str, str] = {language.code: language.name for language in REGISTRY}
_BY_CODE: dict[str, Language] = {language.code: language for language in REGISTRY}


def language_info(code: str) -> Language:
    """The registry entry of ``code`` (English for a code we do not speak)."""
    return _BY_CODE.get(code) or _BY_CODE[DEFAULT_LANGUAGE]

#: Longest Accept-Language header we parse (browsers send ~50 characters).
MAX_ACCEPT_LANGUAGE = 512


class Translator(Protocol):
    """What a catalog offers (``babel.support.Translations`` has all four)."""

    def gettext(self, message: str) -> object: ...
    def ngettext(self, singular: str, plural: str, n: int) -> object: ...
    def pgettext(self, context: str, message: str) -> object: ...
    def npgettext(self, context: str, singular: str, plural: str, n: int) -> object: ...


class Msg(str):
    """English text that remembers its msgid and parameters, so it can be translated."""

    msgid: str
    plural: str | None
    n: int | None
    context: str | None
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None, *,
                plural: str | None = None, n: int | None = None,
                context: str | None = None) -> Msg:
        values = dict(params or {})
        if plural is not None:
            if n is None:
                raise ValueError("a plural message needs n")
            values.setdefault("n", n)
        chosen = msgid if plural is None or n == 1 else plural
        self = super().__new__(cls, chosen % values if values else chosen)
        self.msgid, self.plural, self.n, self.context = msgid, plural, n, context
        self.params = values
        return self

    def localized(self, translator: Translator) -> str:
        """The text in the translator's language; English where it has no translation."""
        found: object
        if self.plural is not None and self.n is not None:
            if self.context:
                found = translator.npgettext(self.context, self.msgid, self.plural, self.n)
            else:
                found = translator.ngettext(self.msgid, self.plural, self.n)
        elif self.context:
            found = translator.pgettext(self.context, self.msgid)
        else:
            found = translator.gettext(self.msgid)
        text = str(found)
        if not self.params:
            return text
        values = {key: value.localized(translator) if isinstance(value, Msg) else value
                  for key, value in self.params.items()}
        try:
            return text % values
        except (KeyError, ValueError, TypeError):
            # A broken translation must never break a page or a mail: fall back to English.
            return str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, self.params, self.plural, self.n, self.context))


def _rebuild(msgid: str, params: Mapping[str, Any], plural: str | None, n: int | None,
             context: str | None) -> Msg:
    return Msg(msgid, params, plural=plural, n=n, context=context)


def msg(msgid: str, **params: Any) -> Msg:
    """A translatable English text, ``%(name)s`` placeholders filled from ``params``."""
    return Msg(msgid, params)


def nmsg(singular: str, plural: str, n: int, **params: Any) -> Msg:
    """Singular or plural by ``n`` (available as ``%(n)d``), in every language's own rules."""
    return Msg(singular, params, plural=plural, n=n)


def join_list(items: Sequence[str]) -> str:
    """Items as one comma-separated text that stays translatable: each item that is a
    :class:`Msg` ("Chrome on Windows") is translated where the whole is shown, which
    ``", ".join`` would lose. No items: an empty string."""
    if len(items) <= 1:
        return items[0] if items else ""
    return msg("%(first)s, %(rest)s", first=items[0], rest=join_list(items[1:]))


def pmsg(context: str, msgid: str, **params: Any) -> Msg:
    """Like :func:`msg`, for one English text that other languages say in several ways."""
    return Msg(msgid, params, context=context)


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, most preferred first (RFC 9110 §12.5.4).

    Tags with ``q=0`` are dropped; equal weights keep the header's order. Malformed parts
    are skipped rather than rejected: the header is only a hint.
    """
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")):
        tag, _, rest = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or len(tag) > 35:
            continue
        quality = 1.0
        for parameter in rest.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0
        if 0 < quality <= 1:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def match_language(tags: Iterable[str], supported: Iterable[str] = LANGUAGES) -> str | None:
    """The first supported language for the tags, each tried exactly (``pt-BR`` -> ``pt_BR``),
    then by its primary subtag: the language itself (``de-CH`` -> ``de``), else the first
    supported regional form (``pt`` and ``pt-PT`` -> ``pt_BR`` while there is no ``pt_PT``)."""
    available = list(supported)
    exact = {code.lower().replace("_", "-"): code for code in available}
    regional: dict[str, str] = {}
    for code in available:
        regional.setdefault(code.lower().replace("_", "-").split("-")[0], code)
    for tag in tags:
        tag = tag.lower().replace("_", "-")
        if tag in exact:
            return exact[tag]
        primary = tag.split("-")[0]
        if primary in exact:
            return exact[primary]
        if primary in regional:
            return regional[primary]
    return None


def negotiate(*, chosen: str | None, accept_language: str | None,
              supported: Iterable[str] = LANGUAGES, default: str = DEFAULT_LANGUAGE) -> str:
    """The language for one request: the shopper's own choice, else the browser's, else
    ``default``."""
    languages = list(supported)
    if chosen and chosen in languages:
        return chosen
    return match_language(parse_accept_language(accept_language), languages) or default


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "REGISTRY",
    "Language",
    "Msg",
    "Translator",
    "language_info",
    "match_language",
    "msg",
    "negotiate",
    "nmsg",
    "parse_accept_language",
    "pmsg",
]
