"""Read side of dunning: late fees as of a date, notice lists and histories."""
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..core import clock
from ..core.db import Money
from ..billing.models import COMPLETED, PAID, PARTIAL, UNPAID, Charge, FeeItem, Payment, PaymentLine
from ..estate.models import Customer, Unit
from ..extensions import db
from .models import NOTICE_EXPIRED, NOTICE_PAID, DunningNotice, DunningNoticeCharge, PaymentNotice
from .models import LateFeeRule, LateFeeSettlement, LateFeeWaiver
from .rules import LateFee, late_fee_fen, notice_status, times_half_up


# --- payment notices and dunning notices ---------------------------------------------------------

def _outstanding():
    """amount − paid read back as Decimal yuan (the difference of two Money columns is plain fen)."""
    return sa.type_coerce(Charge.amount - Charge.paid, Money()).label("outstanding")


def overdue_charges(site_id: int, as_of: date, *, min_days: int = 1) -> list:
    """Unpaid and part-paid charges of a site overdue by at least `min_days` on `as_of`, as plain
    rows (id, customer_id, customer, unit, item, period, amount, paid, outstanding, due_on), by
    customer and then oldest first."""
    return db.session.execute(
        sa.select(Charge.id, Charge.customer_id, Customer.name.label("customer"), Unit.number.label("unit"),
                  FeeItem.name.label("item"), Charge.period, Charge.amount, Charge.paid,
                  _outstanding(), Charge.due_on)
        .join(Customer, Customer.id == Charge.customer_id).join(Unit, Unit.id == Charge.unit_id)
        .join(FeeItem, FeeItem.id == Charge.fee_item_id)
        .where(Charge.site_id == site_id, Charge.status != "paid",
               Charge.due_on <= as_of - timedelta(days=max(int(min_days), 1)))
        .order_by(Charge.customer_id, Charge.due_on, Charge.period, Charge.id)).all()


def past_dunning(site_id: int, customer_ids=None) -> dict[int, list]:
    """customer id → their dunning notices as (level, issued_on, deadline_on, is_open, charge_ids),
    the shape rules.due_level reads. A notice is open while one of its charges is still unpaid
    (rules.notice_status: not paid; whether its deadline still runs is due_level's question)."""
    query = (sa.select(DunningNotice.id, DunningNotice.customer_id, DunningNotice.level, DunningNotice.issued_on,
                       DunningNotice.deadline_on, DunningNotice.status, DunningNoticeCharge.charge_id,
                       Charge.status.label("charge_status"))
             .join(DunningNoticeCharge, DunningNoticeCharge.notice_id == DunningNotice.id)
             .join(Charge, Charge.id == DunningNoticeCharge.charge_id)
             .where(DunningNotice.site_id == site_id).order_by(DunningNotice.id))
    if customer_ids is not None:
        query = query.where(DunningNotice.customer_id.in_(list(customer_ids)))
    notices: dict[int, dict] = {}
    for r in db.session.execute(query):
        n = notices.setdefault(r.id, {"customer_id": r.customer_id, "level": r.level, "issued_on": r.issued_on,
                                      "deadline_on": r.deadline_on, "status": r.status, "ids": [], "owing": False})
        n["ids"].append(r.charge_id)
        n["owing"] = n["owing"] or r.charge_status != "paid"
    found: dict[int, list] = {}
    for n in notices.values():
        is_open = n["owing"]
        found.setdefault(n["customer_id"], []).append(
            (n["level"], n["issued_on"], n["deadline_on"], is_open, tuple(n["ids"])))
    return found


def latest_issue_day(site_id: int) -> date | None:
    return db.session.scalar(sa.select(sa.func.max(DunningNotice.issued_on)).where(DunningNotice.site_id == site_id))


def _owing():
    """True while one of the notice's charges is not paid in full."""
    return (sa.exists().where(DunningNoticeCharge.notice_id == DunningNotice.id,
                              Charge.id == DunningNoticeCharge.charge_id, Charge.status != PAID))


def notice_status_sql(today: date):
    """rules.notice_status as an SQL expression, to filter lists by the status a notice reads today."""
    return sa.case((~_owing(), NOTICE_PAID), (DunningNotice.deadline_on < today, NOTICE_EXPIRED),
                   else_=DunningNotice.status)


