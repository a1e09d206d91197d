"""Queries and writes, one module per concept. Repositories never commit: the service owns
the transaction."""

from secondlock.storage.repositories.accounts import Accounts, Tokens
from secondlock.storage.repositories.activity import Activity, ActivityRow
from secondlock.storage.repositories.factors import Authenticators, MfaChallenges, RecoveryCodes
from secondlock.storage.repositories.sessions import SESSION_VIEW, Sessions
from secondlock.storage.repositories.throttles import Throttles
from secondlock.storage.repositories.trusted_devices import TokenMatch, TrustedDevices

__all__ = [
    "SESSION_VIEW",
    "Accounts",
    "Activity",
    "ActivityRow",
    "Authenticators",
    "MfaChallenges",
    "RecoveryCodes",
    "Sessions",
    "Throttles",
    "TokenMatch",
    "Tokens",
    "TrustedDevices",
]
