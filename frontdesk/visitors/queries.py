"""Read side of visitors: finding a host and a returning visitor, the desk's lists, the register."""
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..core import clock
from ..core.notify import OutboxMessage
from ..estate import rules as estate_rules
from ..estate.models import Contact, Customer, Occupancy, Unit
from ..extensions import db
from . import rules
from .models import (
    EXPECTED, HOST_CONTACT, HOST_CUSTOMER, HOST_STAFF, ON_SITE, Visit, Visitor, VisitorPass, VisitorSettings,
    WatchEntry,
)

HOST_LIMIT = 12  # suggestions under the host field


@dataclass(frozen=True)
class Host:
    """Whom a visitor comes to see: a contact at a tenant company, a resident, or a member of staff."""

    kind: str
    id: int
    name: str
    company: str = ""
    unit: str = ""
    phone: str = ""
    email: str = ""
    active: bool = True

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def label(self) -> str:
        return rules.host_label(self.kind, self.name, self.company, self.unit)


def settings_of(site_id) -> VisitorSettings:
    """The site's visitor settings; the defaults when none were saved."""
    return db.session.get(VisitorSettings, site_id) or VisitorSettings(site_id=site_id, id_required=False,
                                                                       answer_minutes=5)


def _current_units(customer_ids, today):
    """customer id → the numbers of the units they hold today, in one query."""
    if not customer_ids:
        return {}
    rows = db.session.execute(
        sa.select(Occupancy.customer_id, Unit.number).join(Unit, Unit.id == Occupancy.unit_id)
        .where(Occupancy.customer_id.in_(list(customer_ids)), Occupancy.start_on <= today,
               sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= today))
        .order_by(Unit.number)).all()
    found = {}
    for customer_id, number in rows:
        found.setdefault(customer_id, []).append(number)
    return found


def find_hosts(site_id, q, today: date, limit=HOST_LIMIT) -> list[Host]:
    """Hosts matching part of a name, a company or a unit number: contacts of customers who hold a
    unit today, residents (customers who are persons) and active staff of the site."""
    text = (q or "").strip()
    if not text:
        return []
    unit_text = estate_rules.halfwidth(text).upper()
    holding = (sa.select(Occupancy.customer_id).join(Unit, Unit.id == Occupancy.unit_id)
               .where(Unit.site_id == site_id, Occupancy.start_on <= today,
                      sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= today)))
    by_unit = holding.where(Unit.number.contains(unit_text, autoescape=True))
    contacts = db.session.execute(
        sa.select(Contact.id, Contact.name, Contact.phone, Contact.email, Customer.id, Customer.name)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(Customer.site_id == site_id, Customer.id.in_(holding),
               sa.or_(Contact.name.contains(text, autoescape=True), Customer.name.contains(text, autoescape=True),
                      Customer.id.in_(by_unit)))
        .order_by(Customer.name, Contact.name).limit(limit)).all()
    residents = db.session.execute(
        sa.select(Customer.id, Customer.name, Customer.phone)
        .where(Customer.site_id == site_id, Customer.kind == "person", Customer.id.in_(holding),
               sa.or_(Customer.name.contains(text, autoescape=True), Customer.id.in_(by_unit)))
        .order_by(Customer.name).limit(limit)).all()
    staff = db.session.execute(
        sa.select(User.id, User.full_name).where(User.site_id == site_id, User.active.is_(True),
                                                 User.full_name.contains(text, autoescape=True))
        .order_by(User.full_name).limit(limit)).all()
    units = _current_units({r[4] for r in contacts} | {r[0] for r in residents}, today)
    hosts = [Host(HOST_CONTACT, cid, name, company, "、".join(units.get(customer_id, [])[:3]), phone or "", email or "")
             for cid, name, phone, email, customer_id, company in contacts]
    hosts += [Host(HOST_CUSTOMER, cid, name, "", "、".join(units.get(cid, [])[:3]), phone or "")
              for cid, name, phone in residents]
    hosts += [Host(HOST_STAFF, uid, name) for uid, name in staff]
    return hosts[:limit]


def host_by_ref(site_id, ref, today: date) -> Host | None:
    """The host named by "contact:12", "customer:5" or "user:3", with whether they can still be
    visited (their company or household holds a unit today; the member of staff is active)."""
    kind, _, raw_id = (ref or "").partition(":")
    if not raw_id.isdigit() or len(raw_id) > 9:
        return None
    host_id = int(raw_id)
    if kind == HOST_CONTACT:
        contact = db.session.get(Contact, host_id)
        if contact is None or contact.customer.site_id != site_id:
            return None
        units = _current_units([contact.customer_id], today).get(contact.customer_id, [])
        return Host(kind, host_id, contact.name, contact.customer.name, "、".join(units[:3]), contact.phone or "",
                    contact.email or "", active=bool(units))
    if kind == HOST_CUSTOMER:
        customer = db.session.get(Customer, host_id)
        if customer is None or customer.site_id != site_id:
            return None
        units = _current_units([host_id], today).get(host_id, [])
        return Host(kind, host_id, customer.name, "", "、".join(units[:3]), customer.phone or "", active=bool(units))
    if kind == HOST_STAFF:
        user = db.session.get(User, host_id)
        if user is None or user.site_id != site_id:
            return None
        return Host(kind, host_id, user.full_name, "", "", active=user.active)
    return None


