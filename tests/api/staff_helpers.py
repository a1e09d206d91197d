"""Staff members with API keys, for the admin API tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

from secondlock.services import Services
from tests.conftest import MadeAccount

ADMIN = "/api/v1/admin"


@dataclass
class Staff:
    account: MadeAccount
    key_id: str
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def services_of(app: FastAPI) -> Services:
    services: Services = app.state.services
    return services


def staff_factory(app: FastAPI,
                  account_factory: Callable[..., MadeAccount]) -> Callable[[str], Staff]:
    def make(role: str) -> Staff:
        account = account_factory()
        services = services_of(app)
        services.staff.add(account.email, role)
        made = services.staff.create_key(account.email, "helpdesk")
        return Staff(account, made.id, made.key)

    return make


def reason(ticket: str | None = "T-1") -> dict[str, str]:
    body = {"reason": "called from the number on file, order 1234 matched"}
    if ticket is not None:
        body["ticket"] = ticket
    return body
