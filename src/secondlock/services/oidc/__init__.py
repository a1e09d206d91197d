"""The OpenID Connect provider's use cases (issue #7).

``OidcServices.build(rt)`` wires them; the web layer keeps one on ``app.state.oidc`` and the
CLI builds its own. ``tokens.revoke_all_for_account`` (or ``revoke_account_tokens`` inside a
caller's transaction) ends every OIDC token of an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from secondlock.core.assurance import reachable_acr
from secondlock.core.methods import Method
from secondlock.services.login import available_methods
from secondlock.services.oidc.apps import ConnectedApps
from secondlock.services.oidc.clients import ClientService, NewClient
from secondlock.services.oidc.provider import Provider
from secondlock.services.oidc.signing_keys import SigningKeyService
from secondlock.services.oidc.tokens import Principal, TokenService, revoke_account_tokens
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories.oidc import OidcConsents

#: Second steps the step-up page can ask for (the confirm-it's-you page's methods).
STEP_UP_METHODS = (Method.TOTP, Method.RECOVERY_CODE, Method.WEBAUTHN)


class ConsentService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def has(self, account_id: str, client_id: str, scope: str) -> bool:
        with self.rt.db.read() as s:
            row = OidcConsents(s).get(account_id, client_id)
        return row is not None and set(scope.split()) <= set(row.scope.split())

    def grant(self, account_id: str, client_id: str, scope: str) -> None:
        with self.rt.db.write() as s:
            OidcConsents(s).grant(account_id, client_id, scope, self.rt.clock.now())
            s.commit()


@dataclass
class OidcServices:
    rt: Runtime
    clients: ClientService
    signing_keys: SigningKeyService
    tokens: TokenService
    consents: ConsentService
    provider: Provider
    apps: ConnectedApps

    @classmethod
    def build(cls, rt: Runtime) -> OidcServices:
        clients = ClientService(rt)
        keys = SigningKeyService(rt)
        tokens = TokenService(rt, keys)
        return cls(rt=rt, clients=clients, signing_keys=keys, tokens=tokens,
                   consents=ConsentService(rt), provider=Provider(clients, tokens),
                   apps=ConnectedApps(rt))

    def reachable_acr(self, account_id: str) -> str:
        """The strongest acr a step-up on our pages can earn for this account."""
        with self.rt.db.read() as s:
            methods = available_methods(s, account_id)
        return reachable_acr([m for m in methods if m in STEP_UP_METHODS])


__all__ = ["NewClient", "OidcServices", "Principal", "revoke_account_tokens"]
