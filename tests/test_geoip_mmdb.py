"""SECONDLOCK_GEOIP=/path/file.mmdb: a MaxMind City or Country database (issue #16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondlock.config import SettingsError, load_settings
from secondlock.core.places import Place
from secondlock.geoip import MaxMindPlaces, build_places
from tests.mmdb_support import write_mmdb


def test_a_city_database_gives_city_and_coordinates(tmp_path: Path) -> None:
    places = build_places(str(write_mmdb(tmp_path / "GeoLite2-City.mmdb")))
    assert isinstance(places, MaxMindPlaces)
    assert places.is_city
    london = places.locate("81.2.69.160")
    assert london is not None
    assert (london.country, london.city) == ("GB", "London")
    assert london.latitude == pytest.approx(51.5142)
    assert london.accuracy_km == 20
    assert places.locate("2a02:c7f:1234::1") == london
    linkoping = places.locate("89.160.20.112")
    assert linkoping is not None
    assert linkoping.city == "Linköping"


def test_a_country_database_gives_the_country_only(tmp_path: Path) -> None:
    places = build_places(str(write_mmdb(tmp_path / "GeoLite2-Country.mmdb", city=False)))
    assert places.locate("216.160.83.56") == Place("US")


def test_addresses_the_database_does_not_know_or_private_ones_have_no_place(
        tmp_path: Path) -> None:
    places = build_places(str(write_mmdb(tmp_path / "GeoLite2-City.mmdb")))
    for ip in ("8.8.8.8", "10.0.0.1", "::1", "192.168.0.1", "testclient"):
        assert places.locate(ip) is None


def test_the_setting_names_builtin_off_or_an_existing_file(tmp_path: Path) -> None:
    db = write_mmdb(tmp_path / "GeoLite2-City.mmdb")
    base = {"SECONDLOCK_DATA_DIR": str(tmp_path / "data")}
    assert load_settings(base).geoip == "builtin"
    assert load_settings({**base, "SECONDLOCK_GEOIP": "off"}).geoip == "off"
    assert load_settings({**base, "SECONDLOCK_GEOIP": str(db)}).geoip == str(db.resolve())
    with pytest.raises(SettingsError, match="SECONDLOCK_GEOIP"):
        load_settings({**base, "SECONDLOCK_GEOIP": str(tmp_path / "missing.mmdb")})
