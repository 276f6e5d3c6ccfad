"""Read side of work orders: the site's time limits and callback policies, the desk's lists (open,
overdue, a technician's own, possible duplicates), chase notices, shift handovers."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from ..auth.models import User, UserRole
from ..auth.permissions import TECHNICIAN, WORKORDERS_LOG
from ..billing.rules import normalise_unit_number
from ..core import clock
from ..estate import rules as estate_rules
from ..estate.models import Contact, Customer, Occupancy, Unit
from ..extensions import db
from . import rules
from .models import (
    CALLBACK_NONE, ON_HOLD, OPEN_STATUSES, UNFINISHED_STATUSES, CalendarDay, CallbackPolicy, ChaseNotice, Department,
    Handover, TimeLimit, WorkOrder, WorkOrderPause, WorkOrderReport,
)

# a report of the same category at the same unit or building within this many days may be the same problem
DUPLICATE_DAYS = 3


def time_limit_table(site_id) -> dict:
    """(kind, category, urgency, complexity) → TimeLimits: the site's table, or the defaults while
    the site has not changed any."""
    rows = db.session.scalars(sa.select(TimeLimit).where(TimeLimit.site_id == site_id)).all()
    if not rows:
        return dict(rules.DEFAULT_TIME_LIMITS)
    return {(r.kind, r.category, r.urgency, r.complexity): rules.TimeLimits(
        rules.Limit(r.response_amount, r.response_unit), rules.Limit(r.target_amount, r.target_unit),
        rules.Limit(r.hard_amount, r.hard_unit)) for r in rows}


def calendar_overrides() -> dict:
    """date → working? for the days entered for years the calendar package does not know."""
    return dict(db.session.execute(sa.select(CalendarDay.day, CalendarDay.working)).all())


def calendar_days() -> list:
    return db.session.scalars(sa.select(CalendarDay).order_by(CalendarDay.day)).all()


def time_limit_rows(site_id) -> list[TimeLimit]:
    return db.session.scalars(sa.select(TimeLimit).where(TimeLimit.site_id == site_id).order_by(
        TimeLimit.kind, TimeLimit.category, TimeLimit.urgency, TimeLimit.complexity)).all()


def callback_policy(site_id, kind) -> tuple[str, int]:
    """(policy, within working days) for completed orders of a kind at a site."""
    row = db.session.scalar(sa.select(CallbackPolicy).where(CallbackPolicy.site_id == site_id,
                                                            CallbackPolicy.kind == kind))
    if row is not None:
        return row.policy, row.within_days
    return rules.DEFAULT_CALLBACK_POLICIES.get(kind, (CALLBACK_NONE, 3))


def callback_policies(site_id) -> dict[str, tuple[str, int]]:
    return {kind: callback_policy(site_id, kind) for kind in rules.KIND_LABELS}


def departments(site_id, *, active_only=True) -> list[Department]:
    query = sa.select(Department).where(Department.site_id == site_id).order_by(Department.name)
    if active_only:
        query = query.where(Department.active.is_(True))
    return db.session.scalars(query).all()


def pauses_of(order_id) -> list[tuple[datetime, datetime | None]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(WorkOrderPause.started_at, WorkOrderPause.ended_at).where(WorkOrderPause.order_id == order_id)
        .order_by(WorkOrderPause.id))]


def open_chase(order_id) -> ChaseNotice | None:
    """The order's latest chase notice."""
    return db.session.scalar(sa.select(ChaseNotice).where(ChaseNotice.order_id == order_id)
                             .order_by(ChaseNotice.id.desc()).limit(1))


def chase_count(order_id) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ChaseNotice)
                             .where(ChaseNotice.order_id == order_id))


def chase_notices_of(order_id) -> list[ChaseNotice]:
    return db.session.scalars(sa.select(ChaseNotice).where(ChaseNotice.order_id == order_id)
                              .order_by(ChaseNotice.id)).all()


def _overdue(now):
    """Open, not on hold, and past the resolution promise or still unanswered past the response limit."""
    return sa.and_(
        WorkOrder.status.in_([s for s in OPEN_STATUSES if s != ON_HOLD]),
        sa.or_(WorkOrder.resolve_due_at < now,
               sa.and_(WorkOrder.first_response_at.is_(None), WorkOrder.response_due_at < now)))


