"""Email normal form (issue 12 item 1): letter case is ignored, no character becomes another."""
# ruff: noqa: RUF001  (Greek and full-width letters are the point of these tests)

from __future__ import annotations

import idna
import pytest

from secondlock.core.emails import normalise_email
from secondlock.core.errors import InvalidEmailError


@pytest.mark.parametrize(("typed", "stored"), [
    ("Ada@Example.COM", "ada@example.com"),
    ("  ada@example.com ", "ada@example.com"),
    ("ada@ＥＸＡＭＰＬＥ.com", "ada@example.com"),  # full-width letters are the same letters
    ("anna@straße.de", "anna@straße.de"),                # not strasse.de: another domain
    ("anna@STRASSE.de", "anna@strasse.de"),
    ("anna@xn--strae-oqa.de", "anna@straße.de"),         # the A-label of straße.de
    ("x@ελληνικός.gr", "x@ελληνικός.gr"),                # final sigma kept
    ("x@Bücher.DE", "x@bücher.de"),
    ("STRAẞE@example.com", "straße@example.com"),        # capital sharp s lower-cased, not "ss"
    ("ΑΣ@example.gr", "ασ@example.gr"),
    ("λς@example.gr", "λς@example.gr"),
])
def test_case_is_ignored_but_no_character_turns_into_another(typed: str, stored: str) -> None:
    assert normalise_email(typed) == stored


def test_sharp_s_and_double_s_domains_stay_two_domains() -> None:
    sharp = normalise_email("anna@straße.de")
    double = normalise_email("anna@strasse.de")
    assert sharp != double
    # What is stored encodes back to the domain that was typed, not to strasse.de.
    domain = sharp.rsplit("@", 1)[1]
    assert idna.encode(domain, uts46=True).decode() == "xn--strae-oqa.de"
    assert normalise_email("x@ελληνικός.gr") != normalise_email("x@ελληνικόσ.gr")


@pytest.mark.parametrize("typed", ["", "   ", "no-at-sign", "a@", "a@b@c.de", "a@-x.de",
                                   "a@" + "x" * 250 + ".de"])
def test_malformed_addresses_are_refused(typed: str) -> None:
    with pytest.raises(InvalidEmailError):
        normalise_email(typed)