def host_of(visit) -> str:
    kind_id = {HOST_CONTACT: visit.host_contact_id, HOST_CUSTOMER: visit.host_customer_id,
               HOST_STAFF: visit.host_user_id}[visit.host_kind]
    return f"{visit.host_kind}:{kind_id}"


_VISITOR_BY_PHONE = (sa.select(Visitor).where(Visitor.site_id == sa.bindparam("site_id"),
                                              Visitor.phone == sa.bindparam("phone")))


def returning_visitor(site_id, phone) -> tuple[Visitor, Visit | None] | None:
    """The visitor known by this phone number at the site, with their last visit (its host and
    purpose fill the form), or None."""
    visitor = db.session.scalars(_VISITOR_BY_PHONE, {"site_id": site_id, "phone": phone}).one_or_none()
    if visitor is None:
        return None
    last = db.session.get(Visit, visitor.last_visit_id) if visitor.last_visit_id else None
    return visitor, last


def _visits(site_id):
    return sa.select(Visit).where(Visit.site_id == site_id).options(joinedload(Visit.registered_by))


_ON_SITE_COLUMNS = (Visit.id, Visit.arrived_at, Visit.name, Visit.company, Visit.phone, Visit.party_size,
                    Visit.purpose, Visit.watch_note, Visit.host_name, Visit.host_company, Visit.host_unit,
                    Visit.host_phone, Visit.announced_at, Visit.answer, Visit.answer_note, Visit.pass_number)
_ON_SITE = (sa.select(*_ON_SITE_COLUMNS).where(Visit.site_id == sa.bindparam("site_id"), Visit.status == ON_SITE)
            .order_by(Visit.arrived_at.desc(), Visit.id.desc()))


def on_site(site_id):
    """Everyone in the building now, the latest arrival first: plain rows with what the desk's list
    shows (the list is reloaded all day; whole visits cost five times as much to load)."""
    return db.session.execute(_ON_SITE, {"site_id": site_id}).all()


def expected_on(site_id, day: date) -> list[Visit]:
    """Visits booked for `day` that have not arrived yet."""
    return db.session.scalars(sa.select(Visit).where(Visit.site_id == site_id, Visit.status == EXPECTED,
                                                     Visit.expected_on == day)
                              .order_by(Visit.host_name, Visit.name)).all()


def not_signed_out(site_id, day: date) -> list[Visit]:
    """Visitors who arrived on `day` or before and were never signed out: the follow-up list."""
    _, end = clock.day_bounds(day)
    return db.session.scalars(_visits(site_id).where(Visit.status == ON_SITE, Visit.arrived_at < end)
                              .order_by(Visit.arrived_at)).all()


def desk_figures(site_id, day: date) -> dict:
    """The visitor figures of the home page: on site now, expected today, left over from earlier
    days without signing out, and passes found missing at a shift count."""
    start, _ = clock.day_bounds(day)
    row = db.session.execute(sa.select(
        sa.func.count().filter(Visit.status == ON_SITE),
        sa.func.count().filter(Visit.status == EXPECTED, Visit.expected_on == day),
        sa.func.count().filter(Visit.status == ON_SITE, Visit.arrived_at < start),
    ).where(Visit.site_id == site_id, Visit.status.in_((ON_SITE, EXPECTED)))).one()
    missing = db.session.scalar(sa.select(sa.func.count()).where(
        VisitorPass.site_id == site_id, VisitorPass.active.is_(True), VisitorPass.missing_since.is_not(None)))
    return {"on_site": row[0], "expected": row[1], "left_over": row[2], "missing_passes": missing}


def visits_for_host(user_id, day: date) -> list[Visit]:
    """A member of staff's visitors today: waiting for an answer, on site, expected."""
    start, end = clock.day_bounds(day)
    return db.session.scalars(
        sa.select(Visit).where(Visit.host_user_id == user_id, sa.or_(
            Visit.status == ON_SITE, sa.and_(Visit.status == EXPECTED, Visit.expected_on == day)))
        .order_by(Visit.arrived_at.desc())).all()