def notice_statuses(notices, today: date) -> dict[int, str]:
    """notice id → the status each notice reads today (rules.notice_status), in one query."""
    ids = [n.id for n in notices]
    if not ids:
        return {}
    owing = set(db.session.scalars(
        sa.select(DunningNoticeCharge.notice_id).join(Charge, Charge.id == DunningNoticeCharge.charge_id)
        .where(DunningNoticeCharge.notice_id.in_(ids), Charge.status != PAID).distinct()))
    return {n.id: notice_status(n.status, n.id in owing, n.deadline_on, today) for n in notices}


NOTICES_PER_PAGE = 50


def dunning_notices(site_id: int, *, status=None, level=None, q="", customer_id=None, batch=None, page=1,
                    today=None):
    """The site's dunning notices, newest first, filtered (by the status they read on `today`); a
    Flask-SQLAlchemy pagination."""
    query = (sa.select(DunningNotice).join(Customer, Customer.id == DunningNotice.customer_id)
             .where(DunningNotice.site_id == site_id)
             .order_by(DunningNotice.issued_on.desc(), DunningNotice.seq.desc()))
    if status:
        query = query.where(notice_status_sql(today or clock.business_day()) == status)
    if level:
        query = query.where(DunningNotice.level == level)
    if customer_id:
        query = query.where(DunningNotice.customer_id == customer_id)
    if batch:
        query = query.where(DunningNotice.batch == batch)
    q = (q or "").strip()[:60]
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(sa.or_(Customer.name.ilike(f"%{escaped}%", escape="\\"),
                                   DunningNotice.number.ilike(f"%{escaped}%", escape="\\")))
    return db.paginate(query, page=page, per_page=NOTICES_PER_PAGE, error_out=False)


def notices_of_batch(site_id: int, batch: str) -> list:
    return list(db.session.scalars(sa.select(DunningNotice).where(DunningNotice.site_id == site_id,
                                                                  DunningNotice.batch == batch)
                                   .order_by(DunningNotice.seq)))


def dunning_history(customer_id: int) -> list:
    """Every dunning notice of a customer, newest first, with its delivery."""
    return list(db.session.scalars(sa.select(DunningNotice).where(DunningNotice.customer_id == customer_id)
                                   .options(selectinload(DunningNotice.delivery))
                                   .order_by(DunningNotice.issued_on.desc(), DunningNotice.seq.desc())))


def payment_notice_charges(site_id: int, period: str, *, building_id=None) -> list:
    """Every charge still owed by the customers who owe something for `period` (optionally only
    customers with a unit in one building): that period's charges and any earlier arrears, as plain
    rows, by customer then oldest first."""
    owing = sa.select(Charge.customer_id).where(Charge.site_id == site_id, Charge.period == period,
                                                 Charge.status != "paid")
    if building_id:
        owing = owing.join(Unit, Unit.id == Charge.unit_id).where(Unit.building_id == building_id)
    return db.session.execute(
        sa.select(Charge.id, Charge.customer_id, Customer.name.label("customer"), Unit.number.label("unit"),
                  FeeItem.name.label("item"), Charge.period, Charge.description,
                  _outstanding(), Charge.due_on)
        .join(Customer, Customer.id == Charge.customer_id).join(Unit, Unit.id == Charge.unit_id)
        .join(FeeItem, FeeItem.id == Charge.fee_item_id)
        .where(Charge.site_id == site_id, Charge.status != "paid", Charge.period <= period,
               Charge.customer_id.in_(owing))
        .order_by(Charge.customer_id, Charge.due_on, Charge.period, Charge.id)).all()


def existing_payment_notices(site_id: int, period: str) -> set[int]:
    return set(db.session.scalars(sa.select(PaymentNotice.customer_id).where(
        PaymentNotice.site_id == site_id, PaymentNotice.period == period)))


def payment_notices(site_id: int, *, period=None, batch=None, customer_id=None, limit=200) -> list:
    """The site's payment notices, newest first."""
    query = sa.select(PaymentNotice).where(PaymentNotice.site_id == site_id)
    if period:
        query = query.where(PaymentNotice.period == period)
    if batch:
        query = query.where(PaymentNotice.batch == batch)
    if customer_id:
        query = query.where(PaymentNotice.customer_id == customer_id)
    query = query.order_by(PaymentNotice.year.desc(), PaymentNotice.seq.desc())
    return list(db.session.scalars(query.limit(limit) if limit else query))


def site_staff(site_id: int) -> list:
    """Active users who work at a site (and those bound to none), for "delivered by"."""
    from ..auth.models import User

    return list(db.session.scalars(sa.select(User).where(User.active.is_(True),
                                                         sa.or_(User.site_id == site_id, User.site_id.is_(None)))
                                   .order_by(User.full_name)))


