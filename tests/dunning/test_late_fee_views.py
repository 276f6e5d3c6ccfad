"""Late fees in the browser's view: the fee desk page, paying, waiving and the rule settings.
The clock is 2026-03-31; a 2026-01 charge of 250.00 owes 250 × 0.0005 × 75 days = 9.38 by then."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from frontdesk.billing.models import Receipt
from frontdesk.dunning.models import LateFeeRule, LateFeeWaiver
from tests.billing.factories import make_charge, make_desk, make_user
from tests.dunning.test_late_fees import make_rule

D = Decimal


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def desk(db):
    desk = make_desk()
    make_rule(desk.site)
    desk.jan = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "250.00")
    db.session.commit()
    return desk


def account_url(desk, **args):
    query = "".join(f"&{k}={v}" for k, v in args.items()).lstrip("&")
    return f"/billing/accounts/{desk.customer.id}" + (f"?{query}" if query else "")


def test_the_fee_desk_shows_days_overdue_the_late_fee_and_the_total_to_pay(as_user, desk):
    page = text(as_user(desk.cashier).get(account_url(desk)))
    assert "Late fee" in page and "￥9.38" in page
    assert "￥250.00 × 0.05% × 75 days" in page
    assert 'value="259.38"' in page  # the amount to take: the charge and its late fee
    assert 'data-fen="25938"' in page


def test_the_fee_desk_shows_late_fees_as_of_a_date_the_cashier_picks(as_user, desk):
    page = text(as_user(desk.cashier).get(account_url(desk, as_of="2026-04-15")))
    assert "￥11.25" in page and "90 days" in page  # the example
    assert "shown as of 2026-04-15" in page
    assert 'value="259.38"' in page  # paying now still settles today's fee


def test_an_as_of_date_before_the_due_date_says_so(as_user, desk):
    page = text(as_user(desk.cashier).get(account_url(desk, as_of="2026-01-10")))
    assert "none of these charges was past its due date yet" in page
    assert "not yet due" in page


def test_a_malformed_as_of_date_falls_back_to_today(as_user, desk):
    response = as_user(desk.cashier).get(account_url(desk, as_of="31/03/2026"))
    assert response.status_code == 200 and "today is shown instead" in text(response)


def test_paying_at_the_desk_prints_the_late_fee_on_the_receipt(db, as_user, desk):
    client = as_user(desk.cashier)
    response = client.post(f"/billing/accounts/{desk.customer.id}/pay", data={
        "charge_ids": [desk.jan.id], "method": "cash", "amount": "259.38", "request_token": "tok-1"})
    assert response.status_code == 302
    receipt = db.session.scalars(sa.select(Receipt)).one()
    page = text(client.get(f"/billing/receipts/{receipt.id}"))
    assert "违约金" in page and "250.00×0.05%×75天=9.38" in page and "259.38" in page


def test_a_supervisor_waives_part_of_a_late_fee_from_the_fee_desk(db, as_user, desk):
    client = as_user(desk.supervisor)
    assert f"/dunning/charges/{desk.jan.id}/waive" in text(client.get(account_url(desk)))
    page = text(client.get(f"/dunning/charges/{desk.jan.id}/waive"))
    assert "￥9.38" in page
    response = client.post(f"/dunning/charges/{desk.jan.id}/waive", data={"amount": "5", "reason": "业主困难"})
    assert response.status_code == 302
    assert db.session.scalars(sa.select(LateFeeWaiver)).one().amount == D("5.00")
    page = text(client.get(account_url(desk)))
    assert "￥4.38" in page and "￥5.00 waived" in page


def test_a_waiver_larger_than_the_fee_is_refused_next_to_the_amount(db, as_user, desk):
    client = as_user(desk.supervisor)
    response = client.post(f"/dunning/charges/{desk.jan.id}/waive", data={"amount": "10.00", "reason": "太多"})
    assert response.status_code == 422
    assert "more than the late fee owed today (￥9.38)" in text(response)
    assert db.session.scalar(sa.select(sa.func.count(LateFeeWaiver.id))) == 0


@pytest.mark.parametrize("role", ["cashier", "clerk", "admin", "project_manager"])
def test_nobody_but_a_supervisor_may_waive(db, as_user, desk, role):
    client = as_user(make_user(role, site=desk.site))
    assert client.get(f"/dunning/charges/{desk.jan.id}/waive").status_code == 403
    assert client.post(f"/dunning/charges/{desk.jan.id}/waive",
                       data={"amount": "1", "reason": "x"}).status_code == 403
    assert f"/dunning/charges/{desk.jan.id}/waive" not in text(client.get(account_url(desk)))


def test_a_charge_of_another_site_cannot_be_waived(db, as_user, desk):
    other = make_desk(unit_number="B-1")
    charge = make_charge(other.unit, other.customer, other.fee, "2026-01", "100.00")
    db.session.commit()
    assert as_user(desk.supervisor).get(f"/dunning/charges/{charge.id}/waive").status_code == 404


# --- settings -------------------------------------------------------------------------------------

def test_the_rules_page_sets_a_fee_item_rule(db, as_user, desk):
    client = as_user(make_user("admin", site=desk.site))
    assert "Site default" in text(client.get("/dunning/late-fee-rules"))
    response = client.post("/dunning/late-fee-rules", data={
        "fee_item": desk.fee.id, "label": "滞纳金", "daily_rate": "0.03", "grace_days": "10", "cap_percent": "50"})
    assert response.status_code == 302
    rule = db.session.scalar(sa.select(LateFeeRule).where(LateFeeRule.fee_item_id == desk.fee.id))
    assert (rule.label, rule.daily_rate, rule.grace_days, rule.cap_percent) == ("滞纳金", D("0.0003"), 10, D("50"))
    page = text(client.get("/dunning/late-fee-rules"))
    assert "物业管理费" in page and "0.03%" in page


@pytest.mark.parametrize("field, value, message", [
    ("daily_rate", "1.5", "Enter a daily rate from 0% to 1% a day"),
    ("daily_rate", "-0.05", "Enter a daily rate from 0% to 1% a day"),
    ("grace_days", "-3", "Enter the grace days as a whole number from 0 to 365."),
    ("cap_percent", "120", "Enter a cap from 0% to 100% of the unpaid principal."),
    ("cap_percent", "-1", "Enter a cap from 0% to 100% of the unpaid principal."),
])
def test_the_rules_page_refuses_values_out_of_range_next_to_the_field(db, as_user, desk, field, value, message):
    client = as_user(make_user("admin", site=desk.site))
    data = {"fee_item": 0, "label": "违约金", "daily_rate": "0.05", "grace_days": "0", "cap_percent": "100",
            field: value}
    response = client.post("/dunning/late-fee-rules", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    # the message sits in the field's own block, after its input
    assert page.index(f'name="{field}"') < page.index(message)
    rules = db.session.scalars(sa.select(LateFeeRule)).all()
    assert [(r.daily_rate, r.grace_days, r.cap_percent) for r in rules] == [(D("0.0005"), 0, D("100"))]


@pytest.mark.parametrize("role", ["cashier", "clerk", "project_manager"])
def test_only_those_who_manage_charges_may_change_the_rules(db, as_user, desk, role):
    client = as_user(make_user(role, site=desk.site))
    assert client.get("/dunning/late-fee-rules").status_code == 403
    assert client.post("/dunning/late-fee-rules", data={"fee_item": 0, "label": "违约金", "daily_rate": "1",
                                                        "grace_days": "0", "cap_percent": "100"}).status_code == 403


def test_removing_the_site_default_stops_late_fees(db, as_user, desk):
    client = as_user(desk.supervisor)
    rule = db.session.scalars(sa.select(LateFeeRule)).one()
    assert client.post(f"/dunning/late-fee-rules/{rule.id}/remove").status_code == 302
    assert db.session.scalars(sa.select(LateFeeRule)).all() == []
    assert 'data-fen="25000"' in text(client.get(account_url(desk)))
