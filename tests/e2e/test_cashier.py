"""The cashier's round in a real browser: find a unit, take cash, give change, print the receipt.

The app runs for real (its own migrated SQLite database, CSRF on, a werkzeug server on a free
port) and Debian's Chromium drives it through Playwright."""
import io
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from frontdesk.billing import services as billing
from frontdesk.billing.models import PER_AREA_MONTH
from frontdesk.core import clock
from tests.e2e.conftest import running_desk
from tests.factories import NOW, PASSWORD, make_building, make_customer, make_site, make_unit, make_user


@pytest.fixture
def desk_url(tmp_path):
    """A running desk with one household owing management fees for March 2026 (100.05 m² × 2.85)."""
    def populate():
        site = make_site("JX", kind="estate", name="锦绣花园", company_name="锦绣物业管理有限公司", receipt_prefix="JX")
        unit = make_unit(make_building(site, "A"), "A-1203", area="100.05", use="home")
        make_customer(site, "陈美玲", phone="13812345678", unit=unit, start_on=date(2020, 1, 1))
        admin = make_user("admin", site=site)
        make_user("cashier", username="lijuan", full_name="李娟", site=site)
        billing.create_fee_item(site, code="MGMT", name="物业管理费", basis=PER_AREA_MONTH, price=Decimal("2.85"),
                                applies_to="home", actor=admin, now=NOW)
        billing.generate_charges(site, "2026-03", actor=admin, now=NOW)

    with running_desk(tmp_path, populate) as url:
        yield url


def test_cashier_takes_cash_gives_change_and_prints_the_receipt(page):
    page.goto("/login")
    page.locator("input[name=username]").fill("lijuan")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/")

    # the cursor starts in the search box: after logging in the cashier types straight away
    expect(page.locator("input[name=q]")).to_be_focused()
    page.keyboard.type("A-1203")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text("陈美玲")
    expect(page.locator("#total-due")).to_have_text("￥285.14")
    expect(page.locator("input[name=amount]")).to_have_value("285.14")
    # and on the account, in the cash field
    expect(page.locator("input[name=tendered]")).to_be_focused()
    page.keyboard.type("300")
    expect(page.locator("#change")).to_have_text("￥14.86")
    page.locator("#payment-form button[type=submit]").click()

    number = f"JX{clock.business_day().year}-000001"  # numbered by the year the money is taken
    expect(page.locator("h1")).to_contain_text(number)
    receipt_page = page.inner_text("body")
    assert "￥300.00" in receipt_page and "￥14.86" in receipt_page

    # the Print button POSTs (with the form's CSRF token) and answers with the PDF itself
    print_form = page.locator("form[action$='/print']")
    response = page.request.post(print_form.get_attribute("action"), form={
        "csrf_token": print_form.locator("input[name=csrf_token]").get_attribute("value")})
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert number in text
    assert "285.14" in text
    assert "贰佰捌拾伍元壹角肆分" in text