def chase_candidates(site_id, now) -> list[WorkOrder]:
    """Open orders past their resolution promise, for the chase run (oldest deadline first)."""
    return db.session.scalars(
        sa.select(WorkOrder).where(WorkOrder.site_id == site_id,
                                   WorkOrder.status.in_([s for s in OPEN_STATUSES if s != ON_HOLD]),
                                   WorkOrder.resolve_due_at < now)
        .order_by(WorkOrder.resolve_due_at)).all()


def overdue_orders(site_id, now, *, limit=200) -> list:
    """The overdue list: escalated orders first, then the highest priority, then the oldest deadline.
    Plain rows of what the list shows (whole orders with their departments and technicians took
    most of the page's time)."""
    assignee = aliased(User)
    return db.session.execute(
        sa.select(WorkOrder.id, WorkOrder.number, WorkOrder.kind, WorkOrder.place, WorkOrder.urgency,
                  WorkOrder.department_id, WorkOrder.escalated_at, WorkOrder.resolve_due_at,
                  WorkOrder.response_due_at, Department.name.label("department_name"),
                  assignee.full_name.label("assignee_name"))
        .outerjoin(Department, Department.id == WorkOrder.department_id)
        .outerjoin(assignee, assignee.id == WorkOrder.assignee_id)
        .where(WorkOrder.site_id == site_id, _overdue(now))
        .order_by(WorkOrder.escalated_at.is_(None), WorkOrder.priority.desc(), WorkOrder.resolve_due_at)
        .limit(limit)).all()


def overdue_count(site_id, now) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder)
                             .where(WorkOrder.site_id == site_id, _overdue(now)))


def escalated_orders(site_id) -> list[WorkOrder]:
    return db.session.scalars(
        sa.select(WorkOrder).where(WorkOrder.site_id == site_id, WorkOrder.status.in_(OPEN_STATUSES),
                                   WorkOrder.escalated_at.is_not(None))
        .order_by(WorkOrder.escalated_at)).all()


def technician_orders(user_id) -> list[WorkOrder]:
    """A technician's own open orders, the most urgent first."""
    return db.session.scalars(
        sa.select(WorkOrder).where(WorkOrder.assignee_id == user_id, WorkOrder.status.in_(OPEN_STATUSES))
        .order_by(WorkOrder.priority.desc(), WorkOrder.resolve_due_at)).all()


def unfinished_orders(site_id) -> list[WorkOrder]:
    """Everything not yet closed or cancelled: what one shift hands to the next."""
    return db.session.scalars(
        sa.select(WorkOrder).where(WorkOrder.site_id == site_id, WorkOrder.status.in_(UNFINISHED_STATUSES))
        .options(joinedload(WorkOrder.owner), joinedload(WorkOrder.assignee), joinedload(WorkOrder.department))
        .order_by(WorkOrder.priority.desc(), WorkOrder.logged_at)).all()


def handover_item(order, now) -> dict:
    """One line of a handover, frozen: what the incoming clerk needs to follow the order up."""
    due = order.callback_due_at if order.status not in OPEN_STATUSES else order.resolve_due_at
    return {
        "id": order.id, "number": order.number, "kind": order.kind, "status": order.status,
        "place": order.place, "reporter": order.reporter_name, "description": order.description[:120],
        "owner": order.owner.full_name, "department": order.department.name if order.department else "",
        "assignee": order.assignee.full_name if order.assignee else "",
        "due_at": due.isoformat() if due else None, "overdue": bool(due and due < now),
    }


def handovers(site_id, limit=30) -> list[Handover]:
    return db.session.scalars(sa.select(Handover).where(Handover.site_id == site_id)
                              .options(joinedload(Handover.outgoing), joinedload(Handover.incoming))
                              .order_by(Handover.handed_at.desc()).limit(limit)).all()


