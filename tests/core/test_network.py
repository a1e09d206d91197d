from __future__ import annotations

import pytest

from secondlock.core.network import client_ip, parse_networks, throttle_group

PROXIES = parse_networks("10.0.0.0/8, fd00::/8")


def test_without_trusted_proxies_forwarded_for_is_ignored() -> None:
    assert client_ip("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"


def test_untrusted_peer_cannot_spoof() -> None:
    assert client_ip("203.0.113.9", "127.0.0.1", PROXIES) == "203.0.113.9"


def test_trusted_proxy_forwards_the_client() -> None:
    assert client_ip("10.0.0.5", "198.51.100.1", PROXIES) == "198.51.100.1"


def test_rightmost_untrusted_hop_wins_over_spoofed_left_entries() -> None:
    assert client_ip("10.0.0.5", "1.2.3.4, 198.51.100.1, 10.0.0.7", PROXIES) == "198.51.100.1"


def test_garbage_header_falls_back_to_the_proxy() -> None:
    assert client_ip("10.0.0.5", "not-an-ip", PROXIES) == "10.0.0.5"


def test_ipv6_grouped_by_64() -> None:
    assert throttle_group("2001:db8:1:2:aaaa::1") == throttle_group("2001:db8:1:2:bbbb::9")
    assert throttle_group("2001:db8:1:3::1") != throttle_group("2001:db8:1:2::1")
    assert throttle_group("198.51.100.7") == "198.51.100.7"


def test_bad_cidr_names_the_entry() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        parse_networks("10.0.0.0/8,nonsense")
