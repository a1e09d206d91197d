"""SecurityHeadersMiddleware.completed: every security header the answer did not set itself,
no-store unless static, the request id last; the response's own headers first, as sent."""

from __future__ import annotations

import itertools

import pytest

from secondlock.web.middleware import SecurityHeadersMiddleware


def reference(ours: list[tuple[bytes, bytes]], headers: list[tuple[bytes, bytes]], *,
              static: bool, request_id: str | None) -> list[tuple[bytes, bytes]]:
    """The rule written plainly, one header at a time."""
    raw = list(headers)
    present = {key.lower() for key, _ in raw}
    raw.extend(h for h in ours if h[0] not in present)
    if not static and b"cache-control" not in present:
        raw.append((b"cache-control", b"no-store"))
    if request_id is not None:
        raw.append((b"x-request-id", request_id.encode("latin-1")))
    return raw


OWN = [(b"content-length", b"2"), (b"content-type", b"application/json")]
SETS = [
    [],
    OWN,
    [*OWN, (b"referrer-policy", b"no-referrer")],  # the reset-link page's own
    [*OWN, (b"Cache-Control", b"max-age=60")],  # any case
    [(b"x-frame-options", b"SAMEORIGIN"), (b"cache-control", b"private")],
]


@pytest.mark.parametrize("https", [False, True])
def test_completed_headers_follow_the_rule(https: bool) -> None:
    layer = SecurityHeadersMiddleware(lambda *a: None, https=https)  # type: ignore[arg-type]
    for headers, static, request_id in itertools.product(SETS, (False, True), (None, "r-1")):
        got = layer.completed(headers, static=static, request_id=request_id)
        assert got == reference(layer.headers, headers, static=static, request_id=request_id)
        names = [name.lower() for name, _ in got]
        assert len(names) == len(set(names))  # nothing twice
        assert got[:len(headers)] == headers  # the answer's own first, untouched
    assert (b"strict-transport-security" in dict(layer.headers)) is https


def test_completed_does_not_change_the_list_it_was_given() -> None:
    layer = SecurityHeadersMiddleware(lambda *a: None, https=False)  # type: ignore[arg-type]
    headers = list(OWN)
    layer.completed(headers, static=False, request_id="r-2")
    assert headers == OWN
