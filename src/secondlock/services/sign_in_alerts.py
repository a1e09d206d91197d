""""New sign-in to your account": mail the owner when a sign-in comes from a kind of device
the account has never signed in from (compared as browser + system + device, so a browser
update is not "new"). The very first sign-in of an account is not news."""

from __future__ import annotations

from sqlalchemy.orm import Session as DbSession

from secondlock.core.devices import describe_device
from secondlock.core.i18n import msg
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories import Accounts, Activity

#: The ``detail`` of a successful login event from a device never seen before (the checkup
#: asks the owner to review those).
NEW_DEVICE = "new_device"


def is_new_device(s: DbSession, account_id: str, user_agent: str) -> bool:
    """Ask before recording this sign-in (inside the caller's transaction)."""
    agents = Activity(s).sign_in_agents(account_id)
    if not agents:
        return False
    if user_agent in agents:
        return False
    label = describe_device(user_agent)
    return all(describe_device(agent) != label for agent in agents)


def alert_new_device(s: DbSession, rt: Runtime, account_id: str, method: str,
                     info: RequestInfo) -> None:
    """Mail the owner (and tell the shop) about a sign-in from a new device, queued in the
    sign-in's own transaction."""
    account = Accounts(s).get(account_id)
    if account is None:
        return
    device = describe_device(info.user_agent)
    if method in (Method.PASSWORD, Method.REMEMBERED_DEVICE):
        headline = msg("Someone signed in to your account with your password from a device "
                       "we have not seen before: %(device)s.", device=device)
    elif method == Method.PASSKEY:
        headline = msg("Someone signed in to your account with a passkey from a device we have "
                       "not seen before: %(device)s.", device=device)
    else:
        headline = msg("Someone signed in to your account with your password and a second "
                       "factor from a device we have not seen before: %(device)s.",
                       device=device)
    emit_event(rt, s, "sign_in.new_device", account_id=account_id, info=info,
               method=str(method))
    queue_notice(s, rt, to=account.email, kind="new_device_sign_in", at=rt.clock.now(),
                 info=info, subject=msg("new sign-in to your account"), headline=headline,
                 details=[msg("If it was you on a new phone, computer or browser, all is well."),
                          msg("If it was not you, use the link below at once: your password "
                              "is known to someone else.")])
