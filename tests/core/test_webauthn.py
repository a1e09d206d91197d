"""The WebAuthn rules of our own around py_webauthn (no I/O)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from secondlock.core import webauthn
from secondlock.core.webauthn import AssertionRejectedError, KeyRef, RegistrationRejectedError
from tests.softkey import SoftKey, b64

ORIGIN = "http://localhost:8000"
REQUEST = {"challenge": b64(b"c" * 32), "rpId": "localhost"}


def test_amr_names_the_kind_of_key_and_the_flow() -> None:
    assert webauthn.amr_for(backup_eligible=False, passwordless=False) == "pwd hwk mfa"
    assert webauthn.amr_for(backup_eligible=True, passwordless=False) == "pwd swk mfa"
    assert webauthn.amr_for(backup_eligible=False, passwordless=True) == "hwk user mfa"
    assert webauthn.amr_for(backup_eligible=True, passwordless=True) == "swk user mfa"


@pytest.mark.parametrize(("stored", "new", "regressed"), [
    (0, 0, False), (0, 1, False), (10, 11, False), (10, 10, True), (10, 9, True), (5, 0, True)])
def test_counter_regression(stored: int, new: int, regressed: bool) -> None:
    assert webauthn.counter_regressed(stored, new) is regressed


def test_friendly_model_names_for_well_known_aaguids_only() -> None:
    assert webauthn.model_name("CB69481E-8FF7-4039-93EC-0A2729A154A8") == "YubiKey 5 Series"
    assert webauthn.model_name("00000000-0000-0000-0000-000000000000") is None
    assert webauthn.model_name(None) is None


def test_options_carry_the_exclusions_and_our_algorithms() -> None:
    options = webauthn.registration_options(
        rp_id="shop.example", rp_name="Shop", user_handle=b"h" * 32, user_name="a@b.example",
        exclude=[KeyRef(b"k" * 16, ("usb", "bogus"))], challenge=b"c" * 32)
    assert options["excludeCredentials"] == [{"id": b64(b"k" * 16), "type": "public-key",
                                             "transports": ["usb"]}]
    assert options["timeout"] == 300_000
    assert options["attestation"] == "none"
    request = webauthn.authentication_options(rp_id="shop.example", allow=[],
                                              challenge=b"c" * 32, user_verification="required")
    assert request["userVerification"] == "required"
    assert request["allowCredentials"] == []


def _with_client_data(credential: dict[str, Any], **changes: Any) -> dict[str, Any]:
    raw = credential["response"]["clientDataJSON"]
    data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    data.update(changes)
    credential["response"]["clientDataJSON"] = b64(json.dumps(data).encode())
    return credential


@pytest.mark.parametrize("changes", [{"crossOrigin": True},
                                     {"topOrigin": "https://evil.example"}])
def test_responses_made_inside_another_sites_frame_are_refused(changes: dict[str, Any]) -> None:
    credential = _with_client_data(SoftKey().get(REQUEST, ORIGIN), **changes)
    with pytest.raises(AssertionRejectedError, match="another site"):
        webauthn.parse_credential(credential, kind="get")


def test_ids_over_1023_bytes_are_refused_before_any_verification() -> None:
    key = SoftKey(credential_id=b"x" * 1024)
    with pytest.raises(AssertionRejectedError, match="too large"):
        webauthn.parse_credential(key.get(REQUEST, ORIGIN), kind="get")


@pytest.mark.parametrize("junk", [None, [], "text", {"rawId": 5, "response": {}},
                                  {"rawId": "AA", "response": {"clientDataJSON": "bm90IGpzb24"}},
                                  {"rawId": "AA", "response": {"clientDataJSON": "W10"}}])
def test_malformed_responses_are_refused_with_our_error(junk: object) -> None:
    with pytest.raises(RegistrationRejectedError):
        webauthn.parse_credential(junk, kind="create")


def test_a_tampered_signature_fails_verification() -> None:
    key = SoftKey()
    options = {"challenge": b64(b"c" * 32), "rp": {"id": "localhost", "name": "x"},
               "user": {"id": b64(b"u" * 32), "name": "u"}}
    new = webauthn.verify_new_key(webauthn.parse_credential(key.create(options, ORIGIN),
                                                            kind="create"),
                                  expected_challenge=b"c" * 32, rp_id="localhost",
                                  origin=ORIGIN)
    assert (new.sign_count, new.backup_eligible, new.attestation_format) == (0, False, "none")
    good = webauthn.parse_credential(key.get(REQUEST, ORIGIN), kind="get")
    checked = webauthn.verify_assertion(good, expected_challenge=b"c" * 32, rp_id="localhost",
                                        origin=ORIGIN, public_key=new.public_key,
                                        require_user_verification=True)
    assert checked.new_sign_count == 1
    bad = key.get(REQUEST, ORIGIN)
    signature = bytearray(base64.urlsafe_b64decode(bad["response"]["signature"] + "=="))
    signature[-1] ^= 1
    bad["response"]["signature"] = b64(bytes(signature))
    with pytest.raises(AssertionRejectedError):
        webauthn.verify_assertion(webauthn.parse_credential(bad, kind="get"),
                                  expected_challenge=b"c" * 32, rp_id="localhost",
                                  origin=ORIGIN, public_key=new.public_key,
                                  require_user_verification=False)
