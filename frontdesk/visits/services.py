"""Every write of customer visits: the portfolio (who looks after which company), planning,
recording and cancelling visits with the customer's items and our commitments, turning a request
into a work order, the satisfaction survey and its questionnaire, case studies and the settings.

Services take the actor and the clock, flush and never commit, write their audit entry in the same
transaction and raise DomainError subclasses that the views show next to the field or as a flash.
A manager works on the companies of their own portfolio and on their own visits; holders of
visits.all (supervisors, project managers) see every company, but a visit stays its manager's."""
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..audit.services import record
from ..auth.models import User
from ..auth.permissions import ACCOUNT_MANAGER, VISITS_ALL, VISITS_ASSIGN, VISITS_CASES, VISITS_RECORD, VISITS_SETTINGS
from ..core import clock
from ..core.errors import InvalidTransition, NotAllowed, ValidationFailed
from ..core.numbering import next_number
from ..estate.models import Customer
from ..extensions import db
from . import queries, rules
from .models import (
    DIMENSIONS, ITEM_KINDS, MAX_SCORE, MIN_SCORE, MODES, PLANNED, PURPOSES, RECORDED, CANCELLED, CaseStudy,
    Commitment, CustomerVisit, Portfolio, PortfolioChange, Questionnaire, SurveyAnswer, SurveyQuestion,
    SurveyResponse, VisitItem, VisitSettings,
)


@dataclass
class ItemInput:
    """One thing the customer said, as the manager wrote it. `id` for an item already recorded."""

    kind: str
    text: str
    answer: str = ""
    id: int | None = None


@dataclass
class CommitmentInput:
    text: str
    owner_id: int | None
    due_on: date | None


@dataclass
class AnswerInput:
    question_id: int
    score: int | None
    comment: str = ""


def _require(actor, *permissions):
    if not any(actor.can(p) for p in permissions):
        raise NotAllowed(_l("Your roles do not allow this."))


def _text(value, limit, field_name, message="", *, required=False):
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(message, field=field_name)
    if len(text) > limit:
        raise ValidationFailed(_l("Keep this under %(limit)s characters."), field=field_name, limit=limit)
    return text


def _choice(value, choices, field_name, message):
    if value not in choices:
        raise ValidationFailed(message, field=field_name)
    return value


def _today(now) -> date:
    return clock.business_day(now)


# --- portfolio -----------------------------------------------------------------------------------

def _company(site, customer_id, field_name="customer_id") -> Customer:
    customer = db.session.get(Customer, customer_id) if customer_id else None
    if customer is None or customer.site_id != site.id or customer.kind != "company":
        raise ValidationFailed(_l("Choose a tenant company of this site."), field=field_name)
    return customer


def check_portfolio(actor, customer):
    """A manager works on the companies of their portfolio; visits.all sees every company."""
    if actor.can(VISITS_ALL):
        return
    _require(actor, VISITS_RECORD)
    if queries.manager_of(customer.id) != actor.id:
        raise NotAllowed(_l("%(company)s is not in your portfolio: ask your supervisor to assign it to you."),
                         field="customer_id", company=customer.name)


def _manager(site, user_id) -> User:
    user = db.session.get(User, user_id) if user_id else None
    if (user is None or not user.active or user.site_id not in (site.id, None)
            or ACCOUNT_MANAGER not in user.roles):
        raise ValidationFailed(_l("Choose an active account manager of this site."), field="manager_id")
    return user


def _portfolio_row(site, customer, today) -> Portfolio:
    """The company's portfolio row, locked: created (nobody's) when it has none yet, with an insert
    that does nothing if another transaction created it first, so two first assignments at once
    come one after the other instead of one failing on the key."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Portfolio.__table__).values(
        customer_id=customer.id, site_id=site.id, manager_id=None, since=today,
        last_visit_on=queries.last_visit_day(customer.id)).on_conflict_do_nothing())
    return db.session.scalars(sa.select(Portfolio).where(Portfolio.customer_id == customer.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


@dataclass
class Assignment:
    portfolio: Portfolio
    handed_over: list[str]  # numbers of the previous manager's planned visits, now the new manager's


MAX_ASSIGNED_AT_ONCE = 200


@dataclass
class Handover:
    """What assign_many did: the companies given to the manager (None: to nobody), those that were
    theirs already, and the previous managers' planned visits that went with the companies."""

    manager: User | None
    assigned: list[Customer]
    unchanged: list[Customer]
    handed_over: list[str]


