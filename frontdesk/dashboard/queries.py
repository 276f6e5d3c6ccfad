"""Report figures: arrears with ageing (and late fees) as of a day, and the collection rate by
billing period and building. The page and the XLSX export read these functions and nothing else,
so each figure has one definition:

Arrears as of a day D (欠费, 账龄)
    A charge is in arrears on D when its due date is before D and part of it is still unpaid on D.
    "Unpaid on D" is its amount less what payments made on or before D (their business day) paid on
    it: a payment made after D does not lower the arrears as of D, so a report for a past day does
    not change when customers pay later. A voided receipt counts as never paid, also for the days
    before it was voided. A partly paid charge is in arrears with its unpaid part only. Its age is
    the whole days from its due date to D: 1–30 days in the first bucket (shown as 0–30), then
    31–90, 91–180 and over 180. A charge belongs to the customer billed for it and to the building
    of its unit.

Late fees as of D
    The late fee of each charge in arrears as the dunning package works it out (the site's late-fee
    rules, settlements and waivers); this module adds them up and never computes one. Charges nothing
    touched by D (no principal paid, no fee settled or waived) are added up inside the grouped
    statement with dunning.queries.untouched_late_fee_fen, the others come from late_fees_as_of.

Collection rate of a billing period (收缴率)
    due = the amounts of every charge billed for that period (its 所属期间), whatever its due date;
    collected = what payments made on or before D paid on those charges, including payments made
    after the period ended (arrears recovered later raise the period's rate); rate = collected ÷ due,
    in percent, rounded once to 0.01% half up. Prepayments kept on account and late fees count in
    neither. Totals over several periods or buildings divide the summed amounts; rates are never
    averaged.

Work orders of a month or a range of months (工单统计)
    See workorder_figures and the definitions the page shows (export.workorder_definitions).

Everything is computed in SQL aggregates over the site's rows; only grouped rows reach Python."""
import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from ..billing.models import COMPLETED, PAID, PARTIAL, UNPAID, Charge, Payment, PaymentLine
from ..core import clock
from ..core.db import Money
from ..core.money import to_fen
from ..estate.models import Building, Customer, Unit
from ..extensions import db
from . import rules

ZERO = Decimal("0.00")


def _money(expr):
    """A SUM of fen, read back as Decimal yuan (0.00 when there are no rows)."""
    return sa.type_coerce(sa.func.coalesce(sa.func.sum(expr), 0), Money())


def buildings(site_id: int) -> list[Building]:
    return list(db.session.scalars(sa.select(Building).where(Building.site_id == site_id).order_by(Building.code)))


def _paid_after(site_id: int, as_of: date):
    """Per charge: what completed payments of business days after `as_of` paid on it. On the day
    itself this is empty, and ix_payment_site_day keeps it cheap for any day."""
    # payments first, as a list: joined instead, SQLite may walk every line in charge order
    payments = sa.select(Payment.id).where(Payment.site_id == site_id, Payment.status == COMPLETED,
                                           Payment.business_on > as_of)
    return (
        sa.select(PaymentLine.charge_id.label("charge_id"), sa.func.sum(PaymentLine.amount).label("paid_later"))
        .where(PaymentLine.payment_id.in_(payments))
        .group_by(PaymentLine.charge_id)
    ).cte("paid_later")


def _owed_on(site_id: int, as_of: date):
    """The charges in arrears on `as_of` with what each still owed that day (`owed`, in fen), their
    `amount` and fee item (for the late fee).

    charge.paid is what completed payments paid so far, so the unpaid part on `as_of` is
    amount − paid + what later payments paid. Two parts, so that each can use an index: charges
    unpaid today, and charges paid in full today by a payment made after `as_of`."""
    later = _paid_after(site_id, as_of)
    owed = (Charge.amount - Charge.paid + sa.func.coalesce(later.c.paid_later, 0)).label("owed")
    columns = (Charge.id.label("charge_id"), Charge.unit_id, Charge.customer_id, Charge.due_on, owed,
               Charge.amount.label("amount"), Charge.fee_item_id)
    unpaid_now = (sa.select(*columns).outerjoin(later, later.c.charge_id == Charge.id)
                  .where(Charge.site_id == site_id, Charge.status.in_((UNPAID, PARTIAL)), Charge.due_on < as_of))
    paid_since = (sa.select(*columns).join(later, later.c.charge_id == Charge.id)
                  .where(Charge.site_id == site_id, Charge.status == PAID, Charge.due_on < as_of))
    return sa.union_all(unpaid_now, paid_since).subquery("owed")


# --- arrears ---------------------------------------------------------------------------------------

