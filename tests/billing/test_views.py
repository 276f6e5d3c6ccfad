from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from frontdesk.billing.models import PAID, UNPAID, Charge, DayClose, FeeItem, MeterReading, Payment, Receipt
from tests.billing.factories import make_charge, make_desk, make_fee_item, pay
from tests.factories import make_building, make_customer, make_site, make_unit, make_user


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def desk(db):
    desk = make_desk()
    db.session.commit()
    return desk


def owing(db, desk, *periods, amount="285.00"):
    charges = [make_charge(desk.unit, desk.customer, desk.fee, p, amount) for p in periods]
    db.session.commit()
    return charges


# --- who may open what ---------------------------------------------------------------------------

PAGES = {
    "/billing/": {"clerk", "cashier", "supervisor", "account_manager", "project_manager"},
    "/billing/day-close": {"cashier"},
    "/billing/day-closes": {"supervisor", "project_manager"},
    "/billing/charges": {"supervisor", "admin"},
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["clerk", "cashier", "steward", "supervisor", "admin", "project_manager"])
def test_pages_open_for_the_roles_that_may_and_403_for_the_rest(db, as_user, desk, path, role):
    client = as_user(make_user(role, site=desk.site))
    response = client.get(path)
    assert response.status_code == (200 if role in PAGES[path] else 403)


def test_pages_need_a_login(client, desk):
    assert client.get("/billing/").status_code == 302


# --- fee lookup ----------------------------------------------------------------------------------

def test_lookup_box_has_focus(as_user, desk):
    page = text(as_user(desk.cashier).get("/billing/"))
    assert 'name="q"' in page and "autofocus" in page


@pytest.mark.parametrize("q", ["A-1203", "a1203", "A1203", "张", "5678"])
def test_one_match_goes_straight_to_the_account(as_user, desk, q):
    response = as_user(desk.cashier).get("/billing/", query_string={"q": q})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/billing/accounts/{desk.customer.id}")


def test_a_company_is_found_by_its_credit_code(db, as_user, desk):
    company = make_customer(desk.site, "上海某某科技有限公司", kind="company", credit_code="91310115MA1K4ABC1X")
    db.session.commit()
    response = as_user(desk.cashier).get("/billing/", query_string={"q": "91310115ma1k4abc1x"})
    assert response.headers["Location"].endswith(f"/billing/accounts/{company.id}")


def test_several_matches_are_listed_to_pick_from(db, as_user, desk):
    make_customer(desk.site, "张敏", unit=make_unit(desk.building, "A-0808"))
    db.session.commit()
    page = text(as_user(desk.cashier).get("/billing/", query_string={"q": "张"}))
    assert "2 accounts match" in page and "张伟" in page and "张敏" in page and "A-0808" in page


def test_nothing_found_says_so(as_user, desk):
    page = text(as_user(desk.cashier).get("/billing/", query_string={"q": "Z-9999"}))
    assert "Nothing found for “Z-9999”" in page


def test_lookup_stays_inside_the_desks_site(db, as_user, desk):
    other = make_site(code="XX")
    make_customer(other, "张外站", unit=make_unit(make_building(other, "B"), "B-0101"))
    db.session.commit()
    response = as_user(desk.cashier).get("/billing/", query_string={"q": "张"})
    assert response.status_code == 302  # only 张伟 of this site