# --- late fees -----------------------------------------------------------------------------------

# Above this many charge ids the site's open charges are read whole and the ids kept in Python: an IN
# list of 60,000 parameters is slower than that, and over SQLite's limit of 32,766.
_IN_LIST_LIMIT = 500
_FEN = sa.BigInteger()  # Money columns read as raw fen: no Decimal per row


def _raw(column):
    return sa.type_coerce(column, _FEN)


def late_fee_rules(site_id: int) -> dict[int | None, LateFeeRule]:
    """fee item id → its late-fee rule; None → the site default."""
    return {r.fee_item_id: r for r in db.session.scalars(sa.select(LateFeeRule).where(LateFeeRule.site_id == site_id))}


def late_fees_as_of(site_id: int, as_of: date, *, customer_id=None, charge_ids=None) -> dict[int, LateFee]:
    """charge id → its LateFee as of the end of `as_of`, for the site's charges that were unpaid on
    that day and past their due date + grace under a late-fee rule (with a daily rate above zero).

    Payments, settlements and waivers dated after `as_of` are not counted, so a past date shows what
    was owed then. `amount` is net of waivers and of what earlier receipts settled (it may be 0).
    Computed from plain rows, in five statements for a whole site."""
    return _late_fees_as_of(site_id, as_of, customer_id, charge_ids)


def _late_fees_as_of(site_id, as_of, customer_id, charge_ids) -> dict[int, LateFee]:
    rules_by_item = late_fee_rules(site_id)
    if not any(r.daily_rate > 0 for r in rules_by_item.values()):
        return {}
    wanted = None if charge_ids is None else {int(i) for i in charge_ids}
    if wanted is not None and not wanted:
        return {}
    where = [Charge.site_id == site_id, Charge.due_on < as_of]
    if customer_id is not None:
        where.append(Charge.customer_id == customer_id)
    if None not in rules_by_item:
        where.append(Charge.fee_item_id.in_(list(rules_by_item)))
    if wanted is not None and len(wanted) <= _IN_LIST_LIMIT:
        where.append(Charge.id.in_(sorted(wanted)))
    else:
        # unpaid now, or paid (in part) only after the day asked about: two lists of ids, each read
        # by its own index, and the charges then fetched by id. With the site's conditions outside
        # the list too (or as `status <> 'paid' OR id IN (…)`), SQLite read every charge of the site.
        unpaid_now = sa.select(Charge.id).where(*where, Charge.status.in_((UNPAID, PARTIAL)))
        # `site_id + 0`: no index on the charge, so the few payments after the day lead, not the
        # site's 60,000 charges
        paid_later = (sa.select(PaymentLine.charge_id).join(Charge, Charge.id == PaymentLine.charge_id)
                      .where(Charge.site_id + 0 == site_id, *where[1:], PaymentLine.payment_id.in_(
                          sa.select(Payment.id).where(Payment.site_id == site_id, Payment.status == COMPLETED,
                                                      Payment.business_on > as_of))))
        where = [Charge.id.in_(sa.union_all(unpaid_now, paid_later))]
    # plain rows through the connection (no ORM layer per row), days late worked out by the database
    connection = db.session.connection()
    charges = connection.execute(
        sa.select(Charge.id, Charge.fee_item_id, _raw(Charge.amount), _raw(Charge.paid),
                  _days_late(connection.dialect.name, as_of)).where(*where)).all()
    if wanted is not None and len(wanted) > _IN_LIST_LIMIT:
        charges = [r for r in charges if r[0] in wanted]
    if not charges:
        return {}
    payments, settled, waived = _late_fee_movements(where, as_of)
    end = as_of.toordinal()
    # a rule with a rate of 0 stays in as None: its fee item carries no late fee, whatever the default
    terms = {item_id: (r.label, Decimal(r.daily_rate), int(r.grace_days), Decimal(r.cap_percent),
                       Decimal(r.cap_percent) / 100) if r.daily_rate else None
             for item_id, r in rules_by_item.items()}
    default = terms.get(None)
    fees = {}
    for charge_id, item_id, amount, paid, late in charges:
        term = terms.get(item_id, default)
        if term is None or late <= term[2]:
            continue
        label, rate, grace, cap_percent, cap_share = term
        if paid or charge_id in settled or charge_id in waived:
            fees[charge_id] = late_fee_fen(amount, end - late, end, rate=rate, grace_days=grace,
                                           cap_percent=cap_percent, payments=payments.get(charge_id, ()),
                                           settled=settled.get(charge_id, 0), waived=waived.get(charge_id, 0),
                                           label=label, charge_id=charge_id)
        else:
            # the common case, never paid: one piece from the end of grace, as late_fee_fen works it out
            days = late - grace
            fees[charge_id] = LateFee(charge_id, label, rate, grace, cap_percent, days, None, amount,
                                      times_half_up(amount * days, rate), times_half_up(amount, cap_share))
    return fees


