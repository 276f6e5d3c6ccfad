"""Read side of billing: the fee lookup, the account page, day figures and the home page's numbers.

Figures over many rows are SQL aggregates; ORM objects are loaded only for short lists."""
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from ..auth.models import User
from ..core.db import Money
from ..estate.models import Contact, Customer, Occupancy, Site, Unit
from ..extensions import db
from . import rules
from .models import (
    ISSUED, METERED, METHODS, ONE_OFF, PAID, Charge, DayClose, FeeItem, MeterReading, Payment,
    PrepaymentEntry, Receipt,
)

ZERO = Decimal("0.00")


def desk_site(user) -> Site | None:
    """The site this desk works for: the user's own site, else the first active site."""
    if user is not None and getattr(user, "site", None) is not None:
        return user.site
    return db.session.scalar(sa.select(Site).where(Site.active.is_(True)).order_by(Site.id).limit(1))


def _money(expr):
    """A SUM over Money columns, read back as Decimal yuan (0.00 when there are no rows)."""
    return sa.type_coerce(sa.func.coalesce(sa.func.sum(expr), 0), Money())


# --- who is billed -------------------------------------------------------------------------------

def billed_occupant(unit_id: int, start: date, end: date) -> Customer | None:
    """The customer billed for a unit between two dates: an occupancy marked billed that overlaps
    them, the tenant before the owner, the most recent first."""
    return db.session.scalar(_billed_occupancies(start, end).where(Occupancy.unit_id == unit_id).limit(1))


def billed_occupants(site_id: int, start: date, end: date) -> dict[int, Customer]:
    """unit id → billed customer, for every unit of a site at once (charge generation)."""
    rows = db.session.execute(
        _billed_occupancies(start, end).add_columns(Occupancy.unit_id).join(Unit, Unit.id == Occupancy.unit_id)
        .where(Unit.site_id == site_id)
    ).all()
    found = {}
    for customer, unit_id in rows:
        found.setdefault(unit_id, customer)
    return found


def _billed_occupancies(start, end):
    return (
        sa.select(Customer).join(Occupancy, Occupancy.customer_id == Customer.id)
        .where(Occupancy.billed.is_(True), Occupancy.start_on <= end,
               sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= start))
        .order_by(Occupancy.unit_id, sa.case((Occupancy.role == "tenant", 0), else_=1),
                  Occupancy.start_on.desc(), Occupancy.id.desc())
    )


# --- the fee lookup ------------------------------------------------------------------------------

@dataclass
class Hit:
    customer: Customer
    units: list[str] = field(default_factory=list)
    outstanding: Decimal = ZERO


_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def find_accounts(site: Site, text: str, *, today: date, limit: int = 30) -> list[Hit]:
    """Accounts (customers) matching what the cashier typed: a unit number (A-1203, a1203), part of a
    name, the last four digits of a phone number or a unified social credit code."""
    text = (text or "").strip()[:100]
    if not text:
        return []
    ids: list[int] = []

    def add(found):
        for cid in found:
            if cid not in ids:
                ids.append(cid)

    wanted = rules.normalise_unit_number(text)
    if wanted:
        folded = sa.func.upper(sa.func.replace(sa.func.replace(Unit.number, "-", ""), " ", ""))
        unit_ids = db.session.scalars(sa.select(Unit.id).where(Unit.site_id == site.id, folded == wanted)).all()
        for unit_id in unit_ids:
            occupant = billed_occupant(unit_id, today, today)
            add([occupant.id] if occupant else [])
            # a former occupant who still owes for the unit is found by it too
            add(db.session.scalars(sa.select(Charge.customer_id).where(
                Charge.unit_id == unit_id, Charge.status != PAID).distinct()).all())
    if text.isdigit() and len(text) == 4:
        add(db.session.scalars(sa.select(Customer.id).where(
            Customer.site_id == site.id, Customer.phone_last4 == text).order_by(Customer.name)).all())
        add(db.session.scalars(sa.select(Contact.customer_id).join(Customer).where(
            Customer.site_id == site.id, Contact.phone_last4 == text)).all())
    if _CREDIT_CODE.match(text.upper()):
        add(db.session.scalars(sa.select(Customer.id).where(
            Customer.site_id == site.id, Customer.credit_code == text.upper())).all())
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    add(db.session.scalars(sa.select(Customer.id).where(
        Customer.site_id == site.id, Customer.name.ilike(f"%{escaped}%", escape="\\"))
        .order_by(Customer.name).limit(limit)).all())
    ids = ids[:limit]
    if not ids:
        return []
    customers = {c.id: c for c in db.session.scalars(sa.select(Customer).where(Customer.id.in_(ids)))}
    units = _current_units(ids, today)
    owed = dict(db.session.execute(
        sa.select(Charge.customer_id, _money(Charge.amount - Charge.paid))
        .where(Charge.customer_id.in_(ids), Charge.status != PAID).group_by(Charge.customer_id)).all())
    return [Hit(customers[i], units.get(i, []), owed.get(i, ZERO)) for i in ids]


