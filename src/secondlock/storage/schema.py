"""Every table: importing the table modules registers them on the one ``Base``."""

from __future__ import annotations

from sqlalchemy import MetaData

from secondlock.storage import (
    orm,
    orm_oidc,
    orm_outbox,
    orm_recovery,
    orm_sms_email_codes,
    orm_staff,
)
from secondlock.storage.base import Base

#: The complete schema, for Alembic's autogenerate check and for tests that create tables.
metadata: MetaData = Base.metadata
TABLE_MODULES = (orm, orm_oidc, orm_sms_email_codes, orm_recovery, orm_outbox, orm_staff)
