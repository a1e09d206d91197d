"""Issue 12 item 1: an address with ß or ς is its own account and gets its own mail."""

from __future__ import annotations

from secondlock.core.request_info import RequestInfo
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from tests.conftest import PASSWORD

INFO = RequestInfo(ip="198.51.100.7", user_agent="pytest")


def test_sharp_s_domain_and_double_s_domain_are_two_accounts(services: Services,
                                                             outbox: OutboxMailer) -> None:
    sharp = services.accounts.sign_up("anna@straße.de", PASSWORD, INFO)
    assert sharp.email == "anna@straße.de"
    assert outbox.latest()[0].message.to == "anna@straße.de"
    # The owner of strasse.de is someone else: no email_taken, no shared account.
    double = services.accounts.sign_up("Anna@STRASSE.de", PASSWORD, INFO)
    assert double.email == "anna@strasse.de"
    assert double.id != sharp.id
    assert services.login.login("ANNA@STRAẞE.DE", PASSWORD, INFO).account_id == sharp.id


def test_final_sigma_domain_is_not_the_sigma_domain(services: Services) -> None:
    final = services.accounts.sign_up("x@ελληνικός.gr", PASSWORD, INFO)
    other = services.accounts.sign_up("x@ελληνικόσ.gr", PASSWORD, INFO)
    assert final.id != other.id
