"""GET /api/v1/me's answer, written straight to JSON text (#17).

A shop calls GET /me on every request of its own. Encoding the answer's dict cost about
5 us (the encoder walks the dict and builds a C encoder per call); this writes the same
text from the view in a fraction of that: the strings go through the shared encoder's own
string escaping, the booleans and the count are written as JSON writes them, and the few
method lists there are are encoded once each. ``tests/web/test_me_json.py`` holds the bytes
equal to ``ENCODER.encode`` of the answer's dict.
"""

from __future__ import annotations

import functools

from secondlock.core.views import SessionView
from secondlock.web.json_response import ENCODER

_BOOLEAN = ("false", "true")
_string = ENCODER.encode  # a str is escaped as a JSON string at once, no walk


@functools.lru_cache(maxsize=64)  # the methods come in a few dozen combinations at most
def _methods(methods: tuple[str, ...]) -> str:
    return ENCODER.encode(list(methods))


def me_json(view: SessionView, enrollment: tuple[bool, str | None] | None = None) -> bytes:
    """The answer's bytes; ``enrollment`` (required, enroll by) when 2FA is required."""
    text = (f'{{"id":{_string(view.account_id)},"email":{_string(view.email)},'
            f'"email_verified":{_BOOLEAN[bool(view.email_verified)]},'
            f'"mfa_enabled":{_BOOLEAN[bool(view.mfa_enabled)]},'
            f'"methods":{_methods(tuple(view.methods))},'
            f'"recovery_codes_remaining":{int(view.recovery_codes_remaining)},'
            f'"password_change_required":{_BOOLEAN[bool(view.password_change_required)]}')
    if enrollment is not None:
        required, by = enrollment
        text += (f',"enrollment_required":{_BOOLEAN[bool(required)]},'
                 f'"enroll_by":{"null" if by is None else _string(by)}')
    return (text + "}").encode()
