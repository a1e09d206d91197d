"""Email normal form (issue 12 item 1): letter case is ignored, no character becomes another."""
# ruff: noqa: RUF001  (Greek and full-width letters are the point of these tests)

from __future__ import annotations

import random
import string

import idna
import pytest

from secondlock.core.emails import MAX_EMAIL_LENGTH, lookup_form, normalise_email
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


def _validators_way(typed: str) -> str:
    """What ``lookup_form`` gave before its ASCII shortcut: the validator, or the fold."""
    try:
        return normalise_email(typed)
    except InvalidEmailError:
        return typed.strip().casefold()[:MAX_EMAIL_LENGTH]


_ODD_ASCII = ["Ada@Example.COM", " ada@example.com\t", "ada@EXAMPLE.COM.", '"ada"@example.com',
              "ada@[192.0.2.1]", "Ada <ada@example.com>", "ada@localhost", "ada@example.local",
              "a..b@example.com", "ada@example..com", "ada@-ex.com", "ada@ex_ample.com",
              "@example.com", "ada@", "a@b@c.com", "Ada+Tag@Sub.Example.CO.UK", "", "   ",
              "x" * 300 + "@example.com", " \x1cada@example.com\x1f", "ADA@XN--STRAE-OQA.DE",
              "xn--ada@example.com", "ada@example.com\x00"]


def _random_ascii(rng: random.Random) -> str:
    local = "".join(rng.choice(string.ascii_letters + string.digits + ".+_-'\"() <>[]\\,;:")
                    for _ in range(rng.randint(0, 12)))
    labels = ["".join(rng.choice(string.ascii_letters + string.digits + "-_")
                      for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 4))]
    return rng.choice(["", " ", "\t"]) + local + "@" + ".".join(labels) + rng.choice(["", "."])


def test_lookup_form_of_any_ascii_input_is_what_the_validator_gives() -> None:
    """The ASCII shortcut (#17) changes no key: the same form as the validator or the fold,
    for valid and malformed addresses alike."""
    rng = random.Random(17)
    typed = [*_ODD_ASCII, *(_random_ascii(rng) for _ in range(5000)),
             *(f"{rng.choice(['Ada', 'o.Brien', 'X+y'])}@{rng.choice(['Example.COM', 'a-b.co.uk'])}"
               for _ in range(200))]

    assert [lookup_form(t) for t in typed] == [_validators_way(t) for t in typed]
    assert sum(_validators_way(t) == normalise_email(t) for t in typed[-200:]) == 200


@pytest.mark.parametrize(("typed", "form"), [
    ("Ada@Example.com ", "ada@example.com"),
    ("ADA@XN--STRAE-OQA.DE", "ada@straße.de"),   # an A-label: the validator's Unicode form
    ("Anna@Straße.de", "anna@straße.de"),
    ("no address at all", "no address at all"),
    ("ÄRGER", "ärger"),                          # malformed and not ASCII: folded
])
def test_lookup_form_is_the_normal_form_or_the_folded_input(typed: str, form: str) -> None:
    assert lookup_form(typed) == form
