"""A dunning notice's status follows the money and the calendar; printing notices is counted."""
from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from frontdesk.audit.models import AuditEntry
from frontdesk.billing import services as billing
from frontdesk.core import clock
from frontdesk.dunning import queries, rules, services
from frontdesk.dunning.models import DunningNotice, PaymentNotice
from tests.billing.factories import make_charge, make_desk, pay
from tests.dunning.notice_factories import at, make_rule, run
from tests.factories import make_user

MARCH_31 = date(2026, 3, 31)  # the issue day; the deadline is 2026-04-15


def text(response):
    return response.get_data(as_text=True)


def pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def desk(db):
    desk = make_desk()
    make_rule(desk.site)
    desk.dec = make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    desk.jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    db.session.commit()
    return desk


@pytest.fixture
def notice(db, desk):
    notice = run(desk).notices[0]
    db.session.commit()
    return notice


def status(notice, today):
    return queries.notice_statuses([notice], today)[notice.id]


def listed(site_id, wanted, today):
    page = queries.dunning_notices(site_id, status=wanted, today=today)
    return [n.number for n in page.items]


@pytest.mark.parametrize("recorded, owing, deadline_on, today, expected", [
    ("issued", True, date(2026, 4, 15), date(2026, 4, 15), "issued"),  # the deadline day itself still runs
    ("delivered", True, date(2026, 4, 15), date(2026, 4, 15), "delivered"),
    ("issued", True, date(2026, 4, 15), date(2026, 4, 16), "expired"),
    ("delivered", True, date(2026, 4, 15), date(2026, 4, 16), "expired"),
    ("issued", False, date(2026, 4, 15), date(2026, 4, 1), "paid"),
    ("delivered", False, date(2026, 4, 15), date(2026, 6, 1), "paid"),  # paid after the deadline: paid
])
def test_the_status_rule_puts_the_money_first_then_the_deadline(recorded, owing, deadline_on, today, expected):
    assert rules.notice_status(recorded, owing, deadline_on, today) == expected


def test_a_payment_at_the_counter_makes_the_notice_read_paid_and_voiding_it_reopens_it(db, desk, notice):
    assert status(notice, MARCH_31) == "issued"
    payment = pay(desk, [desk.dec, desk.jan], "600.00", keep_prepayment=True, now=at(date(2026, 4, 2)))
    db.session.commit()
    assert status(notice, date(2026, 4, 2)) == "paid"
    assert listed(desk.site.id, "paid", date(2026, 4, 2)) == [notice.number]
    assert listed(desk.site.id, "issued", date(2026, 4, 2)) == []
    billing.void_receipt(payment.receipt, "收错了", actor=make_user("supervisor", site=desk.site),
                         now=at(date(2026, 4, 3)))
    db.session.commit()
    assert status(notice, date(2026, 4, 3)) == "issued"
    assert status(notice, date(2026, 4, 16)) == "expired"
    assert listed(desk.site.id, "expired", date(2026, 4, 16)) == [notice.number]
    assert db.session.get(DunningNotice, notice.id).status == "issued"  # nothing was written to the notice


def test_paying_only_part_of_the_arrears_keeps_the_notice_open(db, desk, notice):
    pay(desk, [desk.dec], "400.00", keep_prepayment=True, now=at(date(2026, 4, 2)))
    db.session.commit()
    assert status(notice, date(2026, 4, 2)) == "issued"


def test_a_notice_paid_after_its_deadline_reads_paid_and_a_delivered_one_expires(db, desk, notice):
    services.record_delivery(notice, method="handed_over", delivered_on=MARCH_31, delivered_by=desk.supervisor,
                             actor=desk.supervisor, now=at(MARCH_31))
    db.session.commit()
    assert status(notice, date(2026, 4, 15)) == "delivered"
    assert status(notice, date(2026, 4, 20)) == "expired"
    pay(desk, [desk.dec, desk.jan], "600.00", keep_prepayment=True, now=at(date(2026, 4, 20)))
    db.session.commit()
    assert status(notice, date(2026, 4, 20)) == "paid"
    assert listed(desk.site.id, "expired", date(2026, 4, 20)) == []