def test_search_text_is_escaped(as_user, desk):
    page = text(as_user(desk.cashier).get("/billing/", query_string={"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# --- account page --------------------------------------------------------------------------------

def test_account_shows_unpaid_charges_overdue_days_total_and_history(db, as_user, desk):
    jan, apr = owing(db, desk, "2026-01", "2026-04")
    pay(desk, [], "50.00", keep_prepayment=True, token="earlier")
    db.session.commit()
    page = text(as_user(desk.cashier).get(f"/billing/accounts/{desk.customer.id}"))
    assert "张伟" in page and "A-1203" in page
    assert page.count('class="overdue"') == 1  # January is 75 days overdue, April is not due yet
    assert ">75<" in page
    assert "￥570.00" in page  # total due
    assert "￥50.00" in page  # prepayment balance
    assert "SJ2026-000001" in page  # payment history
    assert 'data-fen="28500"' in page
    assert 'name="request_token"' in page
    assert 'value="570.00"' in page  # the amount defaults to the ticked total


def test_a_company_account_shows_the_charges_of_all_its_units(db, as_user, desk):
    company = make_customer(desk.site, "某某科技有限公司", kind="company")
    for number in ("B-0101", "B-0102"):
        unit = make_unit(desk.building, number)
        make_charge(unit, company, desk.fee, "2026-02", "100.00")
    db.session.commit()
    page = text(as_user(desk.cashier).get(f"/billing/accounts/{company.id}"))
    assert "B-0101" in page and "B-0102" in page and "￥200.00" in page


def test_an_account_of_another_site_does_not_exist_here(db, as_user, desk):
    stranger = make_customer(make_site(code="YY"), "外人")
    db.session.commit()
    assert as_user(desk.cashier).get(f"/billing/accounts/{stranger.id}").status_code == 404


def test_a_clerk_sees_the_account_without_the_payment_form(as_user, desk):
    page = text(as_user(make_user("clerk", site=desk.site)).get(f"/billing/accounts/{desk.customer.id}"))
    assert "not taking payments" in page and 'name="amount"' not in page


# --- taking payment ------------------------------------------------------------------------------

def form(charges, amount, **kw):
    data = {"charge_ids": [str(c.id) for c in charges], "method": "cash", "amount": amount, "request_token": "tok-1"}
    data.update(kw)
    return data


def test_paying_at_the_counter_issues_the_receipt(db, as_user, desk):
    charges = owing(db, desk, "2026-01", "2026-02")
    client = as_user(desk.cashier)
    response = client.post(f"/billing/accounts/{desk.customer.id}/pay", data=form(charges, "570.00", tendered="600"))
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "SJ2026-000001" in page and "人民币伍佰柒拾元整" in page and "￥30.00" in page
    assert all(c.status == PAID for c in db.session.scalars(sa.select(Charge)))


def test_a_double_submitted_payment_lands_on_the_same_receipt(db, as_user, desk):
    charges = owing(db, desk, "2026-01")
    client = as_user(desk.cashier)
    first = client.post(f"/billing/accounts/{desk.customer.id}/pay", data=form(charges, "285.00"))
    second = client.post(f"/billing/accounts/{desk.customer.id}/pay", data=form(charges, "285.00"))
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db, Payment) == 1 and count(db, Receipt) == 1


BAD = [
    ({"amount": "abc"}, "Enter the amount as a number"),
    ({"amount": "0"}, "must be above zero"),
    ({"amount": "-1"}, "must be above zero"),
    ({"amount": "1.234"}, "at most two decimal places"),
    ({"amount": "1000000000"}, "too large"),
    ({"amount": ""}, "This field is required"),
    ({"tendered": "100"}, "less than the amount"),
    ({"method": "card"}, "Enter the POS slip reference."),
    ({"method": "wechat", "reference": ""}, "Enter the transaction reference."),
    ({"method": "alipay", "reference": "x" * 10000}, "Field cannot be longer than 64 characters."),
    ({"method": "bitcoin"}, "Not a valid choice"),
    ({"amount": "300.00"}, "more than the ticked charges"),
    ({"charge_ids": []}, "Tick at least one charge"),
    ({"charge_ids": ["x"]}, "Invalid choice"),
]


@pytest.mark.parametrize("change, message", BAD)
def test_bad_payment_input_is_shown_and_changes_nothing(db, as_user, desk, change, message):
    charges = owing(db, desk, "2026-01")
    response = as_user(desk.cashier).post(f"/billing/accounts/{desk.customer.id}/pay",
                                          data={**form(charges, "285.00"), **change})
    assert response.status_code == 422
    assert message in text(response)
    assert count(db, Payment) == 0 and count(db, Receipt) == 0
    assert db.session.get(Charge, charges[0].id).status == UNPAID


def test_html_in_a_reference_is_escaped_when_shown_again(db, as_user, desk):
    charges = owing(db, desk, "2026-01")
    response = as_user(desk.cashier).post(f"/billing/accounts/{desk.customer.id}/pay", data=form(
        charges, "999.00", method="transfer", reference="<b>x</b>"))
    assert "<b>x</b>" not in text(response) and "&lt;b&gt;x&lt;/b&gt;" in text(response)


def test_an_already_paid_charge_is_reported_not_paid_twice(db, as_user, desk):
    charges = owing(db, desk, "2026-01")
    pay(desk, charges, "285.00")
    db.session.commit()
    response = as_user(desk.cashier).post(f"/billing/accounts/{desk.customer.id}/pay", data=form(charges, "285.00"))
    assert response.status_code == 422 and "has already been paid" in text(response)
    assert count(db, Payment) == 1


def test_a_charge_of_another_customer_is_refused_on_the_page(db, as_user, desk):
    neighbour = make_customer(desk.site, "李四", unit=make_unit(desk.building, "A-1301"))
    theirs = make_charge(desk.unit, neighbour, desk.fee, "2026-01", "100.00")
    db.session.commit()
    response = as_user(desk.cashier).post(f"/billing/accounts/{desk.customer.id}/pay", data=form([theirs], "100.00"))
    assert response.status_code == 422 and "not a charge of this customer" in text(response)
    assert count(db, Payment) == 0


def test_a_clerk_cannot_take_payment(db, as_user, desk):
    charges = owing(db, desk, "2026-01")
    client = as_user(make_user("clerk", site=desk.site))
    assert client.post(f"/billing/accounts/{desk.customer.id}/pay", data=form(charges, "285.00")).status_code == 403
    assert count(db, Payment) == 0


# --- receipt page, void --------------------------------------------------------------------------

@pytest.fixture
def receipt(db, desk):
    charges = owing(db, desk, "2026-01")
    receipt = pay(desk, charges, "285.00").receipt
    db.session.commit()
    return receipt


def test_receipt_page_offers_print_to_the_cashier_and_void_to_the_supervisor(as_user, desk, receipt):
    page = text(as_user(desk.cashier).get(f"/billing/receipts/{receipt.id}"))
    assert "SJ2026-000001" in page and 'target="_blank"' in page and "Void receipt" not in page


def test_supervisor_voids_with_a_reason(db, as_user, desk, receipt):
    client = as_user(desk.supervisor)
    assert "Void receipt" in text(client.get(f"/billing/receipts/{receipt.id}"))
    response = client.post(f"/billing/receipts/{receipt.id}/void", data={"reason": "客户<重复>缴费"})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Voided" in page and "客户&lt;重复&gt;缴费" in page
    assert db.session.get(Charge, receipt.payment.lines[0].charge_id).status == UNPAID


@pytest.mark.parametrize("reason, message", [("", "This field is required"),
                                             ("x" * 10000, "Field cannot be longer than 200 characters.")])
def test_void_without_a_proper_reason_is_refused(db, as_user, desk, receipt, reason, message):
    response = as_user(desk.supervisor).post(f"/billing/receipts/{receipt.id}/void", data={"reason": reason})
    assert response.status_code == 422 and message in text(response)
    assert db.session.get(Receipt, receipt.id).status == "issued"


def test_voiding_twice_shows_a_message(db, as_user, desk, receipt):
    client = as_user(desk.supervisor)
    client.post(f"/billing/receipts/{receipt.id}/void", data={"reason": "错"})
    response = client.post(f"/billing/receipts/{receipt.id}/void", data={"reason": "错"})
    assert response.status_code == 422 and "already been voided" in text(response)


def test_a_cashier_cannot_void(as_user, desk, receipt):
    assert as_user(desk.cashier).post(f"/billing/receipts/{receipt.id}/void", data={"reason": "x"}).status_code == 403


# --- day close -----------------------------------------------------------------------------------

def test_cashier_closes_the_day_and_then_cannot_take_payments(db, as_user, desk):
    charges = owing(db, desk, "2026-01", "2026-02")
    client = as_user(desk.cashier)
    client.post(f"/billing/accounts/{desk.customer.id}/pay", data=form(charges[:1], "285.00"))
    page = text(client.get("/billing/day-close"))
    assert "SJ2026-000001" in page and "Confirm handover" in page
    assert client.post("/billing/day-close", data={"day": "2026-03-31"}).status_code == 302
    assert count(db, DayClose) == 1
    page = text(client.get("/billing/day-close"))
    assert "Handover confirmed" in page and "Confirm handover" not in page
    response = client.post(f"/billing/accounts/{desk.customer.id}/pay",
                           data=form(charges[1:], "285.00", request_token="tok-2"))
    assert response.status_code == 422 and "closed your day for 2026-03-31" in text(response)
    assert count(db, Payment) == 1


def test_closing_a_day_twice_says_so(db, as_user, desk):
    client = as_user(desk.cashier)
    client.post("/billing/day-close", data={"day": "2026-03-31"})
    response = client.post("/billing/day-close", data={"day": "2026-03-31"}, follow_redirects=True)
    assert "already closed" in text(response)
    assert count(db, DayClose) == 1


def test_a_malformed_day_falls_back_to_today(as_user, desk):
    page = text(as_user(desk.cashier).get("/billing/day-close", query_string={"day": "31/03/2026"}))
    assert "2026-03-31" in page and "YYYY-MM-DD" in page


def test_day_report_pdf(db, as_user, desk, receipt):
    response = as_user(desk.cashier).get("/billing/day-close/pdf", query_string={"day": "2026-03-31"})
    assert response.mimetype == "application/pdf"
    text_ = "\n".join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages)
    assert "SJ2026-000001" in text_


def test_supervisor_sees_every_cashier_and_acknowledges_the_cash(db, as_user, login, desk, receipt):
    as_user(desk.cashier).post("/billing/day-close", data={"day": "2026-03-31"})
    client = as_user(desk.supervisor)
    page = text(client.get("/billing/day-closes", query_string={"day": "2026-03-31"}))
    assert "王收费" in page and "￥285.00" in page and "Acknowledge receipt of the cash" in page
    close = db.session.scalar(sa.select(DayClose))
    assert client.post(f"/billing/day-closes/{close.id}/acknowledge").status_code == 302
    db.session.expire_all()
    close = db.session.scalar(sa.select(DayClose))
    assert close.received_by_id == desk.supervisor.id
    assert "Received by 李主管" in text(client.get("/billing/day-closes", query_string={"day": "2026-03-31"}))
    report = client.get(f"/billing/day-closes/{close.id}/pdf")
    assert report.mimetype == "application/pdf"


# --- charges admin -------------------------------------------------------------------------------

def test_charges_admin_adds_a_fee_item_and_generates_a_month(db, as_user, desk):
    client = as_user(desk.supervisor)
    response = client.post("/billing/fee-items", data={"code": "PK", "name": "停车费", "basis": "fixed_month",
                                                       "price": "300", "multiplier": "1", "due_day": "10"})
    assert response.status_code == 302
    page = text(client.post("/billing/charges/generate", data={"period": "2026-03"}))
    assert "2 charges created" in page
    page = text(client.post("/billing/charges/generate", data={"period": "2026-03"}))
    assert "0 charges created" in page
    assert count(db, Charge) == 2


@pytest.mark.parametrize("change, message", [
    ({"price": "abc"}, "at most 4 decimal places"),
    ({"price": "1.23456"}, "at most 4 decimal places"),
    ({"due_day": "31"}, "Number must be between 1 and 28."),
    ({"name": "x" * 10000}, "Field cannot be longer than 60 characters."),
    ({"code": "F-MGMT"}, "Another fee item already uses the code F-MGMT"),
])
def test_bad_fee_items_are_refused(db, as_user, desk, change, message):
    desk.fee.code = "F-MGMT"
    db.session.commit()
    data = {"code": "NEW", "name": "水费", "basis": "metered", "price": "4.5", "multiplier": "1", "due_day": "15"}
    response = as_user(desk.supervisor).post("/billing/fee-items", data={**data, **change})
    assert response.status_code == 422 and message in text(response)
    assert count(db, FeeItem) == 1


def test_fee_item_edit(db, as_user, desk):
    client = as_user(desk.supervisor)
    assert "物业管理费" in text(client.get(f"/billing/fee-items/{desk.fee.id}"))
    response = client.post(f"/billing/fee-items/{desk.fee.id}", data={
        "code": "MG", "name": "物业服务费", "basis": "per_area_month", "price": "3.10", "multiplier": "1",
        "due_day": "20", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (desk.fee.name, desk.fee.price) == ("物业服务费", Decimal("3.1000"))


def test_bad_period_is_shown_next_to_the_field(db, as_user, desk):
    response = as_user(desk.supervisor).post("/billing/charges/generate", data={"period": "2026/03"})
    assert response.status_code == 422 and "YYYY-MM" in text(response)
    assert count(db, Charge) == 0


def test_meter_reading_for_an_unknown_unit_is_refused(db, as_user, desk):
    meter = make_fee_item(desk.site, "水费", "metered", "4.5", unit_label="m³")
    db.session.commit()
    response = as_user(desk.supervisor).post("/billing/meter-readings", data={
        "unit": "Z-0000", "fee_item": meter.id, "period": "2026-03", "current_reading": "10", "read_on": "2026-03-31"})
    assert response.status_code == 422 and "There is no unit Z-0000" in text(response)
    assert count(db, MeterReading) == 0


def test_meter_reading_entered_on_the_page_bills_the_unit(db, as_user, desk):
    meter = make_fee_item(desk.site, "水费", "metered", "4.5", unit_label="m³")
    db.session.commit()
    client = as_user(desk.supervisor)
    data = {"unit": "a1203", "fee_item": meter.id, "period": "2026-03", "current_reading": "110", "read_on": "2026-03-31"}
    response = client.post("/billing/meter-readings", data=data)
    assert response.status_code == 422 and "first reading" in text(response)
    assert client.post("/billing/meter-readings", data={**data, "previous_reading": "100"}).status_code == 302
    assert db.session.scalar(sa.select(Charge.amount)) == Decimal("45.00")


def test_one_off_charge_note_is_escaped(db, as_user, desk):
    repair = make_fee_item(desk.site, "维修费", "one_off", "0")
    db.session.commit()
    client = as_user(desk.supervisor)
    response = client.post("/billing/one-off-charges", data={
        "unit": "A-1203", "fee_item": repair.id, "amount": "180", "note": "<img src=x onerror=alert(1)>", "due_on": "2026-04-10"})
    assert response.status_code == 302
    page = text(as_user(desk.cashier).get(f"/billing/accounts/{desk.customer.id}"))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("change, message", [({"amount": "0"}, "must be above zero"),
                                             ({"note": "x" * 10000}, "Field cannot be longer than 200 characters."),
                                             ({"amount": "12.345"}, "at most two decimal places")])
def test_bad_one_off_charges_are_refused(db, as_user, desk, change, message):
    repair = make_fee_item(desk.site, "维修费", "one_off", "0")
    db.session.commit()
    data = {"unit": "A-1203", "fee_item": repair.id, "amount": "180", "note": "换锁", "due_on": "2026-04-10"}
    response = as_user(desk.supervisor).post("/billing/one-off-charges", data={**data, **change})
    assert response.status_code == 422 and message in text(response)
    assert count(db, Charge) == 0
