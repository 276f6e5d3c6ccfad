from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.billing import queries, services
from frontdesk.billing.models import PAID, PARTIAL, UNPAID, Payment, PrepaymentEntry, Receipt
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tests.billing.factories import make_charge, make_desk, make_fee_item, pay
from tests.factories import NOW, make_customer, make_site, make_unit, make_user


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_full_payment_marks_charges_paid_and_issues_a_numbered_receipt(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "285.00")
    feb = make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "285.00")
    payment = pay(desk, [jan, feb], "570.00", tendered=Decimal("600"))
    assert (jan.status, feb.status) == (PAID, PAID)
    assert payment.change_given == Decimal("30.00")
    receipt = payment.receipt
    assert receipt.number == "SJ2026-000001"
    assert receipt.issued_on == date(2026, 3, 31)
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"payment.take", "receipt.issue"} <= actions


def test_receipt_snapshot_has_the_agreed_shape(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "1234.56")
    snap = pay(desk, [jan], "1234.56", tendered=Decimal("1500")).receipt.snapshot
    assert snap == {
        "number": "SJ2026-000001", "site_name": "金桥产业园", "company_name": "示例物业服务有限公司",
        "site_address": "上海市浦东新区金桥路1号", "site_phone": "021-5000 1234", "issued_at": "2026-03-31 10:00",
        "payer": "张伟", "units": "A-1203",
        "lines": [{"item": "物业管理费", "period": "2026-01", "description": "", "amount": "1234.56"}],
        "prepayment": "0.00", "total": "1234.56", "total_figures": "￥1,234.56",
        "total_capitals": "人民币壹仟贰佰叁拾肆元伍角陆分", "method": "cash", "method_label": "现金",
        "tendered": "1500.00", "change": "265.44", "reference": "", "cashier": "王收费",
        "copies": ["stub", "customer", "accounting"],
    }


def test_a_company_pays_for_several_units_on_one_receipt(db):
    desk = make_desk()
    other = make_unit(desk.building, "A-1204")
    a = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    b = make_charge(other, desk.customer, desk.fee, "2026-01", "50.00")
    payment = pay(desk, [a, b], "150.00", method="transfer", reference="TX-9")
    assert payment.unit_id is None
    assert payment.receipt.snapshot["units"] == "A-1203, A-1204"
    assert [line["description"] for line in payment.receipt.snapshot["lines"]] == ["A-1203", "A-1204"]
    assert payment.receipt.snapshot["tendered"] is None


def test_partial_payment_settles_the_oldest_charge_first(db):
    desk = make_desk()
    feb = make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "100.00")
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    payment = pay(desk, [feb, jan], "130.00")
    assert (jan.paid, jan.status) == (Decimal("100.00"), PAID)
    assert (feb.paid, feb.status) == (Decimal("30.00"), PARTIAL)
    assert [line.amount for line in payment.lines] == [Decimal("100.00"), Decimal("30.00")]
    # the rest of February is paid later: it is what the account shows as outstanding
    [left] = queries.open_charges(desk.customer.id, date(2026, 3, 31))
    assert (left.id, left.outstanding) == (feb.id, Decimal("70.00"))
    pay(desk, [feb], "70.00")
    assert feb.status == PAID


