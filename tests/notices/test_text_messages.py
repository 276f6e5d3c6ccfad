"""A notice by text message goes, on its final approval and not before, to every mobile number of
the customers holding a unit of its buildings (or of the site) that day, each once, through the
outbox; a send log per recipient follows it."""
from datetime import date

import sqlalchemy as sa

from frontdesk.core.notify import OutboxMessage
from frontdesk.estate.models import Contact, Occupancy
from frontdesk.extensions import db
from frontdesk.notices import queries, services
from tests.factories import make_customer, make_unit
from tests.notices.conftest import T3, checked

TEXT = "【星河物业】4月2日8:00-12:00 A座停水，请提前储水。谢谢！"


def audience(desk):
    """In A座: a household with a mobile, a company with two contacts (one a landline), a tenant who
    moved out, and the same mobile twice; in B座 one household."""
    a1, a2, a3 = (make_unit(desk.building, f"A-10{n}") for n in (1, 2, 3))
    make_customer(desk.site, "王芳", phone="13800000001", unit=a1)
    make_customer(desk.site, "王芳（家属）", phone="13800000001", unit=a1, role="tenant")
    company = make_customer(desk.site, "远景科技有限公司", kind="company", unit=a2)
    db.session.add_all([Contact(customer_id=company.id, name="李经理", phone="13900000002"),
                        Contact(customer_id=company.id, name="前台", phone="0571-88886666")])
    gone = make_customer(desk.site, "张伟", phone="13700000003", unit=a3)
    db.session.execute(sa.update(Occupancy).where(Occupancy.customer_id == gone.id).values(end_on=date(2026, 3, 1)))
    make_customer(desk.site, "赵敏", phone="13600000004", unit=make_unit(desk.other_building, "B-101"))
    db.session.commit()


def test_the_audience_is_the_mobile_numbers_of_the_buildings_occupants_each_once(desk):
    audience(desk)
    assert queries.sms_audience(desk.site.id, [desk.building.id], date(2026, 4, 1)) == ["13800000001", "13900000002"]
    assert queries.sms_audience(desk.site.id, [], date(2026, 4, 1)) == ["13600000004", "13800000001", "13900000002"]


def test_the_messages_are_queued_at_the_final_approval_and_not_before(desk):
    audience(desk)
    revision = checked(desk, building_ids=[desk.building.id], to_sms=True, sms_text=TEXT)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    services.approve(revision, actor=desk.manager, now=T3)
    db.session.commit()
    log = queries.sms_log(revision.id)
    assert [(m.channel, m.recipient, m.body, m.status) for m in log] == [
        ("sms", "13800000001", TEXT, "queued"), ("sms", "13900000002", TEXT, "queued")]


def test_a_notice_only_for_the_boards_sends_nothing(desk):
    audience(desk)
    services.approve(checked(desk, building_ids=[desk.building.id]), actor=desk.manager, now=T3)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
