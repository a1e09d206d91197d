"""The catalogs: every translatable string in the code and templates has a German
translation, the translations keep their placeholders, and templates hold no bare text."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from secondlock.core.i18n import LANGUAGES
from secondlock.translations import LOCALES_DIR, po_path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "secondlock"
TEMPLATES = PACKAGE / "web" / "templates"
#: Templates that still show bare English text (none now: every template is wrapped). A
#: template merged before it is wrapped goes here until it is, then leaves again.
NOT_YET_WRAPPED: set[str] = set()


def script_keywords() -> list[str]:
    """The -k options of scripts/i18n, so the test extracts exactly what the script does."""
    script = (ROOT / "scripts" / "i18n").read_text()
    line = next(line for line in script.splitlines() if line.startswith("KEYWORDS="))
    words = shlex.split(line.removeprefix("KEYWORDS=").strip("()"))
    return [value for flag, value in zip(words[::2], words[1::2], strict=True) if flag == "-k"]


def extracted() -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> where, for every string `./scripts/i18n` would extract."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(script_keywords())}
    found: dict[tuple[str | None, str], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(PACKAGE), method_map, options_map, keywords=keywords):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault((context, msgid), f"{filename}:{lineno}")
    return found


def catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language)


def test_extraction_finds_code_and_template_strings() -> None:
    found = extracted()
    assert (None, "Security checkup") in found  # a template
    assert (None, "Enough recovery codes left") in found  # core rules
    assert (None, "new sign-in to your account") in found  # a mail subject
    assert ("method named", "a passkey") in found  # a context
    assert len(found) > 300


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_every_string_has_a_translation(language: str) -> None:
    translated = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
                  for m in catalog(language)
                  if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple)
                                                  else [m.string])}
    missing = {key: where for key, where in extracted().items() if key not in translated}
    assert not missing, f"run ./scripts/i18n and translate these in {language}: {missing}"


#: What a translation must carry over from its msgid: %(name)s placeholders, the page
#: scripts' {name} ones, and the HTML tags with their attributes (links, ids the tests use).
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")
TAG = re.compile(r"<[^>]+>")


def kept(text: str) -> list[str]:
    """Each placeholder and tag once: a translation may use one twice, or once (the Spanish
    text message names the service once to fit one SMS segment)."""
    return sorted(set(PLACEHOLDER.findall(text) + TAG.findall(text)))


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_translations_keep_their_placeholders(language: str) -> None:
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog(language).check()]
    assert not problems
    checked = 0
    for message in catalog(language):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            # Every plural form keeps the plural msgid's placeholders; a form may spell the
            # number out instead of %(n)d (Arabic's "one" and "two" forms do).
            wanted = kept(message.id[1])
            assert isinstance(message.string, tuple | list)
            for form in message.string:
                got = kept(form)
                assert got == wanted or got == [p for p in wanted if p != "%(n)d"], \
                    (language, message.id[1], form)
                checked += 1
        else:
            assert isinstance(message.id, str)
            assert kept(message.id) == kept(str(message.string)), (language, message.id)
            checked += 1
    assert checked > 300


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_plural_forms_follow_the_languages_rules(language: str) -> None:
    """The header's Plural-Forms is CLDR's (through Babel) and every form is filled."""
    messages = catalog(language)
    expected = get_plural(language)
    assert messages.num_plurals == expected.num_plurals
    assert messages.plural_expr == expected.plural_expr
    plurals = [m for m in messages if m.id and isinstance(m.id, tuple)]
    assert plurals
    for message in plurals:
        assert isinstance(message.string, tuple | list)
        assert len(message.string) == expected.num_plurals, message.id
        assert all(form.strip() for form in message.string), message.id


def test_a_placeholder_dropped_from_a_translation_is_caught() -> None:
    assert kept("Wait %(n)d seconds, <a href=\"/x\">go</a> {clock}") != \
        kept("Attendez, <a href=\"/x\">allez</a> {clock}")


def test_each_language_has_a_catalog_and_no_stray_ones() -> None:
    present = {path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/*.po")}
    assert present == set(LANGUAGES) - {"en"}


def bare_text(template: str) -> list[str]:
    """Words a template shows that do not go through gettext (tags and Jinja removed)."""
    source = re.sub(r"{%-? *trans\b.*?{%-? *endtrans *-?%}", " ", template, flags=re.S)
    source = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    source = re.sub(r"<[^>]*>", " ", source, flags=re.S)
    source = re.sub(r"&[a-z]+;|&#\d+;", " ", source)
    return [word for word in source.split() if re.search(r"[A-Za-z]", word)]


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html")
                                        if p.name not in NOT_YET_WRAPPED))
def test_templates_show_no_untranslated_text(name: str) -> None:
    words = bare_text((TEMPLATES / name).read_text())
    assert not words, (f"{name} shows text outside gettext: wrap it in {{{{ _(...) }}}} or "
                       f"{{% trans %}} (README, Languages), or list it in NOT_YET_WRAPPED: "
                       f"{' '.join(words)[:300]}")


def test_the_known_exceptions_still_exist() -> None:
    """When the lead wraps them, this list must shrink (and stay honest)."""
    for name in NOT_YET_WRAPPED:
        assert (TEMPLATES / name).exists()
        assert bare_text((TEMPLATES / name).read_text()), f"{name} is wrapped: drop it"
