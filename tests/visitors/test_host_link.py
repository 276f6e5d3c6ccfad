"""Announcing a visitor to the host and the host's answer: the email and text message the outbox
sends through a real SMTP server (aiosmtpd), the signed link they carry, what the link lets a host do
without logging in (answer, sign the visitor out) and what it refuses (expired, forged, used twice),
and staff hosts answering in the app."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from itsdangerous import URLSafeTimedSerializer

from frontdesk.audit.models import AuditEntry
from frontdesk.core import clock, notify
from frontdesk.core.errors import NotAllowed
from frontdesk.core.notify import EMAIL, QUEUED, SENT, SMS, OutboxMessage
from frontdesk.visitors import queries, rules, services
from frontdesk.visitors.models import Visit, VisitorPass
from tests.factories import NOW, make_site, make_user
from tests.visitors import smtp
from tests.visitors.factories import make_desk, register

HOST_EMAIL, HOST_MOBILE = "wang@example.com", "13900001111"  # the tenant contact make_desk() creates
LINK = re.compile(r"https?://[^\s/]+/visitors/h/[A-Za-z0-9_.\-]+")


@pytest.fixture
def mail():
    with smtp.mail_server() as server:
        yield server


@pytest.fixture
def app_config(mail):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": mail.port, "SMTP_TIMEOUT": 10}


@pytest.fixture
def desk(db):
    return make_desk()


@pytest.fixture
def host_client(client, frozen_clock):
    """The host's browser: not logged in, reading the English interface."""
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client


def outbox_of(db, visit):
    return {m.channel: m for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.object_type == "visit", OutboxMessage.object_id == visit.id))}


def link_in(text) -> str:
    found = LINK.findall(text)
    assert len(found) == 1, text
    return found[0]


def path_of(db, visit) -> str:
    """The path of the link the host was sent (in the text message the outbox holds)."""
    return urlsplit(link_in(outbox_of(db, visit)[SMS].body)).path


def reload(db, visit) -> Visit:
    db.session.expire_all()
    return db.session.get(Visit, visit.id)


def audit_count(db, action, visit):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.object_id == str(visit.id)))


def page(response) -> str:
    return response.get_data(as_text=True)


