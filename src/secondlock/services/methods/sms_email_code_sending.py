"""Sending SMS and email codes: cooldown, budgets, the circuit breaker, and delivery.

One write transaction checks the resend cooldown and the budgets, stores the new code's
keyed hash (the old code is void from now on), logs the send and queues the text or the
mail in the outbox (#13): it commits with the code or not at all, goes out from a
dispatcher off the request path, and is dropped, not sent, if the code expires first. What
became of it (``sms_email_code_delivery``) is shown on the pages and by the API; when it
failed, the challenge (and the pending sign-in) stays and "resend" works at once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.core import sms_email_codes as dc
from secondlock.core.errors import RateLimitedError
from secondlock.core.i18n import msg, nmsg
from secondlock.core.methods import Method
from secondlock.core.network import throttle_group
from secondlock.core.phones import mask_email, mask_phone, region_allowed
from secondlock.core.request_info import RequestInfo
from secondlock.core.send_limits import DAY, HOUR, Budget, Refusal, first_exceeded
from secondlock.core.sms_email_code_errors import DeliveryFailedError
from secondlock.core.throttle import retry_after
from secondlock.core.tokens import keyed_digest
from secondlock.notifications.sms import sms_text
from secondlock.notifications.sms_email_code_messages import email_code_message
from secondlock.services.languages import usable_language
from secondlock.services.methods.sms_email_code_delivery import (
    FAILED,
    code_message_id,
    delivery_state,
    drop_replaced,
)
from secondlock.services.outbox import queue_email, queue_sms
from secondlock.services.runtime import Runtime
from secondlock.storage.orm_sms_email_codes import CodeSend, DeliveryCode
from secondlock.storage.repositories import Accounts
from secondlock.storage.repositories.sms_email_codes import CodeSends, DeliveryCodes

logger = logging.getLogger(__name__)

#: Send-log rows older than this are deleted at the next send (budgets look back a day).
SEND_LOG_DAYS = 2


@dataclass(frozen=True)
class CodeSent:
    """What the shopper may see about a send: never the code, never the whole number."""

    id: str
    sent_to: str
    expires_in: int
    resend_in: int


@dataclass(frozen=True)
class Target:
    """Where and why: the challenge's identity and its destination."""

    account_id: str
    purpose: str
    binding: str
    channel: str
    destination: str
    authenticator_id: str | None = None
    #: Latest moment the code can be useful (the pending sign-in's own expiry).
    not_after: datetime | None = None


def _language(s: DbSession, account_id: str) -> str:
    account = Accounts(s).get(account_id)
    return usable_language(account.language if account is not None else None)


def mask(channel: str, destination: str) -> str:
    return mask_phone(destination) if channel == Method.SMS else mask_email(destination)


