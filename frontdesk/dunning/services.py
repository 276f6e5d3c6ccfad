"""Every write of dunning: late-fee rules and waivers, payment notices, dunning notices and their
deliveries, collection visits.

Services take the actor and the clock as arguments, flush and never commit, write their audit entry
in the same transaction and raise DomainError subclasses the views show to the user."""
from dataclasses import dataclass, field as dataclass_field
from datetime import date
from decimal import Decimal
from uuid import uuid4

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.permissions import DUNNING_DELIVER, DUNNING_ISSUE
from ..billing.rules import parse_period, plain_amount
from ..core import clock
from ..core.errors import InvalidTransition, NotAllowed, ValidationFailed
from ..core.money import AmountError, amount_in_capitals, format_amount, parse_amount
from ..core.numbering import next_number
from ..core.uploads import check_photo
from ..estate.models import Site
from ..extensions import db
from . import queries, rules
from .models import (
    DELIVERY_METHODS, NOTICE_DELIVERED, NOTICE_ISSUED, DunningNotice,
    DunningNoticeCharge, NoticeDelivery, PaymentNotice,
)
from .models import LATE_FEE_LABELS, LateFeeRule, LateFeeWaiver
from .models import (
    VISIT_BOOKED, VISIT_CANCELLED, VISIT_OUT, VISIT_PAID, VISIT_UNUSED, CollectionVisit, CollectionVisitCharge,
)


# --- dunning notices -----------------------------------------------------------------------------

# Only the paper's own history is recorded; paid and expired are read from the money and the
# calendar (rules.notice_status), never written.
NOTICE_TRANSITIONS = {
    NOTICE_ISSUED: {NOTICE_DELIVERED},
    NOTICE_DELIVERED: set(),
}
MAX_DEADLINE_DAYS = 90
MAX_MIN_DAYS = 3650
DEFAULT_LATE_FEE_LABEL = "违约金"
HOW_TO_PAY_ZH = "可到物业服务中心前台以现金、银行卡、微信或支付宝缴纳，或银行转账（请在附言中注明房号）。"


def _move_notice(notice, to, *, actor, now):
    """The one place a dunning notice changes status. Audited as dunning_notice.<status>."""
    before = notice.status
    if to not in NOTICE_TRANSITIONS[before]:
        raise InvalidTransition(_l("Notice %(number)s is %(status)s and cannot change that way."),
                                number=notice.number, status=before)
    notice.status = to
    db.session.flush()
    record(f"dunning_notice.{to}", actor=actor, now=now, obj=notice, summary=notice.number,
           before={"status": before}, after={"status": to})


def _lock_site(site):
    """Serialise the runs of one site: a second run waits here and then sees what the first
    issued. (FOR NO KEY UPDATE on PostgreSQL, so inserts referring to the site are not blocked;
    SQLite already holds its write lock since BEGIN IMMEDIATE.)"""
    db.session.execute(sa.select(Site.id).where(Site.id == site.id).with_for_update(key_share=True))


@dataclass
class DunningCandidate:
    customer_id: int
    customer: str
    level: int
    charges: list
    principal: Decimal
    late_fee: Decimal
    fees: dict

    @property
    def total(self) -> Decimal:
        return self.principal + self.late_fee


@dataclass
class DunningRun:
    as_of: date
    deadline_on: date
    dry_run: bool
    due: list = dataclass_field(default_factory=list)  # DunningCandidate
    skipped: list = dataclass_field(default_factory=list)  # (customer name, reason)
    notices: list = dataclass_field(default_factory=list)  # DunningNotice, when not a dry run
    batch: str | None = None


def _run_options(site, as_of, min_amount, min_days, deadline_days, now):
    if not isinstance(as_of, date):
        raise ValidationFailed(_l("Enter the issue date as YYYY-MM-DD."), field="as_of")
    if as_of > clock.business_day(now):
        raise ValidationFailed(_l("Notices cannot be dated later than today."), field="as_of")
    latest = queries.latest_issue_day(site.id)
    if latest is not None and as_of < latest:
        raise ValidationFailed(_l("Notices dated %(day)s have been issued already: choose that day or a later one."),
                               field="as_of", day=latest.isoformat())
    try:
        minimum = parse_amount(min_amount, allow_zero=True) if min_amount not in (None, "") else Decimal("0.00")
    except AmountError:
        raise ValidationFailed(_l("Enter the minimum amount as a number of yuan, for example 100 or 100.50."),
                               field="min_amount") from None
    try:
        min_days, deadline_days = int(min_days), int(deadline_days)
    except (TypeError, ValueError):
        raise ValidationFailed(_l("Enter whole numbers of days.")) from None
    if not 1 <= min_days <= MAX_MIN_DAYS:
        raise ValidationFailed(_l("The days overdue must be between 1 and %(max)s."), field="min_days",
                               max=MAX_MIN_DAYS)
    if not 1 <= deadline_days <= MAX_DEADLINE_DAYS:
        raise ValidationFailed(_l("The deadline must be between 1 and %(max)s days after the issue date."),
                               field="deadline_days", max=MAX_DEADLINE_DAYS)
    return minimum, min_days, deadline_days


