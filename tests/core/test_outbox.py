"""The outbox against a real SMTP server (aiosmtpd on 127.0.0.1): messages wait in the table until a
worker sends them; refusals, temporary failures and a server that hangs; two workers sharing one
queue; a claim left by a dead worker; the `frontdesk outbox work` command and the worker thread."""
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from frontdesk.audit.models import AuditEntry
from frontdesk.cli import main
from frontdesk.core import notify
from frontdesk.core.errors import InvalidTransition
from frontdesk.core.notify import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from frontdesk.visitors.models import Visit
from tests.factories import NOW, make_user
from tests.visitors import smtp
from tests.visitors.factories import make_desk, register

HOST = "wang@example.com"  # the tenant contact make_desk() creates


@pytest.fixture
def mail():
    with smtp.mail_server() as server:
        yield server


@pytest.fixture
def app_config(mail):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": mail.port, "SMTP_TIMEOUT": 10, "MAIL_FROM": "desk@xinghe.test",
            "MAIL_FROM_NAME": "星河物业服务中心"}


def queue_email(db, recipient, *, now=NOW, subject="访客到访", body="张伟（远景设计）在前台等您。"):
    message = notify.enqueue(db.session, notify.EMAIL, recipient, body, subject=subject, now=now)
    db.session.flush()
    return message.id


