"""The countries each account has signed in from (issue #16)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from secondlock.storage.orm import SignInCountry
from secondlock.storage.upserts import insert_for


class SignInCountries:
    def __init__(self, db: Session) -> None:
        self.db = db

    def count(self, account_id: str) -> int:
        return int(self.db.scalar(select(func.count()).select_from(SignInCountry).where(
            SignInCountry.account_id == account_id)) or 0)

    def add(self, account_id: str, country: str, at: datetime) -> bool:
        """Record the country; True only for the one transaction that added it (one
        conditional INSERT, so two sign-ins at once from a new country count it once)."""
        dialect = self.db.get_bind().dialect.name
        insert_fn: Any = insert_for(dialect)
        # RETURNING, not rowcount: an ORM-enabled INSERT reports no rowcount on psycopg.
        added = self.db.execute(insert_fn(SignInCountry).values(
            account_id=account_id, country=country, first_at=at).on_conflict_do_nothing(
            index_elements=["account_id", "country"]).returning(SignInCountry.country))
        return added.first() is not None

    def for_account(self, account_id: str) -> list[str]:
        return list(self.db.scalars(select(SignInCountry.country).where(
            SignInCountry.account_id == account_id).order_by(SignInCountry.first_at)))
