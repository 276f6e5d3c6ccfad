"""Every write of work orders: logging an order (or linking a repeated report to it), the paid-service
quote, dispatch, the work itself, pauses, completion (and the one-off charge of a paid service),
the callback, closing, chase notices and escalation, shift handovers, and the site's departments,
time limits and callback policies.

Services take the actor and the clock, flush and never commit, write their audit entry in the same
transaction and raise DomainError subclasses that the views show next to the field or as a flash.
Every transition goes through `_move`, which checks rules.ALLOWED and writes the order's timeline."""
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from ..audit.services import record
from ..auth.permissions import (
    TECHNICIAN, VISITS_RECORD, WORKORDERS_CHASE, WORKORDERS_LOG, WORKORDERS_SETTINGS, WORKORDERS_WORK,
)
from ..auth.models import User
from ..billing.models import ONE_OFF, Charge, FeeItem
from ..billing.services import add_one_off_charge
from ..core import clock, notify
from ..core.errors import InvalidTransition, NotAllowed, ValidationFailed
from ..core.money import AmountError, format_amount, parse_amount
from ..core.numbering import next_number
from ..core.uploads import check_photo
from ..estate import rules as estate_rules
from ..estate.models import Building, Customer, Unit
from ..extensions import db
from . import queries, rules
from .models import (
    CALLBACK_NONE, CALLBACK_POLICIES, CALLBACK_REQUIRED, CALLED_BACK, CANCELLED, CATEGORIES, CHANNELS, CLOSED,
    COMPLAINT, COMPLETED, COMPLEXITIES, DISPATCHED, HOLD_REASONS, IN_PROGRESS, KINDS, NEW, NORMAL, CalendarDay,
    ON_HOLD, OPEN_STATUSES, ORDINARY, URGENCIES, CallbackPolicy, ChaseNotice, Department,
    Handover, TimeLimit, WorkOrder, WorkOrderEvent, WorkOrderPause, WorkOrderPhoto, WorkOrderReport,
)

MAX_PHOTOS = 6
# a chase notice gives the department this long to finish when the hard limit has passed already
CHASE_HOURS = 4


@dataclass
class Report:
    """Who reported the problem and where, as the clerk typed it."""

    reporter_name: str
    reporter_phone: str
    unit_id: int | None = None
    building_id: int | None = None
    place_note: str = ""
    customer_id: int | None = None


@dataclass
class ChaseRun:
    """What one chase run did."""

    issued: list = field(default_factory=list)
    escalated: list = field(default_factory=list)


def _require(actor, *permissions):
    if not any(actor.can(p) for p in permissions):
        raise NotAllowed(_l("Your roles do not allow this."))


