"""The language an account reads its mail in."""

from __future__ import annotations

from secondlock.core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories import Accounts


def set_language(rt: Runtime, account_id: str, language: str) -> None:
    """Remember the shopper's language (chosen with the page's language switch).

    Raises:
        ValueError: for a language we have no catalog for.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    with rt.db.write() as s:
        account = Accounts(s).get(account_id)
        if account is not None and account.language != language:
            account.language = language
            s.commit()


def usable_language(language: str | None) -> str:
    """The account's stored language when we have a catalog for it, else English."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def account_language(rt: Runtime, account_id: str) -> str:
    """The language of the account with this id (English when there is none)."""
    with rt.db.read() as s:
        account = Accounts(s).get(account_id)
        return usable_language(account.language if account is not None else None)
