"""The outbox: emails and text messages are written to a table in the transaction of whatever caused
them, and sent afterwards by a worker, so a slow or broken mail server never holds up the desk.

Each message is claimed, sent and settled in transactions of its own (nothing is locked while the
mail server thinks). A failure is retried with a growing pause, up to OUTBOX_MAX_ATTEMPTS, then the
message is `failed` and shown as such; a refusal the server calls permanent (5xx) fails at once.
A claim left behind by a worker that died is taken over after OUTBOX_CLAIM_TIMEOUT seconds.

Text messages go through a gateway named by the SMS_GATEWAY setting: "record" (the default) only
records the message as sent; "package.module:Class" loads a class with `send(phone, text)`."""
import json
import smtplib
import ssl
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from importlib import import_module

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime

EMAIL, SMS = "email", "sms"
SMS_LIMIT = 140  # characters of a text message: two segments of Chinese
CHANNELS = (EMAIL, SMS)
QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
STATUSES = (QUEUED, SENDING, SENT, FAILED)


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.CheckConstraint(sa.column("channel").in_(CHANNELS), name="channel_known"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status_known"),
        # the worker's claim reads the due messages in order (a notice's thousands share one instant)
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at", "id"),
        sa.Index("ix_outbox_message_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id"))
    channel: Mapped[str] = mapped_column(sa.String(10))
    recipient: Mapped[str] = mapped_column(sa.String(120))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # what the message is about (visit 12): its page shows how the message fared
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None] = mapped_column(sa.Integer)


class DeliveryError(Exception):
    """A message could not be handed over. `permanent` ones are not retried."""

    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


# --- writing to the outbox ---------------------------------------------------------------------

def enqueue(session, channel, recipient, body, *, now, subject="", site_id=None, obj=None):
    """Add a message to the outbox in the caller's transaction; the worker sends it after commit."""
    message = OutboxMessage(
        channel=channel, recipient=recipient, subject=subject, body=body, status=QUEUED, attempts=0,
        next_attempt_at=now, created_at=now, site_id=site_id, last_error="",
        object_type=getattr(obj, "__tablename__", None), object_id=getattr(obj, "id", None))
    session.add(message)
    return message


def enqueue_many(session, channel, recipients, body, *, now, site_id=None, obj=None) -> int:
    """Add one message per recipient in one INSERT … SELECT over the recipients sent as one JSON
    array (a notice to thousands of households), in the caller's transaction: 5,000 rows in one
    statement, not 5,000 sets of parameters. Returns how many were queued."""
    recipients = list(recipients)
    if not recipients:
        return 0
    table = OutboxMessage.__table__
    listed = sa.bindparam("recipients", json.dumps(recipients), type_=sa.String)
    if session.get_bind().dialect.name == "postgresql":
        each = sa.func.json_array_elements_text(sa.cast(listed, sa.JSON)).table_valued("value")
    else:
        each = sa.func.json_each(listed).table_valued("value")

    def value(column, given):
        return sa.literal(given, type_=table.c[column].type).label(column)

    fixed = {"channel": channel, "subject": "", "body": body, "status": QUEUED, "attempts": 0, "next_attempt_at": now,
             "created_at": now, "site_id": site_id, "last_error": "",
             "object_type": getattr(obj, "__tablename__", None), "object_id": getattr(obj, "id", None)}
    rows = sa.select(each.c.value.label("recipient"), *(value(c, v) for c, v in fixed.items()))
    session.execute(sa.insert(table).from_select(["recipient", *fixed], rows))
    return len(recipients)


def retry(message, *, actor, now):
    """Put a failed message back in the queue for another round of attempts. Logs outbox.retry."""
    from flask_babel import lazy_gettext as _l

    from ..audit.services import record
    from .errors import InvalidTransition

    if message.status != FAILED:
        raise InvalidTransition(_l("Only a failed message can be sent again."))
    message.status, message.attempts, message.next_attempt_at, message.claimed_at = QUEUED, 0, now, None
    record("outbox.retry", actor=actor, now=now, obj=message, summary=f"{message.channel} {message.recipient}")


def email_configured(config) -> bool:
    return bool(config.get("SMTP_HOST"))


# --- sending -----------------------------------------------------------------------------------

ROUND = 50  # messages a worker sends before it looks at `stop` again


def deliver_due(app, now_fn, *, limit=ROUND) -> int:
    """Send what is due, one message at a time; returns how many were handed over. Runs in the
    worker, outside any request."""
    from ..extensions import db

    sent = 0
    for _ in range(limit):
        now = now_fn()
        message_id = _claim_next(db, app.config, now)
        if message_id is None:
            break
        message = db.session.get(OutboxMessage, message_id)
        channel, recipient, subject, body = message.channel, message.recipient, message.subject, message.body
        db.session.commit()  # nothing is held while the server answers
        try:
            if channel == EMAIL:
                send_email(app.config, recipient, subject, body)
            else:
                sms_gateway(app.config).send(recipient, body)
        except DeliveryError as e:
            _settle(db, message_id, now_fn(), app.config, error=str(e), permanent=e.permanent)
        except Exception as e:  # noqa: BLE001 - a broken gateway must not stop the queue
            _settle(db, message_id, now_fn(), app.config, error=f"{type(e).__name__}: {e}", permanent=False)
        else:
            _settle(db, message_id, now_fn(), app.config)
            sent += 1
    return sent


