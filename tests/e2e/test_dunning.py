"""A supervisor's dunning run in a real browser: issue a notice to an overdue customer from the run
page, open it and print its PDF.

The app runs for real (its own migrated SQLite database, CSRF on, a werkzeug server on a free
port, the real clock) and Debian's Chromium drives it through Playwright."""
import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from frontdesk.core import clock
from frontdesk.dunning import services as dunning
from tests.billing.factories import make_charge, make_fee_item
from tests.e2e.conftest import running_desk
from tests.factories import NOW, PASSWORD, make_building, make_customer, make_site, make_unit, make_user

DAYS_OVERDUE = 90  # 250.00 × 0.05% × 90 days = 11.25


@pytest.fixture
def desk_url(tmp_path):
    """A running desk whose site charges 违约金 at 0.05% a day, with one customer 90 days behind
    with 250.00 of management fees."""
    def populate():
        site = make_site("JX", kind="estate", name="锦绣花园", company_name="锦绣物业管理有限公司", receipt_prefix="JX")
        unit = make_unit(make_building(site, "A"), "A-1203", area="100.05", use="home")
        customer = make_customer(site, "陈美玲", phone="13812345678", unit=unit)
        supervisor = make_user("supervisor", username="zhaomin", full_name="赵敏", site=site)
        dunning.save_late_fee_rule(site, label="违约金", daily_rate_percent="0.05", grace_days=0, cap_percent="100",
                                   actor=supervisor, now=NOW)
        due_on = clock.business_day() - timedelta(days=DAYS_OVERDUE)
        make_charge(unit, customer, make_fee_item(site), due_on.strftime("%Y-%m"), "250.00", due_on=due_on)

    with running_desk(tmp_path, populate) as url:
        yield url


def test_supervisor_issues_a_dunning_notice_from_the_run_page_and_prints_it(page):
    page.goto("/login")
    page.locator("input[name=username]").fill("zhaomin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/")

    today = clock.business_day()
    page.goto("/dunning/run")
    page.locator("input[name=as_of]").fill(today.isoformat())
    page.once("dialog", lambda dialog: dialog.accept())  # "Issue the dunning notices now?"
    page.locator("form button.primary[type=submit]").click()

    number = f"CK{today.year}-000001"
    page.wait_for_url("**/dunning/notices?batch=*")
    expect(page.locator("table")).to_contain_text(number)
    expect(page.locator("table")).to_contain_text("陈美玲")
    page.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_contain_text(number)

    # the Print button POSTs (with the page's CSRF token) and answers with the PDF itself
    print_form = page.locator("form[action$='/pdf']")
    response = page.request.post(print_form.get_attribute("action"), form={
        "csrf_token": print_form.locator("input[name=csrf_token]").get_attribute("value")})
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    deadline = today + timedelta(days=15)
    assert number in text
    assert "致：陈美玲" in text
    assert "￥261.25" in text and "贰佰陆拾壹元贰角伍分" in text  # 250.00 + 11.25
    assert f"请于{deadline.year}年{deadline.month}月{deadline.day}日前缴清" in text
    assert "补打" not in text