def run_dunning(site, *, as_of, min_amount=None, min_days=1, deadline_days=rules.DEFAULT_DEADLINE_DAYS,
                dry_run=False, actor, now) -> DunningRun:
    """Select the customers of a site due a dunning notice as of a date and, unless a dry run,
    issue their notices (numbered, frozen) in one batch.

    A customer is due a notice when they owe at least `min_amount` on charges overdue by at least
    `min_days`, no earlier notice's deadline is still running and the level's interval has passed
    (rules.due_level). Running again changes nothing: the notices just issued are running. Runs of
    one site wait for each other.
    Raises NotAllowed, ValidationFailed (bad options, a date in the future or before the last
    run, nothing overdue at all). Audited as dunning.run and dunning_notice.issue per notice."""
    if actor is not None and not actor.can(DUNNING_ISSUE):
        raise NotAllowed(_l("Only a supervisor may issue dunning notices."))
    minimum, min_days, deadline_days = _run_options(site, as_of, min_amount, min_days, deadline_days, now)
    if not dry_run:
        _lock_site(site)
    rows = queries.overdue_charges(site.id, as_of, min_days=min_days)
    if not rows:
        raise ValidationFailed(_l("Nothing at %(site)s is overdue by %(days)s days or more as of %(day)s: "
                                  "there is nobody to send a dunning notice to."),
                               site=site.name, days=min_days, day=as_of.isoformat())
    run = DunningRun(as_of=as_of, deadline_on=rules.deadline(as_of, deadline_days), dry_run=dry_run)
    by_customer: dict[int, list] = {}
    for r in rows:
        by_customer.setdefault(r.customer_id, []).append(r)
    past = queries.past_dunning(site.id, by_customer)
    fees = queries.late_fees_as_of(site.id, as_of, charge_ids=[r.id for r in rows])
    for customer_id, charges in by_customer.items():
        name = charges[0].customer
        level, found = rules.due_level([c.id for c in charges], past.get(customer_id, []), as_of)
        if level is None:
            run.skipped.append((name, found))
            continue
        chosen = [c for c in charges if c.id in set(found)]
        principal = sum((c.outstanding for c in chosen), Decimal("0.00"))
        if principal < minimum or principal <= 0:
            run.skipped.append((name, "below_minimum"))
            continue
        mine = {c.id: fees[c.id] for c in chosen if c.id in fees}
        late_fee = sum((f.amount for f in mine.values()), Decimal("0.00"))
        run.due.append(DunningCandidate(customer_id, name, level, chosen, principal, late_fee, mine))
    if dry_run:
        return run
    run.batch = uuid4().hex
    site_facts = _site_facts(site)
    for candidate in run.due:
        previous = max((day for _, day, _, _, _ in past.get(candidate.customer_id, [])), default=None)
        run.notices.append(_issue_dunning_notice(site, site_facts, candidate, run, previous, actor=actor, now=now))
    record("dunning.run", actor=actor, now=now, obj=site, summary=f"{site.code} {as_of.isoformat()}: "
           f"{len(run.notices)} notices", after={"as_of": as_of, "issued": [n.number for n in run.notices],
                                                "min_amount": minimum, "min_days": min_days,
                                                "deadline_days": deadline_days, "batch": run.batch})
    return run


def _site_facts(site) -> dict:
    return {"company_name": site.company_name, "site_name": site.name, "site_address": site.address or "",
            "site_phone": site.phone or ""}


def _issue_dunning_notice(site, site_facts, candidate, run, previous, *, actor, now) -> DunningNotice:
    year = run.as_of.year
    seq = next_number(db.session, "dunning_notice", site.code, year)
    number = rules.dunning_number(year, seq)
    labels = [f.label for f in candidate.fees.values() if f.amount > 0] or [DEFAULT_LATE_FEE_LABEL]
    label = labels[0]
    lines = []
    for c in candidate.charges:
        fee = candidate.fees.get(c.id)
        lines.append({"period": c.period, "item": c.item, "unit": c.unit, "due_on": c.due_on.isoformat(),
                      "amount": plain_amount(c.outstanding), "days": fee.days if fee else 0,
                      "late_fee": plain_amount(fee.amount if fee else 0),
                      "rule": fee.description if fee and fee.amount > 0 else ""})
    rate_rules = sorted({(rules.rate_text(f.rate), f.grace_days, f"{Decimal(f.cap_percent).normalize():f}")
                         for f in candidate.fees.values() if f.amount > 0})
    units = list(dict.fromkeys(c.unit for c in candidate.charges))
    snapshot = {
        **site_facts,
        "number": number,
        "level": candidate.level,
        "title": rules.LEVEL_TITLES_ZH[candidate.level],
        "level_name": rules.LEVEL_NAMES_ZH[candidate.level],
        "customer": candidate.customer,
        "units": "、".join(units),
        "issued_on": run.as_of.isoformat(),
        "issued_on_zh": rules.chinese_date(run.as_of),
        "deadline_on": run.deadline_on.isoformat(),
        "deadline_zh": rules.chinese_date(run.deadline_on),
        "wording": rules.wording(candidate.level, as_of=run.as_of, deadline_on=run.deadline_on, label=label,
                                 previous=previous),
        "label": label,
        "lines": lines,
        "fee_rules": [f"{label}按未缴本金每日{rate}计算，宽限{grace}天，以未缴本金的{cap}%为限，计至"
                      f"{rules.chinese_date(run.as_of)}。" for rate, grace, cap in rate_rules],
        "principal": plain_amount(candidate.principal),
        "late_fee": plain_amount(candidate.late_fee),
        "total": plain_amount(candidate.total),
        "total_figures": format_amount(candidate.total),
        "total_capitals": amount_in_capitals(candidate.total),
        "how_to_pay": HOW_TO_PAY_ZH,
    }
    notice = DunningNotice(site_id=site.id, customer_id=candidate.customer_id, year=year, seq=seq, number=number,
                           level=candidate.level, status=NOTICE_ISSUED, principal=candidate.principal,
                           late_fee=candidate.late_fee, total=candidate.total, issued_on=run.as_of,
                           deadline_on=run.deadline_on, issued_at=now, issued_by_id=getattr(actor, "id", None),
                           batch=run.batch, snapshot=snapshot)
    db.session.add(notice)
    for c in candidate.charges:
        fee = candidate.fees.get(c.id)
        notice.charges.append(DunningNoticeCharge(charge_id=c.id, level=candidate.level, outstanding=c.outstanding,
                                                  late_fee=fee.amount if fee else Decimal("0.00")))
    db.session.flush()
    record("dunning_notice.issue", actor=actor, now=now, obj=notice, summary=f"{number} {candidate.customer}",
           after={"level": candidate.level, "principal": candidate.principal, "late_fee": candidate.late_fee,
                  "total": candidate.total, "deadline_on": run.deadline_on, "charges": [c.id for c in candidate.charges]})
    return notice