def _current_units(customer_ids, today) -> dict[int, list[str]]:
    rows = db.session.execute(
        sa.select(Occupancy.customer_id, Unit.number).join(Unit, Unit.id == Occupancy.unit_id)
        .where(Occupancy.customer_id.in_(customer_ids), Occupancy.start_on <= today,
               sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= today))
        .order_by(Unit.number)).all()
    found: dict[int, list[str]] = {}
    for cid, number in rows:
        if number not in found.setdefault(cid, []):
            found[cid].append(number)
    return found


def unit_by_number(site: Site, text: str) -> Unit | None:
    wanted = rules.normalise_unit_number(text)
    if not wanted:
        return None
    folded = sa.func.upper(sa.func.replace(sa.func.replace(Unit.number, "-", ""), " ", ""))
    return db.session.scalar(sa.select(Unit).where(Unit.site_id == site.id, folded == wanted).limit(1))


# --- the account page ----------------------------------------------------------------------------

@dataclass
class OpenCharge:
    id: int
    unit: str
    item: str
    period: str
    description: str
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    due_on: date
    days_overdue: int
    late_fee: object = None  # its LateFee as of the account's as-of date, when it carries one
    late_fee_today: Decimal = ZERO  # what paying it today settles on top of the outstanding amount

    @property
    def fen(self) -> int:
        """What ticking it adds to the payment, in fen: the outstanding amount and today's late fee."""
        return int((self.outstanding + self.late_fee_today) * 100)


@dataclass
class Account:
    customer: Customer
    units: list[str]
    charges: list[OpenCharge]
    total_due: Decimal
    overdue: Decimal
    prepayment: Decimal
    receipts: list
    as_of: date | None = None  # the day the late fees are worked out to
    late_fees: Decimal = ZERO  # as of that day
    late_fees_today: Decimal = ZERO
    not_yet_due: int = 0  # charges not yet past their due date on the as-of day

    @property
    def to_pay(self) -> Decimal:
        """What settles the account today: everything due and today's late fees."""
        return self.total_due + self.late_fees_today


# The account page's statements are built once: on SQLite, building a select costs more than
# running it. They read plain rows, never ORM objects.
_OPEN_CHARGES = (
    sa.select(Charge.id, Unit.number, FeeItem.name, Charge.period, Charge.description, Charge.amount, Charge.paid,
              Charge.due_on)
    .join(Unit, Unit.id == Charge.unit_id).join(FeeItem, FeeItem.id == Charge.fee_item_id)
    .where(Charge.customer_id == sa.bindparam("customer_id"), Charge.status != PAID)
    .order_by(Charge.due_on, Charge.period, Charge.id)
)
_RECENT_RECEIPTS = (
    sa.select(Receipt.id, Receipt.number, Receipt.issued_at, Receipt.status, Payment.amount, Payment.method)
    .join(Payment, Payment.id == Receipt.payment_id)
    .where(Payment.customer_id == sa.bindparam("customer_id"))
    .order_by(Receipt.issued_at.desc(), Receipt.id.desc()).limit(sa.bindparam("history"))
)
_UNITS_HELD = (
    sa.select(Unit.number).join(Occupancy, Occupancy.unit_id == Unit.id)
    .where(Occupancy.customer_id == sa.bindparam("customer_id"), Occupancy.start_on <= sa.bindparam("today"),
           sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= sa.bindparam("today")))
    .order_by(Unit.number)
)
_PREPAYMENT = (sa.select(_money(PrepaymentEntry.amount))
               .where(PrepaymentEntry.customer_id == sa.bindparam("customer_id")))


def open_charges(customer_id: int, today: date) -> list[OpenCharge]:
    """Unpaid and part-paid charges of a customer, oldest first (the order a payment settles them)."""
    rows = db.session.execute(_OPEN_CHARGES, {"customer_id": customer_id})
    return [OpenCharge(r.id, r.number, r.name, r.period, r.description, r.amount, r.paid, r.amount - r.paid,
                       r.due_on, rules.days_overdue(r.due_on, today)) for r in rows]


def prepayment_balance(customer_id: int) -> Decimal:
    return db.session.scalar(_PREPAYMENT, {"customer_id": customer_id})


