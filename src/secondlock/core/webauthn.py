"""WebAuthn ceremonies over py_webauthn, as plain values in and our dataclasses out.

py_webauthn checks the cryptography and the client data it is given (challenge equality,
origin, RP ID hash, UP, the signature, attestation formats). What it leaves to the relying
party and this module does (security checklist WA-1..WA-9, Appendix B):

* ``crossOrigin: true`` and any ``topOrigin`` are refused (we are never framed: WA-2);
* credential ids over 1023 bytes are refused (WA-6);
* the sign counter is compared here, not in the library, so a regression can be told
  apart from other failures and the key flagged (WA-9) - only *after* the signature
  verified, so nobody can get a victim's key flagged with a forged assertion;
* the BE flag must match the stored one (WA-4).

Attestation policy (WA-5): ``none`` is asked for and any format py_webauthn verifies is
accepted without a trust anchor; the AAGUID is used only for a friendly model name, never
to allow or refuse a key. Algorithms: EdDSA, ES256, RS256.

py_webauthn is imported by the functions that run a ceremony, not with this module: with
pyOpenSSL, pyasn1 and cbor2 under it, it adds ~7 MB to every worker, and most workers never
see a security key (issue #17). The values, errors and rules here need none of it.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from secondlock.core.errors import SecondLockError
from secondlock.core.i18n import msg

if TYPE_CHECKING:
    from webauthn.helpers.cose import COSEAlgorithmIdentifier
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

MAX_CREDENTIAL_ID_BYTES = 1023
#: How long a ceremony may take, in seconds (options ``timeout`` and the stored challenge).
CEREMONY_SECONDS = 300
#: A JSON credential is a few kilobytes; anything far bigger is not one.
MAX_CREDENTIAL_JSON_CHARS = 16_384

#: Friendly model names for well-known AAGUIDs (family names: vendors reuse AAGUIDs across
#: models). Unknown ones, and the all-zero AAGUID of "none" attestation, show no model.
MODEL_NAMES: dict[str, str] = {
    "cb69481e-8ff7-4039-93ec-0a2729a154a8": "YubiKey 5 Series",
    "ee882879-721c-4913-9775-3dfcce97072a": "YubiKey 5 Series",
    "fa2b99dc-9e39-4257-8f92-4a30d23c4118": "YubiKey 5 Series",
    "2fc0579f-8113-47ea-b116-bb5a8db9202a": "YubiKey 5 Series",
    "c5ef55ff-ad9a-4b9f-b580-adebafe026d0": "YubiKey 5Ci",
    "d8522d9f-575b-4866-88a9-ba99fa02f35b": "YubiKey Bio",
    "149a2021-8ef6-4133-96b8-81f8d5b7f1f5": "Security Key by Yubico",
    "f8a011f3-8c0a-4d15-8006-17111f9edc7d": "Security Key by Yubico",
    "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
    "adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
    "08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
    "9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
    "6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
    "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
    "dd4ec289-e01d-41c9-bb89-70fa845d4bf2": "iCloud Keychain",
    "bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
    "d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
    "531126d6-e717-415c-9320-3d9aa6981239": "Dashlane",
    "53414d53-554e-4700-0000-000000000000": "Samsung Pass",
    "01020304-0506-0708-0102-030405060708": "Chromium virtual authenticator",
}


class AssertionRejectedError(SecondLockError):
    """A sign-in or confirmation with a security key did not verify."""

    code = "invalid_assertion"
    title = msg("The security key could not be verified")


class RegistrationRejectedError(SecondLockError):
    """A new security key's registration did not verify."""

    code = "invalid_registration"
    title = msg("The security key could not be added")


class CredentialExistsError(SecondLockError):
    """The key (its credential id) is registered already, to this or another account."""

    code = "credential_exists"
    title = msg("This security key is already registered")


@dataclass(frozen=True)
class KeyRef:
    """A stored credential as options list it (allow/excludeCredentials)."""

    credential_id: bytes
    transports: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedCredential:
    """What a response says before it is verified: which key, for which challenge."""

    credential_id: bytes
    challenge: bytes
    user_handle: bytes | None
    transports: tuple[str, ...]
    data: dict[str, Any]


@dataclass(frozen=True)
class NewKey:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    aaguid: str
    backup_eligible: bool
    backup_state: bool
    user_verified: bool
    transports: tuple[str, ...]
    attestation_format: str


@dataclass(frozen=True)
class CheckedAssertion:
    new_sign_count: int
    backup_eligible: bool
    backup_state: bool
    user_verified: bool


@cache
def _algorithms() -> list[COSEAlgorithmIdentifier]:
    from webauthn.helpers.cose import COSEAlgorithmIdentifier

    return [COSEAlgorithmIdentifier.EDDSA, COSEAlgorithmIdentifier.ECDSA_SHA_256,
            COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256]


@cache
def _transports() -> frozenset[str]:
    from webauthn.helpers.structs import AuthenticatorTransport

    return frozenset(t.value for t in AuthenticatorTransport)


def _descriptors(keys: list[KeyRef]) -> list[PublicKeyCredentialDescriptor]:
    from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

    return [PublicKeyCredentialDescriptor(
        id=k.credential_id,
        transports=[AuthenticatorTransport(t) for t in k.transports if t in _transports()]
        or None)
        for k in keys]