@dataclass
class Ageing:
    """Amounts in arrears per ageing bucket (in the order of rules.BUCKETS) and their late fees."""

    buckets: list[Decimal] = field(default_factory=lambda: [ZERO] * len(rules.BUCKETS))
    late_fee: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)

    @property
    def total_with_late_fee(self) -> Decimal:
        return self.total + self.late_fee


@dataclass
class ArrearsLine:
    id: int
    name: str
    units: list[str] = field(default_factory=list)
    ageing: Ageing = field(default_factory=Ageing)


@dataclass
class ArrearsReport:
    as_of: date
    building_id: int | None
    with_late_fees: bool
    by_building: list[ArrearsLine]
    by_customer: list[ArrearsLine]
    total: Ageing


def arrears(site_id: int, as_of: date, *, building_id: int | None = None, with_late_fees: bool = True) -> ArrearsReport:
    """Arrears of a site (or of one building) as of a day, by building and by customer, in ageing
    buckets, with the late fees as of that day when asked. See the module's definitions.

    One grouped statement per unit and customer; the late fees come per charge from the dunning
    package and are added to the unit and customer of their charge. The groups are added up in
    integer fen, and turned into Decimal yuan once at the end."""
    params = {"site_id": site_id, "as_of": as_of, "building_id": building_id}
    for i, (earliest, latest) in enumerate(rules.bucket_bounds(as_of)):
        params[f"earliest{i}"], params[f"latest{i}"] = earliest, latest
    fee_rules = _late_fee_rules_key(site_id) if with_late_fees else None
    statements = _arrears_statements(db.session.get_bind().dialect.name, fee_rules, building_id is not None)
    rows = db.session.execute(statements.grouped, params).all()

    fees = (_touched_late_fees(site_id, as_of, statements.touched, params)
            if statements.touched is not None and any(r[-1] for r in rows) else {})
    names = dict(db.session.execute(_BUILDING_NAMES, params).all())
    # the rows of each building and of each customer, added up column by column at the end
    per_building: dict[int, list] = {}
    per_customer: dict[int, tuple[str, set, list]] = {}
    for unit_id, number, b_id, customer_id, customer, *amounts, _ in rows:
        if fees:
            amounts[-1] += fees.get((unit_id, customer_id), 0)
        per_building.setdefault(b_id, []).append(amounts)
        _, units, lines = per_customer.setdefault(customer_id, (customer, set(), []))
        lines.append(amounts)
        units.add(number)
    building_fen = {b_id: _column_sums(lines) for b_id, lines in per_building.items()}
    by_building = [ArrearsLine(b_id, names.get(b_id, ""), [], _ageing(fen)) for b_id, fen in building_fen.items()]
    by_customer = [ArrearsLine(c_id, name, sorted(units), _ageing(_column_sums(lines)))
                   for c_id, (name, units, lines) in per_customer.items()]
    return ArrearsReport(
        as_of=as_of, building_id=building_id, with_late_fees=with_late_fees,
        by_building=sorted(by_building, key=lambda b: b.name),
        by_customer=sorted(by_customer, key=lambda c: (-c.ageing.total_with_late_fee, c.name, c.id)),
        total=_ageing(_column_sums(list(building_fen.values()))))


_WIDTH = len(rules.BUCKETS) + 1  # the buckets, then the late fee


def _column_sums(lines) -> list[int]:
    if len(lines) == 1:  # most customers owe for one unit
        return [int(v) for v in lines[0]]
    return [int(sum(column)) for column in zip(*lines)] if lines else [0] * _WIDTH


def _ageing(fen: list[int]) -> Ageing:
    # Decimal(fen).scaleb(-2) is from_fen's exact two-place Decimal at a fifth of the cost: a
    # report turns thousands of sums into yuan
    return Ageing([Decimal(f).scaleb(-2) for f in fen[:-1]], Decimal(fen[-1]).scaleb(-2))


_BUILDING_NAMES = sa.select(Building.id, Building.name).where(Building.site_id == sa.bindparam("site_id"))


@dataclass(frozen=True)
class _RuleValues:
    """What untouched_late_fee_fen reads of a late-fee rule, hashable so that it keys the cache."""

    daily_rate: Decimal
    grace_days: int
    cap_percent: Decimal


def _late_fee_rules_key(site_id: int):
    """The site's late-fee rules as a hashable key ((fee item id, values), ...); None when the site
    charges no late fees at all (the report then adds none up)."""
    from ..dunning.queries import late_fee_rules

    found = late_fee_rules(site_id)
    if not any(r.daily_rate > 0 for r in found.values()):
        return None
    return tuple(sorted(((item_id, _RuleValues(Decimal(r.daily_rate), int(r.grace_days), Decimal(r.cap_percent)))
                         for item_id, r in found.items()), key=lambda kv: (kv[0] is not None, kv[0] or 0)))