def possible_duplicates(site_id, category, now, *, building_id, unit_id=None, limit=5) -> list[WorkOrder]:
    """Open orders of the same category logged within DUPLICATE_DAYS at the same unit, or in a
    common area of the same building (for a report about a common area, or a category that concerns
    the whole building such as the lift: anywhere in the building). The clerk may link the call to
    one of them instead of logging it twice."""
    if not building_id:
        return []
    where = [WorkOrder.site_id == site_id, WorkOrder.category == category, WorkOrder.building_id == building_id,
             WorkOrder.logged_at >= now - timedelta(days=DUPLICATE_DAYS), WorkOrder.status.in_(OPEN_STATUSES)]
    if unit_id and category not in rules.BUILDING_WIDE_CATEGORIES:
        where.append(sa.or_(WorkOrder.unit_id == unit_id, WorkOrder.unit_id.is_(None)))
    return db.session.scalars(sa.select(WorkOrder).where(*where).order_by(WorkOrder.logged_at.desc())
                              .limit(limit)).all()


# --- the desk's pages ------------------------------------------------------------------------------

REPORTER_LIMIT = 10  # suggestions under the caller field


def find_reporters(site_id, q, today, limit=REPORTER_LIMIT) -> list[dict]:
    """Who may be calling, from part of a name, a phone number or a unit number: customers of the
    site and contacts of customer companies, one suggestion per unit they hold today (a customer
    holding none is suggested without a unit)."""

    text = (q or "").strip()[:100]
    if not text:
        return []
    folded = estate_rules.halfwidth(text).upper()
    digits = folded.replace("-", "").replace(" ", "")
    holding = (sa.select(Occupancy.customer_id).join(Unit, Unit.id == Occupancy.unit_id)
               .where(Unit.site_id == site_id, Occupancy.start_on <= today,
                      sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= today)))
    by_unit = holding.where(Unit.number.contains(folded, autoescape=True))
    people = [Customer.name.contains(text, autoescape=True), Customer.id.in_(by_unit)]
    contact_match = [Contact.name.contains(text, autoescape=True)]
    if digits.isdigit() and len(digits) >= 4:
        people.append(Customer.phone.contains(digits, autoescape=True))
        contact_match.append(Contact.phone.contains(digits, autoescape=True))
    customers = db.session.execute(
        sa.select(Customer.id, Customer.name, Customer.phone, Customer.kind)
        .where(Customer.site_id == site_id, sa.or_(*people)).order_by(Customer.name).limit(limit)).all()
    contacts = db.session.execute(
        sa.select(Contact.name, Contact.phone, Customer.id, Customer.name)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(Customer.site_id == site_id, Customer.id.in_(holding), sa.or_(*contact_match))
        .order_by(Contact.name).limit(limit)).all()
    ids = {row[0] for row in customers} | {row[2] for row in contacts}
    units = {}
    if ids:
        for customer_id, unit_id, number in db.session.execute(
                sa.select(Occupancy.customer_id, Unit.id, Unit.number).join(Unit, Unit.id == Occupancy.unit_id)
                .where(Occupancy.customer_id.in_(ids), Occupancy.start_on <= today,
                       sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= today)).order_by(Unit.number)):
            if (unit_id, number) not in units.setdefault(customer_id, []):
                units[customer_id].append((unit_id, number))
    found = []
    for customer_id, name, phone, kind in customers:
        if kind == "company":
            continue  # a company calls through one of its contacts
        for unit_id, number in units.get(customer_id) or [(None, "")]:
            found.append({"customer_id": customer_id, "name": name, "phone": phone or "", "company": "",
                          "unit_id": unit_id, "unit": number})
    for name, phone, customer_id, company in contacts:
        for unit_id, number in units.get(customer_id) or [(None, "")]:
            found.append({"customer_id": customer_id, "name": name, "phone": phone or "", "company": company,
                          "unit_id": unit_id, "unit": number})
    return found[:limit]


def unit_by_number(site_id, text):
    """The site's unit typed as "A-1203", "a1203" or "Ａ－１２０３", or None."""

    wanted = normalise_unit_number(estate_rules.halfwidth(text or "")[:30])
    if not wanted:
        return None
    folded = sa.func.upper(sa.func.replace(sa.func.replace(Unit.number, "-", ""), " ", ""))
    return db.session.scalar(sa.select(Unit).where(Unit.site_id == site_id, folded == wanted).limit(1))