def print_notices(notices, *, actor, now) -> list[bool]:
    """Count a print of dunning or payment notices, one flag per notice: False for the original
    (printed_at is set), True for a reprint, counted and audited as <kind>.reprint so every extra
    copy of a formal demand can be accounted for. The first print is audited as <kind>.print."""
    flags = []
    for notice in notices:
        kind = notice.__tablename__
        locked = db.session.scalars(sa.select(type(notice)).where(type(notice).id == notice.id).with_for_update()
                                    .execution_options(populate_existing=True)).one()
        if locked.printed_at is None:
            locked.printed_at = now
            db.session.flush()
            record(f"{kind}.print", actor=actor, now=now, obj=locked, summary=locked.number)
            flags.append(False)
            continue
        locked.reprints += 1
        db.session.flush()
        record(f"{kind}.reprint", actor=actor, now=now, obj=locked,
               summary=f"{locked.number} reprint {locked.reprints}", after={"reprints": locked.reprints})
        flags.append(True)
    return flags


# --- deliveries ----------------------------------------------------------------------------------

def _photo_dir():
    from pathlib import Path

    from flask import current_app

    return Path(current_app.config.get("DELIVERY_PHOTO_DIR") or Path(current_app.instance_path) / "delivery-photos")


def record_delivery(notice, *, method, delivered_on, delivered_by, recipient="", note="", photo=None,
                    actor, now) -> NoticeDelivery:
    """Record how a dunning notice went out; an issued notice becomes delivered. The optional
    photo (bytes) is checked and kept under the instance folder. Raises NotAllowed, InvalidTransition
    (delivery already recorded) or ValidationFailed (method, a date before the issue date or in the
    future, a deliverer of another site, a photo that is not a picture or too large). Audited as
    notice.deliver."""
    if not actor.can(DUNNING_DELIVER):
        raise NotAllowed(_l("Your roles do not allow recording deliveries."))
    notice = db.session.scalars(sa.select(DunningNotice).where(DunningNotice.id == notice.id).with_for_update()
                                .execution_options(populate_existing=True)).one()
    existing = db.session.scalar(sa.select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id))
    if existing is not None:
        raise InvalidTransition(_l("The delivery of notice %(number)s was already recorded on %(day)s."),
                                number=notice.number, day=existing.delivered_on.isoformat())
    if method not in DELIVERY_METHODS:
        raise ValidationFailed(_l("Choose how the notice was delivered."), field="method")
    if not isinstance(delivered_on, date) or delivered_on < notice.issued_on:
        raise ValidationFailed(_l("The notice cannot have been delivered before it was issued on %(day)s."),
                               field="delivered_on", day=notice.issued_on.isoformat())
    if delivered_on > clock.business_day(now):
        raise ValidationFailed(_l("The delivery date cannot be later than today."), field="delivered_on")
    if delivered_by is None or getattr(delivered_by, "site_id", None) not in (None, notice.site_id):
        raise ValidationFailed(_l("Choose who delivered the notice."), field="delivered_by")
    recipient, note = (recipient or "").strip(), (note or "").strip()
    if len(recipient) > 60:
        raise ValidationFailed(_l("Keep the recipient under 60 characters."), field="recipient")
    if len(note) > 200:
        raise ValidationFailed(_l("Keep the note under 200 characters."), field="note")
    photo_name = None
    if photo:
        photo_name = f"{notice.id}-{uuid4().hex}.{check_photo(photo)}"
    delivery = NoticeDelivery(notice_id=notice.id, method=method, delivered_on=delivered_on,
                              delivered_by_id=delivered_by.id, recipient=recipient, note=note, photo=photo_name,
                              recorded_by_id=actor.id, recorded_at=now)
    db.session.add(delivery)
    db.session.flush()
    if notice.status == NOTICE_ISSUED:
        _move_notice(notice, NOTICE_DELIVERED, actor=actor, now=now)
    record("notice.deliver", actor=actor, now=now, obj=notice, summary=f"{notice.number} {method}",
           after={"method": method, "delivered_on": delivered_on, "delivered_by": delivered_by.full_name,
                  "recipient": recipient, "photo": photo_name})
    if photo_name:
        folder = _photo_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / photo_name).write_bytes(photo)
    return delivery


