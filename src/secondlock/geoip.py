"""The place lookups behind ``core.places.PlaceLookup``, chosen by ``SECONDLOCK_GEOIP``.

- ``builtin`` (default): ``iptocc``, an offline country table compiled into its wheel from the
  five Regional Internet Registries' delegation files, refreshed nightly on PyPI.
- a path to a MaxMind ``.mmdb`` file (GeoIP2/GeoLite2 City or Country), memory-mapped and
  read through at start with ``maxminddb``; the operator keeps the file up to date.
- ``off``: no places.

Each is built once (``build_places``) and answers from memory, so a lookup costs
microseconds and never waits on a disk or the network (docs/place-and-policy.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secondlock.core.places import NoPlaces, Place, PlaceLookup, public_address


class BuiltinPlaces:
    """Countries from the RIR allocation data shipped inside the ``iptocc`` package."""

    def __init__(self) -> None:
        from iptocc import country_code

        self._country_code = country_code
        self._country_code("192.0.2.1")  # load the table now, not on the first sign-in

    def locate(self, ip: str) -> Place | None:
        address = public_address(ip)
        if address is None:
            return None
        code = self._country_code(str(address))
        return Place(country=code.upper()) if isinstance(code, str) and len(code) == 2 else None


class MaxMindPlaces:
    """A GeoIP2/GeoLite2 City or Country database.

    Read with ``maxminddb`` (the reader under ``geoip2``) through its C extension on a
    memory map, and read through once at start so the pages are in memory: a lookup is a
    few microseconds. ``geoip2``'s model objects would cost ten times that per lookup.
    """

    def __init__(self, path: Path) -> None:
        import maxminddb

        path.read_bytes()  # read it through once now, not on the first sign-in
        self._reader = maxminddb.open_database(str(path), maxminddb.MODE_AUTO)
        self.is_city = "city" in self._reader.metadata().database_type.lower()

    def locate(self, ip: str) -> Place | None:
        address = public_address(ip)
        if address is None:
            return None
        try:
            record = self._reader.get(address)
        except ValueError:
            return None
        return _place(record) if isinstance(record, dict) else None

    def close(self) -> None:
        self._reader.close()


def _place(record: dict[str, Any]) -> Place | None:
    country = record.get("country") or record.get("registered_country") or {}
    code = country.get("iso_code") if isinstance(country, dict) else None
    if not isinstance(code, str) or len(code) != 2:
        return None
    city = record.get("city", {}).get("names", {}).get("en")
    location = record.get("location", {})
    latitude, longitude = location.get("latitude"), location.get("longitude")
    accuracy = location.get("accuracy_radius")
    return Place(country=code.upper(), city=city if isinstance(city, str) and city else None,
                 latitude=float(latitude) if isinstance(latitude, int | float) else None,
                 longitude=float(longitude) if isinstance(longitude, int | float) else None,
                 accuracy_km=float(accuracy) if isinstance(accuracy, int | float) else None)


def build_places(setting: str) -> PlaceLookup:
    """The lookup ``SECONDLOCK_GEOIP`` names (checked by Settings): loaded now, once."""
    if setting == "off":
        return NoPlaces()
    if setting == "builtin":
        return BuiltinPlaces()
    return MaxMindPlaces(Path(setting))