def fresh(db, message_id) -> OutboxMessage:
    """The row as the database has it now (after other sessions or threads wrote it)."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def at(instant):
    return lambda: instant


# --- sending ----------------------------------------------------------------------------------

def test_a_queued_email_reaches_the_server_only_when_the_worker_runs(app, db, mail):
    message_id = queue_email(db, "chen@example.com", subject="访客到访：张伟", body="陈女士：张伟在前台等您。\nVisit FK2026-000001")
    db.session.commit()

    assert mail.received == []
    assert notify.deliver_due(app, at(NOW)) == 1

    assert len(mail.received) == 1
    received = mail.received[0]
    assert received.rcpt_tos == ["chen@example.com"]
    assert received.subject == "访客到访：张伟"
    assert "陈女士：张伟在前台等您。" in received.text
    assert "desk@xinghe.test" in received.mail_from
    assert "星河物业服务中心" in str(received.message["From"])
    message = fresh(db, message_id)
    assert (message.status, message.attempts, message.sent_at, message.last_error) == (SENT, 1, NOW, "")
    assert message.claimed_at is None


def test_a_message_is_not_sent_before_it_is_due(app, db, mail):
    message_id = queue_email(db, "chen@example.com", now=NOW + timedelta(minutes=5))
    db.session.commit()

    assert notify.deliver_due(app, at(NOW)) == 0

    assert mail.received == []
    assert fresh(db, message_id).status == QUEUED


def test_a_sent_message_is_not_sent_again_by_the_next_round(app, db, mail):
    queue_email(db, "chen@example.com")
    db.session.commit()
    notify.deliver_due(app, at(NOW))

    assert notify.deliver_due(app, at(NOW + timedelta(hours=1))) == 0
    assert len(mail.received) == 1


def test_text_messages_are_recorded_as_sent_by_the_default_gateway(app, db, mail):
    message = notify.enqueue(db.session, notify.SMS, "13900001111", "【星河产业园】张伟在前台等您", now=NOW)
    db.session.commit()

    assert notify.deliver_due(app, at(NOW)) == 1

    message = fresh(db, message.id)
    assert (message.status, message.sent_at, message.attempts) == (SENT, NOW, 1)
    assert mail.received == []  # a text message is no email


class PhoneStub:
    """An SMS gateway as a site would plug one in (SMS_GATEWAY = "module:Class")."""

    sent = []
    down = False

    def send(self, phone, text):
        if PhoneStub.down:
            raise RuntimeError("gateway down")
        PhoneStub.sent.append((phone, text))


@pytest.fixture
def phone_stub(app, monkeypatch):
    monkeypatch.setattr(PhoneStub, "sent", [])
    monkeypatch.setattr(PhoneStub, "down", False)
    app.config["SMS_GATEWAY"] = f"{__name__}:PhoneStub"
    return PhoneStub


def test_a_configured_sms_gateway_gets_the_phone_and_the_text(app, db, phone_stub):
    notify.enqueue(db.session, notify.SMS, "13900001111", "【星河产业园】张伟在前台等您", now=NOW)
    db.session.commit()

    assert notify.deliver_due(app, at(NOW)) == 1

    assert phone_stub.sent == [("13900001111", "【星河产业园】张伟在前台等您")]


def test_a_broken_sms_gateway_is_retried_and_does_not_stop_the_queue(app, db, mail, phone_stub):
    phone_stub.down = True
    sms = notify.enqueue(db.session, notify.SMS, "13900001111", "张伟在前台等您", now=NOW)
    email_id = queue_email(db, "chen@example.com", now=NOW + timedelta(seconds=1))
    db.session.commit()

    assert notify.deliver_due(app, at(NOW + timedelta(seconds=1))) == 1

    sms = fresh(db, sms.id)
    assert (sms.status, sms.attempts) == (QUEUED, 1)
    assert "RuntimeError: gateway down" in sms.last_error
    assert fresh(db, email_id).status == SENT
    assert len(mail.to("chen@example.com")) == 1


def test_without_a_mail_server_an_email_fails_at_once(app, db, mail):
    app.config["SMTP_HOST"] = ""
    message_id = queue_email(db, "chen@example.com")
    db.session.commit()

    assert notify.deliver_due(app, at(NOW)) == 0

    message = fresh(db, message_id)
    assert (message.status, message.attempts) == (FAILED, 1)
    assert "SMTP_HOST" in message.last_error


# --- refusals and retries ---------------------------------------------------------------------

def test_a_permanent_refusal_fails_the_message_at_once_with_the_reason(app, db, mail):
    mail.replies["nobody@example.com"] = "550 5.1.1 No such mailbox here"
    refused = queue_email(db, "nobody@example.com")
    fine = queue_email(db, "chen@example.com")
    db.session.commit()

    assert notify.deliver_due(app, at(NOW)) == 1

    message = fresh(db, refused)
    assert (message.status, message.attempts) == (FAILED, 1)
    assert "550" in message.last_error and "No such mailbox" in message.last_error
    assert mail.to("nobody@example.com") == []
    assert fresh(db, fine).status == SENT
    # a failed message stays failed: later rounds leave it alone
    assert notify.deliver_due(app, at(NOW + timedelta(days=1))) == 0
    assert mail.rcpt_attempts.count("nobody@example.com") == 1


def test_a_temporary_refusal_is_retried_with_a_doubling_pause_then_fails(app, db, mail):
    mail.replies["busy@example.com"] = "451 4.3.0 Mailbox busy, try again later"
    message_id = queue_email(db, "busy@example.com")
    db.session.commit()
    assert app.config["OUTBOX_MAX_ATTEMPTS"] == 5

    now, pauses = NOW, []
    for attempt in range(1, 5):
        assert notify.deliver_due(app, at(now)) == 0
        message = fresh(db, message_id)
        assert (message.status, message.attempts) == (QUEUED, attempt)
        assert "451" in message.last_error
        assert message.claimed_at is None
        pauses.append(message.next_attempt_at - now)
        now = message.next_attempt_at
        # a second before the pause is over the message waits
        assert notify.deliver_due(app, at(now - timedelta(seconds=1))) == 0
        assert fresh(db, message_id).attempts == attempt

    assert pauses == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert notify.deliver_due(app, at(now)) == 0
    message = fresh(db, message_id)
    assert (message.status, message.attempts) == (FAILED, 5)
    assert "451" in message.last_error
    assert mail.rcpt_attempts.count("busy@example.com") == 5
    assert mail.received == []


def test_a_message_refused_for_now_is_sent_once_the_server_takes_it(app, db, mail):
    mail.replies["busy@example.com"] = "451 4.7.1 Greylisted, come back later"
    message_id = queue_email(db, "busy@example.com")
    db.session.commit()
    notify.deliver_due(app, at(NOW))
    due = fresh(db, message_id).next_attempt_at

    del mail.replies["busy@example.com"]
    assert notify.deliver_due(app, at(due)) == 1

    message = fresh(db, message_id)
    assert (message.status, message.attempts, message.sent_at, message.last_error) == (SENT, 2, due, "")
    assert len(mail.to("busy@example.com")) == 1


def test_retry_puts_a_failed_message_back_in_the_queue(app, db, mail):
    supervisor = make_user("supervisor")
    mail.replies["chen@example.com"] = "550 5.7.1 Relaying denied"
    message_id = queue_email(db, "chen@example.com")
    db.session.commit()
    notify.deliver_due(app, at(NOW))
    assert fresh(db, message_id).status == FAILED

    del mail.replies["chen@example.com"]
    later = NOW + timedelta(hours=2)
    notify.retry(db.session.get(OutboxMessage, message_id), actor=supervisor, now=later)
    db.session.commit()

    message = fresh(db, message_id)
    assert (message.status, message.attempts, message.next_attempt_at) == (QUEUED, 0, later)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "outbox.retry")).one()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (supervisor.id, "outbox_message", str(message_id))
    assert notify.deliver_due(app, at(later)) == 1
    assert len(mail.to("chen@example.com")) == 1
    assert fresh(db, message_id).status == SENT


@pytest.mark.parametrize("status", [QUEUED, SENT])
def test_retry_refuses_a_message_that_has_not_failed(app, db, mail, status):
    supervisor = make_user("supervisor")
    message_id = queue_email(db, "chen@example.com")
    db.session.commit()
    if status == SENT:
        notify.deliver_due(app, at(NOW))
    message = fresh(db, message_id)
    attempts = message.attempts

    with pytest.raises(InvalidTransition) as refused:
        notify.retry(message, actor=supervisor, now=NOW + timedelta(hours=1))

    with force_locale("en"):
        assert str(refused.value) == "Only a failed message can be sent again."

    message = fresh(db, message_id)
    assert (message.status, message.attempts) == (status, attempts)
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "outbox.retry")) == 0


def test_a_hanging_mail_server_fails_the_attempt_and_the_visit_is_kept(app, db, mail):
    desk = make_desk()
    visit = register(desk)
    db.session.commit()
    visit_id, number = visit.id, visit.number
    email_id = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.channel == notify.EMAIL))

    with smtp.hanging_server() as port:
        app.config["SMTP_PORT"], app.config["SMTP_TIMEOUT"] = port, 1
        notify.deliver_due(app, at(NOW))

    email = fresh(db, email_id)
    assert (email.status, email.attempts, email.claimed_at) == (QUEUED, 1, None)
    assert "timed out" in email.last_error.lower() or "timeout" in email.last_error.lower()
    assert email.next_attempt_at == NOW + timedelta(seconds=30)
    sms = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == notify.SMS)).one()
    assert sms.status == SENT  # the text message did not wait for the mail server
    # the registration was committed before anything was sent, and nothing of it was lost
    kept = db.session.get(Visit, visit_id)
    assert (kept.number, kept.name, kept.status) == (number, "张伟", "on_site")

    app.config["SMTP_PORT"] = mail.port
    assert notify.deliver_due(app, at(NOW + timedelta(seconds=30))) == 1
    assert len(mail.to(HOST)) == 1
    assert fresh(db, email_id).status == SENT


# --- several workers --------------------------------------------------------------------------

def _drain(app, now, sent, errors, barrier):
    """One worker in a thread of its own: deliver until nothing is due."""
    from frontdesk.extensions import db

    with app.app_context():
        try:
            barrier.wait(timeout=10)
            for _ in range(50):
                sent.append(notify.deliver_due(app, at(now), limit=10))
                left = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status.in_([QUEUED, SENDING])))
                db.session.rollback()  # SQLite: release the write lock taken for the read
                if not left:
                    break
        except Exception as e:  # noqa: BLE001 - reported by the test
            errors.append(e)


def _run_workers(app, now, count=2):
    sent, errors = [], []
    barrier = threading.Barrier(count)
    threads = [threading.Thread(target=_drain, args=(app, now, sent, errors, barrier)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    return sum(sent)


def test_two_workers_send_each_message_exactly_once(app, db, mail):
    recipients = [f"host{n:02d}@example.com" for n in range(40)]
    ids = [queue_email(db, r, body=f"张伟在前台等您 {r}") for r in recipients]
    db.session.commit()  # SQLite: the workers need the write lock

    assert _run_workers(app, NOW) == 40

    received = Counter(r for m in mail.received for r in m.rcpt_tos)
    assert received == Counter(recipients)
    rows = [fresh(db, i) for i in ids]
    assert {(m.status, m.attempts) for m in rows} == {(SENT, 1)}


def test_a_claim_older_than_the_claim_timeout_is_taken_over(app, db, mail):
    timeout = timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT"])
    dead = queue_email(db, "dead@example.com", now=NOW - timedelta(hours=1))
    busy = queue_email(db, "busy@example.com", now=NOW - timedelta(hours=1))
    claims = {dead: NOW - timeout - timedelta(seconds=1), busy: NOW - timeout + timedelta(seconds=5)}
    for message_id, claimed_at in claims.items():
        message = db.session.get(OutboxMessage, message_id)
        message.status, message.claimed_at, message.attempts = SENDING, claimed_at, 1
    db.session.commit()

    assert notify.deliver_due(app, at(NOW)) == 1

    taken = fresh(db, dead)
    assert (taken.status, taken.attempts, taken.sent_at) == (SENT, 2, NOW)
    assert len(mail.to("dead@example.com")) == 1
    # a worker that claimed a message a few minutes ago may still be talking to the server
    still = fresh(db, busy)
    assert (still.status, still.attempts) == (SENDING, 1)
    assert mail.to("busy@example.com") == []


def test_two_workers_take_over_each_stale_claim_once(app, db, mail):
    stale_since = NOW - timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT"] + 60)
    recipients = [f"stale{n:02d}@example.com" for n in range(30)]
    ids = [queue_email(db, r, now=stale_since - timedelta(minutes=1)) for r in recipients]
    db.session.flush()
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id)
        message.status, message.claimed_at, message.attempts = SENDING, stale_since, 1
    db.session.commit()

    assert _run_workers(app, NOW) == 30

    assert Counter(r for m in mail.received for r in m.rcpt_tos) == Counter(recipients)
    assert {(m.status, m.attempts) for m in (fresh(db, i) for i in ids)} == {(SENT, 2)}


# --- the command and the worker thread --------------------------------------------------------

def test_outbox_work_once_sends_what_is_due(app, db, mail, frozen_clock):
    desk = make_desk()
    register(desk)
    queue_email(db, "later@example.com", now=NOW + timedelta(hours=1))
    db.session.commit()

    result = app.test_cli_runner().invoke(main, ["outbox", "work", "--once"])

    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output  # the host's email and text message; not the later one
    assert len(mail.to(HOST)) == 1
    assert mail.to("later@example.com") == []
    statuses = dict(db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.status)).all())
    assert statuses == {HOST: SENT, "13900001111": SENT, "later@example.com": QUEUED}


def test_the_worker_thread_sends_the_queue_until_stopped(app, db, mail):
    message_id = queue_email(db, "chen@example.com")
    db.session.commit()

    stop, thread = notify.start_worker_thread(app, interval=0.05, now_fn=at(NOW))
    try:
        deadline = time.monotonic() + 20
        while not mail.received and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        notify.wake()
        thread.join(20)

    assert not thread.is_alive()
    assert [r.rcpt_tos for r in mail.received] == [["chen@example.com"]]
    assert fresh(db, message_id).status == SENT


def test_the_worker_sends_a_long_queue_round_after_round_without_waiting_for_the_next_poll(app, db, mail):
    # 130 text messages: three rounds of at most 50; the poll is an hour, so only going straight on
    # after a full round sends them all
    queued = notify.enqueue_many(db.session, notify.SMS, [f"139{n:08d}" for n in range(130)], "【星河产业园】明日停水",
                                 now=NOW)
    db.session.commit()
    assert queued == 130

    def sent():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.status == SENT))
        db.session.rollback()  # holding a read open would keep the worker's writes out on SQLite
        return count

    stop, thread = notify.start_worker_thread(app, interval=3600, now_fn=at(NOW))
    try:
        deadline = time.monotonic() + 60
        while sent() < 130 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        notify.wake()
        thread.join(20)

    assert not thread.is_alive()
    assert sent() == 130


def test_enqueue_many_queues_one_message_per_recipient_as_given(db):
    from frontdesk.estate.models import Site
    from tests.factories import make_site

    site = make_site("PARK")
    db.session.commit()
    recipients = ["13900000001", "13900000002", "x\"'; DROP TABLE outbox_message; --", "张伟 <zw@example.com>"]
    assert notify.enqueue_many(db.session, notify.SMS, [], "无人", now=NOW) == 0
    assert notify.enqueue_many(db.session, notify.SMS, recipients, "请您谅解，谢谢！", now=NOW, site_id=site.id,
                               obj=site) == 4
    db.session.commit()

    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.recipient, m.channel, m.body, m.status, m.attempts, m.next_attempt_at, m.created_at, m.site_id,
             m.object_type, m.object_id, m.subject, m.last_error) for m in rows] == [
        (r, notify.SMS, "请您谅解，谢谢！", QUEUED, 0, NOW, NOW, site.id, Site.__tablename__, site.id, "", "")
        for r in recipients]
