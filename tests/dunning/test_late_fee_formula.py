"""The late fee in SQL (queries.untouched_late_fee_fen, which the arrears report adds up in one
statement) against the rule (rules.late_fee), charge by charge, on a generated site: odd fen,
rounding halves, grace, caps that bite, a rate of 0, a fee item without a rule of its own, leap
days and charges due on the 31st. And the report, which mixes both ways, against the rule alone."""
import random
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from frontdesk.billing.models import Charge
from frontdesk.dashboard import queries as reports
from frontdesk.dunning import services
from frontdesk.dunning.queries import late_fee_untouched, late_fees_as_of, untouched_late_fee_fen
from frontdesk.dunning.rules import late_fee
from frontdesk.extensions import db
from tests.billing.factories import make_desk, make_fee_item, make_unit, pay
from tests.dunning.test_late_fees import make_rule
from tests.factories import NOW, make_customer

D = Decimal
AS_OF_DAYS = (date(2024, 2, 29), date(2025, 1, 31), date(2026, 3, 31))

# (rate, grace days, cap %) per fee item; None: the item has no rule and follows the site default
TERMS = {
    "default": ("0.0005", 0, "100"),
    "short_cap": ("0.000333", 10, "5"),     # 1/3 of a per-mille: halves and odd thirds; a low cap
    "steep": ("0.01", 3, "12.34"),          # the largest rate allowed, an odd cap
    "free": ("0", 0, "100"),                # a rate of 0: no late fee, whatever the default says
    "odd": ("0.000125", 31, "99.99"),
    "unruled": None,
}


def make_site_with_charges(count=600, seed=3):
    rng = random.Random(seed)
    desk = make_desk()
    items = {}
    for name, terms in TERMS.items():
        item = desk.fee if name == "default" else make_fee_item(desk.site, name=name)
        items[name] = item
        if terms is not None:
            rate, grace, cap = terms
            make_rule(desk.site, None if name == "default" else item, rate=rate, grace_days=grace, cap_percent=cap)
    units = [desk.unit] + [make_unit(desk.building, f"A-{n}") for n in range(2, 6)]
    customers = [desk.customer] + [make_customer(desk.site, f"业主{n}", unit=units[n]) for n in range(1, 5)]
    fixed_days = [date(2024, 2, 29), date(2024, 1, 31), date(2025, 12, 31), date(2026, 3, 31), date(2023, 3, 1)]
    charges = []
    for n in range(count):
        due_on = (fixed_days[n] if n < len(fixed_days)
                  else date(2023, 1, 1) + timedelta(days=rng.randrange(0, 1200)))
        fen = rng.choice([1, 3, 5, 99, 101, 2500, 25000, 33333, 123457, 10_000_000]) if n % 3 == 0 else rng.randrange(1, 500_000)
        k = rng.randrange(len(units))
        charges.append(Charge(site_id=desk.site.id, unit_id=units[k].id, customer_id=customers[k].id,
                              fee_item_id=rng.choice(list(items.values())).id, period=f"{due_on:%Y-%m}",
                              amount=D(fen).scaleb(-2), paid=D(0), status="unpaid", due_on=due_on,
                              description="", dedupe_key=f"formula:{n}", created_at=NOW))
    db.session.add_all(charges)
    db.session.flush()
    return desk, items, charges


def by_rule(charge, as_of, items):
    name = next(n for n, item in items.items() if item.id == charge.fee_item_id)
    rate, grace, cap = TERMS[name] or TERMS["default"]
    if not D(rate):
        return D("0.00")
    return late_fee(charge.amount, charge.due_on, as_of, rate=D(rate), grace_days=grace, cap_percent=D(cap)).amount