def orders_page(site_id, *, statuses=(), kind="", category="", q="", start_on=None, end_on=None, page=1,
                per_page=50):
    """The site's orders, newest first, narrowed by status, kind, category, the days logged and a
    text found in the number, the reporter's name or phone, or the place."""

    query = sa.select(WorkOrder).where(WorkOrder.site_id == site_id)
    if statuses:
        query = query.where(WorkOrder.status.in_(list(statuses)))
    if kind:
        query = query.where(WorkOrder.kind == kind)
    if category:
        query = query.where(WorkOrder.category == category)
    if start_on:
        query = query.where(WorkOrder.logged_at >= clock.day_bounds(start_on)[0])
    if end_on:
        query = query.where(WorkOrder.logged_at < clock.day_bounds(end_on)[1])
    text = (q or "").strip()[:100]
    if text:
        query = query.where(sa.or_(*(column.contains(text, autoescape=True) for column in (
            WorkOrder.number, WorkOrder.reporter_name, WorkOrder.reporter_phone, WorkOrder.place))))
    query = query.options(joinedload(WorkOrder.department), joinedload(WorkOrder.assignee))
    return db.paginate(query.order_by(WorkOrder.logged_at.desc(), WorkOrder.id.desc()), page=page,
                       per_page=per_page, error_out=False)


def reports_of(order_id) -> list:
    """The further reports linked to an order, in the order they came."""

    return db.session.scalars(sa.select(WorkOrderReport).where(WorkOrderReport.order_id == order_id)
                              .order_by(WorkOrderReport.id)).all()


def latest_chases(order_ids) -> dict:
    """order id → the number of its latest chase notice, for a list of orders in one query."""
    if not order_ids:
        return {}
    latest = (sa.select(sa.func.max(ChaseNotice.id)).where(ChaseNotice.order_id.in_(list(order_ids)))
              .group_by(ChaseNotice.order_id))
    return dict(db.session.execute(sa.select(ChaseNotice.order_id, ChaseNotice.number)
                                   .where(ChaseNotice.id.in_(latest))).all())


def technicians(site_id) -> list:
    """Active users with the technician role at the site (or at no site in particular)."""

    return db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == TECHNICIAN, User.active.is_(True),
               sa.or_(User.site_id == site_id, User.site_id.is_(None)))
        .order_by(User.full_name)).all()


def desk_figures(site_id, now) -> dict:
    """The work-order figures of the home page: open orders and how many of them are overdue."""
    open_count = db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder).where(
        WorkOrder.site_id == site_id, WorkOrder.status.in_(OPEN_STATUSES)))
    return {"open": open_count, "overdue": overdue_count(site_id, now)}


def technician_open_count(user_id) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder).where(
        WorkOrder.assignee_id == user_id, WorkOrder.status.in_(OPEN_STATUSES)))


# --- chase notices, shift handover, settings ------------------------------------------------------

def chase_notices(site_id, limit=100) -> list[ChaseNotice]:
    """The site's chase notices, the latest first, with their orders and departments."""
    return db.session.scalars(sa.select(ChaseNotice).where(ChaseNotice.site_id == site_id)
                              .options(joinedload(ChaseNotice.order), joinedload(ChaseNotice.department))
                              .order_by(ChaseNotice.issued_at.desc(), ChaseNotice.id.desc()).limit(limit)).all()


def handover_colleagues(site_id, exclude_id) -> list:
    """Who can take over the shift: active users of the site (or of none) who log work orders."""

    users = db.session.scalars(sa.select(User).where(
        User.active.is_(True), User.id != exclude_id, sa.or_(User.site_id == site_id, User.site_id.is_(None)))
        .order_by(User.full_name)).all()
    return [u for u in users if u.can(WORKORDERS_LOG)]


def time_limit_listing(site_id) -> list[tuple[tuple, rules.TimeLimits, TimeLimit | None]]:
    """Every row of the site's time-limit table as (key, limits, stored row), kind by kind, the
    whole-kind row before the narrowed ones; the defaults (no stored row) while the site has
    changed none."""
    rows = time_limit_rows(site_id)
    if rows:
        listing = [((r.kind, r.category, r.urgency, r.complexity), rules.TimeLimits(
            rules.Limit(r.response_amount, r.response_unit), rules.Limit(r.target_amount, r.target_unit),
            rules.Limit(r.hard_amount, r.hard_unit)), r) for r in rows]
    else:
        listing = [(key, limits, None) for key, limits in rules.DEFAULT_TIME_LIMITS.items()]
    kinds = list(rules.KIND_LABELS)
    return sorted(listing, key=lambda item: (kinds.index(item[0][0]), any(item[0][1:]), item[0][1:]))
