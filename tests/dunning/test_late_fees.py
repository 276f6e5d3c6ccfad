"""Late fees on the database: the bulk lookup, payments that settle them on the receipt, waivers,
voids, the rule settings and the fee desk page. Figures are worked out by hand beside each test.

The factories' clock is 2026-03-31; a charge for 2026-01 falls due on 2026-01-15, 75 days earlier."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.billing import services as billing
from frontdesk.billing.pdf import render_receipt
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.dunning import services
from frontdesk.dunning.models import LateFeeRule, LateFeeSettlement, LateFeeWaiver
from frontdesk.dunning.queries import late_fees_as_of
from tests.billing.factories import make_charge, make_desk, make_fee_item, make_user, pay
from tests.factories import NOW

D = Decimal
TODAY = date(2026, 3, 31)


def make_rule(site, fee_item=None, rate="0.0005", grace_days=0, cap_percent="100", label="违约金"):
    rule = LateFeeRule(site_id=site.id, fee_item_id=fee_item.id if fee_item else None, label=label,
                       daily_rate=D(rate), grace_days=grace_days, cap_percent=D(cap_percent), updated_at=NOW)
    from frontdesk.extensions import db

    db.session.add(rule)
    db.session.flush()
    return rule


@pytest.fixture
def desk(db):
    desk = make_desk()
    make_rule(desk.site)
    return desk


def pdf_text(data: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


# --- the lookup ---------------------------------------------------------------------------------

def test_a_site_without_a_rule_charges_no_late_fee(db):
    desk = make_desk()
    make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    assert late_fees_as_of(desk.site.id, TODAY) == {}


def test_late_fees_of_a_site_as_of_a_date(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    mar = make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "250.00")
    apr = make_charge(desk.unit, desk.customer, desk.fee, "2026-04", "250.00")  # due 04-15: not yet
    fees = late_fees_as_of(desk.site.id, date(2026, 4, 15))
    assert set(fees) == {jan.id, mar.id}
    assert (fees[jan.id].days, fees[jan.id].amount) == (90, D("11.25"))  # the example
    assert (fees[mar.id].days, fees[mar.id].amount) == (31, D("3.88"))  # 250 × 0.0005 × 31 = 3.875
    f = fees[jan.id]
    assert (f.rate, f.grace_days, f.cap_percent, f.label, f.principal) == (D("0.0005"), 0, D("100"), "违约金",
                                                                            D("250.00"))
    assert apr.id not in late_fees_as_of(desk.site.id, date(2026, 4, 15), charge_ids=[apr.id])


def test_a_fee_item_rule_overrides_the_site_default_and_a_zero_rate_means_none(desk):
    water = make_fee_item(desk.site, name="水费")
    deposit = make_fee_item(desk.site, name="押金")
    make_rule(desk.site, water, rate="0.001", grace_days=10, cap_percent="5", label="滞纳金")
    make_rule(desk.site, deposit, rate="0")
    w = make_charge(desk.unit, desk.customer, water, "2026-01", "300.00")
    d = make_charge(desk.unit, desk.customer, deposit, "2026-01", "1000.00")
    fees = late_fees_as_of(desk.site.id, TODAY)
    # 300 × 0.001 × (75 − 10) = 19.50, capped at 5% of 300 = 15.00
    assert (fees[w.id].label, fees[w.id].days, fees[w.id].amount, fees[w.id].capped) == ("滞纳金", 65, D("15.00"), True)
    assert d.id not in fees


def test_the_lookup_filters_by_customer_and_by_many_charge_ids(desk):
    from tests.factories import make_customer, make_unit

    unit2 = make_unit(desk.building, "A-1204")
    neighbour = make_customer(desk.site, "李娜", unit=unit2)
    mine = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    theirs = make_charge(unit2, neighbour, desk.fee, "2026-01", "200.00")
    assert set(late_fees_as_of(desk.site.id, TODAY, customer_id=desk.customer.id)) == {mine.id}
    # more ids than fit an IN list are kept in Python: same answer
    many = [theirs.id] + list(range(10**6, 10**6 + 2000))
    assert set(late_fees_as_of(desk.site.id, TODAY, charge_ids=many)) == {theirs.id}
    assert late_fees_as_of(desk.site.id, TODAY, charge_ids=[]) == {}
    assert late_fees_as_of(desk.site.id + 1000, TODAY) == {}


def test_a_past_date_counts_only_what_had_happened_by_then(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    pay(desk, [jan], "259.38")  # paid in full with its fee on 03-31
    assert jan.id not in late_fees_as_of(desk.site.id, TODAY)
    then = late_fees_as_of(desk.site.id, date(2026, 2, 14))
    assert (then[jan.id].days, then[jan.id].amount) == (30, D("3.75"))


# --- paying ---------------------------------------------------------------------------------------

def test_paying_an_overdue_charge_settles_its_late_fee_on_the_same_receipt(desk, tmp_path):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    # 75 days: 250 × 0.0005 × 75 = 9.375 → 9.38; the receipt is 259.38
    payment = pay(desk, [jan], "259.38", tendered=D("300"))
    s = payment.receipt.snapshot
    assert s["lines"] == [
        {"item": "物业管理费", "period": "2026-01", "description": "", "amount": "250.00"},
        {"item": "违约金", "period": "2026-01", "description": "250.00×0.05%×75天=9.38", "amount": "9.38"},
    ]
    assert (s["total"], s["total_capitals"], s["change"]) == ("259.38", "人民币贰佰伍拾玖元叁角捌分", "40.62")
    assert jan.status == "paid"
    settlement = db_one(LateFeeSettlement)
    assert (settlement.amount, settlement.as_of, settlement.days, settlement.payment_id) == (
        D("9.38"), TODAY, 75, payment.id)
    text = pdf_text(render_receipt(s), tmp_path)
    assert "违约金" in text and "250.00×0.05%×75天=9.38" in text and "259.38" in text
    assert "贰佰伍拾玖元叁角捌分" in text
    # the fee is settled: nothing accrues again, however often anyone looks
    assert late_fees_as_of(desk.site.id, TODAY + timedelta(days=30)) == {}


def db_one(model):
    from frontdesk.extensions import db

    return db.session.scalars(sa.select(model)).one()


def test_a_payment_short_of_the_fee_and_principal_settles_the_fee_first(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    payment = pay(desk, [jan], "100.00")
    # 9.38 to the late fee, 90.62 to the charge
    assert [(l["item"], l["amount"]) for l in payment.receipt.snapshot["lines"]] == [
        ("物业管理费", "90.62"), ("违约金", "9.38")]
    assert (jan.paid, jan.status) == (D("90.62"), "partial")


def test_a_part_paid_charge_accrues_only_on_what_is_still_unpaid(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    pay(desk, [jan], "100.00", now=NOW - timedelta(days=45))  # on 02-14, day 30: fee 3.75, principal 96.25
    assert jan.paid == D("96.25")
    # as of 04-15: 250.00 × 30 days + 153.75 × 60 days = 16,725 × 0.0005 = 8.3625 → 8.36; 3.75 settled
    fee = late_fees_as_of(desk.site.id, date(2026, 4, 15))[jan.id]
    assert (fee.days, fee.principal, fee.accrued, fee.settled, fee.amount) == (
        90, D("153.75"), D("8.36"), D("3.75"), D("4.61"))
    assert fee.description == "250.00×0.05%×30天+153.75×0.05%×60天=8.36；已收3.75"


def test_a_payment_of_several_charges_lists_each_late_fee_after_its_charge(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")  # 75 days: 3.75
    feb = make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "100.00")  # 44 days: 2.20
    mar = make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "100.00")  # 16 days: 0.80
    payment = pay(desk, [mar, feb, jan], "306.75")
    assert [(l["item"], l["period"], l["amount"]) for l in payment.receipt.snapshot["lines"]] == [
        ("物业管理费", "2026-01", "100.00"), ("违约金", "2026-01", "3.75"),
        ("物业管理费", "2026-02", "100.00"), ("违约金", "2026-02", "2.20"),
        ("物业管理费", "2026-03", "100.00"), ("违约金", "2026-03", "0.80")]
    assert payment.receipt.snapshot["total"] == "306.75"


def test_voiding_the_receipt_makes_the_late_fee_owed_again(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    receipt = pay(desk, [jan], "259.38").receipt
    other = make_user("supervisor", site=desk.site)
    billing.void_receipt(receipt, "收错了", actor=other, now=NOW)
    assert late_fees_as_of(desk.site.id, TODAY)[jan.id].amount == D("9.38")
    again = pay(desk, [jan], "259.38", now=NOW + timedelta(hours=1))
    assert again.receipt.snapshot["lines"][1]["amount"] == "9.38"


def test_a_charge_not_yet_overdue_is_paid_without_a_late_fee_line(desk):
    apr = make_charge(desk.unit, desk.customer, desk.fee, "2026-04", "100.00")
    payment = pay(desk, [apr], "100.00")
    assert [l["item"] for l in payment.receipt.snapshot["lines"]] == ["物业管理费"]


# --- waivers ------------------------------------------------------------------------------------

def test_a_supervisor_waives_part_of_a_late_fee_and_the_receipt_shows_it(desk, tmp_path):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    waiver = services.waive_late_fee(jan, "5.00", "业主家中有困难", actor=desk.supervisor, now=NOW)
    assert (waiver.amount, waiver.waived_on, waiver.waived_by_id) == (D("5.00"), TODAY, desk.supervisor.id)
    assert late_fees_as_of(desk.site.id, TODAY)[jan.id].amount == D("4.38")  # 9.38 − 5.00
    s = pay(desk, [jan], "254.38").receipt.snapshot
    assert s["lines"][1] == {"item": "违约金", "period": "2026-01",
                             "description": "250.00×0.05%×75天=9.38；减免5.00", "amount": "4.38"}
    assert "减免5.00" in pdf_text(render_receipt(s), tmp_path)
    entry = db_one_where(AuditEntry, AuditEntry.action == "late_fee.waive")
    assert entry.actor_id == desk.supervisor.id and entry.after["reason"] == "业主家中有困难"
    assert entry.after["waived"] == "5.00"


def db_one_where(model, *where):
    from frontdesk.extensions import db

    return db.session.scalars(sa.select(model).where(*where)).one()


def test_a_late_fee_waived_in_full_shows_on_the_receipt_at_zero(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    services.waive_late_fee(jan, "9.38", "首次逾期", actor=desk.supervisor, now=NOW)
    s = pay(desk, [jan], "250.00").receipt.snapshot
    assert s["lines"][1] == {"item": "违约金", "period": "2026-01",
                             "description": "250.00×0.05%×75天=9.38；减免9.38", "amount": "0.00"}
    assert s["total"] == "250.00" and jan.status == "paid"


def test_only_a_supervisor_may_waive(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    for role in ("cashier", "clerk", "admin", "project_manager"):
        with pytest.raises(NotAllowed):
            services.waive_late_fee(jan, "1.00", "想减免", actor=make_user(role, site=desk.site), now=NOW)
    assert late_fees_as_of(desk.site.id, TODAY)[jan.id].amount == D("9.38")


@pytest.mark.parametrize("amount, reason, field", [
    ("9.39", "太多了", "amount"),  # more than the 9.38 owed
    ("0", "零", "amount"),
    ("1.005", "三位小数", "amount"),
    ("abc", "不是数字", "amount"),
    ("1.00", "  ", "reason"),
])
def test_a_bad_waiver_is_refused_and_changes_nothing(desk, amount, reason, field):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    with pytest.raises(ValidationFailed) as e:
        services.waive_late_fee(jan, amount, reason, actor=desk.supervisor, now=NOW)
    assert e.value.field == field
    assert late_fees_as_of(desk.site.id, TODAY)[jan.id].amount == D("9.38")
    from frontdesk.extensions import db

    assert db.session.scalar(sa.select(sa.func.count(LateFeeWaiver.id))) == 0


def test_a_waiver_larger_than_the_fee_says_how_much_is_owed(desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    with pytest.raises(ValidationFailed) as e:
        services.waive_late_fee(jan, "20.00", "太多了", actor=desk.supervisor, now=NOW)
    assert "20.00" in str(e.value) and "9.38" in str(e.value)


def test_nothing_to_waive_on_a_charge_without_a_late_fee(desk):
    apr = make_charge(desk.unit, desk.customer, desk.fee, "2026-04", "100.00")
    with pytest.raises(InvalidTransition):
        services.waive_late_fee(apr, "1.00", "未逾期", actor=desk.supervisor, now=NOW)


# --- rules --------------------------------------------------------------------------------------

def test_saving_a_rule_replaces_the_one_before_and_is_audited(db):
    desk = make_desk()
    admin = make_user("admin", site=desk.site)
    services.save_late_fee_rule(desk.site, label="违约金", daily_rate_percent="0.05", grace_days="0",
                                cap_percent="100", actor=admin, now=NOW)
    rule = services.save_late_fee_rule(desk.site, label="滞纳金", daily_rate_percent="0.03", grace_days="5",
                                       cap_percent="20", actor=admin, now=NOW)
    rows = db.session.scalars(sa.select(LateFeeRule)).all()
    assert rows == [rule]
    assert (rule.label, rule.daily_rate, rule.grace_days, rule.cap_percent) == ("滞纳金", D("0.0003"), 5, D("20"))
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "late_fee_rule.save")).all()
    assert len(entries) == 2 and entries[1].before["daily_rate"] == "0.000500"


@pytest.mark.parametrize("rate, grace, cap, field", [
    ("1.01", "0", "100", "daily_rate"),
    ("-0.01", "0", "100", "daily_rate"),
    ("0.00001", "0", "100", "daily_rate"),  # more than four decimals of a percent
    ("abc", "0", "100", "daily_rate"),
    ("0.05", "-1", "100", "grace_days"),
    ("0.05", "2.5", "100", "grace_days"),
    ("0.05", "366", "100", "grace_days"),
    ("0.05", "0", "100.01", "cap_percent"),
    ("0.05", "0", "-5", "cap_percent"),
])
def test_rules_outside_the_allowed_ranges_are_refused(db, rate, grace, cap, field):
    desk = make_desk()
    with pytest.raises(ValidationFailed) as e:
        services.save_late_fee_rule(desk.site, label="违约金", daily_rate_percent=rate, grace_days=grace,
                                    cap_percent=cap, actor=desk.supervisor, now=NOW)
    assert e.value.field == field


def test_rates_at_the_edges_are_allowed(db):
    desk = make_desk()
    for rate in ("0", "1"):
        rule = services.save_late_fee_rule(desk.site, label="违约金", daily_rate_percent=rate, grace_days="0",
                                           cap_percent="0", actor=desk.supervisor, now=NOW)
    assert rule.daily_rate == D("0.01")
