"""The machine-facing endpoints: discovery, JWKS, token and userinfo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from secondlock.config import Settings
from secondlock.core.assurance import ACR_LEVELS
from secondlock.services.oidc import OidcServices
from secondlock.services.oidc.provider import AUTH_METHODS, SCOPES_SUPPORTED
from secondlock.web.deps import bearer_from
from secondlock.web.oidc.adapter import form_items, oidc_request, to_response

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: Discovery and keys are public: any web page may read them (no cookies are involved).
PUBLIC = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


def cors(request: Request, response: Response) -> Response:
    """Let a shop's own page (a public client) call the token and userinfo endpoints: only
    from the exact origin of a registered redirect URI, and never with cookies."""
    origin = request.headers.get("origin", "").rstrip("/").lower()
    if origin and origin in oidc_of(request).clients.registered_origins():
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
    return response


def oidc_of(request: Request) -> OidcServices:
    oidc: OidcServices = request.app.state.oidc
    return oidc


def discovery_document(settings: Settings) -> dict[str, Any]:
    """OpenID Connect Discovery 1.0 §3, describing exactly what this provider does."""
    origin = settings.origin
    return {
        "issuer": origin,
        "authorization_endpoint": f"{origin}/oidc/authorize",
        "token_endpoint": f"{origin}/oidc/token",
        "userinfo_endpoint": f"{origin}/oidc/userinfo",
        "jwks_uri": f"{origin}/oidc/jwks",
        "end_session_endpoint": f"{origin}/oidc/logout",
        "scopes_supported": SCOPES_SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [settings.oidc_signing_alg],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": list(ACR_LEVELS),
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr",
                             "amr", "at_hash", "email", "email_verified"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }


def router(settings: Settings) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    document = discovery_document(settings)

    @routes.get("/.well-known/openid-configuration")
    async def discovery() -> JSONResponse:
        return JSONResponse(document, headers=PUBLIC)

    @routes.get("/oidc/jwks")
    def jwks(request: Request) -> JSONResponse:
        return JSONResponse(oidc_of(request).signing_keys.jwks(), headers=PUBLIC)

    @routes.post("/oidc/token")
    async def token(request: Request) -> Response:
        req = oidc_request(request, settings, await form_items(request))
        server = oidc_of(request).provider.server
        answer = to_response(await run_in_threadpool(server.create_token_response, req))
        return await run_in_threadpool(cors, request, answer)

    @routes.options("/oidc/token")
    @routes.options("/oidc/userinfo")
    def preflight(request: Request) -> Response:
        return cors(request, Response(status_code=204))

    def userinfo_answer(request: Request) -> Response:
        # Tokens only in the Authorization header, never in the query (checklist API-3).
        row = oidc_of(request).tokens.access(bearer_from(request))
        if row is None or "openid" not in row.scope.split():
            return JSONResponse({"error": "invalid_token"}, status_code=401, headers={
                **NO_STORE, "WWW-Authenticate": 'Bearer error="invalid_token"'})
        return JSONResponse(oidc_of(request).tokens.user_claims(row.account_id, row.scope),
                            headers=NO_STORE)

    @routes.get("/oidc/userinfo")
    def userinfo_get(request: Request) -> Response:
        return cors(request, userinfo_answer(request))

    @routes.post("/oidc/userinfo")
    def userinfo_post(request: Request) -> Response:
        return cors(request, userinfo_answer(request))

    return routes