def delivery_photo_path(delivery):
    """Where a delivery's photo is kept, or None."""
    if not delivery or not delivery.photo:
        return None
    path = _photo_dir() / delivery.photo
    return path if path.is_file() else None


# --- payment notices -----------------------------------------------------------------------------

@dataclass
class PaymentNoticeBatch:
    period: str
    notices: list = dataclass_field(default_factory=list)
    already: int = 0  # customers who had their notice for the period before
    batch: str | None = None


def issue_payment_notices(site, *, period, building=None, actor, now) -> PaymentNoticeBatch:
    """Issue the payment notices (缴款通知书) of a billing period for every customer of a site (or of
    one building) who owes something for it: that period's charges, earlier arrears, the total,
    the date to pay by and how to pay; numbered and frozen. A customer who has the period's notice
    already gets no second one, so a batch can be run again. Raises NotAllowed or ValidationFailed
    (a bad period, a building of another site, nobody owing). Audited as payment_notice.issue."""
    if actor is not None and not actor.can(DUNNING_ISSUE):
        raise NotAllowed(_l("Your roles do not allow issuing payment notices."))
    try:
        period = parse_period(period)
    except ValueError:
        raise ValidationFailed(_l("Enter the billing period as YYYY-MM, for example 2026-03."), field="period") from None
    if building is not None and building.site_id != site.id:
        raise ValidationFailed(_l("Choose a building of this site."), field="building_id")
    _lock_site(site)
    rows = queries.payment_notice_charges(site.id, period, building_id=building.id if building else None)
    if not rows:
        raise ValidationFailed(_l("Nobody owes anything for %(period)s: there is no payment notice to issue."),
                               field="period", period=period)
    existing = queries.existing_payment_notices(site.id, period)
    by_customer: dict[int, list] = {}
    for r in rows:
        by_customer.setdefault(r.customer_id, []).append(r)
    result = PaymentNoticeBatch(period=period, batch=uuid4().hex)
    today = clock.business_day(now)
    facts = _site_facts(site)
    for customer_id, charges in by_customer.items():
        if customer_id in existing:
            result.already += 1
            continue
        result.notices.append(_issue_payment_notice(site, facts, customer_id, charges, period, result.batch, today,
                                                    actor=actor, now=now))
    return result


def _issue_payment_notice(site, facts, customer_id, charges, period, batch, today, *, actor, now) -> PaymentNotice:
    seq = next_number(db.session, "payment_notice", site.code, today.year)
    number = rules.payment_notice_number(today.year, seq)
    current = [c for c in charges if c.period == period]
    earlier = [c for c in charges if c.period != period]
    due_on = min(c.due_on for c in current)
    total = sum((c.outstanding for c in charges), Decimal("0.00"))

    def line(c):
        return {"period": c.period, "item": c.item, "unit": c.unit, "description": c.description or "",
                "due_on": c.due_on.isoformat(), "amount": plain_amount(c.outstanding)}

    snapshot = {
        **facts,
        "number": number,
        "period": period,
        "customer": charges[0].customer,
        "units": "、".join(dict.fromkeys(c.unit for c in charges)),
        "issued_on": today.isoformat(),
        "issued_on_zh": rules.chinese_date(today),
        "due_on": due_on.isoformat(),
        "due_zh": rules.chinese_date(due_on),
        "lines": [line(c) for c in current],
        "arrears": [line(c) for c in earlier],
        "period_total": plain_amount(sum((c.outstanding for c in current), Decimal("0.00"))),
        "arrears_total": plain_amount(sum((c.outstanding for c in earlier), Decimal("0.00"))),
        "total": plain_amount(total),
        "total_figures": format_amount(total),
        "total_capitals": amount_in_capitals(total),
        "how_to_pay": HOW_TO_PAY_ZH,
    }
    notice = PaymentNotice(site_id=site.id, customer_id=customer_id, period=period, year=today.year, seq=seq,
                           number=number, total=total, due_on=due_on, issued_on=today, issued_at=now,
                           issued_by_id=getattr(actor, "id", None), batch=batch, snapshot=snapshot)
    db.session.add(notice)
    db.session.flush()
    record("payment_notice.issue", actor=actor, now=now, obj=notice, summary=f"{number} {snapshot['customer']}",
           after={"period": period, "total": total, "due_on": due_on})
    return notice


# --- late fees -----------------------------------------------------------------------------------

