"""The outbox: rows written with the change, sent once, retried with back-off, leases that
run out, codes that expire before delivery dropped, payloads sealed at rest."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from secondlock.services.outbox import queue_email, queue_sms
from secondlock.services.outbox_dispatcher import Dispatcher, retry_delay
from secondlock.services.runtime import Runtime
from secondlock.storage.orm_outbox import OutboxMessage
from secondlock.storage.repositories.outbox import Outbox
from tests.outbox.conftest import FlakyMailer, deliver, mail, queue


def row(rt: Runtime, message_id: str) -> OutboxMessage:
    with rt.db.read() as s:
        found = s.get(OutboxMessage, message_id)
        assert found is not None
        return found


def test_a_queued_mail_is_sent_once_and_marked_sent(rt: Runtime) -> None:
    mailer = OutboxMailer(echo=False)
    message_id = queue(rt)
    dispatcher = Dispatcher(rt, mailer=mailer)
    assert deliver(dispatcher) == 1
    assert [m.message.kind for m in mailer.latest()] == ["mfa_enabled"]
    assert row(rt, message_id).status == "sent"
    assert row(rt, message_id).attempts == 1
    assert deliver(Dispatcher(rt, mailer=mailer)) == 0
    assert len(mailer.latest()) == 1


def test_a_rolled_back_change_queues_nothing(rt: Runtime) -> None:
    with rt.db.write() as s:
        queue_email(rt, s, mail())
        s.rollback()
    mailer = OutboxMailer(echo=False)
    assert deliver(Dispatcher(rt, mailer=mailer)) == 0
    assert mailer.latest() == []


def test_the_payload_is_sealed_so_a_dump_shows_no_code(rt: Runtime) -> None:
    message_id = queue(rt, mail(text="Your code is 918273."))
    stored = row(rt, message_id)
    assert b"918273" not in stored.payload_blob
    assert stored.kind == "mfa_enabled"
    mailer = OutboxMailer(echo=False)
    deliver(Dispatcher(rt, mailer=mailer))
    assert "918273" in mailer.latest()[0].message.text


def test_failures_back_off_first_within_ten_seconds_then_within_a_minute(
        rt: Runtime, clock: FixedClock) -> None:
    mailer = FlakyMailer(failures=2)
    message_id = queue(rt)
    deliver(Dispatcher(rt, mailer=mailer))
    first = row(rt, message_id)
    assert first.status == "pending"
    assert first.attempts == 1
    assert first.last_error is not None
    assert "SMTPServerDisconnected" in first.last_error
    assert timedelta(0) < first.next_attempt_at - clock.now() <= timedelta(seconds=10)
    assert deliver(Dispatcher(rt, mailer=mailer)) == 0  # not due yet
    clock.set(first.next_attempt_at)
    deliver(Dispatcher(rt, mailer=mailer))
    second = row(rt, message_id)
    assert second.attempts == 2
    assert timedelta(0) < second.next_attempt_at - clock.now() <= timedelta(minutes=1)
    clock.set(second.next_attempt_at)
    deliver(Dispatcher(rt, mailer=mailer))
    assert row(rt, message_id).status == "sent"
    assert len(mailer.latest()) == 1


def test_back_off_grows_and_is_capped() -> None:
    delays = [retry_delay(n) for n in range(1, 30)]
    assert delays[0] <= 10
    assert delays[1] <= 60
    assert delays[4] > delays[1]
    assert max(delays) <= 3600


def test_after_the_retry_window_a_mail_counts_as_failed_and_retry_revives_it(
        rt: Runtime, clock: FixedClock) -> None:
    mailer = FlakyMailer(failures=1000)
    message_id = queue(rt)
    for _ in range(100):
        deliver(Dispatcher(rt, mailer=mailer))
        current = row(rt, message_id)
        if current.status != "pending":
            break
        clock.set(current.next_attempt_at)
    assert row(rt, message_id).status == "failed"
    assert clock.now() - row(rt, message_id).created_at <= timedelta(hours=25)
    with rt.db.write() as s:
        assert Outbox(s).retry(message_id, clock.now(), clock.now() + timedelta(hours=1))
        s.commit()
    mailer.failures = 0
    deliver(Dispatcher(rt, mailer=mailer))
    assert row(rt, message_id).status == "sent"


def test_a_code_that_expired_before_delivery_is_dropped_not_sent(
        rt: Runtime, clock: FixedClock) -> None:
    with rt.db.write() as s:
        expired = queue_sms(rt, s, to="+15551234567", body="123456 is your code", kind="code",
                            not_after=clock.now() + timedelta(minutes=5))
        live = queue_email(rt, s, mail(kind="email_code_login", text="654321"),
                           not_after=clock.now() + timedelta(minutes=20))
        s.commit()
    clock.advance(minutes=6)
    mailer = OutboxMailer(echo=False)
    deliver(Dispatcher(rt, mailer=mailer))
    assert row(rt, expired).status == "dropped"
    assert row(rt, expired).last_error == "expired before delivery"
    assert row(rt, live).status == "sent"
    assert isinstance(rt.sms, OutboxSms)
    assert rt.sms.latest() == []


def test_a_lease_keeps_other_nodes_off_until_it_runs_out(rt: Runtime, clock: FixedClock) -> None:
    message_id = queue(rt)
    with rt.db.write() as s:
        claimed = Outbox(s).claim(now=clock.now(), node="dead-node", lease=timedelta(seconds=90),
                                  slots={}, default_slots=2)
        s.commit()
    assert [c.id for c in claimed] == [message_id]
    mailer = OutboxMailer(echo=False)
    assert deliver(Dispatcher(rt, mailer=mailer)) == 0  # the dead node's lease still runs
    clock.advance(seconds=91)
    assert deliver(Dispatcher(rt, mailer=mailer)) == 1
    assert row(rt, message_id).status == "sent"
    assert len(mailer.latest()) == 1


def test_a_full_lane_is_not_claimed_for(rt: Runtime, clock: FixedClock) -> None:
    ids = [queue(rt, mail(to=f"u{i}@example.com")) for i in range(3)]
    with rt.db.write() as s:
        claimed = Outbox(s).claim(now=clock.now(), node="n", lease=timedelta(seconds=90),
                                  slots={"email": 2}, default_slots=2)
        s.commit()
    assert len(claimed) == 2
    with rt.db.read() as s:
        free = s.scalars(select(OutboxMessage.id).where(OutboxMessage.claimed_by.is_(None))).all()
    assert len(free) == 1
    assert free[0] in ids