def anonymous_get(app, path):
    """A GET from a browser nobody logged in to, reading the English interface."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client.get(path)


# --- the announcement -------------------------------------------------------------------------

def test_registering_sends_nothing_until_the_worker_delivers_the_link_to_the_host(app, db, mail, desk):
    visit = register(desk, name="张伟", company="远景设计", purpose="business", purpose_note="洽谈物业合同")
    db.session.commit()

    assert mail.received == []
    messages = outbox_of(db, visit)
    assert {c: (m.recipient, m.status) for c, m in messages.items()} == {EMAIL: (HOST_EMAIL, QUEUED),
                                                                         SMS: (HOST_MOBILE, QUEUED)}

    assert notify.deliver_due(app, lambda: NOW) == 2

    assert [r.rcpt_tos for r in mail.received] == [[HOST_EMAIL]]
    email = mail.received[0]
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        purpose = str(rules.PURPOSE_LABELS["business"])
    for fact in ("张伟", "远景设计", purpose, "洽谈物业合同", "王经理", visit.number):
        assert fact in email.text, fact
    assert "张伟" in email.subject
    link = urlsplit(link_in(email.text))
    assert link.scheme == "http" and link.netloc == "desk.test"
    token = re.fullmatch(r"/visitors/h/([^/]+)", link.path).group(1)
    assert services.visit_from_token(token, NOW).id == visit.id
    # the text message went through the record gateway with the same link
    sms = outbox_of(db, visit)[SMS]
    assert (sms.status, sms.sent_at, sms.attempts) == (SENT, NOW, 1)
    assert link_in(sms.body) == link.geturl()
    assert "张伟" in sms.body
    assert outbox_of(db, visit)[EMAIL].status == SENT


def test_registering_at_the_desk_answers_before_any_mail_is_sent(app, db, mail, desk, as_user):
    response = as_user(desk["clerk"]).post("/visitors/register", data={
        "name": "张伟", "phone": "13712345678", "company": "远景设计", "party_size": 2, "purpose": "business",
        "host": "王经理", "host_ref": f"contact:{desk['contact'].id}", "pass_id": desk["passes"][0].id,
        "id_type": "id_card"})

    assert response.status_code == 302, page(response)
    assert mail.received == []
    visit = db.session.scalars(sa.select(Visit)).one()
    assert {m.status for m in outbox_of(db, visit).values()} == {QUEUED}

    assert notify.deliver_due(app, clock.now) == 2
    link = urlsplit(link_in(mail.to(HOST_EMAIL)[0].text))
    assert link.netloc == "localhost"  # the desk's own address: PUBLIC_URL is not set
    assert "张伟" in page(anonymous_get(app, link.path))


def test_without_a_mail_server_the_host_is_told_by_text_message_only(app, db, mail, desk):
    app.config["SMTP_HOST"] = ""
    visit = register(desk)
    db.session.commit()

    assert set(outbox_of(db, visit)) == {SMS}
    assert notify.deliver_due(app, lambda: NOW) == 1
    assert mail.received == []


# --- the link: answering ----------------------------------------------------------------------

def test_the_link_shows_the_visit_without_logging_in(db, desk, host_client):
    visit = register(desk, company="远景设计", purpose_note="洽谈物业合同")
    db.session.commit()

    response = host_client.get(path_of(db, visit))

    assert response.status_code == 200
    text = page(response)
    for fact in ("张伟 is at the front desk", "远景设计", "洽谈物业合同", "王经理", "Send them up"):
        assert fact in text, fact
    assert reload(db, visit).answer is None


def test_the_host_answers_through_the_link(db, desk, host_client):
    visit = register(desk)
    db.session.commit()
    path = path_of(db, visit)

    response = host_client.post(path, data={"answer": "send_up", "note": "请到12楼前台"})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == path
    visit = reload(db, visit)
    assert (visit.answer, visit.answered_via, visit.answer_note) == ("send_up", "link", "请到12楼前台")
    assert (visit.answered_at, visit.answer_recorded_by_id) == (NOW, None)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "visit.answer")).one()
    assert (entry.actor_id, entry.after["via"], entry.after["answer"]) == (None, "link", "send_up")
    text = page(host_client.get(path))
    assert "The front desk has your answer." in text
    assert "Your answer: Send up" in text
    assert 'value="decline"' not in text  # no second answer offered


def test_an_unknown_answer_through_the_link_is_refused(db, desk, host_client):
    visit = register(desk)
    db.session.commit()

    response = host_client.post(path_of(db, visit), data={"answer": "maybe"})

    assert response.status_code == 422
    assert "Choose an answer." in page(response)
    assert reload(db, visit).answer is None


def test_a_second_answer_through_the_link_is_refused_and_the_first_stands(db, desk, host_client, monkeypatch):
    visit = register(desk)
    db.session.commit()
    path = path_of(db, visit)
    assert host_client.post(path, data={"answer": "send_up"}).status_code == 302

    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=3))
    response = host_client.post(path, data={"answer": "decline", "note": "不见了"})

    assert response.status_code == 422
    assert "already answered" in page(response)
    visit = reload(db, visit)
    assert (visit.answer, visit.answer_note, visit.answered_at) == ("send_up", "", NOW)
    assert audit_count(db, "visit.answer", visit) == 1


def test_an_answer_after_the_visitor_left_is_refused(db, desk, host_client):
    visit = register(desk)
    services.sign_out(visit, via="desk", actor=desk["clerk"], now=NOW)
    db.session.commit()

    response = host_client.post(path_of(db, visit), data={"answer": "lobby"})

    assert response.status_code == 422
    assert "no longer at the desk" in page(response)
    assert reload(db, visit).answer is None


# --- the link: signing out --------------------------------------------------------------------

def test_the_host_signs_the_visitor_out_through_the_link_and_the_pass_comes_back(db, desk, host_client):
    card = desk["passes"][0]
    visit = register(desk, pass_id=card.id)
    db.session.commit()
    assert db.session.get(VisitorPass, card.id).out_visit_id == visit.id
    path = path_of(db, visit)

    response = host_client.post(f"{path}/sign-out")

    assert response.status_code == 302
    visit = reload(db, visit)
    assert (visit.status, visit.signed_out_via, visit.signed_out_at, visit.signed_out_by_id) == (
        "signed_out", "link", NOW, None)
    assert db.session.get(VisitorPass, card.id).out_visit_id is None
    assert card.id in [p.id for p in queries.free_passes(desk["site"].id)]
    assert "Your visitor is signed out." in page(host_client.get(path))


def test_signing_out_twice_through_the_link_changes_nothing(db, desk, host_client, monkeypatch):
    card = desk["passes"][0]
    visit = register(desk, pass_id=card.id)
    db.session.commit()
    path = path_of(db, visit)
    assert host_client.post(f"{path}/sign-out").status_code == 302
    # the pass has gone out again with the next visitor
    later = register(desk, name="刘洋", phone="13698765432", pass_id=card.id, now=NOW + timedelta(minutes=5))
    db.session.commit()

    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=10))
    response = host_client.post(f"{path}/sign-out")

    assert response.status_code == 422
    assert "already been signed out" in page(response)
    visit = reload(db, visit)
    assert (visit.status, visit.signed_out_at) == ("signed_out", NOW)
    assert audit_count(db, "visit.signed_out", visit) == 1
    assert db.session.get(VisitorPass, card.id).out_visit_id == later.id


# --- the link: refused ------------------------------------------------------------------------

def _old_token(visit, age):
    """The token the visit's link would have carried had it been signed `age` before the desk's clock."""
    return services.host_token(visit, NOW - age)


def test_an_expired_link_is_refused_and_changes_nothing(app, db, desk, host_client, monkeypatch):
    card = desk["passes"][0]
    visit = register(desk, pass_id=card.id)
    db.session.commit()
    hours = app.config["HOST_LINK_HOURS"]
    expired = _old_token(visit, timedelta(hours=hours, minutes=1))

    for response in (host_client.get(f"/visitors/h/{expired}"),
                     host_client.post(f"/visitors/h/{expired}", data={"answer": "lobby"}),
                     host_client.post(f"/visitors/h/{expired}/sign-out")):
        assert response.status_code == 403
        assert "This link has expired. Please call the front desk." in page(response)
        assert "张伟" not in page(response)

    visit = reload(db, visit)
    assert (visit.answer, visit.status) == (None, "on_site")
    assert db.session.get(VisitorPass, card.id).out_visit_id == visit.id
    with pytest.raises(NotAllowed) as refused:
        services.visit_from_token(expired, NOW)
    with force_locale("en"):
        assert "expired" in str(refused.value)
    # a link signed a little less than HOST_LINK_HOURS ago still works
    recent = _old_token(visit, timedelta(hours=hours, minutes=-1))
    assert host_client.get(f"/visitors/h/{recent}").status_code == 200


def _altered(token, index):
    """The token with one character replaced by another of the URL-safe alphabet."""
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]


FORGERIES = {
    # a character of the signature changed (not the last one: its low bits carry no data)
    "altered signature": lambda app, visit, other: _altered(services.host_token(visit), -5),
    # a character of the visit's data changed
    "altered payload": lambda app, visit, other: _altered(services.host_token(visit), 3),
    "signed with another secret": lambda app, visit, other: URLSafeTimedSerializer(
        "not-the-secret", salt=services.LINK_SALT).dumps({"v": visit.id, "n": visit.link_nonce}),
    "another salt": lambda app, visit, other: URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="password-reset").dumps({"v": visit.id, "n": visit.link_nonce}),
    "another visit, no nonce": lambda app, visit, other: services.host_link_serializer().dumps({"v": other.id}),
    "another visit, this nonce": lambda app, visit, other: services.host_link_serializer().dumps(
        {"v": other.id, "n": visit.link_nonce}),
    "no such visit": lambda app, visit, other: services.host_link_serializer().dumps(
        {"v": other.id + 1000, "n": other.link_nonce}),
    "not a token": lambda app, visit, other: "hello",
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_link_is_refused_and_changes_nothing(app, db, desk, host_client, forgery):
    visit = register(desk)
    other = register(desk, name="刘洋", phone="13698765432", pass_id=desk["passes"][1].id)
    db.session.commit()
    token = FORGERIES[forgery](app, visit, other)
    assert token != services.host_token(visit) and token != services.host_token(other)

    for response in (host_client.get(f"/visitors/h/{token}"),
                     host_client.post(f"/visitors/h/{token}", data={"answer": "send_up"}),
                     host_client.post(f"/visitors/h/{token}/sign-out")):
        assert response.status_code == 403
        assert "This link is not valid. Please call the front desk." in page(response)
        assert "刘洋" not in page(response) and "张伟" not in page(response)

    for v in (reload(db, visit), reload(db, other)):
        assert (v.answer, v.status) == (None, "on_site")
    assert db.session.get(VisitorPass, desk["passes"][1].id).out_visit_id == other.id
    assert audit_count(db, "visit.answer", visit) == audit_count(db, "visit.answer", other) == 0


# --- staff hosts answer in the app ------------------------------------------------------------

@pytest.fixture
def staff_visit(db, desk):
    staff = make_user(username="zhou", full_name="周敏", site=desk["site"])
    visit = register(desk, ref=f"user:{staff.id}")
    db.session.commit()
    return staff, visit


def test_a_staff_host_answers_in_the_app(db, desk, staff_visit, as_user):
    staff, visit = staff_visit
    assert outbox_of(db, visit) == {}  # the visit is on their page instead

    response = as_user(staff).post(f"/visitors/mine/{visit.id}/answer", data={"answer": "lobby", "note": "马上下来"},
                                   follow_redirects=True)

    assert response.status_code == 200
    assert "Your answer went to the front desk." in page(response)
    visit = reload(db, visit)
    assert (visit.answer, visit.answered_via, visit.answer_note) == ("lobby", "app", "马上下来")
    assert (visit.answered_at, visit.answer_recorded_by_id) == (NOW, staff.id)


@pytest.mark.parametrize("who", ["colleague", "desk clerk"])
def test_nobody_else_answers_in_the_app_for_a_staff_host(db, desk, staff_visit, as_user, who):
    staff, visit = staff_visit
    other = make_user(username="sun", full_name="孙磊", site=desk["site"]) if who == "colleague" else desk["clerk"]

    response = as_user(other).post(f"/visitors/mine/{visit.id}/answer", data={"answer": "decline"},
                                   follow_redirects=True)

    assert "Only the host answers for their visitor." in page(response)
    visit = reload(db, visit)
    assert (visit.answer, visit.answered_at) == (None, None)
    assert audit_count(db, "visit.answer", visit) == 0
    # the host's own answer still goes through
    as_user(staff).post(f"/visitors/mine/{visit.id}/answer", data={"answer": "send_up"})
    assert reload(db, visit).answer == "send_up"


def test_a_user_of_another_site_does_not_find_the_visit(db, desk, staff_visit, as_user):
    staff, visit = staff_visit
    stranger = make_user(username="qian", full_name="钱程", site=make_site("HOME", kind="estate"))

    response = as_user(stranger).post(f"/visitors/mine/{visit.id}/answer", data={"answer": "decline"})

    assert response.status_code == 404
    assert reload(db, visit).answer is None