def test_the_list_the_notice_page_and_the_history_show_the_status_of_today(db, as_user, desk, notice, monkeypatch):
    client = as_user(desk.supervisor)
    assert "Issued" in text(client.get(f"/dunning/notices/{notice.id}"))
    monkeypatch.setattr(clock, "now", lambda: at(date(2026, 4, 20)))
    assert "CK2026-000001" in text(client.get("/dunning/notices?status=expired"))
    assert "CK2026-000001" not in text(client.get("/dunning/notices?status=issued"))
    assert "Expired" in text(client.get(f"/dunning/notices/{notice.id}"))
    pay(desk, [desk.dec, desk.jan], "600.00", keep_prepayment=True, now=at(date(2026, 4, 20)))
    db.session.commit()
    assert "CK2026-000001" in text(client.get("/dunning/notices?status=paid"))
    history = text(client.get(f"/dunning/customers/{desk.customer.id}"))
    assert "CK2026-000001" in history and "Paid" in history


def test_a_paid_notice_no_longer_holds_back_the_next_run(db, desk, notice):
    pay(desk, [desk.dec, desk.jan], "600.00", keep_prepayment=True, now=at(date(2026, 4, 2)))
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "100.00", due_on=date(2026, 4, 5))
    db.session.commit()
    result = run(desk, date(2026, 4, 10))
    assert [n.level for n in result.notices] == [1]


# --- printing and reprinting -----------------------------------------------------------------------

def audit_actions(db, number):
    return db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.summary.like(f"{number}%"),
                                                                AuditEntry.action.like("%print"))
                              .order_by(AuditEntry.id)).all()


def test_a_reprinted_dunning_notice_is_counted_audited_and_marked_but_otherwise_identical(db, as_user, desk,
                                                                                          notice):
    client = as_user(desk.supervisor)
    first = pdf_text(client.post(f"/dunning/notices/{notice.id}/pdf").data)
    assert "CK2026-000001" in first and "补打" not in first
    assert "Reprint (PDF)" in text(client.get(f"/dunning/notices/{notice.id}"))
    second = pdf_text(client.post(f"/dunning/notices/{notice.id}/pdf").data)
    third = pdf_text(client.post(f"/dunning/notices/{notice.id}/pdf").data)
    assert "补打" in second and second.replace("补打\n", "") == first and third == second
    db.session.expire_all()
    saved = db.session.get(DunningNotice, notice.id)
    assert saved.printed_at is not None and saved.reprints == 2
    assert "Reprints: 2 (marked 补打)." in text(client.get(f"/dunning/notices/{notice.id}"))
    assert audit_actions(db, "CK2026-000001") == ["dunning_notice.print", "dunning_notice.reprint",
                                                  "dunning_notice.reprint"]


def test_a_batch_print_marks_only_the_notices_printed_before(db, as_user, desk):
    from tests.factories import make_customer, make_unit

    unit = make_unit(desk.building, "A-0808")
    other = make_customer(desk.site, "李娜", unit=unit)
    make_charge(unit, other, desk.fee, "2025-12", "300.00")
    db.session.commit()
    result = run(desk)
    db.session.commit()
    client = as_user(desk.supervisor)
    client.post(f"/dunning/notices/{result.notices[0].id}/pdf")
    pages = [p.extract_text() for p in PdfReader(BytesIO(client.post(f"/dunning/batches/{result.batch}/pdf").data)).pages]
    assert ["补打" in p for p in pages] == [True, False]
    db.session.expire_all()
    assert [db.session.get(DunningNotice, n.id).reprints for n in result.notices] == [1, 0]


def test_a_reprinted_payment_notice_is_counted_audited_and_marked(db, as_user, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "285.00")
    db.session.commit()
    client = as_user(desk.supervisor)
    client.post("/dunning/payment-notices", data={"period": "2026-03", "building_id": "0"})
    [notice] = db.session.scalars(sa.select(PaymentNotice)).all()
    first = pdf_text(client.post(f"/dunning/payment-notices/{notice.id}/pdf").data)
    again = pdf_text(client.post(f"/dunning/payment-notices/batches/{notice.batch}/pdf").data)
    assert "补打" not in first and "补打" in again and again.replace("补打\n", "") == first
    db.session.expire_all()
    assert db.session.get(PaymentNotice, notice.id).reprints == 1
    assert audit_actions(db, notice.number) == ["payment_notice.print", "payment_notice.reprint"]


def test_printing_needs_a_post_so_a_prefetch_never_counts_a_print(db, as_user, desk, notice):
    client = as_user(desk.supervisor)
    assert client.get(f"/dunning/notices/{notice.id}/pdf").status_code == 405
    db.session.expire_all()
    assert db.session.get(DunningNotice, notice.id).printed_at is None
