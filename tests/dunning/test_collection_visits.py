"""Collection visits (预约上门收费): booking, the receipt leaving with the collector against a
signature, and coming back paid or unused. The clock is 2026-03-31 10:00 Shanghai; the visit is on
2026-04-02, when a 2026-01 charge of 250.00 is 77 days late: 250 × 0.0005 × 77 = 9.625 → 9.63."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.billing import queries as billing_queries
from frontdesk.billing.models import Receipt
from frontdesk.billing.pdf import render_day_close
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.dunning import services
from frontdesk.dunning.models import CollectionVisit
from tests.billing.factories import make_charge, make_desk, make_user, pay
from tests.dunning.test_late_fees import make_rule
from tests.factories import NOW

D = Decimal
VISIT_AT = datetime(2026, 4, 2, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai


@pytest.fixture
def desk(db):
    desk = make_desk()
    make_rule(desk.site)
    desk.jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    desk.collector = make_user("cashier", site=desk.site, full_name="赵上门")
    db.session.commit()
    return desk


def book(desk, charges=None, **kw):
    return services.book_collection_visit(desk.site, desk.customer, charge_ids=[c.id for c in (desk.jan,) if charges is None] + [c.id for c in charges or []],
                                          collector=desk.collector, visit_at=kw.pop("visit_at", VISIT_AT),
                                          actor=desk.cashier, now=NOW, **kw)


def out(desk, **kw):
    visit = book(desk, **kw)
    return services.hand_over_visit_receipt(visit, signed_by="赵上门", actor=desk.cashier, now=NOW)


def settle(visit, actor, method="cash", now=NOW, **kw):
    return services.settle_visit_receipt(visit, method=method, request_token=uuid4().hex, actor=actor, now=now, **kw)


def test_booking_freezes_the_charges_with_their_late_fee_as_of_the_visit_day(desk):
    visit = book(desk, address="A-1203")
    assert visit.status == "booked" and visit.visit_on.isoformat() == "2026-04-02"
    assert [(line.principal, line.late_fee) for line in visit.lines] == [(D("250.00"), D("9.63"))]
    assert visit.total == D("259.63")
    assert visit.receipt_number is None


def test_a_visit_in_the_past_or_without_charges_is_refused(desk):
    with pytest.raises(ValidationFailed):
        book(desk, visit_at=NOW - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        book(desk, charges=[])


def test_a_charge_cannot_be_on_two_open_visits(desk):
    book(desk)
    with pytest.raises(ValidationFailed, match="另一笔未完成的上门收费"):
        book(desk)


def test_handing_over_numbers_the_receipt_from_the_counter_and_records_the_signature(desk, db):
    counter_receipt = pay(desk, [make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "100.00")], "100.00")
    visit = out(desk)
    first = counter_receipt.receipt.seq
    assert visit.status == "out" and visit.receipt_seq == first + 1
    assert visit.receipt_number == f"SJ2026-{first + 1:06d}"
    assert visit.signed_by == "赵上门" and visit.handed_over_by_id == desk.cashier.id
    assert visit.snapshot["total"] == "259.63" and visit.snapshot["collector"] == "赵上门"
    assert [line["item"] for line in visit.snapshot["lines"]] == ["物业管理费", "违约金"]
    # the next counter receipt comes after the one out with the collector
    later = pay(desk, [make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "100.00")], "100.00")
    assert later.receipt.seq == first + 2


def test_the_signature_must_be_the_collectors_name(desk):
    visit = book(desk)
    with pytest.raises(ValidationFailed, match="赵上门"):
        services.hand_over_visit_receipt(visit, signed_by="王收费", actor=desk.cashier, now=NOW)
    assert visit.status == "booked"


def test_settling_takes_the_payment_under_the_receipts_number_and_pays_the_charges(desk, db):
    visit = out(desk)
    payment = settle(visit, desk.cashier, now=NOW + timedelta(days=2))
    receipt = payment.receipt
    assert receipt.number == visit.receipt_number and receipt.cashier_id == desk.cashier.id
    assert payment.amount == D("259.63")
    assert desk.jan.status == "paid" and desk.jan.paid == D("250.00")
    assert [(l["item"], l["amount"]) for l in receipt.snapshot["lines"]] == [("物业管理费", "250.00"), ("违约金", "9.63")]
    assert visit.status == "paid" and visit.payment_id == payment.id


def test_a_receipt_cannot_be_settled_twice_or_after_it_came_back_unused(desk):
    visit = out(desk)
    settle(visit, desk.cashier)
    with pytest.raises(InvalidTransition, match="已收款"):
        settle(visit, desk.cashier)
    other = out(desk, charges=[make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "100.00")])
    services.return_visit_receipt_unused(other, "客户不在家", actor=desk.cashier, now=NOW)
    with pytest.raises(InvalidTransition, match="未使用交回"):
        settle(other, desk.cashier)


def test_returning_unused_voids_the_receipt_keeps_its_number_and_leaves_the_charges_unpaid(desk, db):
    visit = out(desk)
    with pytest.raises(ValidationFailed):
        services.return_visit_receipt_unused(visit, " ", actor=desk.cashier, now=NOW)
    services.return_visit_receipt_unused(visit, "客户不在家", actor=desk.cashier, now=NOW)
    assert visit.status == "unused" and visit.void_reason == "客户不在家" and visit.receipt_number
    assert desk.jan.status == "unpaid"
    assert db.session.scalar(sa.select(sa.func.count(Receipt.id))) == 0


def test_a_charge_paid_at_the_counter_meanwhile_gets_a_clear_message(desk):
    visit = out(desk)
    pay(desk, [desk.jan], "259.38")
    with pytest.raises(InvalidTransition, match="在预约后已在前台缴清"):
        settle(visit, desk.cashier)
    assert visit.status == "out"


def test_only_cashiers_book_visits(desk):
    with pytest.raises(NotAllowed):
        services.book_collection_visit(desk.site, desk.customer, charge_ids=[desk.jan.id], collector=desk.collector,
                                       visit_at=VISIT_AT, actor=desk.supervisor, now=NOW)


def test_every_step_is_audited(desk, db):
    visit = out(desk)
    settle(visit, desk.cashier)
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("collection_visit.%"))))
    assert actions == {"collection_visit.book", "collection_visit.hand_over", "collection_visit.settle"}


def test_the_day_close_shows_receipts_out_and_back(desk, db):
    paid = out(desk)
    unused = out(desk, charges=[make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "100.00")])
    still_out = out(desk, charges=[make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "100.00")])
    settle(paid, desk.cashier)
    services.return_visit_receipt_unused(unused, "客户不在家", actor=desk.cashier, now=NOW)
    s = billing_queries.day_figures(desk.site, desk.cashier, NOW.date())
    assert [(v["number"], v["status"]) for v in s["visits_out"]] == [
        (paid.receipt_number, "paid"), (unused.receipt_number, "unused"), (still_out.receipt_number, "out")]
    assert [(v["number"], v["status"], v["reason"]) for v in s["visits_back"]] == [
        (paid.receipt_number, "paid", ""), (unused.receipt_number, "unused", "客户不在家")]
    assert s["total"] == "259.63"  # the settled visit counts in the receiving cashier's takings


def test_the_day_close_pdf_lists_the_visit_receipts(desk, db):
    import subprocess

    visit = out(desk)
    s = billing_queries.day_figures(desk.site, desk.cashier, NOW.date())
    pdf = render_day_close(s)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "上门收费收据" in text and visit.receipt_number in text and "外出未交回" in text


def test_the_cashier_books_hands_over_and_settles_in_the_browser(as_user, desk, db):
    client = as_user(desk.cashier)
    page = client.get(f"/billing/accounts/{desk.customer.id}").get_data(as_text=True)
    assert "Book a collection visit" in page
    page = client.get(f"/dunning/visits/book/{desk.customer.id}").get_data(as_text=True)
    assert "赵上门" in page
    response = client.post(f"/dunning/visits/book/{desk.customer.id}", data={
        "charge_ids": [desk.jan.id], "collector": desk.collector.id, "visit_on": "2026-04-02", "visit_time": "14:00",
        "address": "A-1203"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The collection visit is booked." in page and "￥259.63" in page
    visit = db.session.scalar(sa.select(CollectionVisit))
    page = client.post(f"/dunning/visits/{visit.id}/hand-over", data={"signed_by": "王收费"}).get_data(as_text=True)
    assert "The collector signs with their own name: 赵上门." in page
    page = client.post(f"/dunning/visits/{visit.id}/hand-over", data={"signed_by": "赵上门"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Out with the collector" in page
    page = client.post(f"/dunning/visits/{visit.id}/settle", data={"method": "cash", "request_token": uuid4().hex},
                       follow_redirects=True).get_data(as_text=True)
    assert "The money is received and the charges are paid." in page
    page = client.post(f"/dunning/visits/{visit.id}/settle", data={"method": "cash", "request_token": uuid4().hex})
    assert page.status_code == 422 and "already been settled" in page.get_data(as_text=True)
    page = client.get("/billing/day-close").get_data(as_text=True)
    assert "Receipts back from collectors" in page


def test_supervisors_see_every_visit_and_other_cashiers_only_their_own(as_user, desk, db):
    visit = out(desk)
    db.session.commit()
    assert "赵上门" in as_user(desk.supervisor).get("/dunning/visits").get_data(as_text=True)
    stranger = make_user("cashier", site=desk.site, full_name="钱旁人")
    db.session.commit()
    client = as_user(stranger)
    assert visit.receipt_number not in client.get("/dunning/visits").get_data(as_text=True)
    assert client.get(f"/dunning/visits/{visit.id}").status_code == 404