def account(customer: Customer, today: date, *, history: int = 20, as_of: date | None = None) -> Account:
    """The account page: open charges with their days overdue and late fees as of `as_of` (today
    when not given), the totals, the prepayment balance and the latest receipts."""
    from ..dunning.queries import late_fees_as_of  # dunning reads billing's models: imported when used

    as_of = as_of or today
    charges = open_charges(customer.id, as_of)
    fees_today = late_fees_as_of(customer.site_id, today, customer_id=customer.id) if charges else {}
    fees = fees_today if as_of == today or not charges else late_fees_as_of(customer.site_id, as_of,
                                                                            customer_id=customer.id)
    for c in charges:
        c.late_fee = fees.get(c.id)
        if c.id in fees_today:
            c.late_fee_today = fees_today[c.id].amount
    receipts = db.session.execute(_RECENT_RECEIPTS, {"customer_id": customer.id, "history": history}).all()
    units = list(dict.fromkeys(db.session.scalars(_UNITS_HELD, {"customer_id": customer.id, "today": today})))
    for c in charges:
        if c.unit not in units:
            units.append(c.unit)
    return Account(
        customer=customer, units=units, charges=charges,
        total_due=sum((c.outstanding for c in charges), ZERO),
        overdue=sum((c.outstanding for c in charges if c.days_overdue), ZERO),
        prepayment=prepayment_balance(customer.id), receipts=receipts, as_of=as_of,
        late_fees=sum((c.late_fee.amount for c in charges if c.late_fee), ZERO),
        late_fees_today=sum((c.late_fee_today for c in charges), ZERO),
        not_yet_due=sum(1 for c in charges if c.due_on >= as_of),
    )


# --- day figures ---------------------------------------------------------------------------------

def day_close_for(site_id: int, cashier_id: int, day: date) -> DayClose | None:
    return db.session.scalar(sa.select(DayClose).where(
        DayClose.site_id == site_id, DayClose.cashier_id == cashier_id, DayClose.business_on == day))


def day_figures(site: Site, cashier: User, day: date) -> dict:
    """The day close of one cashier: every receipt issued that business day, totals by method of
    those still valid, and the voided ones with their reasons. Shaped as the frozen snapshot."""
    from ..dunning.queries import visit_receipts_of_day  # dunning reads billing's models: imported when used
    from .rules import METHOD_LABELS_ZH

    rows = db.session.execute(
        sa.select(Receipt.number, Receipt.status, Receipt.void_reason, Receipt.snapshot, Payment.amount,
                  Payment.method, Payment.payer_name)
        .join(Payment, Payment.id == Receipt.payment_id)
        .where(Receipt.site_id == site.id, Receipt.cashier_id == cashier.id, Receipt.issued_on == day)
        .order_by(Receipt.year, Receipt.seq)).all()
    by_method = {m: {"count": 0, "amount": ZERO} for m in METHODS}
    total = ZERO
    for r in rows:
        if r.status == ISSUED:
            by_method[r.method]["count"] += 1
            by_method[r.method]["amount"] += r.amount
            total += r.amount
    visits_out, visits_back = visit_receipts_of_day(site.id, cashier.id, day)
    return {
        "site_name": site.name,
        "company_name": site.company_name,
        "cashier": cashier.full_name,
        "business_on": day.isoformat(),
        "count": len(rows),
        "first_number": rows[0].number if rows else "",
        "last_number": rows[-1].number if rows else "",
        "totals_by_method": [
            {"method": m, "label": METHOD_LABELS_ZH[m], "count": v["count"], "amount": rules.plain_amount(v["amount"])}
            for m, v in by_method.items() if v["count"]
        ],
        "total": rules.plain_amount(total),
        "voids": [{"number": r.number, "amount": rules.plain_amount(r.amount), "reason": r.void_reason or ""}
                  for r in rows if r.status != ISSUED],
        "receipts": [{"number": r.number, "payer": r.payer_name, "units": (r.snapshot or {}).get("units", ""),
                      "method_label": METHOD_LABELS_ZH[r.method], "amount": rules.plain_amount(r.amount),
                      "status": r.status} for r in rows],
        "visits_out": visits_out,
        "visits_back": visits_back,
        "confirmed_at": None,
    }


@dataclass
class CashierDay:
    cashier_id: int
    cashier: str
    count: int
    total: Decimal
    by_method: dict
    day_close: DayClose | None = None


