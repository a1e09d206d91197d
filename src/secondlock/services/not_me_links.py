"""The single-use "this wasn't me" links that every security mail carries."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.orm import Session as DbSession

from secondlock.core.tokens import hash_token, new_token
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import AccountToken
from secondlock.storage.repositories import Accounts, Tokens

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


def link_for(rt: Runtime, email: str) -> str | None:
    """A fresh link for one mail to ``email``; None when no account has that address."""
    now = rt.clock.now()
    with rt.db.write() as s:
        account = Accounts(s).by_email(email)
        if account is None:
            return None
        url = not_me_url(s, origin=rt.settings.origin, account_id=account.id, now=now)
        s.commit()
    return url
