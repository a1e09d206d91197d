"""The single-use "this wasn't me" links that every security mail carries."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.orm import Session as DbSession

from secondlock.core.tokens import hash_token, new_token
from secondlock.storage.orm import AccountToken
from secondlock.storage.repositories import Tokens

NOT_ME_PURPOSE = "not_me"
#: Long enough for a mail read a few days late; each link works once.
NOT_ME_VALID = timedelta(days=7)


def not_me_url(s: DbSession, *, origin: str, account_id: str, now: datetime) -> str:
    """A fresh single-use link for one mail, inside the caller's transaction."""
    token = new_token()
    Tokens(s).add(AccountToken(token_hash=hash_token(token), account_id=account_id,
                               purpose=NOT_ME_PURPOSE, created_at=now,
                               expires_at=now + NOT_ME_VALID))
    return f"{origin}/not-me?{urlencode({'token': token})}"
