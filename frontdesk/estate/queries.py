"""Reading estate master data: lists with search, the occupants of a unit on a day, lookups."""
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.errors import ValidationFailed
from ..extensions import db
from . import rules
from .models import Building, Contact, Customer, Occupancy, Site, Unit


def sites(active_only=False):
    query = sa.select(Site).order_by(Site.code)
    if active_only:
        query = query.where(Site.active.is_(True))
    return db.session.scalars(query).all()


def site_choices(active_only=True):
    return [(s.id, f"{s.code} · {s.name}") for s in sites(active_only)]


def building_choices(site_id):
    rows = db.session.execute(sa.select(Building.id, Building.code, Building.name)
                              .where(Building.site_id == site_id).order_by(Building.code)).all()
    return [(id_, f"{code} · {name}" if name != code else code) for id_, code, name in rows]


def buildings_of(site_id):
    """Buildings of a site with how many units each has."""
    count = sa.select(sa.func.count(Unit.id)).where(Unit.building_id == Building.id).scalar_subquery()
    return db.session.execute(sa.select(Building, count.label("units"))
                              .where(Building.site_id == site_id).order_by(Building.code)).all()


def _current(query, today: date):
    return query.where(Occupancy.start_on <= today, sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= today))


def units_page(*, site_id=None, q="", use="", page=1, per_page=50):
    """Units matching a unit number or building (code or name), optionally of one use."""
    # the order of the buildings' floor plans: 1-101, 1-102 … 1-1001, not 1-1001, 1-101
    query = sa.select(Unit).join(Building, Building.id == Unit.building_id).order_by(
        Unit.site_id, Building.code, Unit.floor, sa.func.length(Unit.number), Unit.number)
    if site_id:
        query = query.where(Unit.site_id == site_id)
    if use:
        query = query.where(Unit.use == use)
    text = rules.halfwidth(q).upper()
    if text:
        query = query.where(sa.or_(Unit.number.contains(text, autoescape=True), Building.code == text,
                                   Building.name.icontains(q.strip(), autoescape=True)))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def current_occupants(unit_ids, today: date) -> dict[int, list]:
    """unit id → its current occupancies (owner first) with the customer loaded, in one query."""
    if not unit_ids:
        return {}
    query = _current(sa.select(Occupancy).join(Customer, Customer.id == Occupancy.customer_id)
                     .where(Occupancy.unit_id.in_(list(unit_ids))), today)
    query = query.options(sa.orm.contains_eager(Occupancy.customer)).order_by(Occupancy.role, Occupancy.start_on)
    result = {}
    for occupancy in db.session.scalars(query):
        result.setdefault(occupancy.unit_id, []).append(occupancy)
    return result


def occupancies_of_unit(unit_id):
    return db.session.scalars(sa.select(Occupancy).where(Occupancy.unit_id == unit_id)
                              .options(sa.orm.joinedload(Occupancy.customer))
                              .order_by(Occupancy.start_on.desc(), Occupancy.role)).all()


def occupancies_of_customer(customer_id):
    return db.session.scalars(sa.select(Occupancy).where(Occupancy.customer_id == customer_id)
                              .options(sa.orm.joinedload(Occupancy.unit))
                              .order_by(Occupancy.start_on.desc())).all()


def payer_of(unit_id, on: date):
    """The customer billed for a unit on a day: a billed tenant before a billed owner, or None."""
    query = _current(sa.select(Occupancy).where(Occupancy.unit_id == unit_id, Occupancy.billed.is_(True)), on)
    occupancies = db.session.scalars(query.options(sa.orm.joinedload(Occupancy.customer))).all()
    occupancies.sort(key=lambda o: (o.role != "tenant", o.start_on))
    return occupancies[0].customer if occupancies else None


def customers_page(*, site_id=None, q="", page=1, per_page=50):
    """Customers by name, the last 4 digits of their or a contact's phone, a whole phone, a
    credit code or an ID number."""
    query = sa.select(Customer).order_by(Customer.name, Customer.id)
    if site_id:
        query = query.where(Customer.site_id == site_id)
    raw = (q or "").strip()
    text = rules.halfwidth(raw).upper().replace(" ", "")
    if text:
        conditions = [Customer.name.icontains(raw, autoescape=True)]
        if text.isdigit() and len(text) == 4:
            contact_match = sa.select(Contact.id).where(Contact.customer_id == Customer.id,
                                                        Contact.phone_last4 == text).exists()
            conditions += [Customer.phone_last4 == text, contact_match]
        if len(text) >= 7:
            conditions += [Customer.phone == text, Customer.credit_code == text, Customer.id_number == text]
        query = query.where(sa.or_(*conditions))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def customer_by_reference(site_id, reference):
    """The one customer of a site that a clerk's text names: credit code, ID number, phone or
    exact name. Raises ValidationFailed (field "customer") when none or several match."""
    raw = (reference or "").strip()
    text = rules.halfwidth(raw).upper().replace(" ", "")
    if not text:
        raise ValidationFailed(_l("This field is required."), field="customer")
    query = sa.select(Customer).where(Customer.site_id == site_id, sa.or_(
        Customer.credit_code == text, Customer.id_number == text, Customer.phone == text, Customer.name == raw))
    found = db.session.scalars(query.limit(2)).all()
    if not found:
        raise ValidationFailed(_l("No customer of this site has that name, phone, ID number or credit code. "
                                  "Register the customer first."), field="customer")
    if len(found) > 1:
        raise ValidationFailed(_l("Several customers match. Give the phone, ID number or credit code instead."),
                               field="customer")
    return found[0]