def _days_late(dialect: str, as_of: date, due_on=Charge.due_on):
    """Whole days from a charge's due date to `as_of` (a date, or a Date bind parameter of a
    prebuilt statement), as a SQL expression."""
    bound = isinstance(as_of, sa.BindParameter)
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(as_of if bound else as_of.isoformat()) - sa.func.julianday(due_on), sa.Integer)
    return (as_of if bound else sa.literal(as_of, sa.Date)) - due_on


def _times_half_up_sql(fen, factor: Decimal):
    """rules.times_half_up in SQL: the same integer arithmetic, so the same rounding. The operands
    stay far inside 64 bits (a rate of at most 1% has a numerator of at most 10,000)."""
    num, den = factor.as_integer_ratio()
    return (2 * fen * num + den) // (2 * den)


def untouched_late_fee_fen(site_id: int, as_of: date, *, amount, due_on, fee_item_id, rules_by_item=None):
    """The late fee in fen as of the end of `as_of`, as a SQL expression over a charge's `amount`
    (in fen), `due_on` and `fee_item_id`, for a charge that nothing touched by that day: no
    principal paid, no late fee settled or waived (see `late_fee_untouched`). That is most charges
    in arrears, and the expression lets a report add their fees up inside one grouped statement.

    It is rules.late_fee_fen for one piece on the whole principal — accrual from the day after
    due date + grace, rounded once half up, capped at cap_percent of the principal — written in SQL;
    tests compare it with the rule on every charge of a generated site. Charges that were touched
    need the rule itself (late_fees_as_of). None when the site charges no late fees at all.
    A caller that prebuilds the expression passes the site's rules (`rules_by_item`, as
    late_fee_rules gives them) and a Date bind parameter for `as_of`."""
    if rules_by_item is None:
        rules_by_item = late_fee_rules(site_id)
    if not any(r.daily_rate > 0 for r in rules_by_item.values()):
        return None
    late = _days_late(db.session.get_bind().dialect.name, as_of, due_on)
    amount = sa.type_coerce(amount, _FEN)

    def fee(rule):
        if rule is None or not rule.daily_rate:
            return sa.literal(0, _FEN)
        rate, grace = Decimal(rule.daily_rate), int(rule.grace_days)
        accrued = _times_half_up_sql(amount * (late - grace), rate)
        cap = _times_half_up_sql(amount, Decimal(rule.cap_percent) / 100)
        return sa.case((late <= grace, 0), (accrued < cap, accrued), else_=cap)

    default = fee(rules_by_item.get(None))
    by_item = [(fee_item_id == item_id, fee(rule)) for item_id, rule in rules_by_item.items() if item_id is not None]
    return sa.case(*by_item, else_=default) if by_item else default


def late_fee_untouched(charge_id, as_of: date):
    """SQL condition: no receipt settled, and no supervisor waived, any late fee of the charge on or
    before `as_of` (with "its principal whole that day", the case untouched_late_fee_fen computes)."""
    settled = (sa.select(LateFeeSettlement.id).join(Payment, Payment.id == LateFeeSettlement.payment_id)
               .where(LateFeeSettlement.charge_id == charge_id, Payment.status == COMPLETED,
                      Payment.business_on <= as_of))
    waived = sa.select(LateFeeWaiver.id).where(LateFeeWaiver.charge_id == charge_id, LateFeeWaiver.waived_on <= as_of)
    return sa.and_(~settled.exists(), ~waived.exists())