def _claim_next(db, config, now):
    """Take the oldest due message by moving it to `sending` with a conditional UPDATE: two
    workers never send the same message. Queued messages first, then claims gone stale (a worker
    that died mid-send); one indexed look-up each, not an OR that reads the whole queue."""
    table = OutboxMessage.__table__
    stale = now - timedelta(seconds=config["OUTBOX_CLAIM_TIMEOUT"])
    for due in (sa.and_(table.c.status == QUEUED, table.c.next_attempt_at <= now),
                sa.and_(table.c.status == SENDING, table.c.claimed_at < stale)):
        candidates = db.session.scalars(
            sa.select(table.c.id).where(due).order_by(table.c.next_attempt_at, table.c.id).limit(5)).all()
        for message_id in candidates:
            # the whole condition again, not only the status: a stale claim another worker has just
            # taken over is still `sending`, and a message it has just put back is `queued` for later
            taken = db.session.execute(
                sa.update(table).where(table.c.id == message_id, due)
                .values(status=SENDING, claimed_at=now, attempts=table.c.attempts + 1)).rowcount
            if taken:
                return message_id
    db.session.commit()
    return None


def _settle(db, message_id, now, config, *, error=None, permanent=False):
    message = db.session.get(OutboxMessage, message_id)
    if error is None:
        message.status, message.sent_at, message.last_error = SENT, now, ""
    elif permanent or message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        message.status, message.last_error = FAILED, error[:500]
    else:
        # 30 s, 1 min, 2 min, 4 min ... between attempts
        message.status, message.last_error = QUEUED, error[:500]
        message.next_attempt_at = now + timedelta(seconds=config["OUTBOX_RETRY_SECONDS"] * 2 ** (message.attempts - 1))
    message.claimed_at = None
    db.session.commit()


def send_email(config, recipient, subject, body):
    """Hand one plain-text email to the configured SMTP server, within SMTP_TIMEOUT seconds."""
    if not email_configured(config):
        raise DeliveryError("no mail server is configured (SMTP_HOST)", permanent=True)
    message = EmailMessage()
    message["From"] = formataddr((config["MAIL_FROM_NAME"], config["MAIL_FROM"]))
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(body)
    smtp_class = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
    try:
        with smtp_class(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
            if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as e:
        codes = [code for code, _ in e.recipients.values()]
        raise DeliveryError(f"recipient refused: {e.recipients}", permanent=all(500 <= c < 600 for c in codes))
    except smtplib.SMTPResponseException as e:
        raise DeliveryError(f"{e.smtp_code} {e.smtp_error!r}", permanent=500 <= e.smtp_code < 600)
    except (OSError, smtplib.SMTPException) as e:  # refused, timed out, dropped
        raise DeliveryError(f"{type(e).__name__}: {e}")


class RecordingGateway:
    """The default SMS gateway: the message is kept in the outbox as sent, and goes nowhere."""

    def send(self, phone, text):
        return None


_gateways = {}


def sms_gateway(config):
    name = config["SMS_GATEWAY"]
    if name not in _gateways:
        if name == "record":
            _gateways[name] = RecordingGateway()
        else:
            module, _, attribute = name.partition(":")
            _gateways[name] = getattr(import_module(module), attribute)()
    return _gateways[name]


# --- the worker --------------------------------------------------------------------------------

_wake = threading.Event()


def wake():
    """Tell a worker in this process that there is mail, so it need not wait for its next poll."""
    _wake.set()


def work(app, *, stop=None, interval=None, now_fn=None):
    """Deliver what is due until `stop` is set: after each wake() and every OUTBOX_POLL_SECONDS,
    and at once again after a full round (a notice's thousands of text messages go out one round
    after another, not 50 every poll)."""
    from . import clock
    from ..extensions import db

    stop = stop or threading.Event()
    interval = interval if interval is not None else app.config["OUTBOX_POLL_SECONDS"]
    while not stop.is_set():
        _wake.clear()  # a wake() from now on is for messages this round may not see
        sent = 0
        with app.app_context():
            try:
                sent = deliver_due(app, now_fn or clock.now, limit=ROUND)
            except Exception:  # noqa: BLE001 - the database may be briefly away; try again later
                app.logger.exception("outbox: delivery round failed")
                db.session.rollback()
            finally:
                db.session.remove()
        if sent < ROUND:
            _wake.wait(interval)


def start_worker_thread(app, **kwargs):
    """Run the worker beside the desk in this process (`frontdesk run`, the browser tests)."""
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(app,), kwargs={"stop": stop, **kwargs}, daemon=True,
                              name="outbox")
    thread.start()
    return stop, thread
