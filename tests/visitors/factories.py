"""Visitor test data: a park with a tenant company, its contact, a resident, passes and a clerk;
and clerks acting at the same moment."""

from datetime import date

from frontdesk.estate.models import Contact
from frontdesk.extensions import db
from frontdesk.visitors import queries, services
from frontdesk.visitors.models import VisitorPass
from tests.factories import NOW, make_building, make_customer, make_site, make_unit, make_user


def make_contact(customer, name="王经理", phone="13900001111", email="wang@example.com"):
    contact = Contact(customer=customer, name=name, position="", phone=phone, phone_last4=phone[-4:] if phone else None,
                      email=email)
    db.session.add(contact)
    db.session.flush()
    return contact


def make_passes(site, count=5):
    cards = [VisitorPass(site_id=site.id, number=f"{n:03d}", active=True) for n in range(1, count + 1)]
    db.session.add_all(cards)
    db.session.flush()
    return cards


def make_desk(passes=5):
    """A park with tenant 星河科技 at A-1203 (contact 王经理), a resident household, a clerk and passes."""
    site = make_site("PARK", kind="park", name="星河产业园", company_name="星河物业服务有限公司")
    building = make_building(site, "A")
    unit = make_unit(building, "A-1203")
    company = make_customer(site, "星河科技有限公司", kind="company", unit=unit, role="tenant",
                            start_on=date(2024, 1, 1))
    contact = make_contact(company)
    home = make_unit(building, "A-0801", use="home")
    resident = make_customer(site, "陈美玲", phone="13812345678", unit=home, start_on=date(2020, 1, 1))
    clerk = make_user("clerk", username="clerk1", full_name="李娟", site=site)
    cards = make_passes(site, passes)
    return dict(site=site, unit=unit, company=company, contact=contact, resident=resident, clerk=clerk, passes=cards)


def details(**overrides):
    values = dict(name="张伟", phone="13712345678", company="远景设计", party_size=1, purpose="business")
    values.update(overrides)
    return services.VisitorDetails(**values)


def host(site, ref):
    return queries.host_by_ref(site.id, ref, NOW.date())


def register(desk, *, ref=None, now=NOW, pass_id=None, **overrides):
    site = desk["site"]
    return services.register_visit(site, details(**overrides), host(site, ref or f"contact:{desk['contact'].id}"),
                                   actor=desk["clerk"], now=now, pass_id=pass_id, base_url="http://desk.test/")
