"""The place lookups behind ``core.places.PlaceLookup``, chosen by ``SECONDLOCK_GEOIP``.

- ``builtin`` (default): ``iptocc``, an offline country table compiled into its wheel from the
  five Regional Internet Registries' delegation files, refreshed nightly on PyPI.
- a path to a MaxMind ``.mmdb`` file (GeoIP2/GeoLite2 City or Country), read whole into
  memory at start through ``geoip2``; the operator keeps the file up to date.
- ``off``: no places.

Each is built once (``build_places``) and answers from memory, so a lookup costs
microseconds and never waits on a disk or the network (docs/place-and-policy.md).
"""

from __future__ import annotations

from pathlib import Path

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
    """A GeoIP2/GeoLite2 City or Country database, held in memory."""

    def __init__(self, path: Path) -> None:
        import geoip2.database
        import maxminddb

        self._reader = geoip2.database.Reader(str(path), mode=maxminddb.MODE_MEMORY)
        self.is_city = "city" in self._reader.metadata().database_type.lower()

    def locate(self, ip: str) -> Place | None:
        import geoip2.errors

        address = public_address(ip)
        if address is None:
            return None
        try:
            if self.is_city:
                city = self._reader.city(str(address))
                country, location = city.country.iso_code, city.location
                name = city.city.name
                latitude, longitude = location.latitude, location.longitude
                accuracy = location.accuracy_radius
            else:
                country = self._reader.country(str(address)).country.iso_code
                name, latitude, longitude, accuracy = None, None, None, None
        except (geoip2.errors.AddressNotFoundError, ValueError):
            return None
        if not country:
            return None
        return Place(country=country.upper(), city=name or None, latitude=latitude,
                     longitude=longitude,
                     accuracy_km=float(accuracy) if accuracy is not None else None)

    def close(self) -> None:
        self._reader.close()


def build_places(setting: str) -> PlaceLookup:
    """The lookup ``SECONDLOCK_GEOIP`` names (checked by Settings): loaded now, once."""
    if setting == "off":
        return NoPlaces()
    if setting == "builtin":
        return BuiltinPlaces()
    return MaxMindPlaces(Path(setting))
