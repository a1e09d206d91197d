"""The place of an address: the built-in lookup, names, and impossible travel (issue #16)."""

from __future__ import annotations

import timeit
from datetime import UTC, datetime, timedelta

import pytest

from secondlock.core.places import (
    CountryName,
    NoPlaces,
    Place,
    country_name,
    describe_place,
    impossible_travel,
)
from secondlock.geoip import BuiltinPlaces, build_places
from secondlock.translations import translate

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BERLIN = Place("DE", "Berlin", 52.52, 13.405, accuracy_km=20)
NEW_YORK = Place("US", "New York", 40.7128, -74.006, accuracy_km=20)
POTSDAM = Place("DE", "Potsdam", 52.39, 13.06, accuracy_km=20)


@pytest.fixture(scope="module")
def builtin() -> BuiltinPlaces:
    return BuiltinPlaces()


@pytest.mark.parametrize(("ip", "country"), [
    ("8.8.8.8", "US"),            # Google public DNS
    ("1.0.16.1", "JP"),           # APNIC's Japanese block
    ("193.99.144.80", "DE"),      # heise.de
    ("81.2.69.160", "GB"),        # MaxMind's own test address in the UK
    ("::ffff:8.8.8.8", "US"),     # an IPv4 address as a dual-stack socket reports it
])
def test_known_public_addresses_map_to_their_countries(builtin: BuiltinPlaces, ip: str,
                                                        country: str) -> None:
    assert builtin.locate(ip) == Place(country)


@pytest.mark.parametrize("ip", [
    "10.1.2.3", "172.16.0.9", "192.168.1.1", "127.0.0.1", "::1", "fe80::1", "fd00::1",
    "100.64.0.1", "169.254.1.1", "192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1",
    "0.0.0.0", "255.255.255.255", "224.0.0.1", "testclient", "cli", "",  # noqa: S104
    "not an address",
])
def test_private_reserved_and_unknown_addresses_have_no_place(builtin: BuiltinPlaces,
                                                              ip: str) -> None:
    assert builtin.locate(ip) is None


def test_off_never_places_anything() -> None:
    assert isinstance(build_places("off"), NoPlaces)
    assert build_places("off").locate("8.8.8.8") is None


def test_a_lookup_costs_microseconds(builtin: BuiltinPlaces) -> None:
    runs = 20_000
    seconds = timeit.timeit(lambda: builtin.locate("193.99.144.80"), number=runs) / runs
    assert seconds < 50e-6, f"{seconds * 1e6:.1f} µs per lookup"


def test_country_names_come_in_the_readers_language() -> None:
    assert country_name("DE") == "Germany"
    assert country_name("DE", "de") == "Deutschland"
    assert country_name("ZZ") == "Unknown Region" or country_name("ZZ") == "ZZ"
    assert str(CountryName("JP")) == "Japan"
    assert translate(CountryName("JP"), "de") == "Japan"
    assert translate(CountryName("CH"), "de") == "Schweiz"
    berlin = describe_place(BERLIN)
    assert berlin == "Berlin, Germany"
    assert translate(berlin, "de") == "Berlin, Deutschland"
    assert describe_place(Place("AT")) == "Austria"
    assert describe_place(None) is None


def test_a_flight_is_possible_a_teleport_is_not() -> None:
    # Berlin to New York is about 6,400 km: not in two hours, easily in ten.
    assert impossible_travel(BERLIN, T0, NEW_YORK, T0 + timedelta(hours=2))
    assert not impossible_travel(BERLIN, T0, NEW_YORK, T0 + timedelta(hours=10))


def test_nearby_places_and_places_without_coordinates_are_never_flagged() -> None:
    assert not impossible_travel(BERLIN, T0, POTSDAM, T0 + timedelta(seconds=1))
    assert not impossible_travel(Place("DE"), T0, Place("US"), T0 + timedelta(seconds=1))