@dataclass(frozen=True)
class _ArrearsStatements:
    grouped: sa.Select
    touched: sa.Select | None  # the charges whose late fee needs the rule itself


@functools.lru_cache(maxsize=64)
def _arrears_statements(dialect: str, fee_rules, by_building: bool) -> _ArrearsStatements:
    """The report's statements, built once per database dialect, set of late-fee rules (or None:
    no late fees) and building filter, with the site, the day and the bucket bounds as bind
    parameters: building a statement this size costs more than running it on a small site."""
    from ..dunning.queries import late_fee_untouched, untouched_late_fee_fen

    site_id, as_of = sa.bindparam("site_id"), sa.bindparam("as_of", type_=sa.Date)
    owed = _owed_on(site_id, as_of)
    sums = []
    for i, (first, last) in enumerate(rules.BUCKETS):
        within = owed.c.due_on <= sa.bindparam(f"latest{i}", type_=sa.Date)
        if last is not None:
            within = sa.and_(within, owed.c.due_on >= sa.bindparam(f"earliest{i}", type_=sa.Date))
        sums.append(sa.func.coalesce(sa.func.sum(sa.case((within, owed.c.owed), else_=0)), 0))
    untouched = None
    if fee_rules is not None:
        fee = untouched_late_fee_fen(None, as_of, amount=owed.c.amount, due_on=owed.c.due_on,
                                     fee_item_id=owed.c.fee_item_id, rules_by_item=dict(fee_rules))
        untouched = sa.and_(owed.c.owed == owed.c.amount, late_fee_untouched(owed.c.charge_id, as_of))
        sums.append(sa.func.coalesce(sa.func.sum(sa.case((untouched, fee), else_=0)), 0))
        # how many charges need the rule itself: when none, their statement is not run at all
        sums.append(sa.func.sum(sa.case((untouched, 0), else_=1)))
    # grouped by ids first, the names joined to the groups: grouping by the names costs more
    groups = (sa.select(owed.c.unit_id, owed.c.customer_id, *[s.label(f"b{i}") for i, s in enumerate(sums)])
              .group_by(owed.c.unit_id, owed.c.customer_id).subquery("groups"))
    grouped = (sa.select(Unit.id, Unit.number, Unit.building_id, Customer.id, Customer.name,
                         *[groups.c[f"b{i}"] for i in range(len(rules.BUCKETS))],
                         *([groups.c[f"b{len(rules.BUCKETS)}"], groups.c[f"b{len(rules.BUCKETS) + 1}"]]
                           if untouched is not None else [sa.literal(0), sa.literal(0)]))
               .join(Unit, Unit.id == groups.c.unit_id).join(Customer, Customer.id == groups.c.customer_id))
    touched = None
    if untouched is not None:
        touched = sa.select(owed.c.charge_id, owed.c.unit_id, owed.c.customer_id).where(~untouched)
        if by_building:
            touched = (touched.join(Unit, Unit.id == owed.c.unit_id)
                       .where(Unit.building_id == sa.bindparam("building_id")))
    if by_building:
        grouped = grouped.where(Unit.building_id == sa.bindparam("building_id"))
    return _ArrearsStatements(grouped, touched)


def _touched_late_fees(site_id, as_of, touched_statement, params) -> dict[tuple[int, int], int]:
    """(unit id, customer id) → the late fees as of `as_of` of their charges in arrears that were
    paid in part, or had a fee settled or waived, by then: the rule itself, charge by charge, in fen."""
    from ..dunning.queries import late_fees_as_of

    touched = db.session.execute(touched_statement, params).all()
    if not touched:
        return {}
    fees = late_fees_as_of(site_id, as_of, charge_ids=[r.charge_id for r in touched])
    found: dict[tuple[int, int], int] = {}
    for charge_id, unit_id, customer_id in touched:
        fee = fees.get(charge_id)
        if fee is not None and fee.amount:
            found[(unit_id, customer_id)] = found.get((unit_id, customer_id), 0) + to_fen(fee.amount)
    return found


# --- collection rate -------------------------------------------------------------------------------

@dataclass
class Collection:
    due: Decimal = ZERO
    collected: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return rules.collection_rate(self.collected, self.due)

    def add(self, due, collected):
        self.due += due
        self.collected += collected


