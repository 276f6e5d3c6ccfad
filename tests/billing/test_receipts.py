from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from frontdesk.audit.models import AuditEntry
from frontdesk.billing import queries, services
from frontdesk.billing.models import PAID, PARTIAL, UNPAID, VOIDED, Receipt
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tests.billing.factories import make_charge, make_desk, pay
from tests.factories import NOW, make_user


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_void_makes_the_charges_unpaid_again_and_keeps_the_number(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    feb = make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "100.00", paid="40.00")
    receipt = pay(desk, [jan, feb], "160.00").receipt
    assert (jan.status, feb.status) == (PAID, PAID)
    services.void_receipt(receipt, "金额录入错误", actor=desk.supervisor, now=NOW)
    assert (jan.paid, jan.status) == (Decimal("0.00"), UNPAID)
    assert (feb.paid, feb.status) == (Decimal("40.00"), PARTIAL)
    assert (receipt.status, receipt.number, receipt.void_reason) == (VOIDED, "SJ2026-000001", "金额录入错误")
    assert receipt.payment.status == VOIDED
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "receipt.void"))
    assert entry.actor_id == desk.supervisor.id and "金额录入错误" in entry.summary


def test_void_reverses_the_prepayment_the_receipt_created(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    receipt = pay(desk, [jan], "300.00", keep_prepayment=True).receipt
    assert queries.prepayment_balance(desk.customer.id) == Decimal("200.00")
    services.void_receipt(receipt, "客户退款", actor=desk.supervisor, now=NOW)
    assert queries.prepayment_balance(desk.customer.id) == Decimal("0.00")


def test_voiding_twice_is_refused(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee)
    receipt = pay(desk, [jan], "100.00").receipt
    services.void_receipt(receipt, "错", actor=desk.supervisor, now=NOW)
    with pytest.raises(InvalidTransition):
        services.void_receipt(receipt, "again", actor=desk.supervisor, now=NOW)
    assert jan.paid == Decimal("0.00")


def test_a_supervisor_cannot_void_a_receipt_they_issued(db):
    desk = make_desk()
    both = make_user("cashier", "supervisor", site=desk.site)
    jan = make_charge(desk.unit, desk.customer, desk.fee)
    receipt = pay(desk, [jan], "100.00", actor=both).receipt
    with pytest.raises(NotAllowed):
        services.void_receipt(receipt, "mine", actor=both, now=NOW)
    assert receipt.status == "issued"


def test_a_cashier_cannot_void(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee)
    receipt = pay(desk, [jan], "100.00").receipt
    with pytest.raises(NotAllowed):
        services.void_receipt(receipt, "no", actor=make_user("cashier", site=desk.site), now=NOW)


def test_a_void_needs_a_reason(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee)
    receipt = pay(desk, [jan], "100.00").receipt
    with pytest.raises(ValidationFailed) as err:
        services.void_receipt(receipt, "   ", actor=desk.supervisor, now=NOW)
    assert err.value.field == "reason"


def test_first_print_is_the_original_and_later_ones_are_counted_reprints(db):
    desk = make_desk()
    jan = make_charge(desk.unit, desk.customer, desk.fee)
    receipt = pay(desk, [jan], "100.00").receipt
    assert services.print_receipt(receipt, actor=desk.cashier, now=NOW) is False
    assert receipt.printed_at == NOW
    assert services.print_receipt(receipt, actor=desk.cashier, now=NOW) is True
    assert services.print_receipt(receipt, actor=desk.cashier, now=NOW) is True
    assert receipt.reprints == 2
    reprints = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "receipt.reprint")).all()
    assert len(reprints) == 2


def paid_receipt(db, desk):
    jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "1234.56")
    receipt = pay(desk, [jan], "1234.56", now=NOW).receipt
    db.session.commit()
    return receipt


def test_print_route_returns_the_original_then_a_marked_reprint(db, login):
    desk = make_desk()
    receipt = paid_receipt(db, desk)
    client = login(desk.cashier)
    first = client.post(f"/billing/receipts/{receipt.id}/print")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text = pdf_text(first.data)
    assert "SJ2026-000001" in text and "补打" not in text
    second = client.post(f"/billing/receipts/{receipt.id}/print")
    assert "补打" in pdf_text(second.data)
    db.session.expire_all()
    row = db.session.get(Receipt, receipt.id)
    assert row.printed_at is not None and row.reprints == 1


def test_a_voided_receipt_prints_marked_void(db, login):
    desk = make_desk()
    receipt = paid_receipt(db, desk)
    services.void_receipt(receipt, "录错", actor=desk.supervisor, now=NOW)
    db.session.commit()
    response = login(desk.cashier).post(f"/billing/receipts/{receipt.id}/print")
    assert "作废" in pdf_text(response.data)


def test_print_needs_the_collect_permission(db, login):
    desk = make_desk()
    receipt = paid_receipt(db, desk)
    clerk = make_user("clerk", site=desk.site)
    db.session.commit()
    assert login(clerk).post(f"/billing/receipts/{receipt.id}/print").status_code == 403
    assert db.session.get(Receipt, receipt.id).printed_at is None
