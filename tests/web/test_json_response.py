"""JSONAnswer (web/json_response.py) gives Starlette's JSONResponse bytes from one encoder."""

from __future__ import annotations

import math
from typing import Any

import pytest
from starlette.responses import JSONResponse

from secondlock.web.json_response import JSONAnswer

SAMPLES: list[Any] = [
    {"type": "https://secondlock.dev/problems/too_many_attempts", "status": 429,
     "detail": "Réessayez dans 30 secondes.", "retry_after": 30, "errors": [{"loc": ["body"]}]},
    {"email": "anna@straße.de", "methods": ["totp", "webauthn"], "ok": True, "none": None},
    ["ünïcode ✓", 1.5, -0.0, 10**20],
]


@pytest.mark.parametrize("content", SAMPLES)
def test_the_same_bytes_and_headers_as_starlettes(content: Any) -> None:
    ours, theirs = JSONAnswer(content, status_code=429), JSONResponse(content, status_code=429)
    assert ours.body == theirs.body
    assert ours.raw_headers == theirs.raw_headers


def test_not_a_number_is_refused_as_starlette_refuses_it() -> None:
    for kind in (JSONResponse, JSONAnswer):
        with pytest.raises(ValueError, match="JSON compliant"):
            kind({"x": math.nan})