def _give(site, customer, manager, reason, *, actor, now) -> Assignment | None:
    """`customer` to `manager` (None: nobody) from today on, with its history row, the previous
    manager's planned visits and the audit entry; None, changing nothing, when it is theirs already."""
    today = _today(now)
    row = _portfolio_row(site, customer, today)
    before = row.manager_id
    if before == getattr(manager, "id", None):
        return None
    row.manager_id = getattr(manager, "id", None)
    row.since = today
    db.session.add(PortfolioChange(customer_id=customer.id, from_manager_id=before, to_manager_id=row.manager_id,
                                   on=today, reason=reason, changed_by_id=actor.id, changed_at=now))
    plans = []
    if before is not None and manager is not None:
        plans = list(db.session.scalars(sa.select(CustomerVisit).where(
            CustomerVisit.customer_id == customer.id, CustomerVisit.manager_id == before,
            CustomerVisit.status == PLANNED).order_by(CustomerVisit.id).with_for_update()))
        for visit in plans:
            visit.manager_id = manager.id
    db.session.flush()
    handed_over = [visit.number for visit in plans]
    record("visits.assign", actor=actor, now=now, obj=customer,
           summary=f"{customer.name}: {before or '-'} → {row.manager_id or '-'}",
           before={"manager_id": before},
           after={"manager_id": row.manager_id, "reason": reason, "planned_visits": handed_over})
    return Assignment(row, handed_over)


def assign(site, customer, manager_id, *, reason="", actor, now) -> Assignment:
    """Give `customer` to the account manager `manager_id` (None: nobody looks after it now) from
    today on, keeping the change in the history. The previous manager's visits to it still planned
    go to the new manager with the company (released to nobody, they stay where they are: someone
    still has to make or cancel them). Audited as visits.assign."""
    _require(actor, VISITS_ASSIGN)
    customer = _company(site, getattr(customer, "id", None))
    manager = _manager(site, manager_id) if manager_id else None
    done = _give(site, customer, manager, _text(reason, 200, "reason"), actor=actor, now=now)
    if done is None:
        raise ValidationFailed(_l("%(company)s is looked after by this manager already."), field="manager_id",
                               company=customer.name)
    return done


def assign_many(site, customer_ids, manager_id, *, reason="", actor, now) -> Handover:
    """Give several companies to one manager (or nobody) at once, as assign() gives each: when a
    manager leaves, or the portfolios are rebalanced. The companies are locked in id order, so two
    supervisors at once wait for each other instead of deadlocking. Those the manager looks after
    already stay as they are; an id that is not a company of the site refuses the lot."""
    _require(actor, VISITS_ASSIGN)
    ids = sorted(set(customer_ids))
    if not ids:
        raise ValidationFailed(_l("Tick the companies to assign."), field="customer_ids")
    if len(ids) > MAX_ASSIGNED_AT_ONCE:
        raise ValidationFailed(_l("Assign at most %(count)s companies at a time."), field="customer_ids",
                               count=MAX_ASSIGNED_AT_ONCE)
    companies = list(db.session.scalars(sa.select(Customer).where(
        Customer.id.in_(ids), Customer.site_id == site.id, Customer.kind == "company").order_by(Customer.id)))
    if len(companies) != len(ids):
        raise ValidationFailed(_l("Tick tenant companies of this site only."), field="customer_ids")
    manager = _manager(site, manager_id) if manager_id else None
    reason = _text(reason, 200, "reason")
    done = Handover(manager, [], [], [])
    for customer in companies:
        given = _give(site, customer, manager, reason, actor=actor, now=now)
        if given is None:
            done.unchanged.append(customer)
        else:
            done.assigned.append(customer)
            done.handed_over += given.handed_over
    return done


# --- visits --------------------------------------------------------------------------------------