def test_excess_becomes_prepayment_only_when_asked(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    with pytest.raises(ValidationFailed) as err:
        pay(desk, [jan], "150.00")
    assert err.value.field == "amount" and "50.00" in str(err.value)
    payment = pay(desk, [jan], "150.00", keep_prepayment=True)
    assert payment.prepayment == Decimal("50.00")
    assert queries.prepayment_balance(desk.customer.id) == Decimal("50.00")
    assert payment.receipt.snapshot["prepayment"] == "50.00"
    assert payment.receipt.snapshot["total"] == "150.00"


def test_a_prepayment_can_be_taken_with_nothing_due(db):
    desk = make_desk()
    payment = pay(desk, [], "500.00", method="wechat", reference="WX42", keep_prepayment=True)
    assert payment.prepayment == Decimal("500.00")
    assert payment.receipt.snapshot["lines"] == []


def test_a_double_submitted_form_makes_one_payment(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    first = pay(desk, [jan], "100.00", token="same-token")
    db.session.commit()
    second = pay(desk, [jan], "100.00", token="same-token")
    assert second.id == first.id
    assert count(db, Payment) == 1 and count(db, Receipt) == 1


@pytest.mark.parametrize("method, kw, field", [
    ("cash", {"tendered": Decimal("99.99")}, "tendered"),
    ("card", {"reference": ""}, "reference"),
    ("transfer", {"reference": "  "}, "reference"),
    ("wechat", {"reference": ""}, "reference"),
    ("alipay", {"reference": ""}, "reference"),
    ("alipay", {"reference": "x" * 65}, "reference"),
    ("bitcoin", {}, "method"),
])
def test_method_rules_are_enforced(db, method, kw, field):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    with pytest.raises(ValidationFailed) as err:
        pay(desk, [jan], "100.00", method=method, **kw)
    assert err.value.field == field


@pytest.mark.parametrize("amount", ["0", "-1", "0.001", "1000000000", "abc"])
def test_bad_amounts_are_refused(db, amount):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    with pytest.raises(ValidationFailed) as err:
        services.take_payment(site=desk.site, customer=desk.customer, charge_ids=[jan.id], method="cash", amount=amount,
                              request_token="t", actor=desk.cashier, now=NOW)
    assert err.value.field == "amount"


def test_a_paid_charge_cannot_be_paid_again(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    pay(desk, [jan], "100.00")
    with pytest.raises(InvalidTransition) as err:
        pay(desk, [jan], "100.00")
    assert "A-1203 的物业管理费（2026-01）已缴清" in str(err.value)


def test_a_charge_of_another_customer_is_refused(db):
    desk = make_desk()
    neighbour = make_customer(desk.site, "李四", unit=make_unit(desk.building, "A-1301"))
    theirs = make_charge(desk.unit, neighbour, desk.fee, "2026-01", "100.00")
    with pytest.raises(ValidationFailed) as err:
        pay(desk, [theirs], "100.00")
    assert err.value.field == "charge_ids"
    assert theirs.status == UNPAID


def test_only_cashiers_take_payments(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    with pytest.raises(NotAllowed):
        pay(desk, [jan], "100.00", actor=make_user("clerk", site=desk.site))


def test_receipt_numbers_run_per_site_and_start_again_each_year(db):
    desk = make_desk()
    other_site = make_site(code="HT", receipt_prefix="HT")
    other_customer = make_customer(other_site, "外站客户")
    charges = [make_charge(desk.unit, desk.customer, desk.fee, f"2026-0{m}", "10.00") for m in (1, 2, 3)]
    numbers = [pay(desk, [c], "10.00").receipt.number for c in charges[:2]]
    other = services.take_payment(site=other_site, customer=other_customer, charge_ids=[], method="cash",
                                  amount=Decimal("5"), keep_prepayment=True, request_token="o",
                                  actor=make_user("cashier", site=other_site), now=NOW)
    next_year = NOW.replace(year=2027, month=1, day=5)
    later = pay(desk, [charges[2]], "10.00", now=next_year).receipt.number
    assert numbers == ["SJ2026-000001", "SJ2026-000002"]
    assert other.receipt.number == "HT2026-000001"
    assert later == "SJ2027-000001"


def test_no_payment_can_be_taken_after_the_day_is_closed(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    services.close_day(site=desk.site, cashier=desk.cashier, day=date(2026, 3, 31), actor=desk.cashier, now=NOW)
    with pytest.raises(InvalidTransition) as err:
        pay(desk, [jan], "100.00", now=NOW + timedelta(hours=2))
    assert "您已完成 2026-03-31 的日结，当天不能再收款" in str(err.value)
    assert jan.status == UNPAID
    # the next business day is open again
    assert pay(desk, [jan], "100.00", now=NOW + timedelta(days=1)).receipt is not None


def test_prepayment_ledger_records_the_payment(db):
    desk = make_desk()
    payment = pay(desk, [], "88.00", keep_prepayment=True)
    [entry] = db.session.scalars(sa.select(PrepaymentEntry)).all()
    assert (entry.amount, entry.payment_id, entry.customer_id) == (Decimal("88.00"), payment.id, desk.customer.id)


def test_generated_charges_can_be_paid(db):
    desk = make_desk()
    make_fee_item(desk.site, "停车费", "fixed_month", "300")
    services.generate_charges(desk.site, "2026-03", actor=desk.supervisor, now=NOW)
    acct = queries.account(desk.customer, date(2026, 3, 31))
    assert acct.total_due == Decimal("585.00") and acct.overdue == Decimal("585.00")
    payment = services.take_payment(site=desk.site, customer=desk.customer, charge_ids=[c.id for c in acct.charges],
                                    method="card", amount=acct.total_due, reference="POS 0042", request_token="g",
                                    actor=desk.cashier, now=NOW)
    assert payment.receipt.snapshot["method_label"] == "刷卡"
    assert queries.account(desk.customer, date(2026, 3, 31)).total_due == Decimal("0.00")
