"""Which IP a request really comes from, and how IPs are grouped for throttling."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """``"10.0.0.0/8, ::1"`` -> networks; raises ValueError naming the bad entry."""
    networks: list[IPNetwork] = []
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(f"{part!r} is not an IP address or CIDR range") from exc
    return tuple(networks)


#: Texts up to this long are remembered (an IPv6 address with an IPv4 tail and a zone fits).
_REMEMBERED_LENGTH = 64


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, or None. Recent ones are remembered: a peer or proxy sends request after
    request, and ``ipaddress`` parsing costs more than the rest of finding the client."""
    if len(value) <= _REMEMBERED_LENGTH:
        return _recent_ip(value)
    return _ip_or_none(value)


@lru_cache(maxsize=4096)
def _recent_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    return _ip_or_none(value)


def _ip_or_none(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(peer: str | None, forwarded_for: str | None,
              trusted: Sequence[IPNetwork]) -> str:
    """The client's IP: the peer's, unless the peer is a trusted proxy.

    Walking ``X-Forwarded-For`` from the right, we skip addresses of trusted proxies and take
    the first one that is not, so a client cannot spoof its IP by sending the header itself.
    """
    peer_ip = _parse_ip(peer or "")
    if peer_ip is None:
        return peer or "unknown"
    if not trusted or not forwarded_for or not _is_trusted(peer_ip, trusted):
        return str(peer_ip)
    hops = [h for h in (part.strip() for part in forwarded_for.split(",")) if h]
    current = peer_ip
    for hop in reversed(hops):
        hop_ip = _parse_ip(hop)
        if hop_ip is None:
            break
        current = hop_ip
        if not _is_trusted(hop_ip, trusted):
            break
    return str(current)


def _is_trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
                trusted: Sequence[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in trusted)


def is_trusted_peer(peer: str | None, trusted: Sequence[IPNetwork]) -> bool:
    """Whether the connection's peer is one of the trusted proxies."""
    if not peer or not trusted:
        return False
    ip = _parse_ip(peer)
    return ip is not None and _is_trusted(ip, trusted)


def throttle_group(ip: str) -> str:
    """IPv4 as is; IPv6 grouped by its /64, since one subscriber usually owns a whole /64."""
    parsed = _parse_ip(ip)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return ip