def _decimal(text, *, places, minimum, maximum, message, field_name, **params) -> Decimal:
    """A percentage typed by a person, from minimum to maximum, with at most `places` decimals."""
    try:
        value = Decimal(str(text).strip().rstrip("%").strip())
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or not minimum <= value <= maximum or value != round(value, places):
        raise ValidationFailed(message, field=field_name, **params)
    return value


def save_late_fee_rule(site, *, fee_item=None, label, daily_rate_percent, grace_days, cap_percent, actor,
                       now) -> LateFeeRule:
    """Set the late-fee rule of a fee item, or the site default when fee_item is None. The daily
    rate is given in percent a day (0.05 for 万分之五). Open charges follow the new rule from their
    due date on; what receipts settled stays settled. Raises ValidationFailed for a rate outside
    0-1% a day, grace days outside 0-365, a cap outside 0-100% or an unknown label.
    Audited as late_fee_rule.save."""
    if fee_item is not None and fee_item.site_id != site.id:
        raise ValidationFailed(_l("Choose a fee item of this site."), field="fee_item")
    if label not in LATE_FEE_LABELS:
        raise ValidationFailed(_l("Choose what the contract calls the late fee."), field="label")
    percent = _decimal(daily_rate_percent, places=4, minimum=Decimal(0), maximum=Decimal(1), field_name="daily_rate",
                       message=_l("Enter a daily rate from %(low)s to %(high)s a day, with at most four decimal "
                                  "places (0.05 for 0.05%(percent)s a day)."), low="0%", high="1%", percent="%")
    cap = _decimal(cap_percent, places=2, minimum=Decimal(0), maximum=Decimal(100), field_name="cap_percent",
                   message=_l("Enter a cap from %(low)s to %(high)s of the unpaid principal."), low="0%", high="100%")
    try:
        grace = int(str(grace_days).strip())
    except (TypeError, ValueError):
        grace = -1
    if not 0 <= grace <= 365:
        raise ValidationFailed(_l("Enter the grace days as a whole number from 0 to 365."), field="grace_days")
    fee_item_id = fee_item.id if fee_item is not None else None
    rule = db.session.scalar(sa.select(LateFeeRule).where(LateFeeRule.site_id == site.id,
                                                          LateFeeRule.fee_item_id.is_(None) if fee_item_id is None
                                                          else LateFeeRule.fee_item_id == fee_item_id))
    before = _rule_facts(rule) if rule is not None else None
    if rule is None:
        rule = LateFeeRule(site_id=site.id, fee_item_id=fee_item_id)
        db.session.add(rule)
    rule.label, rule.daily_rate, rule.grace_days, rule.cap_percent = label, percent / 100, grace, cap
    rule.updated_at, rule.updated_by_id = now, actor.id
    db.session.flush()
    record("late_fee_rule.save", actor=actor, now=now, obj=rule,
           summary=fee_item.name if fee_item is not None else "site default", before=before, after=_rule_facts(rule))
    return rule


def remove_late_fee_rule(rule, *, actor, now):
    """Remove a fee item's own rule (its charges follow the site default again) or the site
    default (charges without a rule of their own then carry no late fee). Audited as late_fee_rule.remove."""
    before = _rule_facts(rule)
    db.session.delete(rule)
    db.session.flush()
    record("late_fee_rule.remove", actor=actor, now=now, object_type="late_fee_rule", object_id=rule.id,
           summary=rule.fee_item.name if rule.fee_item is not None else "site default", before=before)


def _rule_facts(rule):
    return {"fee_item_id": rule.fee_item_id, "label": rule.label, "daily_rate": str(rule.daily_rate),
            "grace_days": rule.grace_days, "cap_percent": str(rule.cap_percent)}