@dataclass
class CollectionReport:
    as_of: date
    periods: list[str]
    building_id: int | None
    by_period: list[tuple[str, Collection]]
    by_building: list[tuple[Building, Collection]]
    cells: dict[tuple[int, str], Collection]  # (building id, period)
    total: Collection


def collection(site_id: int, periods: list[str], as_of: date, *, building_id: int | None = None) -> CollectionReport:
    """The collection rate of each billing period in `periods` and of each building, counting the
    payments made on or before `as_of`. See the module's definitions."""
    first, last = periods[0], periods[-1]
    billed = (sa.select(Charge.period, Unit.building_id, _money(Charge.amount), _money(Charge.paid))
              .join(Unit, Unit.id == Charge.unit_id)
              .where(Charge.site_id == site_id, Charge.period >= first, Charge.period <= last)
              .group_by(Charge.period, Unit.building_id))
    later = _paid_after(site_id, as_of)
    paid_later = (sa.select(Charge.period, Unit.building_id, _money(later.c.paid_later))
                  .select_from(later).join(Charge, Charge.id == later.c.charge_id).join(Unit, Unit.id == Charge.unit_id)
                  .where(Charge.period >= first, Charge.period <= last)
                  .group_by(Charge.period, Unit.building_id))
    if building_id is not None:
        billed = billed.where(Unit.building_id == building_id)
        paid_later = paid_later.where(Unit.building_id == building_id)

    cells: dict[tuple[int, str], Collection] = {}
    for period, b_id, due, paid in db.session.execute(billed):
        cells[(b_id, period)] = Collection(due, paid)
    for period, b_id, amount in db.session.execute(paid_later):
        cells[(b_id, period)].collected -= amount

    site_buildings = [b for b in buildings(site_id) if building_id is None or b.id == building_id]
    by_period = {p: Collection() for p in periods}
    by_building = {b.id: Collection() for b in site_buildings}
    total = Collection()
    for (b_id, period), cell in cells.items():
        by_period[period].add(cell.due, cell.collected)
        by_building.setdefault(b_id, Collection()).add(cell.due, cell.collected)
        total.add(cell.due, cell.collected)
    return CollectionReport(
        as_of=as_of, periods=periods, building_id=building_id, by_period=list(by_period.items()),
        by_building=[(b, by_building[b.id]) for b in site_buildings if by_building[b.id].due],
        cells=cells, total=total)


# --- work orders -----------------------------------------------------------------------------------
# The work-order report (工单统计) of one month or a range of months; the definitions are the
# export's workorder_definitions(), shown on the page. Every figure comes from two grouped
# statements (per kind and category, per kind); totals add up the integer counts and sums, and
# rates and averages are divided and rounded once, in Python, with Decimal.

class _SecondsBetween(sa.sql.functions.FunctionElement):
    type = sa.BigInteger()
    inherit_cache = True
    name = "seconds_between"


@compiles(_SecondsBetween)
def _seconds_between_epoch(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({later} - {earlier}))) AS BIGINT)"


@compiles(_SecondsBetween, "sqlite")
def _seconds_between_julian(element, compiler, **kw):
    # UTCDateTime is kept as naive UTC text ('2026-03-02 02:10:00.000000') on SQLite, which
    # julianday() reads; the day fraction is rounded back to whole seconds
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


def seconds_between(later, earlier):
    """The whole seconds from `earlier` to `later` (two timestamp columns), on SQLite and PostgreSQL."""
    return _SecondsBetween(later, earlier)


@dataclass
class LimitFigures:
    """Orders measured against one time limit: `judged` = done, or not done and past the deadline
    when the report is drawn up; `on_time` = done by the deadline; `open_late` = of the late ones,
    those still not done."""

    judged: int = 0
    on_time: int = 0
    open_late: int = 0

    @property
    def late(self) -> int:
        return self.judged - self.on_time

    @property
    def rate(self) -> Decimal | None:
        return rules.percent(self.on_time, self.judged)

    def add(self, other: "LimitFigures"):
        self.judged += other.judged
        self.on_time += other.on_time
        self.open_late += other.open_late