def _locked(order) -> WorkOrder:
    """The order re-read under a row lock (SQLite's write transaction serialises anyway)."""
    return db.session.scalars(sa.select(WorkOrder).where(WorkOrder.id == order.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _event(order, action, *, actor, now, before=None, after=None, note=""):
    db.session.add(WorkOrderEvent(order_id=order.id, at=now, actor_id=getattr(actor, "id", None), action=action,
                                  from_status=before, to_status=after, note=note[:500]))


def _move(order, target, action, *, actor, now, note="", audit=None, sources=None):
    """Change the order's status along rules.ALLOWED, with its timeline entry and audit entry.
    `sources` narrows the statuses this action starts from (work starts on a dispatched order and
    resumes on one on hold, though both end in progress)."""
    if not rules.can_move(order.status, target) or (sources is not None and order.status not in sources):
        raise InvalidTransition(_l("Work order %(number)s is %(status)s: it cannot be %(target)s now."),
                                number=order.number, status=rules.STATUS_LABELS[order.status],
                                target=rules.STATUS_LABELS[target])
    before = order.status
    order.status = target
    _event(order, action, actor=actor, now=now, before=before, after=target, note=note)
    record(f"workorder.{action}", actor=actor, now=now, obj=order, summary=f"{order.number} {before}→{target}",
           before={"status": before}, after={"status": target, **(audit or {})})


def _text(value, limit, field_name, message, *, required=False):
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(message, field=field_name)
    if len(text) > limit:
        raise ValidationFailed(_l("Keep this under %(limit)s characters."), field=field_name, limit=limit)
    return text


def _place(site, report: Report):
    """(unit, building, place text) of a report, checked against the site."""

    note = _text(report.place_note, 60, "place_note", "")
    unit = db.session.get(Unit, report.unit_id) if report.unit_id else None
    if unit is not None and unit.site_id == site.id:
        return unit, unit.building, f"{unit.number} {note}".strip()
    building = db.session.get(Building, report.building_id) if report.building_id else None
    if building is None or building.site_id != site.id:
        raise ValidationFailed(_l("Say where the problem is: a unit, or a building and the common area."),
                               field="place")
    if not note:
        raise ValidationFailed(_l("Say where in building %(building)s: the lobby, the lift, the car park."),
                               field="place_note", building=building.code)
    return None, building, f"{building.code} {_('common area')}: {note}"


def _reporter(site, report: Report):
    """(customer, name, phone) of a report. A customer picked from the suggestions without a phone
    typed is called back on the phone on file (a clerk may not see it whole)."""
    name = _text(report.reporter_name, 60, "reporter_name", _l("Who reported it? Give a name."), required=True)
    customer = db.session.get(Customer, report.customer_id) if report.customer_id else None
    if customer is not None and customer.site_id != site.id:
        customer = None
    typed = (report.reporter_phone or "").strip()
    phone = estate_rules.normalise_phone(typed or getattr(customer, "phone", None) or "", field="reporter_phone")
    return customer, name, phone


def _choice(value, choices, field_name, message):
    if value not in choices:
        raise ValidationFailed(message, field=field_name)
    return value


def limits_for(site_id, kind, category, urgency, complexity) -> rules.TimeLimits:
    return rules.pick_limits(queries.time_limit_table(site_id), kind, category, urgency, complexity)


def _set_deadlines(order, pauses=()):
    """Work out the order's deadlines from its frozen limits, standing still during pauses."""
    days = queries.calendar_overrides()
    order.response_due_at = rules.due_at(order.logged_at, rules.Limit(order.response_amount, order.response_unit),
                                         pauses, days)
    order.resolve_due_at = rules.due_at(order.logged_at, rules.Limit(order.target_amount, order.target_unit),
                                        pauses, days)
    order.hard_due_at = rules.due_at(order.logged_at, rules.Limit(order.hard_amount, order.hard_unit), pauses, days)


def log_order(site, *, kind, channel, category, description, report: Report, urgency=NORMAL, complexity=ORDINARY,
              photos=(), answered=False, answer="", actor, now) -> WorkOrder:
    """Log a work order taken by `actor` (its owner to the end, 首问责任制). Its number comes from the
    site's counter for the year; its time limits are frozen from the site's table. `answered`
    records an enquiry answered on the call: the order is completed at once with `answer`. Raises
    ValidationFailed (kind, channel, category, urgency, reporter, place, description, photos).
    An account manager logs what a company asked for at a visit (visits.item_to_work_order).
    Audited as workorder.log."""
    _require(actor, WORKORDERS_LOG, VISITS_RECORD)
    _choice(kind, KINDS, "kind", _l("Choose what kind of call this is."))
    _choice(channel, CHANNELS, "channel", _l("Choose how it reached us."))
    _choice(category, CATEGORIES, "category", _l("Choose a category."))
    _choice(urgency, URGENCIES, "urgency", _l("Choose the urgency."))
    complexity = _choice(complexity if kind == COMPLAINT else ORDINARY, COMPLEXITIES, "complexity",
                         _l("Choose how complex the complaint is."))
    customer, name, phone = _reporter(site, report)
    unit, building, place = _place(site, report)
    description = _text(description, 1000, "description", _l("Describe the problem in the caller's words."),
                        required=True)
    photos = _checked_photos(photos, 0)
    if answered:
        answer = _text(answer, 500, "answer", _l("Write down the answer given."), required=True)
    limits = limits_for(site.id, kind, category, urgency, complexity)
    year = clock.local(now).year
    number = f"GD{year}-{next_number(db.session, 'work_order', site.code, year):06d}"
    order = WorkOrder(
        site_id=site.id, number=number, kind=kind, channel=channel, category=category, urgency=urgency,
        complexity=complexity, status=NEW, priority=rules.priority(urgency, 1), reporters=1,
        customer_id=getattr(customer, "id", None), reporter_name=name, reporter_phone=phone,
        unit_id=getattr(unit, "id", None), building_id=building.id, place=place, description=description,
        owner_id=actor.id, logged_at=now, response_amount=limits.response.amount,
        response_unit=limits.response.unit, target_amount=limits.target.amount, target_unit=limits.target.unit,
        hard_amount=limits.hard.amount, hard_unit=limits.hard.unit, completion_note="", reopened=0, quote_note="",
        agreed_by="", callback_note="")
    _set_deadlines(order)
    db.session.add(order)
    db.session.flush()
    _event(order, "log", actor=actor, now=now, after=NEW, note=description)
    record("workorder.log", actor=actor, now=now, obj=order, summary=f"{number} {kind} {category} {place}",
           after={"kind": kind, "category": category, "urgency": urgency, "reporter": name, "place": place})
    _keep_photos(order, photos, actor=actor, now=now)
    if answered:
        order.first_response_at = now
        _finish(order, answer, "answer", actor=actor, now=now)
    return order


def link_report(order, *, report: Report, channel, note="", actor, now) -> WorkOrderReport:
    """Record one more customer reporting the problem of `order` instead of logging a duplicate.
    Raises the order's priority. Raises InvalidTransition for an order that is no longer open and
    ValidationFailed for the reporter. Audited as workorder.link."""
    _require(actor, WORKORDERS_LOG)
    order = _locked(order)
    if order.status not in OPEN_STATUSES:
        raise InvalidTransition(_l("Work order %(number)s is no longer open: log a new one."), number=order.number)
    _choice(channel, CHANNELS, "channel", _l("Choose how it reached us."))
    customer, name, phone = _reporter(order.site, report)
    try:
        _unit, _building, place = _place(order.site, report)
    except ValidationFailed:
        place = order.place
    note = _text(note, 1000, "description", "")
    linked = WorkOrderReport(order_id=order.id, customer_id=getattr(customer, "id", None), reporter_name=name,
                             reporter_phone=phone, place=place, note=note, channel=channel, reported_at=now,
                             taken_by_id=actor.id)
    db.session.add(linked)
    order.reporters += 1
    order.priority = rules.priority(order.urgency, order.reporters)
    _event(order, "link", actor=actor, now=now, note=f"{name} {place} {note}".strip())
    record("workorder.link", actor=actor, now=now, obj=order, summary=f"{order.number} +{name}",
           after={"reporters": order.reporters, "priority": order.priority, "reporter": name})
    db.session.flush()
    return linked


def _checked_photos(photos, already) -> list[tuple[bytes, str]]:
    photos = [p for p in photos if p]
    if already + len(photos) > MAX_PHOTOS:
        raise ValidationFailed(_l("At most %(count)s photos per order."), field="photos", count=MAX_PHOTOS)
    return [(data, check_photo(data, field="photos")) for data in photos]


def photo_dir() -> Path:
    return Path(current_app.config.get("WORKORDER_PHOTO_DIR") or Path(current_app.instance_path) / "workorder-photos")


def _keep_photos(order, photos, *, actor, now):
    if not photos:
        return
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for data, extension in photos:
        name = f"{order.id}-{uuid4().hex}.{extension}"
        db.session.add(WorkOrderPhoto(order_id=order.id, file_name=name, added_at=now, added_by_id=actor.id))
        (folder / name).write_bytes(data)
    record("workorder.photos", actor=actor, now=now, obj=order, summary=f"{order.number} +{len(photos)}")
    db.session.flush()


def add_photos(order, photos, *, actor, now):
    """Add photos to an order not yet closed. Raises ValidationFailed for a file that is not a JPEG
    or PNG picture, one over 5 MB or more than six in all. Audited as workorder.photos."""
    _require(actor, WORKORDERS_LOG, WORKORDERS_WORK)
    _check_worker(order, actor)
    if order.status in (CLOSED, CANCELLED):
        raise InvalidTransition(_l("Work order %(number)s is closed."), number=order.number)
    checked = _checked_photos(photos, len(order.photos))
    if not checked:
        raise ValidationFailed(_l("Choose a photo to add."), field="photos")
    _keep_photos(order, checked, actor=actor, now=now)


def record_quote(order, *, amount, note, agreed_by, agreed, fee_item_id, actor, now):
    """Record the quote of a paid service (有偿服务) and the customer's agreement, before dispatch.
    Raises ValidationFailed (amount, a quote the customer has not agreed to, no unit to bill, the
    fee item) or InvalidTransition (already dispatched). Audited as workorder.quote."""
    _require(actor, WORKORDERS_LOG)
    order = _locked(order)
    if order.status != NEW:
        raise InvalidTransition(_l("A paid service is quoted and agreed before the order is dispatched."))
    if order.unit_id is None:
        raise ValidationFailed(_l("A paid service is billed to a unit: this order is for a common area."),
                               field="amount")
    try:
        amount = parse_amount(amount)
    except AmountError:
        raise ValidationFailed(_l("Enter the quote: an amount above zero with at most two decimal places."),
                               field="amount") from None
    note = _text(note, 200, "note", _l("Say what the quote covers."), required=True)
    if not agreed:
        raise ValidationFailed(_l("The customer must agree to the quote before the work is dispatched."),
                               field="agreed")
    agreed_by = _text(agreed_by, 60, "agreed_by", _l("Who agreed to the quote?"), required=True)
    item = db.session.get(FeeItem, fee_item_id) if fee_item_id else None
    if item is None or item.site_id != order.site_id or item.basis != ONE_OFF or not item.active:
        raise ValidationFailed(_l("Choose the one-off fee item the work is billed as."), field="fee_item_id")
    order.quote, order.quote_note, order.agreed_by, order.agreed_at, order.fee_item_id = \
        amount, note, agreed_by, now, item.id
    _event(order, "quote", actor=actor, now=now, note=f"{format_amount(amount)} {note} ({agreed_by})")
    record("workorder.quote", actor=actor, now=now, obj=order, summary=f"{order.number} {amount}",
           after={"quote": amount, "note": note, "agreed_by": agreed_by, "fee_item": item.name})


def dispatch(order, *, department_id, assignee_id=None, note="", actor, now):
    """Send the order to a department, and to one of its technicians if named. Also used to send it
    elsewhere later, or back after an unresolved callback (reopen). Raises ValidationFailed (no
    department, a technician of another site) or InvalidTransition. Audited as workorder.dispatch."""

    _require(actor, WORKORDERS_LOG)
    order = _locked(order)
    department = db.session.get(Department, department_id) if department_id else None
    if department is None or department.site_id != order.site_id or not department.active:
        raise ValidationFailed(_l("Choose the department that does the work."), field="department_id")
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee_id and (assignee is None or not assignee.active or TECHNICIAN not in assignee.roles
                        or assignee.site_id not in (None, order.site_id)):
        raise ValidationFailed(_l("Choose a technician of this site."), field="assignee_id")
    note = _text(note, 300, "note", "")
    action = "reopen" if order.status == COMPLETED else "dispatch"
    if action == "reopen":
        order.completed_at, order.callback_due_at, order.reopened = None, None, order.reopened + 1
    _move(order, DISPATCHED, action, actor=actor, now=now,
          note=" ".join(filter(None, [department.name, assignee.full_name if assignee else "", note])),
          audit={"department": department.name, "assignee": assignee.username if assignee else None})
    order.department_id, order.assignee_id, order.dispatched_at = department.id, getattr(assignee, "id", None), now


def _check_worker(order, actor):
    """A technician works only on the orders dispatched to them."""
    if not actor.can(WORKORDERS_LOG) and order.assignee_id != actor.id:
        raise NotAllowed(_l("Work order %(number)s is not dispatched to you."), number=order.number)


def start_work(order, *, actor, now):
    """The technician has started (arrived on site). Audited as workorder.start."""
    _require(actor, WORKORDERS_LOG, WORKORDERS_WORK)
    order = _locked(order)
    _check_worker(order, actor)
    _move(order, IN_PROGRESS, "start", actor=actor, now=now, sources=(DISPATCHED,))
    order.started_at = order.started_at or now


def put_on_hold(order, *, reason, note="", actor, now):
    """Stop the clock while the order waits for the customer or for parts. Raises ValidationFailed
    (reason) or InvalidTransition. Audited as workorder.hold."""
    _require(actor, WORKORDERS_LOG, WORKORDERS_WORK)
    order = _locked(order)
    _check_worker(order, actor)
    _choice(reason, HOLD_REASONS, "reason", _l("Say what the order is waiting for."))
    note = _text(note, 200, "note", "")
    _move(order, ON_HOLD, "hold", actor=actor, now=now, note=note, audit={"reason": reason})
    db.session.add(WorkOrderPause(order_id=order.id, reason=reason, note=note, started_at=now))
    db.session.flush()
    _set_deadlines(order, queries.pauses_of(order.id))


def resume(order, *, actor, now):
    """End the pause: the clock runs again and the deadlines move by the time on hold. Audited as
    workorder.resume."""
    _require(actor, WORKORDERS_LOG, WORKORDERS_WORK)
    order = _locked(order)
    _check_worker(order, actor)
    _move(order, IN_PROGRESS, "resume", actor=actor, now=now, sources=(ON_HOLD,))
    pause = db.session.scalar(sa.select(WorkOrderPause).where(WorkOrderPause.order_id == order.id,
                                                               WorkOrderPause.ended_at.is_(None)))
    if pause is not None:
        pause.ended_at = now
    db.session.flush()
    _set_deadlines(order, queries.pauses_of(order.id))


def record_reply(order, *, note, actor, now):
    """Record a reply to the customer (what they were told and when); the first one is the order's
    first response. Audited as workorder.reply."""
    _require(actor, WORKORDERS_LOG)
    order = _locked(order)
    if order.status in (CLOSED, CANCELLED):
        raise InvalidTransition(_l("Work order %(number)s is closed."), number=order.number)
    note = _text(note, 300, "note", _l("Write down what the customer was told."), required=True)
    order.first_response_at = order.first_response_at or now
    _event(order, "reply", actor=actor, now=now, note=note)
    record("workorder.reply", actor=actor, now=now, obj=order, summary=order.number, after={"note": note})


def complete(order, *, note, actor, now):
    """The work is done (or the enquiry answered, the complaint resolved). A paid service becomes a
    one-off charge on the unit, once: the charge's dedupe key is the order, so a second completion
    after a reopen bills nothing more. The callback falls due by the kind's policy. Raises
    ValidationFailed (no note) or InvalidTransition. Audited as workorder.complete."""
    _require(actor, WORKORDERS_LOG, WORKORDERS_WORK)
    order = _locked(order)
    _check_worker(order, actor)
    note = _text(note, 500, "note", _l("Say what was done."), required=True)
    _finish(order, note, "complete", actor=actor, now=now)


def _finish(order, note, action, *, actor, now):
    _move(order, COMPLETED, action, actor=actor, now=now, note=note)
    order.completed_at, order.completion_note = now, note
    order.first_response_at = order.first_response_at or now
    if order.quote is not None and order.charge_id is None:
        _charge_paid_service(order, actor=actor, now=now)
    policy, within = queries.callback_policy(order.site_id, order.kind)
    order.callback_due_at = (rules.callback_due(now, within, queries.calendar_overrides())
                             if policy == CALLBACK_REQUIRED else None)
    if policy == CALLBACK_NONE:
        _move(order, CLOSED, "close", actor=actor, now=now, note=_("No callback needed for this kind."))
        order.closed_at = now


def _charge_paid_service(order, *, actor, now):

    key = f"workorder:{order.id}"
    existing = db.session.scalar(sa.select(Charge).where(Charge.dedupe_key == key))
    if existing is None:
        with force_locale("zh_CN"):
            text = _("Paid service, work order %(number)s: %(note)s", number=order.number, note=order.quote_note)
        existing = add_one_off_charge(db.session.get(Unit, order.unit_id), db.session.get(FeeItem, order.fee_item_id),
                                      order.quote, text[:200], due_on=clock.business_day(now), actor=actor, now=now,
                                      dedupe_key=key)
    order.charge_id = existing.id


def record_callback(order, *, satisfaction, note="", resolved=True, actor, now):
    """Record the callback (回访) of a completed order: satisfaction 1–5 and a comment. A customer
    who says the problem is not resolved sends the order back to its department (reopen) instead.
    Raises ValidationFailed (satisfaction) or InvalidTransition (an order not completed). Audited
    as workorder.callback (and workorder.reopen)."""
    _require(actor, WORKORDERS_LOG)
    order = _locked(order)
    if order.status != COMPLETED:
        raise InvalidTransition(_l("Only a completed order is called back; %(number)s is %(status)s."),
                                number=order.number, status=rules.STATUS_LABELS[order.status])
    if satisfaction not in (1, 2, 3, 4, 5):
        raise ValidationFailed(_l("Give the customer's satisfaction from 1 to 5."), field="satisfaction")
    note = _text(note, 300, "note", "")
    if not resolved:
        if order.department_id is None:
            raise ValidationFailed(_l("Dispatch the order to a department to send it back."), field="resolved")
        _event(order, "callback", actor=actor, now=now, note=_("Not resolved: %(note)s", note=note))
        dispatch(order, department_id=order.department_id, assignee_id=order.assignee_id,
                 note=_("Callback: not resolved. %(note)s", note=note), actor=actor, now=now)
        return
    _move(order, CALLED_BACK, "callback", actor=actor, now=now, note=note, audit={"satisfaction": satisfaction})
    order.called_back_at, order.satisfaction, order.callback_note = now, satisfaction, note


def close(order, *, actor, now):
    """Close a called-back order, or a completed one whose kind does not require a callback.
    Audited as workorder.close."""
    _require(actor, WORKORDERS_LOG)
    order = _locked(order)
    if order.status == COMPLETED and queries.callback_policy(order.site_id, order.kind)[0] == CALLBACK_REQUIRED:
        raise InvalidTransition(_l("Call the customer back before closing %(number)s."), number=order.number)
    _move(order, CLOSED, "close", actor=actor, now=now)
    order.closed_at = now


def cancel(order, *, reason, actor, now):
    """Cancel an order logged by mistake (not yet worked on). Audited as workorder.cancel."""
    _require(actor, WORKORDERS_LOG)
    order = _locked(order)
    reason = _text(reason, 300, "reason", _l("Say why the order is cancelled."), required=True)
    _move(order, CANCELLED, "cancel", actor=actor, now=now, note=reason)
    order.cancelled_at = now


# --- chasing -------------------------------------------------------------------------------------

def issue_chase_notice(order, *, actor, now) -> ChaseNotice:
    """Issue a chase notice (催办通知单) to the department of an order past its resolution time
    limit: numbered CB<year>-NNNN per site, frozen, and sent to the department's phone and email
    when it has them. It asks for the work by the hard limit, or within CHASE_HOURS when that has
    passed too. Raises InvalidTransition (not overdue, not dispatched, chased already and not yet
    due). Audited as workorder.chase."""
    if actor is not None:
        _require(actor, WORKORDERS_CHASE)
    order = _locked(order)
    if order.status not in OPEN_STATUSES or order.resolve_due_at is None or order.resolve_due_at > now:
        raise InvalidTransition(_l("Work order %(number)s is not overdue."), number=order.number)
    if order.department_id is None:
        raise InvalidTransition(_l("Dispatch %(number)s to a department before chasing it."), number=order.number)
    pending = queries.open_chase(order.id)
    if pending is not None and pending.reply_by > now:
        raise InvalidTransition(_l("Work order %(number)s was chased by notice %(notice)s, due back %(when)s."),
                                number=order.number, notice=pending.number,
                                when=clock.local(pending.reply_by).strftime("%Y-%m-%d %H:%M"))
    site = order.site
    year = clock.local(now).year
    number = f"CB{year}-{next_number(db.session, 'chase_notice', site.code, year):04d}"
    reply_by = (order.hard_due_at if order.hard_due_at and order.hard_due_at > now
                else now + timedelta(hours=CHASE_HOURS))
    department = order.department
    snapshot = {
        "company": site.company_name, "site": site.name, "number": number, "order": order.number,
        "department": department.name, "assignee": order.assignee.full_name if order.assignee else "",
        "kind": order.kind, "category": order.category, "place": order.place, "description": order.description,
        "logged_at": order.logged_at.isoformat(), "due_at": order.resolve_due_at.isoformat(),
        "hard_due_at": order.hard_due_at.isoformat() if order.hard_due_at else None,
        "reply_by": reply_by.isoformat(), "issued_at": now.isoformat(),
        "issued_by": actor.full_name if actor else "", "chases": queries.chase_count(order.id) + 1,
    }
    notice = ChaseNotice(site_id=site.id, number=number, order_id=order.id, department_id=department.id,
                         issued_at=now, issued_by_id=getattr(actor, "id", None), reply_by=reply_by,
                         snapshot=snapshot, reprints=0)
    db.session.add(notice)
    db.session.flush()
    _event(order, "chase", actor=actor, now=now, note=f"{number} → {department.name}")
    record("workorder.chase", actor=actor, now=now, obj=notice, summary=f"{number} {order.number} {department.name}",
           after={"order": order.number, "department": department.name, "reply_by": reply_by})
    with force_locale("zh_CN"):
        text = _("Chase notice %(number)s: work order %(order)s (%(place)s) is past its time limit. "
                 "Finish it by %(when)s.", number=number, order=order.number, place=order.place,
                 when=clock.local(reply_by).strftime("%m-%d %H:%M"))
    if department.phone and estate_rules.is_mobile(department.phone):
        notify.enqueue(db.session, notify.SMS, department.phone, text, now=now, site_id=site.id, obj=notice)
    if department.email and notify.email_configured(current_app.config):
        notify.enqueue(db.session, notify.EMAIL, department.email, text, now=now, subject=text[:60],
                       site_id=site.id, obj=notice)
    return notice


def escalate(order, *, actor, now):
    """Tell the supervisor: the order is still late after its chase notice. Once per order;
    supervisors see escalated orders on their home page and at the top of the overdue list.
    Audited as workorder.escalate."""
    order = _locked(order)
    if order.escalated_at is not None or order.status not in OPEN_STATUSES:
        return False
    order.escalated_at = now
    _event(order, "escalate", actor=actor, now=now, note=_("Still late after the chase notice."))
    record("workorder.escalate", actor=actor, now=now, obj=order, summary=order.number)
    return True


def chase_overdue(site, *, actor, now) -> ChaseRun:
    """One chase round for a site: a chase notice for every dispatched order past its resolution
    limit that has none pending, and escalation of every order whose chase notice ran out while it
    is still not completed. Safe to run again: a pending notice is not repeated and an order is
    escalated once. Run from the overdue list and by `frontdesk workorders chase`."""
    if actor is not None:
        _require(actor, WORKORDERS_CHASE)
    run = ChaseRun()
    for order in queries.chase_candidates(site.id, now):
        notice = queries.open_chase(order.id)
        if notice is not None and notice.reply_by <= now:
            if escalate(order, actor=actor, now=now):
                run.escalated.append(order)
        elif notice is None and order.department_id is not None:
            run.issued.append(issue_chase_notice(order, actor=actor, now=now))
    return run


def reprint_chase_notice(notice, *, actor, now):
    notice.reprints += 1
    record("chase_notice.reprint", actor=actor, now=now, obj=notice, summary=f"{notice.number} {notice.reprints}")


# --- shift handover ------------------------------------------------------------------------------

def hand_over(site, *, incoming, note, actor, now) -> Handover:
    """The outgoing clerk (`actor`) hands the shift to `incoming`: every unfinished order of the site
    (open, or completed and waiting for its callback) is listed and frozen, with both names and the
    note. Raises ValidationFailed (no incoming clerk, the same person). Audited as handover.create."""

    _require(actor, WORKORDERS_LOG)
    other = db.session.get(User, incoming) if isinstance(incoming, int) else incoming
    if other is None or not other.active or not other.can(WORKORDERS_LOG) or other.site_id not in (None, site.id):
        raise ValidationFailed(_l("Choose the clerk who takes over."), field="incoming_id")
    if other.id == actor.id:
        raise ValidationFailed(_l("The shift is handed to somebody else."), field="incoming_id")
    note = _text(note, 1000, "note", "")
    items = [queries.handover_item(order, now) for order in queries.unfinished_orders(site.id)]
    handover = Handover(site_id=site.id, handed_at=now, outgoing_id=actor.id, incoming_id=other.id, note=note,
                        items=items)
    db.session.add(handover)
    db.session.flush()
    record("handover.create", actor=actor, now=now, obj=handover, summary=f"{actor.username}→{other.username}",
           after={"items": len(items), "note": note})
    return handover


# --- settings ------------------------------------------------------------------------------------

def save_department(site, *, name, phone="", email="", active=True, department=None, actor, now) -> Department:
    """Add a department or change one. Raises ValidationFailed (name taken or empty, phone, email).
    Audited as department.save."""
    _require(actor, WORKORDERS_SETTINGS)
    name = _text(name, 60, "name", _l("Give the department a name."), required=True)
    phone = estate_rules.normalise_phone(phone, field="phone") if (phone or "").strip() else ""
    email = estate_rules.normalise_email(email) or ""
    clash = db.session.scalar(sa.select(Department).where(Department.site_id == site.id, Department.name == name))
    if clash is not None and clash is not department:
        raise ValidationFailed(_l("There is a department called %(name)s already."), field="name", name=name)
    before = None
    if department is None:
        department = Department(site_id=site.id)
        db.session.add(department)
    else:
        before = {"name": department.name, "phone": department.phone, "email": department.email,
                  "active": department.active}
    department.name, department.phone, department.email, department.active = name, phone, email, bool(active)
    db.session.flush()
    record("department.save", actor=actor, now=now, obj=department, summary=name, before=before,
           after={"name": name, "phone": phone, "email": email, "active": bool(active)})
    return department


def save_time_limit(site, *, kind, category="", urgency="", complexity="", response, target, hard, actor, now):
    """Set the time limits of a kind (optionally narrowed to a category, urgency and complexity).
    `response`, `target` and `hard` are (amount, unit). Raises ValidationFailed for an unknown kind,
    a limit of zero or less, or a hard limit shorter than the promise. The first change copies the
    defaults into the site's table. Orders already logged keep their limits. Audited as
    time_limit.save."""
    _require(actor, WORKORDERS_SETTINGS)
    _choice(kind, KINDS, "kind", _l("Choose a kind."))
    _choice(category, ("",) + CATEGORIES, "category", _l("Choose a category."))
    _choice(urgency, ("",) + URGENCIES, "urgency", _l("Choose the urgency."))
    _choice(complexity, ("",) + COMPLEXITIES, "complexity", _l("Choose the complexity."))
    limits = []
    for name, (amount, unit) in (("response", response), ("target", target), ("hard", hard)):
        problem = rules.check_limit(amount, unit)
        if problem:
            raise ValidationFailed(problem, field=f"{name}_amount")
        limits.append(rules.Limit(amount, unit))
    if limits[2].nominal() < limits[1].nominal():
        raise ValidationFailed(_l("The limit never to pass cannot be shorter than the promised time."),
                               field="hard_amount")
    _copy_default_limits(site)
    row = db.session.scalar(sa.select(TimeLimit).where(
        TimeLimit.site_id == site.id, TimeLimit.kind == kind, TimeLimit.category == category,
        TimeLimit.urgency == urgency, TimeLimit.complexity == complexity))
    before = None
    if row is None:
        row = TimeLimit(site_id=site.id, kind=kind, category=category, urgency=urgency, complexity=complexity)
        db.session.add(row)
    else:
        before = {"response": f"{row.response_amount} {row.response_unit}",
                  "target": f"{row.target_amount} {row.target_unit}", "hard": f"{row.hard_amount} {row.hard_unit}"}
    (row.response_amount, row.response_unit), (row.target_amount, row.target_unit), (row.hard_amount, row.hard_unit) = \
        response, target, hard
    db.session.flush()
    record("time_limit.save", actor=actor, now=now, obj=row, summary=f"{kind} {category} {urgency} {complexity}",
           before=before, after={"response": str(limits[0]), "target": str(limits[1]), "hard": str(limits[2])})
    return row


def delete_time_limit(row, *, actor, now):
    """Remove a narrowed time limit; the row for a whole kind stays (it is what applies otherwise).
    Audited as time_limit.delete."""
    _require(actor, WORKORDERS_SETTINGS)
    if not (row.category or row.urgency or row.complexity):
        raise ValidationFailed(_l("The time limit of a whole kind can be changed but not removed."), field="kind")
    record("time_limit.delete", actor=actor, now=now, obj=row, summary=f"{row.kind} {row.category} {row.urgency}")
    db.session.delete(row)
    db.session.flush()


def set_calendar_day(day, *, working, name="", actor, now) -> CalendarDay:
    """Enter a public holiday (working False) or a make-up workday (working True) of a year the
    calendar package does not know yet, as the State Council announced it. Deadlines of orders
    logged from now on count it; orders already logged keep theirs. Raises ValidationFailed (a day
    the package knows already, a name too long). Audited as calendar_day.set."""
    _require(actor, WORKORDERS_SETTINGS)
    if rules.official_calendar_knows(day):
        raise ValidationFailed(_l("The official calendar already covers %(day)s."), field="day",
                               day=day.isoformat())
    name = _text(name, 60, "name", _l("Name the holiday or make-up workday."), required=True)
    row = db.session.get(CalendarDay, day)
    before = None if row is None else {"working": row.working, "name": row.name}
    if row is None:
        row = CalendarDay(day=day)
        db.session.add(row)
    row.working, row.name, row.set_at, row.set_by_id = bool(working), name, now, actor.id
    db.session.flush()
    record("calendar_day.set", actor=actor, now=now, object_type="calendar_day", object_id=day.isoformat(),
           summary=f"{day.isoformat()} {name}", before=before, after={"working": bool(working), "name": name})
    return row


def remove_calendar_day(row, *, actor, now):
    """Remove an entered day. Audited as calendar_day.remove."""
    _require(actor, WORKORDERS_SETTINGS)
    record("calendar_day.remove", actor=actor, now=now, object_type="calendar_day", object_id=row.day.isoformat(),
           summary=f"{row.day.isoformat()} {row.name}", before={"working": row.working, "name": row.name})
    db.session.delete(row)
    db.session.flush()


def _copy_default_limits(site):
    if db.session.scalar(sa.select(sa.func.count()).select_from(TimeLimit).where(TimeLimit.site_id == site.id)):
        return
    for (kind, category, urgency, complexity), limits in rules.DEFAULT_TIME_LIMITS.items():
        db.session.add(TimeLimit(
            site_id=site.id, kind=kind, category=category, urgency=urgency, complexity=complexity,
            response_amount=limits.response.amount, response_unit=limits.response.unit,
            target_amount=limits.target.amount, target_unit=limits.target.unit,
            hard_amount=limits.hard.amount, hard_unit=limits.hard.unit))
    db.session.flush()


def save_callback_policy(site, *, kind, policy, within_days, actor, now) -> CallbackPolicy:
    """Set whether completed orders of a kind are called back, and within how many working days.
    Raises ValidationFailed. Audited as callback_policy.save."""
    _require(actor, WORKORDERS_SETTINGS)
    _choice(kind, KINDS, "kind", _l("Choose a kind."))
    _choice(policy, CALLBACK_POLICIES, "policy", _l("Choose whether these orders are called back."))
    if not isinstance(within_days, int) or not 1 <= within_days <= 30:
        raise ValidationFailed(_l("Call back within 1 to 30 working days."), field="within_days")
    row = db.session.scalar(sa.select(CallbackPolicy).where(CallbackPolicy.site_id == site.id,
                                                            CallbackPolicy.kind == kind))
    before = None
    if row is None:
        row = CallbackPolicy(site_id=site.id, kind=kind)
        db.session.add(row)
    else:
        before = {"policy": row.policy, "within_days": row.within_days}
    row.policy, row.within_days = policy, within_days
    db.session.flush()
    record("callback_policy.save", actor=actor, now=now, obj=row, summary=f"{kind} {policy} {within_days}",
           before=before, after={"policy": policy, "within_days": within_days})
    return row
