"""Connected apps: the shops an account signed in to, and disconnecting one (checklist
OIDC-5 "users see and can revoke authorized apps")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from secondlock.core.request_info import RequestInfo
from secondlock.services.activity import event
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories import Activity
from secondlock.storage.repositories.oidc import OidcClients, OidcConsents, OidcTokens


@dataclass(frozen=True)
class ConnectedApp:
    client_id: str
    name: str
    #: What the shopper allowed (third-party shops), or None for the operator's own shops.
    scope: str | None
    since: datetime | None


class ConnectedApps:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def list(self, account_id: str) -> list[ConnectedApp]:
        """Shops with a consent or a token that still works, by name."""
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            consents = {c.client_id: c for c in OidcConsents(s).for_account(account_id)}
            ids = set(consents) | OidcTokens(s).live_client_ids(account_id, now)
            clients = OidcClients(s)
            apps = []
            for client_id in ids:
                row = clients.get(client_id)
                if row is None:
                    continue
                consent = consents.get(client_id)
                apps.append(ConnectedApp(client_id, row.name,
                                         consent.scope if consent else None,
                                         consent.granted_at if consent else None))
        return sorted(apps, key=lambda app: app.name.casefold())

    def disconnect(self, account_id: str, client_id: str, info: RequestInfo) -> bool:
        """Forget the consent and revoke every token the shop holds for this account."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            forgot = OidcConsents(s).delete(account_id, client_id)
            revoked = OidcTokens(s).revoke_client(account_id, client_id, now)
            if forgot or revoked:
                Activity(s).add(event(at=now, name="oidc_app_disconnected", info=info,
                                      success=True, account_id=account_id,
                                      detail=f"client={client_id[:64]}"))
            s.commit()
        return bool(forgot or revoked)
