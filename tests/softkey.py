"""A small software authenticator for API and service tests (testing recipe, section 3).

It makes what a browser would send after ``navigator.credentials.create()`` / ``get()``
(the JSON form, base64url without padding): "none" attestation, an EC P-256 key (ES256),
authenticator data with the flags we choose, and a real signature from ``cryptography``.
Nothing of py_webauthn is used to build it, so the server's checks are tested for real.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftKey:
    """One credential on a pretend authenticator."""

    def __init__(self, *, credential_id: bytes | None = None, uv: bool = True,
                 backup_eligible: bool = False, backup_state: bool = False,
                 counting: bool = True, aaguid: bytes = bytes(16),
                 transports: tuple[str, ...] = ("usb",)) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = credential_id if credential_id is not None else os.urandom(32)
        self.uv = uv
        self.backup_eligible = backup_eligible
        self.backup_state = backup_state
        self.counting = counting
        self.aaguid = aaguid
        self.transports = transports
        self.sign_count = 0
        self.user_handle: str | None = None

    @property
    def id(self) -> str:
        return b64(self.credential_id)

    def _cose_public_key(self) -> bytes:
        numbers = self.private.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _flags(self, uv: bool | None, extra: int = 0) -> int:
        flags = UP | extra
        if self.uv if uv is None else uv:
            flags |= UV
        if self.backup_eligible:
            flags |= BE
        if self.backup_state:
            flags |= BS
        return flags

    def _auth_data(self, rp_id: str, flags: int, count: int, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + count.to_bytes(4, "big")
        if attested:
            data += (self.aaguid + len(self.credential_id).to_bytes(2, "big")
                     + self.credential_id + self._cose_public_key())
        return data

    def create(self, options: dict[str, Any], origin: str, *,
               client_data: dict[str, Any] | None = None,
               rp_id: str | None = None) -> dict[str, Any]:
        """Answer creation options as ``credential.toJSON()`` would."""
        self.user_handle = options["user"]["id"]
        collected = {"type": "webauthn.create", "challenge": options["challenge"],
                     "origin": origin, "crossOrigin": False, **(client_data or {})}
        client_json = json.dumps(collected).encode()
        auth_data = self._auth_data(rp_id or options["rp"]["id"], self._flags(None, AT),
                                    self.sign_count, attested=True)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": self.id, "rawId": self.id, "type": "public-key",
                "authenticatorAttachment": "cross-platform", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(client_json),
                             "attestationObject": b64(attestation),
                             "transports": list(self.transports)}}

    def get(self, options: dict[str, Any], origin: str, *, uv: bool | None = None,
            user_handle: str | bool | None = True, client_data: dict[str, Any] | None = None,
            up: bool = True) -> dict[str, Any]:
        """Answer request options as ``credential.toJSON()`` would (counter moves on)."""
        if self.counting:
            self.sign_count += 1
        collected = {"type": "webauthn.get", "challenge": options["challenge"],
                     "origin": origin, "crossOrigin": False, **(client_data or {})}
        client_json = json.dumps(collected).encode()
        flags = self._flags(uv)
        if not up:
            flags &= ~UP
        auth_data = self._auth_data(options["rpId"], flags, self.sign_count, attested=False)
        signature = self.private.sign(auth_data + hashlib.sha256(client_json).digest(),
                                      ec.ECDSA(hashes.SHA256()))
        handle = self.user_handle if user_handle is True else (user_handle or None)
        response: dict[str, Any] = {"clientDataJSON": b64(client_json),
                                    "authenticatorData": b64(auth_data),
                                    "signature": b64(signature)}
        if handle:
            response["userHandle"] = handle
        return {"id": self.id, "rawId": self.id, "type": "public-key",
                "authenticatorAttachment": "cross-platform", "clientExtensionResults": {},
                "response": response}
