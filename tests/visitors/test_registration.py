"""Registering a walk-in visitor, booking ahead and checking in, the watch list, returning visitors
and the follow-up list of visitors never signed out."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.auth.models import User
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.core.notify import OutboxMessage
from frontdesk.core.numbering import Counter
from frontdesk.estate.models import Occupancy, Site
from frontdesk.visitors import queries, services
from frontdesk.visitors.models import Visit, Visitor, VisitorPass
from tests.factories import NOW, THREADS, english, make_site, make_user, run_together
from tests.visitors.factories import details, host, register

GOOD_ID = "11010519491231002X"
OTHER_ID = "440304199001011233"
TODAY = date(2026, 3, 31)




def contact_ref(desk):
    return f"contact:{desk['contact'].id}"


def audit(db, action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def outbox(db):
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def require_ids(db, desk):
    """The site registers an ID document of every visitor (without it, ID numbers are not kept)."""
    services.save_settings(desk["site"], id_required=True, answer_minutes=5, actor=desk["clerk"], now=NOW)
    db.session.commit()


def visit_counter(db, site):
    return db.session.scalar(sa.select(Counter.value).where(Counter.kind == "visit", Counter.scope == site.code))


def state(db, site):
    """Everything a registration writes, to show that a refused one wrote nothing."""
    def count(model):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    return {
        "visits": count(Visit),
        "visitors": count(Visitor),
        "passes out": db.session.scalar(sa.select(sa.func.count()).where(VisitorPass.out_visit_id.is_not(None))),
        "counter": visit_counter(db, site),
        "audit": count(AuditEntry),
        "outbox": count(OutboxMessage),
    }


# --- a good registration -----------------------------------------------------------------------

def test_visits_are_numbered_FK_year_from_000001_in_order(db, desk):
    numbers = [register(desk, phone=f"1371234567{i}").number for i in range(3)]

    assert numbers == ["FK2026-000001", "FK2026-000002", "FK2026-000003"]


def test_each_site_numbers_its_own_visits(db, desk):
    register(desk)
    register(desk, phone="13712345679")
    other = make_site("EAST", name="东区")
    other_clerk = make_user("clerk", site=other)
    other_host = make_user("supervisor", site=other, full_name="周敏")

    visit = services.register_visit(other, details(), host(other, f"user:{other_host.id}"), actor=other_clerk, now=NOW)

    assert visit.number == "FK2026-000001"


def test_numbering_starts_again_on_new_year_in_shanghai_time(db, desk):
    register(desk, now=datetime(2026, 12, 31, 15, 0, tzinfo=timezone.utc))  # 23:00 in Shanghai
    # 00:30 on 1 January in Shanghai, still 31 December in UTC
    visit = register(desk, phone="13712345679", now=datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc))

    assert visit.number == "FK2027-000001"


def test_registration_copies_the_host_details_onto_the_visit(db, desk):
    visit = register(desk)

    assert (visit.host_kind, visit.host_contact_id) == ("contact", desk["contact"].id)
    assert visit.host_name == "王经理"
    assert visit.host_company == "星河科技有限公司"
    assert visit.host_unit == "A-1203"
    assert visit.host_phone == "13900001111"
    assert visit.host_email == "wang@example.com"
    assert visit.status == "on_site" and visit.arrived_at == NOW and visit.registered_by_id == desk["clerk"].id


def test_the_copied_host_details_stay_when_the_contact_changes_later(db, desk):
    visit = register(desk)
    desk["contact"].name, desk["contact"].phone = "王总", "13900002222"
    db.session.commit()

    db.session.refresh(visit)
    assert (visit.host_name, visit.host_phone) == ("王经理", "13900001111")


def test_a_resident_and_a_member_of_staff_can_be_hosts(db, desk):
    staff = make_user("supervisor", site=desk["site"], full_name="赵强")

    at_home = register(desk, ref=f"customer:{desk['resident'].id}")
    at_office = register(desk, ref=f"user:{staff.id}", phone="13712345679")

    assert (at_home.host_kind, at_home.host_customer_id, at_home.host_name, at_home.host_unit) == (
        "customer", desk["resident"].id, "陈美玲", "A-0801")
    assert (at_office.host_kind, at_office.host_user_id, at_office.host_name) == ("user", staff.id, "赵强")


def test_the_chosen_pass_is_handed_out(db, desk):
    card = desk["passes"][2]

    visit = register(desk, pass_id=card.id)
    db.session.commit()

    assert visit.pass_number == "003" and visit.pass_id == card.id
    assert db.session.get(VisitorPass, card.id).out_visit_id == visit.id
    assert "003" not in [p.number for p in queries.free_passes(desk["site"].id)]


def test_a_visitor_is_remembered_by_phone_and_updated_when_they_come_back(db, desk):
    require_ids(db, desk)
    first = register(desk, name="张伟", company="远景设计", plate="京A12345", id_number=OTHER_ID)
    second = register(desk, name="张伟", company="远景建筑设计院", now=NOW + timedelta(days=3), id_number=GOOD_ID)
    db.session.commit()

    visitors = db.session.scalars(sa.select(Visitor)).all()
    assert len(visitors) == 1
    visitor = visitors[0]
    assert (visitor.phone, visitor.name, visitor.company) == ("13712345678", "张伟", "远景建筑设计院")
    assert visitor.visits == 2
    assert visitor.last_visit_id == second.id and visitor.last_visit_at == NOW + timedelta(days=3)
    assert visitor.id_number == GOOD_ID
    assert first.visitor_id == second.visitor_id == visitor.id


def test_the_same_phone_at_another_site_is_another_visitor(db, desk):
    register(desk)
    other = make_site("EAST", name="东区")
    other_host = make_user("supervisor", site=other)
    services.register_visit(other, details(), host(other, f"user:{other_host.id}"), actor=make_user("clerk", site=other),
                            now=NOW)

    assert [v.visits for v in db.session.scalars(sa.select(Visitor).order_by(Visitor.id))] == [1, 1]


def test_registration_is_audited_and_announced(db, desk):
    visit = register(desk, pass_id=desk["passes"][0].id)

    [registered] = audit(db, "visit.register")
    assert registered.actor_id == desk["clerk"].id
    assert registered.object_type == "visit" and registered.object_id == str(visit.id)
    assert registered.after["host"] == contact_ref(desk) and registered.after["pass"] == "001"
    assert "FK2026-000001" in registered.summary and "张伟" in registered.summary
    [announced] = audit(db, "visit.announce")
    assert announced.object_id == str(visit.id) and "王经理" in announced.summary
    assert visit.announced_at == NOW


def test_the_host_gets_a_text_message_with_the_answer_link(db, desk):
    visit = register(desk)

    [sms] = outbox(db)
    assert (sms.channel, sms.recipient, sms.status) == ("sms", "13900001111", "queued")
    assert "张伟" in sms.body and "远景设计" in sms.body
    assert "http://desk.test/visitors/h/" in sms.body
    assert (sms.object_type, sms.object_id) == ("visit", visit.id)
    token = sms.body.split("/visitors/h/")[1].split()[0]
    assert services.visit_from_token(token, NOW) == visit


def test_no_email_is_queued_without_a_mail_server(db, desk):
    register(desk)

    assert [m.channel for m in outbox(db)] == ["sms"]


@pytest.mark.parametrize("app_config", [{"SMTP_HOST": "mail.example.com"}])
def test_the_host_gets_an_email_too_when_a_mail_server_is_configured(db, desk):
    visit = register(desk)

    messages = {m.channel: m for m in outbox(db)}
    assert set(messages) == {"email", "sms"}
    email = messages["email"]
    assert email.recipient == "wang@example.com"
    assert "张伟" in email.subject
    assert visit.number in email.body and "/visitors/h/" in email.body


def test_a_staff_host_without_phone_or_email_gets_no_message_but_the_visit_is_announced(db, desk):
    staff = make_user("supervisor", site=desk["site"], full_name="赵强")

    register(desk, ref=f"user:{staff.id}")

    assert outbox(db) == []
    assert len(audit(db, "visit.announce")) == 1


def test_phone_plate_and_id_number_are_stored_normalised(db, desk):
    require_ids(db, desk)
    visit = register(desk, phone="137 1234 5678", plate="京a·12345", id_number="11010519491231002x")

    assert (visit.phone, visit.plate, visit.id_number, visit.id_type) == ("13712345678", "京A12345", GOOD_ID, "id_card")


# --- bad input changes nothing -----------------------------------------------------------------

def _move_company_out(db, desk):
    occupancy = db.session.scalar(sa.select(Occupancy).where(Occupancy.customer_id == desk["company"].id))
    occupancy.end_on = TODAY - timedelta(days=1)
    db.session.commit()


def _staff_who_left(db, desk):
    staff = make_user("supervisor", site=desk["site"], full_name="赵强")
    staff.active = False
    db.session.commit()
    return staff


BAD_INPUT = {
    "phone too short": (dict(phone="12345"), "phone", "'12345' is not a phone number"),
    "phone not digits": (dict(phone="abc"), "phone", "'abc' is not a phone number"),
    "no party": (dict(party_size=0), "party_size", "between 1 and 99"),
    "party of 100": (dict(party_size=100), "party_size", "between 1 and 99"),
    "bad plate": (dict(plate="ABC123"), "plate", "'ABC123' is not a vehicle plate"),
    "no name": (dict(name="  "), "name", "Enter the visitor's name"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_on_its_field_and_changes_nothing(db, desk, case):
    overrides, field, message = BAD_INPUT[case]
    before = state(db, desk["site"])

    with pytest.raises(ValidationFailed) as refused:
        register(desk, pass_id=desk["passes"][0].id, **overrides)

    assert refused.value.field == field
    assert message in english(refused.value)
    assert state(db, desk["site"]) == before


def test_an_id_number_with_a_wrong_check_digit_is_refused(db, desk):
    require_ids(db, desk)
    before = state(db, desk["site"])

    with pytest.raises(ValidationFailed) as refused:
        register(desk, pass_id=desk["passes"][0].id, id_number=GOOD_ID[:-1] + "5")

    assert refused.value.field == "id_number"
    assert english(refused.value) == f"The ID number '{GOOD_ID[:-1]}5' is mistyped: its check digit does not match."
    assert state(db, desk["site"]) == before


def test_an_id_number_is_not_kept_where_the_site_does_not_register_ids(db, desk):
    visit = register(desk, id_number=GOOD_ID)

    assert (visit.id_type, visit.id_number) == (None, None)
    assert db.session.scalar(sa.select(Visitor.id_number)) is None


def test_an_id_number_is_refused_when_missing_if_the_site_requires_one(db, desk):
    require_ids(db, desk)
    before = state(db, desk["site"])

    with pytest.raises(ValidationFailed) as refused:
        register(desk, pass_id=desk["passes"][0].id)

    assert refused.value.field == "id_number"
    assert "registers an ID document for every visitor" in english(refused.value)
    assert state(db, desk["site"]) == before
    assert register(desk, id_number=GOOD_ID).id_number == GOOD_ID


def test_a_host_whose_company_moved_out_is_refused(db, desk):
    _move_company_out(db, desk)
    before = state(db, desk["site"])

    with pytest.raises(ValidationFailed) as refused:
        register(desk, pass_id=desk["passes"][0].id)

    assert refused.value.field == "host"
    assert english(refused.value) == ("王经理 has moved out of the site: ask the visitor whom else they can see.")
    assert state(db, desk["site"]) == before


def test_a_member_of_staff_who_left_cannot_be_visited(db, desk):
    staff = _staff_who_left(db, desk)
    before = state(db, desk["site"])

    with pytest.raises(ValidationFailed) as refused:
        register(desk, ref=f"user:{staff.id}")

    assert refused.value.field == "host"
    assert "赵强 no longer works here" in english(refused.value)
    assert state(db, desk["site"]) == before


def test_a_visit_without_a_host_is_refused(db, desk):
    before = state(db, desk["site"])

    with pytest.raises(ValidationFailed) as refused:
        services.register_visit(desk["site"], details(), None, actor=desk["clerk"], now=NOW)

    assert refused.value.field == "host"
    assert "Choose the host from the list" in english(refused.value)
    assert state(db, desk["site"]) == before


def test_a_pass_already_out_is_refused_and_the_visit_is_not_registered(db, desk):
    card = desk["passes"][0]
    register(desk, pass_id=card.id)
    db.session.commit()
    before = state(db, desk["site"])

    with pytest.raises(ValidationFailed) as refused:
        register(desk, phone="13712345679", pass_id=card.id)

    assert refused.value.field == "pass_id"
    assert english(refused.value) == "Pass 001 is already out: choose another."
    assert state(db, desk["site"]) == before
    db.session.rollback()  # as the desk page does after a refusal
    assert register(desk, phone="13712345679", pass_id=desk["passes"][1].id).number == "FK2026-000002"


def test_a_refused_registration_leaves_no_gap_in_the_numbers(db, desk):
    register(desk)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        register(desk, phone="12345")
    db.session.rollback()

    assert register(desk, phone="13712345679").number == "FK2026-000002"


# --- returning visitors ------------------------------------------------------------------------

def test_a_returning_visitor_is_found_by_phone_with_their_last_visit(db, desk):
    staff = make_user("supervisor", site=desk["site"], full_name="赵强")
    register(desk, company="远景设计")
    last = register(desk, ref=f"user:{staff.id}", company="远景建筑设计院", purpose="interview",
                    now=NOW + timedelta(hours=2))
    db.session.commit()

    visitor, last_visit = queries.returning_visitor(desk["site"].id, "13712345678")

    assert (visitor.name, visitor.company, visitor.visits) == ("张伟", "远景建筑设计院", 2)
    assert last_visit.id == last.id
    assert (last_visit.host_user_id, last_visit.purpose) == (staff.id, "interview")


def test_an_unknown_phone_is_not_a_returning_visitor(db, desk):
    register(desk)

    assert queries.returning_visitor(desk["site"].id, "13800000000") is None


# --- the watch list ----------------------------------------------------------------------------

def _watch(desk, level, **who):
    return services.add_watch_entry(desk["site"], level=level, reason=who.pop("reason", "去年闹事"), actor=desk["clerk"],
                                    now=NOW, **who)


@pytest.mark.parametrize("who, visitor", [
    (dict(name="张 伟"), dict(id_number=OTHER_ID)),
    (dict(id_number=GOOD_ID.lower()), dict(name="张三", id_number=GOOD_ID)),
    (dict(phone="137-1234-5678"), dict(name="张三", id_number=OTHER_ID)),
], ids=["name", "id number", "phone"])
def test_a_flagged_visitor_is_only_registered_once_the_clerk_confirms(db, desk, who, visitor):
    require_ids(db, desk)
    _watch(desk, "flag", **who)
    db.session.commit()
    before = state(db, desk["site"])

    with pytest.raises(services.WatchListHit) as hit:
        register(desk, **visitor)

    assert not hit.value.barred and hit.value.field == "confirm_watch"
    assert "on the watch list" in english(hit.value) and "去年闹事" in english(hit.value)
    assert state(db, desk["site"]) == before

    visit = services.register_visit(desk["site"], details(**visitor), host(desk["site"], contact_ref(desk)),
                                    actor=desk["clerk"], now=NOW, confirm_watch=True)
    assert visit.watch_note == "[flag] 去年闹事"
    assert audit(db, "visit.register")[0].after["watch"] == "[flag] 去年闹事"


def test_a_barred_visitor_is_named_as_barred(db, desk):
    require_ids(db, desk)
    _watch(desk, "flag", name="张伟", reason="需陪同")
    _watch(desk, "bar", id_number=GOOD_ID, reason="盗窃")
    db.session.commit()

    with pytest.raises(services.WatchListHit) as hit:
        register(desk, id_number=GOOD_ID)

    assert hit.value.barred
    assert english(hit.value).startswith("This visitor is BARRED by the site")
    assert [e.level for e in hit.value.entries] == ["bar", "flag"]
    # the clerk's tick is not enough to admit someone barred: the supervisor has to
    with pytest.raises(NotAllowed) as refused:
        services.register_visit(desk["site"], details(id_number=GOOD_ID), host(desk["site"], contact_ref(desk)),
                                actor=desk["clerk"], now=NOW, confirm_watch=True)
    assert "only a supervisor can admit them" in english(refused.value)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    supervisor = make_user("supervisor", site=desk["site"])
    visit = services.register_visit(desk["site"], details(id_number=GOOD_ID), host(desk["site"], contact_ref(desk)),
                                    actor=supervisor, now=NOW, confirm_watch=True)
    assert visit.watch_note == "[bar] 盗窃; [flag] 需陪同"


def test_a_removed_watch_entry_no_longer_matches(db, desk):
    entry = _watch(desk, "bar", name="张伟")
    services.remove_watch_entry(entry, actor=desk["clerk"], now=NOW)
    db.session.commit()

    visit = register(desk)

    assert visit.watch_note == ""
    assert [a.object_id for a in audit(db, "watch_entry.remove")] == [str(entry.id)]


def test_another_visitor_with_a_different_name_is_not_matched(db, desk):
    _watch(desk, "bar", name="张伟强")
    _watch(desk, "bar", phone="13800000000")

    assert register(desk, name="张伟").watch_note == ""


# --- booking ahead and checking in -------------------------------------------------------------

def book(desk, on=TODAY, **overrides):
    return services.book_visit(desk["site"], details(**overrides), host(desk["site"], contact_ref(desk)), on,
                               actor=desk["clerk"], now=NOW)


def test_a_booked_visit_is_expected_on_its_day_and_nobody_is_told_yet(db, desk):
    today = book(desk)
    later = book(desk, on=TODAY + timedelta(days=2), name="李雷", phone="13600001111")
    db.session.commit()

    assert [v.id for v in queries.expected_on(desk["site"].id, TODAY)] == [today.id]
    assert [v.id for v in queries.expected_on(desk["site"].id, TODAY + timedelta(days=2))] == [later.id]
    assert (today.status, today.number, today.arrived_at) == ("expected", "FK2026-000001", None)
    assert [a.object_id for a in audit(db, "visit.book")] == [str(today.id), str(later.id)]
    assert outbox(db) == [] and audit(db, "visit.announce") == []
    assert queries.on_site(desk["site"].id) == []


def test_a_visit_cannot_be_booked_for_a_past_day(db, desk):
    before = state(db, desk["site"])

    with pytest.raises(ValidationFailed) as refused:
        book(desk, on=TODAY - timedelta(days=1))

    assert refused.value.field == "expected_on"
    assert "today or a later day" in english(refused.value)
    assert state(db, desk["site"]) == before


def test_check_in_puts_the_visitor_on_site_with_the_next_free_pass_and_tells_the_host(db, desk):
    register(desk, phone="13600001111", pass_id=desk["passes"][0].id)
    visit = book(desk)
    db.session.commit()

    services.check_in(visit, site=desk["site"], actor=desk["clerk"], now=NOW + timedelta(minutes=30))
    db.session.commit()

    assert (visit.status, visit.arrived_at, visit.registered_by_id) == ("on_site", NOW + timedelta(minutes=30),
                                                                        desk["clerk"].id)
    assert visit.pass_number == "002"
    assert db.session.get(VisitorPass, desk["passes"][1].id).out_visit_id == visit.id
    assert visit.id in [v.id for v in queries.on_site(desk["site"].id)]
    assert queries.expected_on(desk["site"].id, TODAY) == []
    assert [a.object_id for a in audit(db, "visit.on_site")] == [str(visit.id)]
    assert str(visit.id) in [a.object_id for a in audit(db, "visit.announce")]
    assert [m.recipient for m in queries.messages_of(visit)] == ["13900001111"]
    assert db.session.get(Visitor, visit.visitor_id).phone == "13712345678"


def test_a_visitor_cannot_be_checked_in_twice(db, desk):
    visit = book(desk)
    services.check_in(visit, site=desk["site"], actor=desk["clerk"], now=NOW)
    db.session.commit()
    before = state(db, desk["site"])

    with pytest.raises(InvalidTransition) as refused:
        services.check_in(visit, site=desk["site"], actor=desk["clerk"], now=NOW + timedelta(minutes=5))

    assert english(refused.value) == "This visitor has already been checked in."
    assert state(db, desk["site"]) == before
    assert (visit.arrived_at, visit.pass_number) == (NOW, "001")


def test_a_cancelled_booking_cannot_be_checked_in(db, desk):
    visit = book(desk)
    services.cancel_booking(visit, actor=desk["clerk"], now=NOW)
    db.session.commit()
    before = state(db, desk["site"])

    with pytest.raises(InvalidTransition) as refused:
        services.check_in(visit, site=desk["site"], actor=desk["clerk"], now=NOW)

    assert english(refused.value) == "This booking was cancelled; register the visitor instead."
    assert state(db, desk["site"]) == before
    assert visit.status == "cancelled"


def test_cancelling_a_booking_takes_it_off_the_expected_list(db, desk):
    visit = book(desk)

    services.cancel_booking(visit, actor=desk["clerk"], now=NOW)
    db.session.commit()

    assert (visit.status, visit.cancelled_at) == ("cancelled", NOW)
    assert queries.expected_on(desk["site"].id, TODAY) == []
    [entry] = audit(db, "visit.cancelled")
    assert (entry.before, entry.after) == ({"status": "expected"}, {"status": "cancelled"})
    with pytest.raises(InvalidTransition) as again:
        services.cancel_booking(visit, actor=desk["clerk"], now=NOW)
    assert english(again.value) == "This booking was cancelled already."


def test_a_visitor_on_site_cannot_be_cancelled(db, desk):
    visit = register(desk)

    with pytest.raises(InvalidTransition) as refused:
        services.cancel_booking(visit, actor=desk["clerk"], now=NOW)

    assert english(refused.value) == "The visitor has arrived; sign them out instead."
    assert visit.status == "on_site"


def test_check_in_is_refused_when_the_host_has_moved_out_since_the_booking(db, desk):
    visit = book(desk)
    db.session.commit()
    _move_company_out(db, desk)

    with pytest.raises(ValidationFailed) as refused:
        services.check_in(visit, site=desk["site"], actor=desk["clerk"], now=NOW)

    assert refused.value.field == "host" and "has moved out" in english(refused.value)
    db.session.rollback()
    assert db.session.get(Visit, visit.id).status == "expected"


def test_check_in_of_a_barred_visitor_needs_confirmation(db, desk):
    require_ids(db, desk)
    visit = book(desk, id_number=GOOD_ID)
    _watch(desk, "bar", id_number=GOOD_ID, reason="盗窃")
    db.session.commit()

    with pytest.raises(services.WatchListHit):
        services.check_in(visit, site=desk["site"], actor=desk["clerk"], now=NOW)
    db.session.rollback()
    assert db.session.get(Visit, visit.id).status == "expected"

    with pytest.raises(NotAllowed):
        services.check_in(visit, site=desk["site"], actor=desk["clerk"], now=NOW, confirm_watch=True)
    db.session.rollback()
    assert db.session.get(Visit, visit.id).status == "expected"
    services.check_in(visit, site=desk["site"], actor=make_user("supervisor", site=desk["site"]), now=NOW,
                      confirm_watch=True)
    assert (visit.status, visit.watch_note) == ("on_site", "[bar] 盗窃")


# --- the follow-up list ------------------------------------------------------------------------

def test_the_follow_up_lists_visitors_who_arrived_that_day_or_before_and_never_left(db, desk):
    yesterday = register(desk, name="昨日", phone="13600000001", now=NOW - timedelta(days=1))
    left = register(desk, name="已走", phone="13600000002")
    services.sign_out(left, via="desk", actor=desk["clerk"], now=NOW + timedelta(hours=1))
    still_here = register(desk, name="未走", phone="13600000003", now=NOW + timedelta(hours=2))
    tomorrow = register(desk, name="明日", phone="13600000004", now=NOW + timedelta(days=1))
    book(desk, name="预约", phone="13600000005")
    db.session.commit()

    def names(day):
        return [v.name for v in queries.not_signed_out(desk["site"].id, day)]

    assert names(TODAY) == [yesterday.name, still_here.name]
    assert names(TODAY - timedelta(days=1)) == [yesterday.name]
    assert names(TODAY + timedelta(days=1)) == [yesterday.name, still_here.name, tomorrow.name]


# --- many clerks at once -----------------------------------------------------------------------

def test_eight_clerks_registering_at_once_get_gapless_unique_numbers(app, db, desk):
    clerks = [desk["clerk"].id] + [make_user("clerk", site=desk["site"]).id for _ in range(THREADS - 1)]
    site_id, ref = desk["site"].id, contact_ref(desk)
    db.session.commit()

    def work(i, tdb):
        site = tdb.session.get(Site, site_id)
        return services.register_visit(site, details(phone=f"136000000{i:02d}"), queries.host_by_ref(site_id, ref, TODAY),
                                       actor=tdb.session.get(User, clerks[i]), now=NOW).number

    results = run_together(app, work)

    assert sorted(results) == [f"FK2026-{n:06d}" for n in range(1, THREADS + 1)]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Visitor.id))) == THREADS
    assert len(audit(db, "visit.register")) == THREADS


def test_the_same_visitor_registered_by_eight_clerks_at_once_is_one_visitor_with_eight_visits(app, db, desk):
    clerks = [make_user("clerk", site=desk["site"]).id for _ in range(THREADS)]
    site_id, ref = desk["site"].id, contact_ref(desk)
    db.session.commit()

    def work(i, tdb):
        return services.register_visit(tdb.session.get(Site, site_id), details(),
                                       queries.host_by_ref(site_id, ref, TODAY),
                                       actor=tdb.session.get(User, clerks[i]), now=NOW).number

    results = run_together(app, work)

    assert sorted(results) == [f"FK2026-{n:06d}" for n in range(1, THREADS + 1)]
    db.session.expire_all()
    [visitor] = db.session.scalars(sa.select(Visitor)).all()
    assert visitor.visits == THREADS


def test_eight_desks_checking_in_one_booking_at_once_check_it_in_once(app, db, desk):
    clerks = [make_user("clerk", site=desk["site"]).id for _ in range(THREADS)]
    site_id = desk["site"].id
    visit_id = book(desk).id
    db.session.commit()

    def work(i, tdb):
        visit = tdb.session.get(Visit, visit_id)
        services.check_in(visit, site=tdb.session.get(Site, site_id), actor=tdb.session.get(User, clerks[i]), now=NOW)
        return visit.pass_number

    results = run_together(app, work)

    assert [r for r in results if isinstance(r, str)] == ["001"], results
    assert all(isinstance(r, InvalidTransition) for r in results if not isinstance(r, str)), results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(VisitorPass.id)).where(VisitorPass.out_visit_id.is_not(None))) == 1
    assert len(audit(db, "visit.on_site")) == 1 and len(audit(db, "visit.announce")) == 1


def test_the_host_and_the_desk_answering_at_once_record_one_answer(app, db, desk):
    phone_clerks = [make_user("clerk", site=desk["site"]).id for _ in range(THREADS)]
    visit_id = register(desk).id
    db.session.commit()

    # half answer through the host's link, half are clerks typing what the host said on the phone
    def work(i, tdb):
        visit = tdb.session.get(Visit, visit_id)
        if i % 2:
            services.answer_visit(visit, "lobby", via="link", actor=None, now=NOW)
        else:
            services.answer_visit(visit, "decline", "在开会", via="phone",
                                  actor=tdb.session.get(User, phone_clerks[i]), now=NOW)
        return visit.answer

    results = run_together(app, work)

    answered = [r for r in results if isinstance(r, str)]
    assert len(answered) == 1, results
    assert all(isinstance(r, InvalidTransition) for r in results if not isinstance(r, str)), results
    db.session.expire_all()
    assert db.session.get(Visit, visit_id).answer == answered[0]
    assert [e.after["answer"] for e in audit(db, "visit.answer")] == answered


def test_a_returning_visitor_at_a_site_that_registers_ids_need_not_show_theirs_again(db, desk):
    require_ids(db, desk)
    first = register(desk, id_number=GOOD_ID)
    services.sign_out(first, via="desk", actor=desk["clerk"], now=NOW)

    again = register(desk, now=NOW + timedelta(hours=3))  # same phone, no ID typed

    assert (again.id_type, again.id_number) == ("id_card", GOOD_ID)
    # someone new without an ID is still refused
    with pytest.raises(ValidationFailed) as refused:
        register(desk, phone="13600009999", name="新来的")
    assert refused.value.field == "id_number"
