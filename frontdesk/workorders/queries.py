"""Read side of work orders: the site's time limits and callback policies, the desk's lists (open,
overdue, a technician's own, possible duplicates), chase notices, shift handovers."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from . import rules
from .models import (
    CALLBACK_NONE, ON_HOLD, OPEN_STATUSES, UNFINISHED_STATUSES, CallbackPolicy, ChaseNotice, Department, Handover,
    TimeLimit, WorkOrder, WorkOrderPause,
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


def overdue_orders(site_id, now, *, limit=200) -> list[WorkOrder]:
    """The overdue list: escalated orders first, then the highest priority, then the oldest deadline."""
    return db.session.scalars(
        sa.select(WorkOrder).where(WorkOrder.site_id == site_id, _overdue(now))
        .options(joinedload(WorkOrder.department), joinedload(WorkOrder.assignee))
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
    common area of the same building (for a report about a common area: anywhere in the building).
    The clerk may link the call to one of them instead of logging it twice."""
    if not building_id:
        return []
    where = [WorkOrder.site_id == site_id, WorkOrder.category == category, WorkOrder.building_id == building_id,
             WorkOrder.logged_at >= now - timedelta(days=DUPLICATE_DAYS), WorkOrder.status.in_(OPEN_STATUSES)]
    if unit_id:
        where.append(sa.or_(WorkOrder.unit_id == unit_id, WorkOrder.unit_id.is_(None)))
    return db.session.scalars(sa.select(WorkOrder).where(*where).order_by(WorkOrder.logged_at.desc())
                              .limit(limit)).all()