def _late_fee_movements(where, as_of):
    """Payments of principal, settled late fees and waivers up to `as_of` of the charges matching
    `where`, each by charge id."""
    payments: dict[int, list] = {}
    for charge_id, business_on, amount in db.session.execute(
            sa.select(PaymentLine.charge_id, Payment.business_on, _raw(PaymentLine.amount))
            .join(Payment, Payment.id == PaymentLine.payment_id).join(Charge, Charge.id == PaymentLine.charge_id)
            .where(*where, Charge.paid > 0, Payment.status == COMPLETED, Payment.business_on <= as_of)):
        payments.setdefault(charge_id, []).append((business_on.toordinal(), amount))
    settled = dict(db.session.execute(
        sa.select(LateFeeSettlement.charge_id, sa.func.sum(_raw(LateFeeSettlement.amount)))
        .join(Payment, Payment.id == LateFeeSettlement.payment_id)
        .join(Charge, Charge.id == LateFeeSettlement.charge_id)
        .where(*where, Payment.status == COMPLETED, Payment.business_on <= as_of)
        .group_by(LateFeeSettlement.charge_id)).all())
    waived = dict(db.session.execute(
        sa.select(LateFeeWaiver.charge_id, sa.func.sum(_raw(LateFeeWaiver.amount)))
        .join(Charge, Charge.id == LateFeeWaiver.charge_id)
        .where(*where, LateFeeWaiver.waived_on <= as_of).group_by(LateFeeWaiver.charge_id)).all())
    return payments, {k: int(v) for k, v in settled.items()}, {k: int(v) for k, v in waived.items()}


def late_fee_rule_list(site_id: int) -> list:
    """The site's late-fee rules for the settings page: the default first, then by fee item code,
    as rows (rule, fee item name or None)."""
    return db.session.execute(
        sa.select(LateFeeRule, FeeItem.name).outerjoin(FeeItem, FeeItem.id == LateFeeRule.fee_item_id)
        .where(LateFeeRule.site_id == site_id)
        .order_by(LateFeeRule.fee_item_id.is_not(None), FeeItem.code)).all()


# --- collection visits ---------------------------------------------------------------------------

def collection_visits(site_id: int, *, user=None, open_only=False, limit=200) -> list:
    """Collection visits of a site, latest visit first; with `user`, only those they booked, carried
    or took back (supervisors see all)."""
    from .models import VISIT_BOOKED, VISIT_OUT, CollectionVisit

    query = sa.select(CollectionVisit).where(CollectionVisit.site_id == site_id)
    if user is not None:
        query = query.where(sa.or_(CollectionVisit.booked_by_id == user.id, CollectionVisit.collector_id == user.id,
                                   CollectionVisit.handed_over_by_id == user.id,
                                   CollectionVisit.closed_by_id == user.id))
    if open_only:
        query = query.where(CollectionVisit.status.in_((VISIT_BOOKED, VISIT_OUT)))
    return list(db.session.scalars(query.order_by(CollectionVisit.visit_at.desc(), CollectionVisit.id.desc())
                                   .limit(limit)))


def visit_receipts_of_day(site_id: int, cashier_id: int, day: date) -> tuple[list, list]:
    """For a cashier's day close: the receipts they handed to collectors that day (with where each
    stands now) and those that came back to them that day, paid or unused. Plain dicts for the snapshot."""
    from ..auth.models import User
    from ..billing.rules import plain_amount
    from ..estate.models import Customer
    from .models import CollectionVisit

    rows = db.session.execute(
        sa.select(CollectionVisit.receipt_number, CollectionVisit.status, CollectionVisit.total,
                  CollectionVisit.void_reason, CollectionVisit.handed_over_by_id, CollectionVisit.handed_over_on,
                  CollectionVisit.closed_by_id, CollectionVisit.closed_on, CollectionVisit.signed_by,
                  Customer.name.label("payer"), User.full_name.label("collector"))
        .join(Customer, Customer.id == CollectionVisit.customer_id).join(User, User.id == CollectionVisit.collector_id)
        .where(CollectionVisit.site_id == site_id, CollectionVisit.receipt_number.is_not(None),
               sa.or_(sa.and_(CollectionVisit.handed_over_by_id == cashier_id, CollectionVisit.handed_over_on == day),
                      sa.and_(CollectionVisit.closed_by_id == cashier_id, CollectionVisit.closed_on == day)))
        .order_by(CollectionVisit.receipt_year, CollectionVisit.receipt_seq)).all()
    out = [{"number": r.receipt_number, "payer": r.payer, "collector": r.collector, "signed_by": r.signed_by or "",
            "amount": plain_amount(r.total), "status": r.status}
           for r in rows if r.handed_over_by_id == cashier_id and r.handed_over_on == day]
    back = [{"number": r.receipt_number, "payer": r.payer, "collector": r.collector,
             "amount": plain_amount(r.total), "status": r.status, "reason": r.void_reason or ""}
            for r in rows if r.closed_by_id == cashier_id and r.closed_on == day]
    return out, back
