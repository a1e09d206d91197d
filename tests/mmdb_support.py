"""Small MaxMind databases written by the tests (mmdb-writer), read back through geoip2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmdb_writer import MmdbF64, MmdbU16, MMDBWriter
from netaddr import IPSet

#: network -> (country, city, latitude, longitude)
CITIES: dict[str, tuple[str, str, float, float]] = {
    "81.2.69.0/24": ("GB", "London", 51.5142, -0.0931),
    "89.160.20.0/24": ("SE", "Linköping", 58.4167, 15.6167),
    "193.99.144.0/24": ("DE", "Hanover", 52.3705, 9.7332),
    "216.160.83.0/24": ("US", "Milton", 47.2513, -122.3149),
    "2a02:c7f::/32": ("GB", "London", 51.5142, -0.0931),
}


def _record(country: str, city: str | None, latitude: float, longitude: float,
            ) -> dict[str, Any]:
    record: dict[str, Any] = {"country": {"iso_code": country, "names": {"en": country}}}
    if city is not None:
        record["city"] = {"names": {"en": city}}
        record["location"] = {"latitude": MmdbF64(latitude), "longitude": MmdbF64(longitude),
                              "accuracy_radius": MmdbU16(20)}
    return record


def write_mmdb(path: Path, *, city: bool = True) -> Path:
    """A GeoLite2-City (or -Country) shaped database with the networks of CITIES."""
    kind = "GeoLite2-City" if city else "GeoLite2-Country"
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=kind,
                        languages=["en"], description={"en": "SecondLock test data"})
    for network, (country, name, latitude, longitude) in CITIES.items():
        writer.insert_network(IPSet([network]),
                              _record(country, name if city else None, latitude, longitude))
    writer.to_db_file(str(path))
    return path
