"""Translatable text (Msg) and choosing a language from the cookie and Accept-Language."""

from __future__ import annotations

import json
import pickle

import pytest

from secondlock.core.i18n import Msg, msg, negotiate, nmsg, parse_accept_language, pmsg
from secondlock.translations import translate, use_language


@pytest.mark.parametrize(("header", "expected"), [
    ("de-CH,de;q=0.9", "de"),
    ("de-DE", "de"),
    ("DE", "de"),
    ("ja-JP,ja;q=0.9,de;q=0.8,en;q=0.7", "de"),
    ("fr-FR,fr;q=0.9,de;q=0.8,en;q=0.7", "fr"),
    ("en-GB,en;q=0.9,de;q=0.8", "en"),
    ("de;q=0.5,en;q=0.8", "en"),  # weights, not order, decide
    ("en;q=0.5,de;q=0.5", "en"),  # equal weights keep the header's order
    ("de;q=0,en", "en"),  # q=0 means "not this one"
    ("ja, zh-CN;q=0.9", "en"),  # nothing we have: English
    ("*", "en"),
    ("", "en"),
    (None, "en"),
    ("de;q=abc,en;q=0.1", "en"),  # a malformed weight drops that entry
    (";;;,,,de", "de"),
    ("x" * 5000, "en"),
])
def test_accept_language_picks_the_best_supported_language(header: str | None,
                                                            expected: str) -> None:
    assert negotiate(chosen=None, accept_language=header) == expected


def test_the_cookie_wins_over_the_header() -> None:
    assert negotiate(chosen="en", accept_language="de-DE,de;q=0.9") == "en"
    assert negotiate(chosen="de", accept_language="en-US") == "de"


def test_an_unknown_cookie_value_is_ignored() -> None:
    assert negotiate(chosen="xx", accept_language="de") == "de"
    assert negotiate(chosen="<script>", accept_language=None) == "en"


def test_parse_accept_language_orders_by_weight() -> None:
    assert parse_accept_language("fr;q=0.2, de-AT , en;q=0.9") == ["de-at", "en", "fr"]


def test_a_msg_is_its_english_text() -> None:
    text = msg("You have %(n)d codes.", n=3)
    assert text == "You have 3 codes."
    assert isinstance(text, str)
    assert json.dumps({"detail": text}) == '{"detail": "You have 3 codes."}'
    assert f"{text}" == "You have 3 codes."
    assert msg("100% sure") == "100% sure"  # no parameters: no formatting


def test_plural_and_context_messages_keep_their_msgid() -> None:
    one = nmsg("%(n)d day ago", "%(n)d days ago", 1)
    many = nmsg("%(n)d day ago", "%(n)d days ago", 5)
    assert (one, many) == ("1 day ago", "5 days ago")
    assert many.msgid == "%(n)d day ago"
    assert many.plural == "%(n)d days ago"
    assert pmsg("method named", "a passkey").context == "method named"


def test_translate_uses_the_german_catalog_and_falls_back_to_english() -> None:
    assert translate(msg("Sign in"), "de") == "Anmelden"
    assert translate(msg("Sign in"), "en") == "Sign in"
    assert translate(msg("A sentence nobody translated."), "de") == "A sentence nobody translated."
    assert translate(nmsg("%(n)d minute ago", "%(n)d minutes ago", 5), "de") == "vor 5 Minuten"
    assert translate("plain text is left alone", "de") == "plain text is left alone"


def test_parameters_that_are_messages_are_translated_too() -> None:
    sentence = msg("Signed in with %(method)s",
                   method=pmsg("method after with", "an authenticator app"))
    assert sentence == "Signed in with an authenticator app"
    assert translate(sentence, "de") == "Angemeldet mit einer Authenticator-App"


def test_the_current_language_comes_from_the_context() -> None:
    with use_language("de"):
        assert translate(msg("Sign out")) == "Abmelden"
        with use_language("xx"):  # unknown: English
            assert translate(msg("Sign out")) == "Sign out"
    assert translate(msg("Sign out")) == "Sign out"


def test_a_msg_survives_pickling() -> None:
    original = nmsg("%(n)d hour", "%(n)d hours", 2)
    copy = pickle.loads(pickle.dumps(original))  # noqa: S301 - our own data
    assert isinstance(copy, Msg)
    assert (copy, copy.plural, copy.n) == ("2 hours", "%(n)d hours", 2)
