"""A second factor became active: the part shared by every kind of factor.

The first active factor turns two-factor authentication on: recovery codes are issued, every
other (single-factor) session ends and this session counts as two-factor with the new
method. Any factor change forgets the remembered devices. The owner hears about it, and the
shop's webhooks, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.i18n import Msg, msg
from secondlock.core.request_info import RequestInfo
from secondlock.core.views import SessionView
from secondlock.services.activity import event
from secondlock.services.methods.recovery_codes import issue_codes
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.runtime import Runtime
from secondlock.services.trusted_devices import forget_all_devices
from secondlock.storage.repositories import Accounts, Activity, Sessions


@dataclass(frozen=True)
class Activation:
    turned_on: bool
    recovery_codes: list[str]  # empty unless this turned two-factor authentication on


@dataclass(frozen=True)
class FactorWords:
    """How the mails name the factor: "Authenticator app" / "An authenticator app was added"."""

    label: Msg
    added: Msg
    sign_in_with: Msg
    #: The added-factor mail's subject: it names the kind ("phone added"), not "authenticator".
    subject: Msg


def activate_factor(s: DbSession, view: SessionView, *, method: str, amr: str, name: str,
                    info: RequestInfo, now: datetime) -> Activation:
    """Record that a factor of ``method`` is active, inside the caller's transaction."""
    account = Accounts(s).get(view.account_id)
    turning_on = account is not None and account.mfa_enabled_at is None
    codes: list[str] = []
    if turning_on:
        Accounts(s).set_mfa_enabled(view.account_id, now)
        codes = issue_codes(s, view.account_id, now)
        # Turning 2FA on ends every other session (they were single-factor).
        Sessions(s).delete_others(view.account_id, keep_id=view.id)
        # The new factor was just proven: this session is now two-factor.
        Sessions(s).mark_second_factor(view.id, amr, now)
    forget_all_devices(s, view.account_id)  # any factor change: trust afresh
    Activity(s).add(event(at=now, name="mfa_enabled" if turning_on else "authenticator_added",
                          info=info, success=True, account_id=view.account_id, method=method,
                          detail=name))
    return Activation(turned_on=turning_on, recovery_codes=codes)


def announce_factor(s: DbSession, rt: Runtime, view: SessionView, activation: Activation, *,
                    method: str, words: FactorWords, name: str, info: RequestInfo,
                    at: datetime) -> None:
    """Tell the owner (mail) and the shop (webhooks), queued in the caller's transaction."""
    emit_event(rt, s, "factor.added", account_id=view.account_id, info=info, at=at,
               factor_type=str(method))
    if activation.turned_on:
        emit_event(rt, s, "mfa.enabled", account_id=view.account_id, info=info, at=at,
                   factor_type=str(method))
        queue_notice(s, rt, to=view.email, kind="mfa_enabled", at=at, info=info,
                     subject=msg("two-factor authentication is on"),
                     headline=msg("Two-factor authentication is now on for your account."),
                     details=[msg("%(label)s: %(name)s.", label=words.label, name=name),
                              msg("Other devices were signed out. Signing in now needs "
                                  "%(how)s or a recovery code.", how=words.sign_in_with)])
    else:
        queue_notice(s, rt, to=view.email, kind="authenticator_added", at=at, info=info,
                     subject=words.subject, headline=words.added,
                     details=[msg("Name: %(name)s.", name=name)])
