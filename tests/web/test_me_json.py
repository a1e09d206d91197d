"""GET /me's answer written by hand (web/api/me_json.py) is byte for byte what encoding the
answer's dict gives, for every field's odd values, and JSONBytes carries Starlette's headers."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime

import pytest
from starlette.responses import Response

from secondlock.core.methods import SECOND_FACTORS
from secondlock.core.views import SessionView
from secondlock.web.api.me_json import me_json
from secondlock.web.json_response import ENCODER, JSONBytes

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
EMAILS = ["anna@example.com", 'odd"quote\\back@example.com', "anna@straße.de",
          "ctl\u0001\u001f\u2028@example.com", "ünïcode✓@exämple.org", "</script>@x.io", ""]
METHODS = [m.value for m in SECOND_FACTORS]


def view(email: str, *, verified: bool, mfa: bool, methods: tuple[str, ...], codes: int,
         change: bool) -> SessionView:
    return SessionView("s1", "0f8fad5b-d9cb-469f-a165-70867728950e", email, NOW, NOW, NOW, NOW,
                       "pwd", verified, mfa, change, None, methods, codes)


def as_dict(v: SessionView, enrollment: tuple[bool, str | None] | None) -> bytes:
    """The answer as me() built it before: a dict through the shared encoder."""
    answer: dict[str, object] = {
        "id": v.account_id, "email": v.email, "email_verified": v.email_verified,
        "mfa_enabled": v.mfa_enabled, "methods": list(v.methods),
        "recovery_codes_remaining": v.recovery_codes_remaining,
        "password_change_required": v.password_change_required}
    if enrollment is not None:
        answer["enrollment_required"], answer["enroll_by"] = enrollment
    return ENCODER.encode(answer).encode()


@pytest.mark.parametrize("email", EMAILS)
def test_the_same_bytes_as_encoding_the_dict(email: str) -> None:
    for verified, mfa, change in itertools.product((False, True), repeat=3):
        for methods in ((), ("totp", "recovery_code"), tuple(METHODS)):
            for codes in (0, 1, 10):
                v = view(email, verified=verified, mfa=mfa, methods=methods, codes=codes,
                         change=change)
                for enrollment in (None, (True, None), (False, "2026-12-14T12:00:00Z")):
                    assert me_json(v, enrollment) == as_dict(v, enrollment)


def test_the_same_bytes_for_random_method_sets_and_strings() -> None:
    rng = random.Random(17)
    alphabet = "aZ09@.-_\"\\/\u00e9\u4e2d\U0001f600\u0000\u007f\u2029 "
    for _ in range(2000):
        email = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        methods = tuple(m for m in METHODS if rng.random() < 0.5)
        v = view(email, verified=rng.random() < 0.5, mfa=bool(methods), methods=methods,
                 codes=rng.randint(0, 16), change=rng.random() < 0.1)
        enrollment = rng.choice([None, (rng.random() < 0.5, None), (True, "2027-01-01T00:00:00Z")])
        body = me_json(v, enrollment)
        assert body == as_dict(v, enrollment)
        assert json.loads(body)["email"] == email


def test_json_bytes_has_the_headers_starlette_gives_the_same_body() -> None:
    body = me_json(view("anna@example.com", verified=True, mfa=False, methods=(), codes=0,
                        change=False))
    ours, theirs = JSONBytes(body), Response(body, media_type="application/json")
    assert (ours.status_code, ours.body, ours.raw_headers, ours.background) \
        == (theirs.status_code, theirs.body, theirs.raw_headers, theirs.background)
    assert ours.headers["content-type"] == "application/json"
