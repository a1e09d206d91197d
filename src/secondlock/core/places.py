"""Where a sign-in comes from: the place of an IP address, and the rules about places.

Pure rules and one small interface. The lookups themselves (an offline country table, a
MaxMind ``.mmdb`` file, none) are adapters in ``secondlock.geoip``, chosen by
``SECONDLOCK_GEOIP`` and loaded once at start, so a lookup never does I/O.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from babel import Locale, UnknownLocaleError

from secondlock.core.i18n import DEFAULT_LANGUAGE, Msg, Translator, msg

#: Faster than any airliner (cruise ~900 km/h) with a margin for tail winds and timing.
MAX_TRAVEL_KMH = 1000.0
#: Two places closer than this are never "impossible travel": city-level IP geolocation is
#: often tens to hundreds of kilometres off (MaxMind's own accuracy radius says so).
MIN_TRAVEL_KM = 500.0


@dataclass(frozen=True)
class Place:
    """A country (ISO 3166-1 alpha-2), with the city and coordinates a City database adds."""

    country: str
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    #: The database's own error radius around the coordinates, in kilometres.
    accuracy_km: float | None = None

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class PlaceLookup(Protocol):
    """Finds the place of an address in memory: microseconds, never I/O."""

    def locate(self, ip: str) -> Place | None:
        """The place, or None for private, loopback, reserved and unknown addresses."""
        ...


class NoPlaces:
    """``SECONDLOCK_GEOIP=off``: no address has a place."""

    def locate(self, ip: str) -> Place | None:
        return None


def public_address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when it is a public (globally routed) one, else None.

    Private, loopback, link-local, reserved and documentation ranges have no place, and
    neither has text that is not an address ("cli", "testclient").
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        return None
    return address


def country_name(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The country's name in ``language`` from CLDR (Babel); the code itself if unknown."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse(DEFAULT_LANGUAGE)
    return str(locale.territories.get(code.upper(), code.upper()))


class CountryName(Msg):
    """A country's name that prints in English and localises to the reader's language."""

    code: str

    def __new__(cls, code: str) -> CountryName:
        self = super().__new__(cls, country_name(code))
        assert isinstance(self, CountryName)
        self.code = code
        return self

    def localized(self, translator: Translator) -> str:
        info: Mapping[str, Any] = getattr(translator, "info", dict)() or {}
        return country_name(self.code, str(info.get("language") or DEFAULT_LANGUAGE))

    def __reduce__(self) -> tuple[Any, ...]:
        return (CountryName, (self.code,))


class PlaceNames(Msg):
    """Several place names, comma separated, each in the reader's language."""

    items: tuple[str, ...]

    def __new__(cls, items: tuple[str, ...]) -> PlaceNames:
        self = super().__new__(cls, ", ".join(items))
        assert isinstance(self, PlaceNames)
        self.items = items
        return self

    def localized(self, translator: Translator) -> str:
        return ", ".join(item.localized(translator) if isinstance(item, Msg) else item
                         for item in self.items)

    def __reduce__(self) -> tuple[Any, ...]:
        return (PlaceNames, (self.items,))


def describe_place(place: Place | None) -> Msg | None:
    """"Berlin, Germany" or "Germany", in the reader's language; None without a place."""
    if place is None:
        return None
    if place.city:
        return msg("%(city)s, %(country)s", city=place.city, country=CountryName(place.country))
    return CountryName(place.country)


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance (haversine, mean Earth radius) between two placed points."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        raise ValueError("both places need coordinates")
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat, dlon = lat2 - lat1, math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def impossible_travel(before: Place, before_at: datetime, after: Place,
                      after_at: datetime) -> bool:
    """Whether nobody could have gone from ``before`` to ``after`` in the time between, even
    by plane. Needs coordinates (a City database); without them it is never flagged."""
    if not before.has_coordinates or not after.has_coordinates:
        return False
    slack = (before.accuracy_km or 0.0) + (after.accuracy_km or 0.0)
    km = distance_km(before, after) - slack
    if km < MIN_TRAVEL_KM:
        return False
    hours = abs((after_at - before_at).total_seconds()) / 3600
    return km > MAX_TRAVEL_KMH * hours
