"""Registered shops (OIDC clients): added, listed and removed by the operator's CLI."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from secondlock.core.tokens import hash_token
from secondlock.services.runtime import Runtime
from secondlock.storage.orm_oidc import OidcClient
from secondlock.storage.repositories.oidc import OidcClients

MAX_URI_CHARS = 512
#: What a client id can look like (ours are 32 hex digits); anything else is not looked up.
CLIENT_ID = re.compile(r"[A-Za-z0-9._~-]{1,64}")


@dataclass(frozen=True)
class NewClient:
    client_id: str
    #: Shown once; only its hash is kept. None for a public client.
    client_secret: str | None


def check_redirect_uri(uri: str) -> str:
    """A redirect URI a client may register: absolute http(s) with no fragment; plain http
    only for localhost (RFC 8252 §8.3 loopback, and development).

    Raises:
        ValueError: with a one-line reason.
    """
    parts = urlsplit(uri)
    if len(uri) > MAX_URI_CHARS or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{uri!r} is not an absolute http(s) URL")
    if parts.fragment:
        raise ValueError(f"{uri!r} must not have a #fragment")
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ValueError(f"{uri!r} must use https (http only for localhost)")
    return uri


@dataclass(frozen=True)
class RegisteredClient:
    """A registered shop. Only a hash of its secret exists (None: a public client)."""

    id: str
    name: str
    secret_hash: bytes | None
    #: One per line, as registered.
    redirect_uris: str
    post_logout_redirect_uris: str
    first_party: bool
    created_at: datetime
    #: ``--require-mfa`` (#16): only sign-ins with a second factor reach this shop.
    require_mfa: bool = False

    @property
    def public(self) -> bool:
        return self.secret_hash is None

    @classmethod
    def of(cls, row: OidcClient) -> RegisteredClient:
        return cls(id=row.id, name=row.name, secret_hash=row.secret_hash,
                   redirect_uris=row.redirect_uris,
                   post_logout_redirect_uris=row.post_logout_redirect_uris,
                   first_party=row.first_party, created_at=row.created_at,
                   require_mfa=row.require_mfa)


class ClientService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def add(self, name: str, redirect_uris: list[str], *, public: bool = False,
            first_party: bool = False, post_logout_redirect_uris: list[str] | None = None,
            require_mfa: bool = False) -> NewClient:
        """Register a client. Raises ValueError for a bad name or URI."""
        name = name.strip()
        if not name or len(name) > 128:
            raise ValueError("the name must be 1 to 128 characters")
        if not redirect_uris:
            raise ValueError("give at least one --redirect-uri")
        uris = [check_redirect_uri(u) for u in redirect_uris]
        logout_uris = [check_redirect_uri(u) for u in post_logout_redirect_uris or []]
        client_id = secrets.token_hex(16)  # never starts with '-' (safe as a CLI argument)
        secret = None if public else secrets.token_urlsafe(32)
        with self.rt.db.write() as s:
            OidcClients(s).add(OidcClient(
                id=client_id, name=name, secret_hash=hash_token(secret) if secret else None,
                redirect_uris="\n".join(uris), post_logout_redirect_uris="\n".join(logout_uris),
                first_party=first_party, created_at=self.rt.clock.now(),
                require_mfa=require_mfa))
            s.commit()
        return NewClient(client_id=client_id, client_secret=secret)

    def set_require_mfa(self, client_id: str, value: bool) -> bool:
        """Turn ``--require-mfa`` on or off for a client; False when there is no such client."""
        with self.rt.db.write() as s:
            changed = OidcClients(s).set_require_mfa(client_id, value)
            s.commit()
        return changed

    def get(self, client_id: str) -> RegisteredClient | None:
        if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
            return None
        with self.rt.db.read() as s:
            row = OidcClients(s).get(client_id)
            return RegisteredClient.of(row) if row is not None else None

    def registered_origins(self) -> set[str]:
        """The origins of every registered redirect URI: the only ones CORS lets in."""
        origins = set()
        for row in self.list():
            for uri in row.redirect_uris.split():
                parts = urlsplit(uri)
                origins.add(f"{parts.scheme}://{parts.netloc}".lower())
        return origins

    def list(self) -> list[RegisteredClient]:
        with self.rt.db.read() as s:
            return [RegisteredClient.of(row) for row in OidcClients(s).all()]

    def remove(self, client_id: str) -> bool:
        """Delete a client with its codes, tokens and consents."""
        with self.rt.db.write() as s:
            removed = OidcClients(s).delete(client_id)
            s.commit()
        return removed