def waive_late_fee(charge, amount, reason, *, actor, now) -> LateFeeWaiver:
    """Waive (减免) all or part of the late fee a charge owes today. Supervisors only. The waiver
    is printed with the late fee on the receipt that settles it. Raises NotAllowed, ValidationFailed
    (no reason, a bad amount, more than the fee owed) or InvalidTransition (no late fee owed).
    Audited as late_fee.waive."""
    from ..auth.permissions import LATE_FEES_WAIVE
    from ..billing.models import Charge

    if not actor.can(LATE_FEES_WAIVE):
        raise NotAllowed(_l("Only a supervisor may waive a late fee."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Give the reason for the waiver."), field="reason")
    if len(reason) > 200:
        raise ValidationFailed(_l("Keep the reason under 200 characters."), field="reason")
    try:
        amount = parse_amount(amount)
    except AmountError:
        raise ValidationFailed(_l("Enter an amount above zero with at most two decimal places."),
                               field="amount") from None
    # a payment taken at the same moment must not settle the fee this waiver is taking off
    db.session.execute(sa.select(Charge.id).where(Charge.id == charge.id).with_for_update())
    today = clock.business_day(now)
    fee = queries.late_fees_as_of(charge.site_id, today, charge_ids=[charge.id]).get(charge.id)
    owed = fee.amount if fee is not None else Decimal("0.00")
    if owed <= 0:
        raise InvalidTransition(_l("This charge owes no late fee today: there is nothing to waive."))
    if amount > owed:
        raise ValidationFailed(_l("The waiver (%(amount)s) is more than the late fee owed today (%(owed)s)."),
                               field="amount", amount=format_amount(amount), owed=format_amount(owed))
    waiver = LateFeeWaiver(charge_id=charge.id, amount=amount, reason=reason, waived_on=today, waived_at=now,
                           waived_by_id=actor.id)
    db.session.add(waiver)
    db.session.flush()
    record("late_fee.waive", actor=actor, now=now, obj=waiver,
           summary=f"{charge.unit.number} {charge.fee_item.name} {charge.period}: {amount}",
           before={"late_fee_owed": owed}, after={"waived": amount, "late_fee_owed": owed - amount,
                                                  "reason": reason, "charge_id": charge.id})
    return waiver


# --- collection visits ---------------------------------------------------------------------------

VISIT_TRANSITIONS = {
    VISIT_BOOKED: {VISIT_OUT, VISIT_CANCELLED},
    VISIT_OUT: {VISIT_PAID, VISIT_UNUSED},
}


def _locked_visit(visit) -> CollectionVisit:
    return db.session.scalars(sa.select(CollectionVisit).where(CollectionVisit.id == visit.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _check_visit_move(visit, to):
    if to in VISIT_TRANSITIONS.get(visit.status, set()):
        return
    number = visit.receipt_number or ""
    if visit.status == VISIT_PAID:
        raise InvalidTransition(_l("Receipt %(number)s has already been settled."), number=number)
    if visit.status == VISIT_UNUSED:
        raise InvalidTransition(_l("Receipt %(number)s came back unused and was voided: it cannot be settled."),
                                number=number)
    if visit.status == VISIT_CANCELLED:
        raise InvalidTransition(_l("This visit was cancelled."))
    if visit.status == VISIT_OUT:
        raise InvalidTransition(_l("The receipt of this visit is already out with the collector."))
    raise InvalidTransition(_l("The receipt of this visit has not been handed to the collector yet."))


def _paid_meanwhile(visit):
    """The first charge of the visit that no longer owes what the visit is to collect (paid at the
    counter since), or None."""
    from ..billing.models import Charge

    ids = sorted(line.charge_id for line in visit.lines)
    charges = {c.id: c for c in db.session.scalars(
        sa.select(Charge).where(Charge.id.in_(ids)).order_by(Charge.id).with_for_update()
        .execution_options(populate_existing=True))}
    for line in visit.lines:
        if charges[line.charge_id].outstanding < line.principal:
            return charges[line.charge_id]
    return None


def _raise_paid_meanwhile(charge, visit):
    raise InvalidTransition(
        _l("%(item)s %(period)s of %(unit)s has been paid at the counter since the visit was booked. "
           "Return receipt %(number)s unused and book a new visit."),
        item=charge.fee_item.name, period=charge.period, unit=charge.unit.number, number=visit.receipt_number or "-")


def book_collection_visit(site, customer, *, charge_ids, collector, visit_at, address="", note="", actor,
                          now) -> CollectionVisit:
    """Book a collection visit: a collector goes to the customer at `visit_at` to collect the ticked
    charges and their late fees as of the visit day. Raises NotAllowed (no right to collect),
    ValidationFailed (no charge, a charge of someone else or already paid or on another open visit, a
    collector who cannot collect at this site, a visit in the past). Audited as collection_visit.book."""
    from ..auth.permissions import FEES_COLLECT
    from ..billing.models import PAID, Charge

    if not actor.can(FEES_COLLECT):
        raise NotAllowed(_l("Your roles do not allow booking collection visits."))
    if customer.site_id != site.id:
        raise ValidationFailed(_l("This customer belongs to another site."))
    if collector is None or not collector.can(FEES_COLLECT) or collector.site_id not in (None, site.id):
        raise ValidationFailed(_l("Choose a collector who takes payments at this site."), field="collector")
    if visit_at is None or clock.business_day(visit_at) < clock.business_day(now):
        raise ValidationFailed(_l("Choose a visit day from today on."), field="visit_on")
    visit_on = clock.business_day(visit_at)
    address, note = (address or "").strip(), (note or "").strip()
    if len(address) > 200 or len(note) > 200:
        raise ValidationFailed(_l("Keep the address and the note under 200 characters."), field="address")
    ids = sorted({int(i) for i in charge_ids or []})
    if not ids:
        raise ValidationFailed(_l("Tick at least one charge to collect."), field="charge_ids")
    charges = list(db.session.scalars(sa.select(Charge).where(Charge.id.in_(ids))
                                      .order_by(Charge.due_on, Charge.period, Charge.id)))
    if len(charges) != len(ids) or any(c.customer_id != customer.id or c.site_id != site.id for c in charges):
        raise ValidationFailed(
            _l("One of the ticked charges is not a charge of this customer. Reload the page and try again."),
            field="charge_ids")
    for c in charges:
        if c.status == PAID:
            raise ValidationFailed(_l("%(item)s %(period)s of %(unit)s has already been paid."), field="charge_ids",
                                   item=c.fee_item.name, period=c.period, unit=c.unit.number)
    taken = db.session.scalar(
        sa.select(CollectionVisitCharge.charge_id).join(CollectionVisit, CollectionVisit.id == CollectionVisitCharge.visit_id)
        .where(CollectionVisitCharge.charge_id.in_(ids), CollectionVisit.status.in_((VISIT_BOOKED, VISIT_OUT))))
    if taken is not None:
        c = next(c for c in charges if c.id == taken)
        raise ValidationFailed(_l("%(item)s %(period)s of %(unit)s is already on another open collection visit."),
                               field="charge_ids", item=c.fee_item.name, period=c.period, unit=c.unit.number)
    fees = queries.late_fees_as_of(site.id, visit_on, charge_ids=ids)
    visit = CollectionVisit(site_id=site.id, customer_id=customer.id, collector_id=collector.id, visit_at=visit_at,
                            visit_on=visit_on, address=address, note=note, status=VISIT_BOOKED,
                            booked_by_id=actor.id, booked_at=now, total=Decimal("0"))
    total = Decimal("0")
    for c in charges:
        fee = fees[c.id].amount if c.id in fees else Decimal("0")
        visit.lines.append(CollectionVisitCharge(charge_id=c.id, principal=c.outstanding, late_fee=fee,
                                                 late_fee_label=fees[c.id].label if c.id in fees else ""))
        total += c.outstanding + fee
    visit.total = total
    db.session.add(visit)
    db.session.flush()
    record("collection_visit.book", actor=actor, now=now, obj=visit,
           summary=f"{customer.name} {visit_on.isoformat()} {collector.full_name}",
           after={"collector": collector.full_name, "visit_at": clock.local(visit_at).strftime("%Y-%m-%d %H:%M"),
                  "total": total, "charges": {str(line.charge_id): line.principal for line in visit.lines}})
    return visit


def hand_over_visit_receipt(visit, *, signed_by, actor, now) -> CollectionVisit:
    """The collector leaves with the visit's receipt: it is numbered from the receipt counter (no gaps),
    its text is frozen and the collector's signature (their name as they signed) is recorded. Raises
    InvalidTransition (not booked, a charge paid meanwhile) or ValidationFailed (the signature is not
    the collector's name). Audited as collection_visit.hand_over."""
    from ..auth.permissions import FEES_COLLECT
    from ..billing import rules as billing_rules

    if not actor.can(FEES_COLLECT):
        raise NotAllowed(_l("Your roles do not allow handing receipts to collectors."))
    visit = _locked_visit(visit)
    _check_visit_move(visit, VISIT_OUT)
    signed_by = " ".join((signed_by or "").split())
    if signed_by != visit.collector.full_name:
        raise ValidationFailed(_l("The collector signs with their own name: %(name)s."), field="signed_by",
                               name=visit.collector.full_name)
    paid = _paid_meanwhile(visit)
    if paid is not None:
        raise InvalidTransition(
            _l("%(item)s %(period)s of %(unit)s has been paid at the counter since the visit was booked. "
               "Cancel this visit and book a new one."),
            item=paid.fee_item.name, period=paid.period, unit=paid.unit.number)
    site = db.session.get(Site, visit.site_id)
    today = clock.business_day(now)
    seq = next_number(db.session, "receipt", site.code, today.year)
    visit.receipt_year, visit.receipt_seq = today.year, seq
    visit.receipt_number = billing_rules.receipt_number(site.receipt_prefix, today.year, seq)
    visit.snapshot = _visit_snapshot(site, visit, now)
    visit.status = VISIT_OUT
    visit.signed_by, visit.handed_over_by_id, visit.handed_over_at, visit.handed_over_on = signed_by, actor.id, now, today
    db.session.flush()
    record("collection_visit.hand_over", actor=actor, now=now, obj=visit,
           summary=f"{visit.receipt_number} {visit.collector.full_name}",
           before={"status": VISIT_BOOKED}, after={"status": VISIT_OUT, "receipt": visit.receipt_number,
                                                   "signed_by": signed_by, "total": visit.total})
    return visit


def _visit_snapshot(site, visit, now) -> dict:
    """What the receipt that leaves with the collector says, in the fee desk's receipt shape so that
    billing.pdf.render_receipt prints it; the method is left blank, filled in by hand at the door, and
    the collector is the one who receives the money (收款人)."""
    lines, units = [], []
    for line in visit.lines:
        c = line.charge
        if c.unit.number not in units:
            units.append(c.unit.number)
        lines.append({"item": c.fee_item.name, "period": c.period, "unit": c.unit.number,
                      "description": c.unit.number, "amount": plain_amount(line.principal)})
        if line.late_fee > 0:
            lines.append({"item": line.late_fee_label, "period": c.period, "unit": c.unit.number,
                          "description": c.unit.number, "amount": plain_amount(line.late_fee)})
    return {"number": visit.receipt_number, "site_name": site.name, "company_name": site.company_name,
            "site_address": site.address or "", "site_phone": site.phone or "",
            "payer": visit.customer.name, "units": ", ".join(units),
            "visit_at": clock.local(visit.visit_at).strftime("%Y-%m-%d %H:%M"),
            "address": visit.address, "lines": lines, "total": plain_amount(visit.total),
            "total_figures": format_amount(visit.total), "total_capitals": amount_in_capitals(visit.total),
            "collector": visit.collector.full_name, "cashier": visit.collector.full_name,
            "method_label": "", "copies": site.copies,
            "issued_at": clock.local(now).strftime("%Y-%m-%d %H:%M")}


def print_visit_receipt(visit, *, actor, now) -> bool:
    """Count a print of the visit's receipt, which exists once it has been handed over. The first print
    is the original (printed_at is set, audited as collection_visit.print); every later one is a
    reprint, counted and audited as collection_visit.reprint. Returns True for a reprint. Raises
    NotAllowed or InvalidTransition (no receipt yet)."""
    from ..auth.permissions import FEES_COLLECT

    if not actor.can(FEES_COLLECT):
        raise NotAllowed(_l("Your roles do not allow printing receipts."))
    visit = _locked_visit(visit)
    if not visit.snapshot:
        raise InvalidTransition(_l("The receipt of this visit has not been handed to the collector yet."))
    if visit.printed_at is None:
        visit.printed_at = now
        db.session.flush()
        record("collection_visit.print", actor=actor, now=now, obj=visit, summary=visit.receipt_number)
        return False
    visit.reprints = (visit.reprints or 0) + 1
    db.session.flush()
    record("collection_visit.reprint", actor=actor, now=now, obj=visit,
           summary=f"{visit.receipt_number} reprint {visit.reprints}", after={"reprints": visit.reprints})
    return True


def settle_visit_receipt(visit, *, method, reference="", tendered=None, request_token, actor, now):
    """The collector is back with the money: the payment is taken by the receiving cashier (the
    actor) through the fee desk, under the number the receipt went out with, so it counts in that
    cashier's day close and pays the charges. Raises InvalidTransition (not out, settled already,
    returned unused, a charge paid at the counter meanwhile) and whatever take_payment raises.
    Audited as collection_visit.settle (and payment.take)."""
    from ..billing.services import take_payment

    visit = _locked_visit(visit)
    _check_visit_move(visit, VISIT_PAID)
    paid = _paid_meanwhile(visit)
    if paid is not None:
        _raise_paid_meanwhile(paid, visit)
    site = db.session.get(Site, visit.site_id)
    payment = take_payment(site=site, customer=visit.customer, charge_ids=[line.charge_id for line in visit.lines],
                           method=method, amount=visit.total, tendered=tendered, reference=reference,
                           request_token=request_token, actor=actor, now=now,
                           receipt_number=(visit.receipt_year, visit.receipt_seq), late_fees_on=visit.visit_on)
    visit.status, visit.payment_id = VISIT_PAID, payment.id
    visit.closed_by_id, visit.closed_at, visit.closed_on = actor.id, now, clock.business_day(now)
    db.session.flush()
    record("collection_visit.settle", actor=actor, now=now, obj=visit,
           summary=f"{visit.receipt_number} {visit.collector.full_name}", before={"status": VISIT_OUT},
           after={"status": VISIT_PAID, "method": method, "amount": visit.total})
    return payment


def return_visit_receipt_unused(visit, reason, *, actor, now) -> CollectionVisit:
    """The receipt came back unused: it is voided with the reason, its number kept, and the charges
    stay unpaid. Raises InvalidTransition (not out) or ValidationFailed (no reason).
    Audited as collection_visit.return_unused."""
    from ..auth.permissions import FEES_COLLECT

    if not actor.can(FEES_COLLECT):
        raise NotAllowed(_l("Your roles do not allow taking receipts back from collectors."))
    visit = _locked_visit(visit)
    _check_visit_move(visit, VISIT_UNUSED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why the receipt came back unused."), field="reason")
    if len(reason) > 200:
        raise ValidationFailed(_l("Keep the reason under 200 characters."), field="reason")
    visit.status, visit.void_reason = VISIT_UNUSED, reason
    visit.closed_by_id, visit.closed_at, visit.closed_on = actor.id, now, clock.business_day(now)
    db.session.flush()
    record("collection_visit.return_unused", actor=actor, now=now, obj=visit,
           summary=f"{visit.receipt_number}: {reason}"[:300], before={"status": VISIT_OUT},
           after={"status": VISIT_UNUSED, "reason": reason})
    return visit


def cancel_collection_visit(visit, *, actor, now) -> CollectionVisit:
    """Cancel a visit whose receipt has not left the office (no number was taken).
    Raises InvalidTransition otherwise. Audited as collection_visit.cancel."""
    from ..auth.permissions import FEES_COLLECT

    if not actor.can(FEES_COLLECT):
        raise NotAllowed(_l("Your roles do not allow cancelling collection visits."))
    visit = _locked_visit(visit)
    _check_visit_move(visit, VISIT_CANCELLED)
    visit.status = VISIT_CANCELLED
    visit.closed_by_id, visit.closed_at, visit.closed_on = actor.id, now, clock.business_day(now)
    db.session.flush()
    record("collection_visit.cancel", actor=actor, now=now, obj=visit, summary=visit.customer.name,
           before={"status": VISIT_BOOKED}, after={"status": VISIT_CANCELLED})
    return visit