def test_the_sql_late_fee_equals_the_rule_on_every_charge_of_a_generated_site(db):
    desk, items, charges = make_site_with_charges()
    expected_by_day = {}
    for as_of in AS_OF_DAYS:
        fee = untouched_late_fee_fen(desk.site.id, as_of, amount=Charge.amount, due_on=Charge.due_on,
                                     fee_item_id=Charge.fee_item_id)
        found = dict(db.session.execute(sa.select(Charge.id, fee).where(Charge.site_id == desk.site.id)).all())
        expected = {c.id: by_rule(c, as_of, items) for c in charges}
        assert {i: D(int(v)).scaleb(-2) for i, v in found.items()} == expected
        expected_by_day[as_of] = expected

    # the data set reaches what the formula must get right: capped fees, fees below the cap, none
    today = expected_by_day[date(2026, 3, 31)]
    short_cap = [c for c in charges if c.fee_item_id == items["short_cap"].id and c.due_on < date(2024, 1, 1)]
    assert any(today[c.id] == (c.amount * D("0.05")).quantize(D("0.01"), "ROUND_HALF_UP") for c in short_cap)
    assert sum(1 for v in today.values() if v) > 300 and sum(1 for v in today.values() if not v) > 50


def test_a_charge_due_on_the_31st_in_a_leap_year_accrues_by_calendar_days(db):
    desk, items, charges = make_site_with_charges(count=5)
    jan_31 = next(c for c in charges if c.due_on == date(2024, 1, 31))
    fee = untouched_late_fee_fen(desk.site.id, date(2024, 3, 1), amount=Charge.amount, due_on=Charge.due_on,
                                 fee_item_id=Charge.fee_item_id)
    fen = db.session.scalar(sa.select(fee).where(Charge.id == jan_31.id))
    assert D(int(fen)).scaleb(-2) == by_rule(jan_31, date(2024, 3, 1), items)  # 30 days: Feb 2024 has 29


def test_a_site_without_late_fee_rules_has_no_sql_late_fee(db):
    desk = make_desk()
    assert untouched_late_fee_fen(desk.site.id, date(2026, 3, 31), amount=Charge.amount, due_on=Charge.due_on,
                                  fee_item_id=Charge.fee_item_id) is None


def test_charges_paid_in_part_settled_or_waived_are_not_untouched(db):
    desk, items, charges = make_site_with_charges(count=150)
    open_ones = [c for c in charges if c.due_on < date(2026, 3, 1) and c.fee_item_id == items["default"].id
                 and c.customer_id == desk.customer.id]
    part_paid, waived = open_ones[0], open_ones[1]
    pay(desk, [part_paid], str((part_paid.amount / 2).quantize(D("0.01"))))
    services.waive_late_fee(waived, D("0.01"), "老人户，经理批准", actor=desk.supervisor, now=NOW)
    untouched = set(db.session.scalars(sa.select(Charge.id).where(
        Charge.site_id == desk.site.id, late_fee_untouched(Charge.id, date(2026, 3, 31)))))
    assert waived.id not in untouched
    assert {c.id for c in charges} - untouched <= {part_paid.id, waived.id}
    # the day before the waiver, nothing had touched it
    assert waived.id in set(db.session.scalars(sa.select(Charge.id).where(
        Charge.id == waived.id, late_fee_untouched(Charge.id, date(2026, 3, 30)))))


def test_the_arrears_report_adds_up_exactly_the_late_fees_of_the_rule(db):
    desk, items, charges = make_site_with_charges(count=300)
    overdue = [c for c in charges if c.due_on < date(2026, 3, 1) and c.fee_item_id == items["default"].id
               and c.customer_id == desk.customer.id]
    pay(desk, overdue[:3], str(sum(c.amount for c in overdue[:3]) - D("1.00")), customer=desk.customer)
    services.waive_late_fee(overdue[5], D("0.01"), "老人户，经理批准", actor=desk.supervisor, now=NOW)
    db.session.commit()
    for as_of in AS_OF_DAYS:
        report = reports.arrears(desk.site.id, as_of)
        by_rule_total = sum((f.amount for f in late_fees_as_of(desk.site.id, as_of).values()), D("0.00"))
        assert report.total.late_fee == by_rule_total
        assert sum((c.ageing.late_fee for c in report.by_customer), D("0.00")) == by_rule_total
