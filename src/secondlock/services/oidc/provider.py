"""Authlib's OAuth 2.0 / OpenID Connect server, wired to SecondLock's storage.

Authlib's grants carry the protocol rules (RFC 6749, RFC 7636, OIDC Core); this module
supplies what they leave to the application: clients, codes, tokens and ID tokens. It has no
web framework in it: the web layer builds an ``OidcRequest`` from the HTTP request and turns
the ``(status, body, headers)`` Authlib answers with into a response.

Choices (security-checklist OIDC-1/2/5): only ``response_type=code``; PKCE with ``S256`` is
required of every client (``plain`` and a missing challenge are refused); confidential
clients authenticate with ``client_secret_basic`` or ``client_secret_post``, public clients
with ``none`` plus PKCE; refresh tokens rotate on every use.
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode

from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token, new_token
from secondlock.services.oidc.clients import ClientService, RegisteredClient
from secondlock.services.oidc.tokens import CodeRequest, Principal, TokenService
from secondlock.storage.orm_oidc import OidcCode, OidcToken

SCOPES_SUPPORTED = ["openid", "email", "offline_access"]
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
MAX_NONCE_CHARS = 255


class _Headers(dict[str, str]):
    """Case-insensitive header lookup for Authlib (``headers.get("Authorization")``)."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(str(key).lower())


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class OidcRequest(OAuth2Request):  # type: ignore[misc]
    """An HTTP request as Authlib's server wants it, built from plain values."""

    def __init__(self, method: str, uri: str, headers: dict[str, str],
                 query: list[tuple[str, str]], form: list[tuple[str, str]],
                 info: RequestInfo) -> None:
        super().__init__(method, uri, headers=_Headers({k.lower(): v for k, v in
                                                       headers.items()}))
        self._args = dict(query)
        self._form = dict(form)
        self.payload = _Payload(query + form)
        self.info = info

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: RegisteredClient) -> None:
        self.row = row
        self.redirect_uris = row.redirect_uris.split()
        self.client_metadata = {
            "post_logout_redirect_uris": row.post_logout_redirect_uris.split()}

    @property
    def public(self) -> bool:
        return self.row.secret_hash is None

    def get_client_id(self) -> str:
        return self.row.id

    def get_default_redirect_uri(self) -> None:
        return None  # the redirect_uri parameter is required

    def get_allowed_scope(self, scope: str | None) -> str:
        wanted = (scope or "").split()
        return " ".join(s for s in dict.fromkeys(wanted) if s in SCOPES_SUPPORTED)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match: no prefix, no added path, query or trailing slash.
        return any(hmac.compare_digest(redirect_uri.encode(), u.encode())
                   for u in self.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        if self.row.secret_hash is None or not client_secret or len(client_secret) > 256:
            return False
        return hmac.compare_digest(self.row.secret_hash, hash_token(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class IssuedCode:
    """What Authlib needs to know of a redeemed code."""

    row: OidcCode

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


@dataclass
class RefreshCredential:
    row: OidcToken

    def get_scope(self) -> str:
        return self.row.scope

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.get_client_id()


class S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE is required of every client, with S256 only (checklist OIDC-2)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send a code_challenge (S256).")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    @property
    def provider(self) -> Provider:
        provider: Provider = self.server.provider
        return provider

    def save_authorization_code(self, code: str, request: OidcRequest) -> None:
        data = request.payload.data
        self.provider.tokens.save_code(CodeRequest(
            code=code, client_id=request.client.get_client_id(), principal=request.user,
            redirect_uri=data["redirect_uri"], scope=request.scope or "",
            nonce=data.get("nonce"), code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"]), request.info)

    def query_authorization_code(self, code: str, client: Client) -> IssuedCode | None:
        row = self.provider.tokens.redeem_code(code, client.get_client_id(), self.request.info)
        return IssuedCode(row) if row is not None else None

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Nothing to do: redeeming marked the code used, atomically."""

    def authenticate_user(self, authorization_code: IssuedCode) -> Principal:
        row = authorization_code.row
        return Principal(account_id=row.account_id, amr=row.amr, auth_time=row.auth_time)


class IdTokenExtension(OpenIDCode):  # type: ignore[misc]
    """Adds the ID token to the code grant's token response (OIDC Core §3.1.3.3)."""

    def __init__(self, tokens: TokenService) -> None:
        super().__init__(require_nonce=False)
        self.tokens = tokens

    def exists_nonce(self, nonce: str, request: OidcRequest) -> bool:
        if len(nonce) > MAX_NONCE_CHARS or not nonce.isprintable():
            raise InvalidRequestError("Invalid 'nonce'.")
        return self.tokens.nonce_seen(request.payload.client_id, nonce)

    def encode_id_token(self, token: dict[str, Any], request: OidcRequest) -> str:
        code: IssuedCode = request.authorization_code
        return self.tokens.id_token(client_id=request.client.get_client_id(),
                                    principal=request.user, nonce=code.row.nonce,
                                    scope=token.get("scope") or "",
                                    access_token=token.get("access_token"))


class RotatingRefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def _validate_request_token(self, client: Client) -> RefreshCredential:
        refresh_token = self.request.form.get("refresh_token")
        if not refresh_token:
            raise InvalidRequestError("Missing 'refresh_token' in request.")
        provider: Provider = self.server.provider
        row = provider.tokens.rotate_refresh(refresh_token, client.get_client_id(),
                                             self.request.info)
        if row is None:
            raise InvalidGrantError()
        return RefreshCredential(row)

    def authenticate_user(self, refresh_token: RefreshCredential) -> Principal:
        row = refresh_token.row
        return Principal(account_id=row.account_id, amr=row.amr, auth_time=row.auth_time)

    def revoke_old_credential(self, refresh_token: RefreshCredential) -> None:
        """Nothing to do: the exchange marked it rotated, atomically."""


class Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, provider: Provider) -> None:
        super().__init__(scopes_supported=SCOPES_SUPPORTED)
        self.provider = provider

    def query_client(self, client_id: str) -> Client | None:
        row = self.provider.clients.get(client_id)
        return Client(row) if row is not None else None

    def save_token(self, token: dict[str, Any], request: OidcRequest) -> None:
        parent: RefreshCredential | None = request.refresh_token
        code: IssuedCode | None = request.authorization_code
        self.provider.tokens.save_token(
            token, client_id=request.client.get_client_id(), principal=request.user,
            code_hash=code.row.code_hash if code else None,
            parent=parent.row if parent else None)

    def create_oauth2_request(self, request: OidcRequest) -> OidcRequest:
        return request

    def create_json_request(self, request: OidcRequest) -> OidcRequest:
        return request

    def handle_response(self, status: int, body: Any,
                        headers: list[tuple[str, str]]) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class Provider:
    """The configured Authlib server and the services it calls."""

    def __init__(self, clients: ClientService, tokens: TokenService) -> None:
        self.clients = clients
        self.tokens = tokens
        self.server = Server(self)
        lifetime = int(tokens.access_lifetime.total_seconds())

        def generate(grant_type: str, client: Client, user: Any = None, scope: str | None = None,
                     expires_in: int | None = None,
                     include_refresh_token: bool = True) -> dict[str, Any]:
            token: dict[str, Any] = {"token_type": "Bearer", "access_token": new_token(),
                                     "expires_in": lifetime, "scope": scope or ""}
            if include_refresh_token:
                token["refresh_token"] = new_token()
            return token

        self.server.register_token_generator("default", generate)
        self.server.register_grant(CodeGrant, [S256Only(required=True),
                                               IdTokenExtension(tokens)])
        self.server.register_grant(RotatingRefreshGrant)