def _locked(model, row):
    """`row` locked until commit and read afresh: what another request changed meanwhile (a handover
    to another manager, the same form sent twice) is what the checks see."""
    return db.session.scalars(sa.select(model).where(model.id == row.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _lock_portfolio(customer_id):
    """Lock the company's portfolio row (when it has one) until commit."""
    db.session.execute(sa.select(Portfolio.customer_id).where(Portfolio.customer_id == customer_id)
                       .with_for_update())


def _own_visit(visit, actor):
    _require(actor, VISITS_RECORD)
    _locked(CustomerVisit, visit)
    if visit.manager_id != actor.id:
        raise NotAllowed(_l("Visit %(number)s is %(manager)s's: only they change it."), number=visit.number,
                         manager=visit.manager.full_name)


def _plan_fields(visit_on, mode, purpose, meet, preparation):
    if visit_on is None:
        raise ValidationFailed(_l("Give the day of the visit."), field="visit_on")
    return (_choice(mode, MODES, "mode", _l("Choose by phone or on site.")),
            _choice(purpose, PURPOSES, "purpose", _l("Choose the purpose of the visit.")),
            _text(meet, 100, "meet"), _text(preparation, 1000, "preparation"))


def _new_visit(site, customer, mode, purpose, visit_on, *, actor, now) -> CustomerVisit:
    """A visit of `actor`, planned, numbered BF<year>-NNNNN per site and year."""
    year = clock.local(now).year
    number = f"BF{year}-{next_number(db.session, 'customer_visit', site.code, year):05d}"
    visit = CustomerVisit(site_id=site.id, number=number, customer_id=customer.id, manager_id=actor.id,
                          status=PLANNED, mode=mode, purpose=purpose, visit_on=visit_on, meet="", preparation="",
                          created_by_id=actor.id, created_at=now, attendees="", summary="", cancel_reason="")
    db.session.add(visit)
    db.session.flush()
    return visit


def plan_visit(site, *, customer_id, visit_on, mode, purpose, meet="", preparation="", actor, now) -> CustomerVisit:
    """Plan a visit of `actor` to a company of their portfolio on `visit_on` (today or later).
    Numbered BF<year>-NNNNN per site. Audited as visits.plan."""
    _require(actor, VISITS_RECORD)
    customer = _company(site, customer_id)
    check_portfolio(actor, customer)
    mode, purpose, meet, preparation = _plan_fields(visit_on, mode, purpose, meet, preparation)
    if visit_on < _today(now):
        raise ValidationFailed(_l("A visit is planned for today or later: to write down a visit that took place, "
                                  "record it."), field="visit_on")
    visit = _new_visit(site, customer, mode, purpose, visit_on, actor=actor, now=now)
    visit.meet, visit.preparation = meet, preparation
    record("visits.plan", actor=actor, now=now, obj=visit, summary=f"{visit.number} {customer.name} {visit_on}",
           after={"customer": customer.name, "visit_on": visit_on, "mode": mode, "purpose": purpose})
    return visit


def replan_visit(visit, *, visit_on, mode, purpose, meet="", preparation="", actor, now) -> CustomerVisit:
    """Change the plan of one's own planned visit. Audited as visits.replan."""
    _own_visit(visit, actor)
    if visit.status != PLANNED:
        raise InvalidTransition(_l("Visit %(number)s is not planned any more."), number=visit.number)
    mode, purpose, meet, preparation = _plan_fields(visit_on, mode, purpose, meet, preparation)
    if visit_on < _today(now) and visit_on != visit.visit_on:
        raise ValidationFailed(_l("A visit is planned for today or later."), field="visit_on")
    before = {"visit_on": visit.visit_on, "mode": visit.mode, "purpose": visit.purpose}
    visit.visit_on, visit.mode, visit.purpose, visit.meet, visit.preparation = (visit_on, mode, purpose, meet,
                                                                                preparation)
    record("visits.replan", actor=actor, now=now, obj=visit, summary=visit.number, before=before,
           after={"visit_on": visit_on, "mode": mode, "purpose": purpose})
    return visit


def cancel_visit(visit, *, reason, actor, now):
    """Cancel one's own planned visit, saying why. Audited as visits.cancel."""
    _own_visit(visit, actor)
    if visit.status != PLANNED:
        raise InvalidTransition(_l("Only a planned visit can be cancelled."))
    visit.cancel_reason = _text(reason, 200, "reason", _l("Say why the visit is cancelled."), required=True)
    visit.status = CANCELLED
    record("visits.cancel", actor=actor, now=now, obj=visit, summary=f"{visit.number}: {visit.cancel_reason}",
           before={"status": PLANNED}, after={"status": CANCELLED})


def _items(visit, items):
    """Check the items; return (kept existing items by id, new ones)."""
    existing = {item.id: item for item in (visit.items if visit is not None else ())}
    checked = []
    for n, item in enumerate(items):
        field = f"items-{n}"
        kind = _choice(item.kind, ITEM_KINDS, field, _l("Choose what kind of item this is."))
        text = _text(item.text, 500, field, _l("Write down what the customer said."), required=True)
        answer = _text(item.answer, 500, field)
        if item.id is not None and item.id not in existing:
            raise ValidationFailed(_l("This item is not part of the visit."), field=field)
        linked = existing[item.id] if item.id is not None else None
        if linked is not None and linked.work_order_id is not None and linked.kind != kind:
            raise ValidationFailed(_l("The item that became work order %(number)s stays a %(kind)s."), field=field,
                                   number=linked.work_order.number, kind=rules.ITEM_LABELS[linked.kind])
        checked.append((item.id, kind, text, answer))
    kept = {i for i, *_ in checked if i is not None}
    for item in existing.values():
        if item.id not in kept and item.work_order_id is not None:
            raise ValidationFailed(_l("The item that became work order %(number)s stays on the visit."),
                                   field="items", number=item.work_order.number)
    return existing, checked


def _commitments(site, visit_day, commitments):
    checked = []
    for n, c in enumerate(commitments):
        field = f"commitments-{n}"
        text = _text(c.text, 300, field, _l("Write down what was promised."), required=True)
        owner = db.session.get(User, c.owner_id) if c.owner_id else None
        if owner is None or not owner.active or owner.site_id not in (site.id, None):
            raise ValidationFailed(_l("Who answers for \"%(text)s\"? Choose an owner."), field=field, text=text[:30])
        if c.due_on is None:
            raise ValidationFailed(_l("By when is \"%(text)s\" due? Give a date."), field=field, text=text[:30])
        if c.due_on < visit_day:
            raise ValidationFailed(_l("A commitment is due on the day of the visit or later."), field=field)
        checked.append((text, owner.id, c.due_on))
    return checked


def record_visit(site, *, visit=None, customer_id=None, visited_at, mode=None, purpose=None, attendees, summary="",
                 items=(), commitments=(), follow_up_on=None, actor, now) -> CustomerVisit:
    """Record what happened at a visit: one's own planned visit, a correction of one's own recorded
    visit, or (visit None) a visit that was not planned, for a company of one's portfolio. Items
    that became work orders stay; new commitments are added (kept ones are never dropped here).
    The company's earlier visits waiting for a follow-up are followed up by this one.
    Audited as visits.record."""
    _require(actor, VISITS_RECORD)
    # the company's portfolio row first, then the visit: the order a handover takes them in
    if visit is None:
        customer = _company(site, customer_id)
        _lock_portfolio(customer.id)
        check_portfolio(actor, customer)
        mode = _choice(mode, MODES, "mode", _l("Choose by phone or on site."))
        purpose = _choice(purpose, PURPOSES, "purpose", _l("Choose the purpose of the visit."))
    else:
        _lock_portfolio(visit.customer_id)
        _own_visit(visit, actor)
        if visit.status == CANCELLED:
            raise InvalidTransition(_l("Visit %(number)s was cancelled."), number=visit.number)
        customer = visit.customer
        mode = _choice(mode or visit.mode, MODES, "mode", _l("Choose by phone or on site."))
        purpose = _choice(purpose or visit.purpose, PURPOSES, "purpose", _l("Choose the purpose of the visit."))
    if visited_at is None:
        raise ValidationFailed(_l("When did the visit take place?"), field="visited_at")
    if visited_at > now + timedelta(minutes=5):
        raise ValidationFailed(_l("A visit is recorded once it has taken place: the time is in the future."),
                               field="visited_at")
    day = clock.business_day(visited_at)
    attendees = _text(attendees, 300, "attendees", _l("Who attended? Write their names and ours."), required=True)
    summary = _text(summary, 1000, "summary")
    # a correction may keep a follow-up day that has passed since; a new one is not in the past
    kept_follow_up = visit is not None and follow_up_on == visit.follow_up_on
    if follow_up_on is not None and follow_up_on < _today(now) and not kept_follow_up:
        raise ValidationFailed(_l("The next follow-up is today or later, not in the past."), field="follow_up_on")
    if follow_up_on is not None and follow_up_on <= day:
        raise ValidationFailed(_l("The next follow-up comes after the visit."), field="follow_up_on")
    existing, checked_items = _items(visit, items)
    checked_commitments = _commitments(site, day, commitments)
    if visit is None:
        visit = _new_visit(site, customer, mode, purpose, day, actor=actor, now=now)
    before = {"status": visit.status, "visit_on": visit.visit_on}
    for item_id, item in existing.items():
        if item_id not in {i for i, *_ in checked_items}:
            db.session.delete(item)
    for item_id, kind, text, answer in checked_items:
        if item_id is None:
            db.session.add(VisitItem(visit_id=visit.id, kind=kind, text=text, answer=answer))
        else:
            row = existing[item_id]
            row.kind, row.text, row.answer = kind, text, answer
    for text, owner_id, due_on in checked_commitments:
        db.session.add(Commitment(site_id=site.id, visit_id=visit.id, customer_id=customer.id, text=text,
                                  owner_id=owner_id, due_on=due_on, done_note=""))
    visit.status, visit.mode, visit.purpose = RECORDED, mode, purpose
    visit.visited_at, visit.visit_on, visit.attendees, visit.summary = visited_at, day, attendees, summary
    visit.follow_up_on = follow_up_on
    visit.recorded_at = visit.recorded_at or now
    db.session.flush()
    _followed_up(visit)
    record("visits.record", actor=actor, now=now, obj=visit, summary=f"{visit.number} {customer.name} {day}",
           before=before, after={"status": RECORDED, "visit_on": day, "items": len(checked_items),
                                 "commitments": len(checked_commitments), "follow_up_on": follow_up_on})
    return visit


def _followed_up(visit):
    """Close the follow-ups this visit answers and keep the company's last visit day."""
    db.session.execute(
        sa.update(CustomerVisit)
        .where(CustomerVisit.customer_id == visit.customer_id, CustomerVisit.status == RECORDED,
               CustomerVisit.id != visit.id, CustomerVisit.follow_up_on.is_not(None),
               CustomerVisit.followed_up_by_id.is_(None), CustomerVisit.visit_on <= visit.visit_on)
        .values(followed_up_by_id=visit.id).execution_options(synchronize_session=False))
    db.session.execute(
        sa.update(Portfolio).where(Portfolio.customer_id == visit.customer_id)
        .values(last_visit_on=queries.last_visit_day(visit.customer_id)).execution_options(synchronize_session=False))


def complete_commitment(commitment, *, note, actor, now):
    """Mark a commitment kept, saying how. Its owner, the visit's manager or visits.all may.
    Audited as visits.commitment_done."""
    _require(actor, VISITS_RECORD, VISITS_ALL)
    _locked(Commitment, commitment)
    if actor.id not in (commitment.owner_id, commitment.visit.manager_id) and not actor.can(VISITS_ALL):
        raise NotAllowed(_l("This commitment is %(owner)s's."), owner=commitment.owner.full_name)
    if commitment.done_at is not None:
        raise InvalidTransition(_l("This commitment was marked kept already."))
    commitment.done_note = _text(note, 300, "note", _l("Say how the commitment was kept."), required=True)
    commitment.done_at, commitment.done_by_id = now, actor.id
    record("visits.commitment_done", actor=actor, now=now, obj=commitment, summary=commitment.text[:80],
           after={"note": commitment.done_note})


def item_to_work_order(item, *, category, unit_id=None, building_id=None, place_note="", phone="", actor, now):
    """Turn a request (or a complaint) the customer made at a visit into a work order, owned by the
    manager who heard it, linked both ways. Audited as visits.work_order (and workorder.log)."""
    from ..workorders.services import Report, log_order

    visit = item.visit
    _own_visit(visit, actor)
    _locked(VisitItem, item)
    if visit.status != RECORDED:
        raise InvalidTransition(_l("Record the visit first."))
    if item.work_order_id is not None:
        raise InvalidTransition(_l("This item is work order %(number)s already."), number=item.work_order.number)
    kind = rules.WORK_ORDER_KIND.get(item.kind)
    if kind is None:
        raise ValidationFailed(_l("Only a request or a complaint becomes a work order."), field="kind")
    customer = visit.customer
    # the first person written down (theirs come first: "李总、王会计；陈思远")
    contact = (re.split(r"[、,，;；]", visit.attendees)[0].strip() or customer.name)[:60]
    report = Report(reporter_name=contact, reporter_phone=phone or customer.phone or "", unit_id=unit_id,
                    building_id=building_id, place_note=place_note, customer_id=customer.id)
    order = log_order(visit.site, kind=kind, channel=visit.mode, category=category,
                      description=f"{visit.number}: {item.text}", report=report, actor=actor, now=now)
    item.work_order_id = order.id
    db.session.flush()
    record("visits.work_order", actor=actor, now=now, obj=item, summary=f"{visit.number} → {order.number}",
           after={"work_order": order.number})
    return order


# --- settings ------------------------------------------------------------------------------------

def save_settings(site, *, not_visited_days, actor, now) -> VisitSettings:
    """The number of days after which a company counts as not visited. Audited."""
    _require(actor, VISITS_SETTINGS)
    if not isinstance(not_visited_days, int) or not 7 <= not_visited_days <= 730:
        raise ValidationFailed(_l("Give a number of days between 7 and 730."), field="not_visited_days")
    row = db.session.get(VisitSettings, site.id)
    if row is None:
        row = VisitSettings(site_id=site.id)
        db.session.add(row)
    before = row.not_visited_days
    row.not_visited_days = not_visited_days
    db.session.flush()
    record("visits.settings", actor=actor, now=now, object_type="site", object_id=site.id, summary=site.name,
           before={"not_visited_days": before}, after={"not_visited_days": not_visited_days})
    return row


# --- surveys -------------------------------------------------------------------------------------

def questionnaire_for(site, *, now) -> Questionnaire:
    """The site's questionnaire in use, starting it with the standard questions the first time."""
    current = queries.current_questionnaire(site.id)
    if current is not None:
        return current
    current = Questionnaire(site_id=site.id, version=1, created_at=now)
    db.session.add(current)
    db.session.flush()
    for n, (dimension, text) in enumerate(rules.DEFAULT_QUESTIONS, 1):
        db.session.add(SurveyQuestion(questionnaire_id=current.id, position=n, dimension=dimension, text=text))
    db.session.flush()
    return current


def save_questionnaire(site, questions, *, actor, now) -> Questionnaire:
    """Change the questions: `questions` is a list of (dimension, text) in order. A version already
    answered is never changed: the change makes the next version (answers keep their question). One
    question a dimension. Audited as visits.questionnaire."""
    _require(actor, VISITS_SETTINGS)
    checked, seen = [], set()
    for n, (dimension, text) in enumerate(questions):
        field = f"questions-{n}"
        dimension = _choice(dimension, DIMENSIONS, field, _l("Choose what the question measures."))
        text = _text(text, 200, field, _l("Write the question."), required=True)
        if dimension in seen:
            raise ValidationFailed(_l("One question a dimension: %(dimension)s is asked twice."), field=field,
                                   dimension=rules.DIMENSION_LABELS[dimension])
        seen.add(dimension)
        checked.append((dimension, text))
    if not checked:
        raise ValidationFailed(_l("A questionnaire asks at least one question."), field="questions")
    current = questionnaire_for(site, now=now)
    before = [(q.dimension, q.text) for q in current.questions]
    if before == checked:
        return current
    if queries.questionnaire_answered(current.id):
        current = Questionnaire(site_id=site.id, version=current.version + 1, created_at=now, created_by_id=actor.id)
        db.session.add(current)
        db.session.flush()
    else:
        for q in list(current.questions):
            db.session.delete(q)
        db.session.flush()
        current.created_by_id, current.created_at = actor.id, now
    for n, (dimension, text) in enumerate(checked, 1):
        db.session.add(SurveyQuestion(questionnaire_id=current.id, position=n, dimension=dimension, text=text))
    db.session.flush()
    db.session.expire(current, ["questions"])
    record("visits.questionnaire", actor=actor, now=now, obj=current, summary=f"v{current.version}",
           before={"questions": before}, after={"questions": checked})
    return current


def _score(value, field):
    if value is None or value == "":
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score is None or not MIN_SCORE <= score <= MAX_SCORE or str(value).strip() not in {str(score)}:
        raise ValidationFailed(_l("A score is a whole number from %(low)s to %(high)s."), field=field,
                               low=MIN_SCORE, high=MAX_SCORE)
    return score


def record_survey(site, *, customer_id, questionnaire_id, answers, respondent, taken_on, comment="", visit=None,
                  actor, now) -> SurveyResponse:
    """A company's filled-in survey on the questionnaire version the form showed, during `visit` (one's
    own, of that company) or on its own. Scores 1–5 or none (not applicable), at least one scored.
    Audited as visits.survey."""
    _require(actor, VISITS_RECORD)
    customer = _company(site, customer_id)
    check_portfolio(actor, customer)
    if visit is not None:
        _own_visit(visit, actor)
        if visit.customer_id != customer.id:
            raise ValidationFailed(_l("The visit was to another company."), field="customer_id")
    current = questionnaire_for(site, now=now)
    if questionnaire_id != current.id:
        raise InvalidTransition(_l("The questions were changed while the form was open: check the answers on "
                                   "the new form and save it again."))
    respondent = _text(respondent, 60, "respondent", _l("Who answered? Give a name."), required=True)
    if taken_on is None or taken_on > _today(now):
        raise ValidationFailed(_l("Give the day the survey was taken: today or earlier."), field="taken_on")
    by_question = {a.question_id: a for a in answers}
    rows = []
    for q in current.questions:
        given = by_question.get(q.id)
        score = _score(getattr(given, "score", None), f"score_{q.id}")
        rows.append((q, score, _text(getattr(given, "comment", ""), 300, f"comment_{q.id}")))
    if all(score is None for _, score, _c in rows):
        raise ValidationFailed(_l("Score at least one question."), field="answers")
    response = SurveyResponse(site_id=site.id, questionnaire_id=current.id, customer_id=customer.id,
                              building_id=queries.company_building(customer.id, taken_on),
                              visit_id=getattr(visit, "id", None), respondent=respondent, taken_on=taken_on,
                              comment=_text(comment, 1000, "comment"), taken_by_id=actor.id, created_at=now)
    db.session.add(response)
    db.session.flush()
    for q, score, text in rows:
        db.session.add(SurveyAnswer(response_id=response.id, question_id=q.id, dimension=q.dimension, score=score,
                                    comment=text))
    db.session.flush()
    record("visits.survey", actor=actor, now=now, obj=response, summary=f"{customer.name} {taken_on}",
           after={q.dimension: score for q, score, _ in rows})
    return response


# --- case studies --------------------------------------------------------------------------------

def save_case(site, *, title, situation, action, result, lesson, visit_id=None, work_order_id=None, case=None,
              actor, now) -> CaseStudy:
    """Write up (or, its author or visits.all, revise) a case study, from a visit or a work order of
    the site or on its own. Audited as visits.case."""
    from ..workorders.models import WorkOrder

    _require(actor, VISITS_CASES)
    if case is not None and case.author_id != actor.id and not actor.can(VISITS_ALL):
        raise NotAllowed(_l("This case study is %(author)s's."), author=case.author.full_name)
    fields = {
        "title": _text(title, 100, "title", _l("Give the case a title."), required=True),
        "situation": _text(situation, 2000, "situation", _l("Describe the situation."), required=True),
        "action": _text(action, 2000, "action", _l("Say what was done."), required=True),
        "result": _text(result, 2000, "result", _l("Say what came of it."), required=True),
        "lesson": _text(lesson, 2000, "lesson", _l("Say what others should learn from it."), required=True),
    }
    visit = db.session.get(CustomerVisit, visit_id) if visit_id else None
    if visit_id and (visit is None or visit.site_id != site.id):
        raise ValidationFailed(_l("No such visit at this site."), field="visit_id")
    order = db.session.get(WorkOrder, work_order_id) if work_order_id else None
    if work_order_id and (order is None or order.site_id != site.id):
        raise ValidationFailed(_l("No such work order at this site."), field="work_order_id")
    if case is None:
        case = CaseStudy(site_id=site.id, author_id=actor.id, created_at=now, visit_id=getattr(visit, "id", None),
                         work_order_id=getattr(order, "id", None), **fields)
        db.session.add(case)
        action_name = "visits.case"
    else:
        action_name = "visits.case_edit"
        for key, value in fields.items():
            setattr(case, key, value)
    case.updated_at = now
    db.session.flush()
    record(action_name, actor=actor, now=now, obj=case, summary=fields["title"], after=fields)
    return case