def takings(site_id: int, day: date, cashier_id: int | None = None) -> list[CashierDay]:
    """Valid receipts of a business day per cashier and method, in one grouped query; cashiers
    who closed the day without taking anything are listed too."""
    query = (
        sa.select(Receipt.cashier_id, User.full_name, Payment.method, sa.func.count(Receipt.id),
                  _money(Payment.amount))
        .join(Payment, Payment.id == Receipt.payment_id).join(User, User.id == Receipt.cashier_id)
        .where(Receipt.site_id == site_id, Receipt.issued_on == day, Receipt.status == ISSUED)
        .group_by(Receipt.cashier_id, User.full_name, Payment.method))
    if cashier_id is not None:
        query = query.where(Receipt.cashier_id == cashier_id)
    days: dict[int, CashierDay] = {}
    for cid, name, method, count, amount in db.session.execute(query):
        d = days.setdefault(cid, CashierDay(cid, name, 0, ZERO, {}))
        d.count += count
        d.total += amount
        d.by_method[method] = (count, amount)
    closes = sa.select(DayClose).where(DayClose.site_id == site_id, DayClose.business_on == day)
    if cashier_id is not None:
        closes = closes.where(DayClose.cashier_id == cashier_id)
    for close in db.session.scalars(closes):
        d = days.setdefault(close.cashier_id, CashierDay(close.cashier_id, close.cashier.full_name, 0, ZERO, {}))
        d.day_close = close
    return sorted(days.values(), key=lambda d: d.cashier)


def overdue_total(site_id: int, today: date) -> tuple[int, Decimal]:
    """How many charges of the site are past due and unpaid, and what they still owe."""
    count, owed = db.session.execute(
        sa.select(sa.func.count(Charge.id), _money(Charge.amount - Charge.paid))
        .where(Charge.site_id == site_id, Charge.status != PAID, Charge.due_on < today)).one()
    return count, owed


# --- charges admin -------------------------------------------------------------------------------

def fee_items(site_id: int, *, basis=None, active_only=False) -> list[FeeItem]:
    query = sa.select(FeeItem).where(FeeItem.site_id == site_id).order_by(FeeItem.code)
    if basis:
        query = query.where(FeeItem.basis.in_(basis))
    if active_only:
        query = query.where(FeeItem.active.is_(True))
    return list(db.session.scalars(query))


def metered_items(site_id: int) -> list[FeeItem]:
    return fee_items(site_id, basis=(METERED,), active_only=True)


def one_off_items(site_id: int) -> list[FeeItem]:
    return fee_items(site_id, basis=(ONE_OFF,), active_only=True)


def last_reading(unit_id: int, fee_item_id: int, before_period: str) -> MeterReading | None:
    return db.session.scalar(
        sa.select(MeterReading).where(MeterReading.unit_id == unit_id, MeterReading.fee_item_id == fee_item_id,
                                      MeterReading.period < before_period)
        .order_by(MeterReading.period.desc()).limit(1))


def recent_readings(site_id: int, limit: int = 15):
    return db.session.execute(
        sa.select(MeterReading, Unit.number, FeeItem.name).join(Unit, Unit.id == MeterReading.unit_id)
        .join(FeeItem, FeeItem.id == MeterReading.fee_item_id).where(Unit.site_id == site_id)
        .order_by(MeterReading.entered_at.desc(), MeterReading.id.desc()).limit(limit)).all()


def period_summary(site_id: int, period: str):
    """Charges billed for a period per fee item: how many and how much."""
    return db.session.execute(
        sa.select(FeeItem.name, sa.func.count(Charge.id), _money(Charge.amount), _money(Charge.paid))
        .join(FeeItem, FeeItem.id == Charge.fee_item_id)
        .where(Charge.site_id == site_id, Charge.period == period)
        .group_by(FeeItem.name).order_by(FeeItem.name)).all()


# --- home page -----------------------------------------------------------------------------------

@dataclass
class HomeFigures:
    site: Site | None
    today: date
    mine: CashierDay | None = None
    everyone: list[CashierDay] | None = None
    overdue_count: int = 0
    overdue: Decimal = ZERO


def home_figures(user, today: date) -> HomeFigures:
    """What matters today at a glance: a cashier's own takings, every cashier's for a supervisor,
    and what the site is owed past due, for whoever may look fees up."""
    from ..auth.permissions import DAYCLOSE_VIEW_ALL, FEES_COLLECT, FEES_VIEW

    site = desk_site(user)
    figures = HomeFigures(site=site, today=today)
    if site is None:
        return figures
    if user.can(FEES_COLLECT):
        mine = takings(site.id, today, cashier_id=user.id)
        figures.mine = mine[0] if mine else CashierDay(user.id, user.full_name, 0, ZERO, {})
    if user.can(DAYCLOSE_VIEW_ALL):
        figures.everyone = takings(site.id, today)
    if user.can(FEES_VIEW):
        figures.overdue_count, figures.overdue = overdue_total(site.id, today)
    return figures