@dataclass
class KindFigures:
    kind: str | None  # None for all kinds together
    orders: int = 0
    reopened: int = 0
    response: LimitFigures = field(default_factory=LimitFigures)
    promise: LimitFigures = field(default_factory=LimitFigures)
    hard: LimitFigures = field(default_factory=LimitFigures)
    responses: int = 0
    response_seconds: int = 0
    completed: int = 0
    resolution_seconds: int = 0
    callbacks: int = 0
    satisfaction_points: int = 0
    scores: list[int] = field(default_factory=lambda: [0] * len(rules.SCORES))  # callbacks scoring 1…5

    @property
    def average_response_minutes(self) -> Decimal | None:
        return rules.average(self.response_seconds, self.responses, 60)

    @property
    def average_resolution_hours(self) -> Decimal | None:
        return rules.average(self.resolution_seconds, self.completed, 3600)

    @property
    def average_satisfaction(self) -> Decimal | None:
        return rules.average(self.satisfaction_points, self.callbacks)

    def add(self, other: "KindFigures"):
        for name in ("orders", "reopened", "responses", "response_seconds", "completed", "resolution_seconds",
                     "callbacks", "satisfaction_points"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("response", "promise", "hard"):
            getattr(self, name).add(getattr(other, name))
        self.scores = [a + b for a, b in zip(self.scores, other.scores)]


@dataclass
class CategoryLine:
    category: str
    by_kind: list[int]  # orders of each kind, in the order of WorkOrderFigures.kinds

    @property
    def total(self) -> int:
        return sum(self.by_kind)


@dataclass
class WorkOrderFigures:
    months: list[str]
    drawn_at: datetime
    kinds: tuple[str, ...]
    by_kind: list[KindFigures]  # every kind, in the order of `kinds`
    by_category: list[CategoryLine]  # every category
    total: KindFigures


def _tally(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _workorder_columns(now: datetime) -> list:
    """The aggregate columns of workorder_figures, in the order _kind_figures reads them."""
    from ..workorders.models import WorkOrder as W

    columns = [sa.func.count(), _tally(W.reopened > 0)]
    for done, due in ((W.first_response_at, W.response_due_at), (W.completed_at, W.resolve_due_at),
                      (W.completed_at, W.hard_due_at)):
        # a deadline standing still while the order is on hold is NULL: not judged against it
        columns += [_tally(sa.and_(due.is_not(None), sa.or_(done.is_not(None), due < now))),
                    _tally(sa.and_(due.is_not(None), done.is_not(None), done <= due)),
                    _tally(sa.and_(done.is_(None), due < now))]
    columns += [sa.func.count(W.first_response_at),
                sa.func.coalesce(sa.func.sum(seconds_between(W.first_response_at, W.logged_at)), 0),
                sa.func.count(W.completed_at),
                sa.func.coalesce(sa.func.sum(seconds_between(W.completed_at, W.logged_at)), 0),
                sa.func.count(W.satisfaction), sa.func.coalesce(sa.func.sum(W.satisfaction), 0)]
    columns += [_tally(W.satisfaction == score) for score in rules.SCORES]
    return columns


def _kind_figures(kind, values) -> KindFigures:
    v = [int(x) for x in values]  # PostgreSQL's SUM of integers is numeric
    return KindFigures(kind, orders=v[0], reopened=v[1], response=LimitFigures(*v[2:5]),
                       promise=LimitFigures(*v[5:8]), hard=LimitFigures(*v[8:11]), responses=v[11],
                       response_seconds=v[12], completed=v[13], resolution_seconds=v[14], callbacks=v[15],
                       satisfaction_points=v[16], scores=v[17:22])


def workorder_figures(site_id: int, months: list[str], *, now: datetime) -> WorkOrderFigures:
    """The work orders of a site logged in `months` (Shanghai months, consecutive 'YYYY-MM'),
    cancelled ones left out: orders by kind and category, the on-time rate against each time limit
    as of `now`, the average time to first response and to resolution, and callback satisfaction,
    per kind and for all kinds."""
    from ..workorders.models import CANCELLED, CATEGORIES, KINDS, WorkOrder as W

    first_day, after = rules.month_days(months)
    in_period = (W.site_id == site_id, W.logged_at >= clock.day_bounds(first_day)[0],
                 W.logged_at < clock.day_bounds(after)[0], W.status != CANCELLED)
    counts = {(kind, category): n for kind, category, n in db.session.execute(
        sa.select(W.kind, W.category, sa.func.count()).where(*in_period).group_by(W.kind, W.category))}
    found = {row[0]: _kind_figures(row[0], row[1:]) for row in db.session.execute(
        sa.select(W.kind, *_workorder_columns(now)).where(*in_period).group_by(W.kind))}

    by_kind = [found.get(kind) or KindFigures(kind) for kind in KINDS]
    total = KindFigures(None)
    for line in by_kind:
        total.add(line)
    return WorkOrderFigures(
        months=months, drawn_at=now, kinds=KINDS, by_kind=by_kind, total=total,
        by_category=[CategoryLine(category, [counts.get((kind, category), 0) for kind in KINDS])
                     for category in CATEGORIES])