def registration_options(*, rp_id: str, rp_name: str, user_handle: bytes, user_name: str,
                         exclude: list[KeyRef], challenge: bytes) -> dict[str, Any]:
    """Creation options (JSON form): resident key and UV preferred, ``none`` attestation."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AttestationConveyancePreference,
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=rp_id, rp_name=rp_name, user_id=user_handle, user_name=user_name,
        user_display_name=user_name, challenge=challenge, timeout=CEREMONY_SECONDS * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=_descriptors(exclude), supported_pub_key_algs=_algorithms())
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def authentication_options(*, rp_id: str, allow: list[KeyRef], challenge: bytes,
                           user_verification: str) -> dict[str, Any]:
    """Request options (JSON form). An empty ``allow`` asks for a discoverable passkey."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=rp_id, challenge=challenge, timeout=CEREMONY_SECONDS * 1000,
        allow_credentials=_descriptors(allow),
        user_verification=UserVerificationRequirement(user_verification))
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def _b64(value: object) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    if not isinstance(value, str) or len(value) > MAX_CREDENTIAL_JSON_CHARS:
        raise ValueError("not a base64url string")
    return base64url_to_bytes(value)


def parse_credential(credential: object, *, kind: str) -> ParsedCredential:
    """Pull the credential id, the challenge and the user handle out of a response.

    ``kind`` is ``"create"`` or ``"get"``. Refuses ids over 1023 bytes, responses made in a
    cross-origin frame and anything malformed, without verifying anything yet.

    Raises:
        AssertionRejectedError (get) or RegistrationRejectedError (create).
    """
    error = RegistrationRejectedError if kind == "create" else AssertionRejectedError
    try:
        if not isinstance(credential, dict) or not isinstance(credential.get("response"), dict):
            raise ValueError("not a credential object")
        raw_id = _b64(credential.get("rawId"))
        response = credential["response"]
        client_data = json.loads(_b64(response.get("clientDataJSON")))
        if not isinstance(client_data, dict):
            raise ValueError("client data is not an object")
        challenge = _b64(client_data.get("challenge"))
        handle = response.get("userHandle")
        user_handle = _b64(handle) if handle not in (None, "") else None
        transports = response.get("transports") or []
        if not isinstance(transports, list):
            raise ValueError("transports is not a list")
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise error(msg("The browser's answer was not understood. Try again.")) from exc
    if len(raw_id) > MAX_CREDENTIAL_ID_BYTES:
        raise error(msg("This key's credential is too large to be accepted."))
    if client_data.get("crossOrigin") is True or "topOrigin" in client_data:
        # Never framed: a response made inside another site's frame is refused (WA-2).
        raise error(msg("This key was used from inside another site. Open this site directly."))
    return ParsedCredential(
        credential_id=raw_id, challenge=challenge, user_handle=user_handle,
        transports=tuple(sorted({t for t in transports if t in _transports()})), data=credential)


def verify_new_key(parsed: ParsedCredential, *, expected_challenge: bytes, rp_id: str,
                   origin: str) -> NewKey:
    """Verify a registration (``navigator.credentials.create()``).

    Raises:
        RegistrationRejectedError.
    """
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import WebAuthnException
    from webauthn.helpers.structs import CredentialDeviceType

    try:
        verified = verify_registration_response(
            credential=parsed.data, expected_challenge=expected_challenge,
            expected_rp_id=rp_id, expected_origin=origin, require_user_verification=False,
            supported_pub_key_algs=_algorithms())
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        # Any library failure, including InvalidBackupFlags, fails closed (WA-4).
        raise RegistrationRejectedError(
            msg("Your security key's answer could not be verified. Try again.")) from exc
    if len(verified.credential_id) > MAX_CREDENTIAL_ID_BYTES \
            or verified.credential_id != parsed.credential_id:
        raise RegistrationRejectedError(msg("This key's credential id is not acceptable."))
    fmt = verified.fmt
    return NewKey(
        credential_id=verified.credential_id, public_key=verified.credential_public_key,
        sign_count=verified.sign_count, aaguid=str(verified.aaguid),
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backup_state=verified.credential_backed_up, user_verified=verified.user_verified,
        transports=parsed.transports, attestation_format=str(getattr(fmt, "value", fmt)))


def verify_assertion(parsed: ParsedCredential, *, expected_challenge: bytes, rp_id: str,
                     origin: str, public_key: bytes, require_user_verification: bool
                     ) -> CheckedAssertion:
    """Verify an assertion (``navigator.credentials.get()``) against a stored public key.

    The counter is *not* judged here (see ``counter_regressed``).

    Raises:
        AssertionRejectedError.
    """
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException
    from webauthn.helpers.structs import CredentialDeviceType

    try:
        verified = verify_authentication_response(
            credential=parsed.data, expected_challenge=expected_challenge,
            expected_rp_id=rp_id, expected_origin=origin, credential_public_key=public_key,
            credential_current_sign_count=0,
            require_user_verification=require_user_verification)
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise AssertionRejectedError(msg("Your security key could not be verified.")) from exc
    return CheckedAssertion(
        new_sign_count=verified.new_sign_count,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backup_state=verified.credential_backed_up, user_verified=verified.user_verified)


def counter_regressed(stored: int, new: int) -> bool:
    """True when a signature counter did not move forward: a possible cloned key.

    0 and 0 is fine: many passkeys (synced ones especially) never count.
    """
    return (new > 0 or stored > 0) and new <= stored


def amr_for(*, backup_eligible: bool, passwordless: bool) -> str:
    """RFC 8176 ``amr`` for a session proven with a key.

    ``hwk`` for a device-bound key, ``swk`` for a synced (backup-eligible) passkey, whose
    private key also lives in software elsewhere. After a password: ``pwd <key> mfa``.
    Passwordless with user verification: ``<key> user mfa`` (the key plus the person).
    """
    key = "swk" if backup_eligible else "hwk"
    return f"{key} user mfa" if passwordless else f"pwd {key} mfa"


def model_name(aaguid: str | None) -> str | None:
    return MODEL_NAMES.get((aaguid or "").lower())