def visits_page(site_id, *, q="", start_on=None, end_on=None, page=1, per_page=50):
    """The visit history, newest first, by visitor name, phone, company, host or visit number."""
    query = sa.select(Visit).where(Visit.site_id == site_id, Visit.arrived_at.is_not(None))
    if start_on:
        query = query.where(Visit.arrived_at >= clock.day_bounds(start_on)[0])
    if end_on:
        query = query.where(Visit.arrived_at < clock.day_bounds(end_on)[1])
    text = (q or "").strip()
    if text:
        query = query.where(sa.or_(*(column.contains(text, autoescape=True) for column in (
            Visit.name, Visit.phone, Visit.company, Visit.host_name, Visit.host_company, Visit.number))))
    return db.paginate(query.order_by(Visit.arrived_at.desc(), Visit.id.desc()), page=page, per_page=per_page,
                       error_out=False)


def register_rows(site_id, start_on: date, end_on: date) -> list[Visit]:
    """Every visit that arrived in the date range, in order of arrival: the register for security."""
    start, end = clock.day_bounds(start_on)[0], clock.day_bounds(end_on)[1]
    return db.session.scalars(
        sa.select(Visit).where(Visit.site_id == site_id, Visit.arrived_at >= start, Visit.arrived_at < end)
        .options(joinedload(Visit.registered_by), joinedload(Visit.signed_out_by))
        .order_by(Visit.arrived_at, Visit.id)).all()


def free_passes(site_id) -> list[VisitorPass]:
    """The passes in the drawer to hand out. One found missing at the last shift count is not
    there to hand out: it comes back when a count (or a sign-out) finds it."""
    return db.session.scalars(
        sa.select(VisitorPass).where(VisitorPass.site_id == site_id, VisitorPass.active.is_(True),
                                     VisitorPass.out_visit_id.is_(None), VisitorPass.missing_since.is_(None))
        .order_by(sa.func.length(VisitorPass.number), VisitorPass.number)).all()


def passes(site_id) -> list[tuple[VisitorPass, Visit | None]]:
    """Every pass of the site with the visit holding it now."""
    return db.session.execute(
        sa.select(VisitorPass, Visit).outerjoin(Visit, Visit.id == VisitorPass.out_visit_id)
        .where(VisitorPass.site_id == site_id)
        .order_by(VisitorPass.active.desc(), sa.func.length(VisitorPass.number), VisitorPass.number)).all()


def pass_counts(site_id, limit=20):
    from .models import PassCount

    return db.session.scalars(sa.select(PassCount).where(PassCount.site_id == site_id)
                              .order_by(PassCount.counted_at.desc()).limit(limit)).all()


def watch_entries(site_id, *, active_only=True) -> list[WatchEntry]:
    query = sa.select(WatchEntry).where(WatchEntry.site_id == site_id)
    if active_only:
        query = query.where(WatchEntry.active.is_(True))
    return db.session.scalars(query.order_by(WatchEntry.level, WatchEntry.name)).all()


def watch_hits(site_id, *, name, id_number, phone) -> list[WatchEntry]:
    """The active entries this visitor matches (exact ID number or phone, or the whole name)."""
    conditions = []
    if name:
        conditions.append(WatchEntry.name != "")
    if id_number:
        conditions.append(WatchEntry.id_number == id_number)
    if phone:
        conditions.append(WatchEntry.phone == phone)
    if not conditions:
        return []
    entries = db.session.scalars(sa.select(WatchEntry).where(
        WatchEntry.site_id == site_id, WatchEntry.active.is_(True), sa.or_(*conditions))).all()
    return rules.watch_matches(entries, name=name, id_number=id_number, phone=phone)


def messages_of(visit) -> list[OutboxMessage]:
    return db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.object_type == "visit", OutboxMessage.object_id == visit.id).order_by(OutboxMessage.id)).all()


def answers(site_id, visit_ids, now: datetime):
    """What the desk's open pages need to refresh themselves: each visit's answer and whether the
    host should be phoned."""
    minutes = settings_of(site_id).answer_minutes
    rows = db.session.execute(sa.select(
        Visit.id, Visit.status, Visit.answer, Visit.answer_note, Visit.answered_at, Visit.announced_at,
        Visit.signed_out_at).where(Visit.site_id == site_id, Visit.id.in_(visit_ids))).all()
    return [{"id": r.id, "status": r.status, "answer": r.answer, "note": r.answer_note,
             "answered_at": r.answered_at, "signed_out": r.signed_out_at is not None,
             "call_host": r.status == ON_SITE and rules.answer_overdue(r.announced_at, r.answer, minutes, now)}
            for r in rows]


def outbox_page(site_id, *, status="", page=1, per_page=50):
    """The site's emails and text messages, newest first; failed ones first when asked."""
    query = sa.select(OutboxMessage).where(OutboxMessage.site_id == site_id)
    if status:
        query = query.where(OutboxMessage.status == status)
    return db.paginate(query.order_by(OutboxMessage.id.desc()), page=page, per_page=per_page, error_out=False)