class CodeSender:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def send(self, target: Target, info: RequestInfo) -> CodeSent:
        """Issue a new code for the target's challenge and queue it in the outbox.

        Raises:
            RateLimitedError: cooldown, a send budget, or the SMS circuit breaker.
            DeliveryFailedError: SMS is off, or the number's country is not allowed.
        """
        now = self.rt.clock.now()
        if target.channel == Method.SMS:
            self._check_sms_possible(target)
        code = dc.new_code()
        ttl = dc.code_ttl(self.rt.settings.oob_code_minutes)
        expires_at = now + ttl
        if target.not_after is not None:
            expires_at = min(expires_at, target.not_after)
        with self.rt.db.write() as s:
            row = self._challenge(s, target, now)
            self._check_cooldown(s, row, now)
            self._check_budgets(s, target, info, now)
            digest = dc.hash_code(self.rt.secret_key, account_id=target.account_id,
                                  purpose=target.purpose, challenge_id=row.id, code=code)
            cooldown = dc.cooldown_seconds(row.sends + 1)
            sends = DeliveryCodes(s).issue(row.id, digest, now=now, expires_at=expires_at,
                                           next_send_at=now + timedelta(seconds=cooldown),
                                           destination=target.destination)
            if sends is None:
                raise RateLimitedError(dc.FIRST_COOLDOWN_SECONDS, msg(
                    "A code was just sent. Wait a moment before asking for another."))
            drop_replaced(s, row.id, sends - 1, now)  # the old code is void
            CodeSends(s).add(CodeSend(at=now, channel=target.channel,
                                      account_id=target.account_id,
                                      destination_key=self._destination_key(target),
                                      ip=throttle_group(info.ip)[:64]))
            CodeSends(s).prune(now - timedelta(days=SEND_LOG_DAYS))
            DeliveryCodes(s).prune(now - timedelta(days=SEND_LOG_DAYS))
            self._queue(s, target, code, minutes=int(ttl.total_seconds() // 60),
                        message_id=code_message_id(row.id, sends), expires_at=expires_at)
            s.commit()
            challenge_id = row.id
        return CodeSent(id=challenge_id, sent_to=mask(target.channel, target.destination),
                        expires_in=int((expires_at - now).total_seconds()), resend_in=cooldown)

    def _check_sms_possible(self, target: Target) -> None:
        if not region_allowed(target.destination, self.rt.settings.sms_countries):
            raise DeliveryFailedError(msg("We cannot send text messages to this number's "
                                          "country. Use another way to confirm it's you."))
        if self.rt.sms.name == "off":
            raise DeliveryFailedError(msg("We could not send the text message right now. Try "
                                          "again in a moment, or use another way to confirm "
                                          "it's you."))

    def _check_cooldown(self, s: DbSession, row: DeliveryCode, now: datetime) -> None:
        """Refuse a new code while the resend cooldown runs, unless the last one never went
        out (the gateway refused it): then a new one may be asked for at once."""
        wait = retry_after(row.next_send_at, now) if row.code_hash is not None else None
        if wait is None:
            return
        if delivery_state(s, row.id, row.sends) == FAILED:
            DeliveryCodes(s).allow_send_now(row.id, now)
            return
        raise RateLimitedError(wait, nmsg(
            "A code was just sent. You can ask for a new one in %(n)d second.",
            "A code was just sent. You can ask for a new one in %(n)d seconds.", wait))

    def _queue(self, s: DbSession, target: Target, code: str, *, minutes: int,
               message_id: str, expires_at: datetime) -> None:
        """The text or mail leaves through the outbox, queued with the code (#13); it is
        dropped, not sent, if it could not go out before the code expires."""
        name = self.rt.settings.service_name
        language = _language(s, target.account_id)
        if target.channel == Method.SMS:
            queue_sms(self.rt, s, to=target.destination, kind=f"sms_code_{target.purpose}",
                      body=sms_text(code, name, minutes, language),
                      account_id=target.account_id, not_after=expires_at,
                      message_id=message_id)
            return
        queue_email(self.rt, s, email_code_message(
            to=target.destination, code=code, service_name=name, minutes=minutes,
            purpose=target.purpose, language=language),
            account_id=target.account_id, not_after=expires_at, message_id=message_id)

    def _challenge(self, s: DbSession, target: Target, now: datetime) -> DeliveryCode:
        return DeliveryCodes(s).get_or_create(DeliveryCode(
            id=str(uuid.uuid4()), account_id=target.account_id, purpose=target.purpose,
            channel=target.channel, binding=target.binding,
            authenticator_id=target.authenticator_id, destination=target.destination,
            created_at=now, expires_at=now, tries=0, tries_at_issue=0, sends=0))

    def _destination_key(self, target: Target) -> str:
        return keyed_digest(self.rt.secret_key, "code-destination", target.destination)[:64]

    def _budgets(self, channel: str) -> list[Budget]:
        st = self.rt.settings
        budgets = [Budget("destination", HOUR, st.sms_budget_number_hour),
                   Budget("destination", DAY, st.sms_budget_number_day),
                   Budget("account", HOUR, st.sms_budget_account_hour),
                   Budget("account", DAY, st.sms_budget_account_day),
                   Budget("ip", HOUR, st.sms_budget_ip_hour),
                   Budget("ip", DAY, st.sms_budget_ip_day)]
        if channel == Method.SMS:
            budgets.append(Budget("global", HOUR, st.sms_budget_global_hour))
        return budgets

    def _check_budgets(self, s: DbSession, target: Target, info: RequestInfo,
                       now: datetime) -> None:
        sends = CodeSends(s)
        counts = []
        for budget in self._budgets(target.channel):
            scope: dict[str, str] = {
                "destination": {"destination_key": self._destination_key(target)},
                "account": {"account_id": target.account_id},
                "ip": {"ip": throttle_group(info.ip)[:64]},
                "global": {},
            }[budget.scope]
            count, oldest = sends.count(since=now - budget.window, channel=target.channel,
                                        **scope)
            counts.append((budget, count, oldest))
        refusal = first_exceeded(counts, now)
        if refusal is not None:
            self._refuse(refusal, target)

    def _refuse(self, refusal: Refusal, target: Target) -> None:
        budget = refusal.budget
        if budget.scope == "global":
            # The operator must see this: a burst of texts is how SMS pumping costs money.
            logger.critical(
                "SMS CIRCUIT BREAKER OPEN: %d text messages in the last hour reached "
                "SECONDLOCK_SMS_BUDGET_GLOBAL_HOUR; no SMS is sent until the count falls "
                "(about %d s). Check for SMS pumping, then raise the budget if it is real "
                "traffic.", budget.limit, refusal.retry_after)
            raise RateLimitedError(refusal.retry_after, msg(
                "Text messages are paused for a while on our side. Use another way to sign "
                "in, or try later."))
        logger.warning("code send budget used up scope=%s channel=%s window=%ds limit=%d "
                       "account=%s", budget.scope, target.channel,
                       int(budget.window.total_seconds()), budget.limit, target.account_id)
        if target.channel == Method.SMS:
            raise RateLimitedError(refusal.retry_after, msg(
                "We sent too many text messages for now. Use another way to confirm it's "
                "you, or try again later."))
        raise RateLimitedError(refusal.retry_after, msg(
            "We sent too many emails with codes for now. Use another way to confirm it's "
            "you, or try again later."))
