"""A customer visit's whole course in a real browser: the account manager plans a visit to a
company of her portfolio from her lists, records it with the company's request and a commitment,
turns the request into a work order, sees its number on the visit and, on the work order's page,
the link back to the visit, and fills in the satisfaction survey there; and a supervisor hands a
manager's companies to another from the portfolio list.

The app runs for real (its own migrated database, CSRF on, a werkzeug server on a free port) and
Debian's Chromium drives it through Playwright, on SQLite and on PostgreSQL when
FRONTDESK_TEST_DATABASE_URL is set. Everyone works in the English interface; the data is Chinese."""
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from playwright.sync_api import expect

from frontdesk.core import clock
from frontdesk.extensions import db
from frontdesk.visits import services
from frontdesk.visits.models import Commitment, CustomerVisit, Portfolio, SurveyAnswer, SurveyResponse, VisitItem
from frontdesk.workorders.models import WorkOrder
from tests.e2e.conftest import running_desk
from tests.e2e.test_workorders import desk_database, log_in, stored  # noqa: F401  (fixture)
from tests.factories import make_building, make_customer, make_site, make_unit, make_user

COMPANY = "云启科技有限公司"
OTHER = "恒通物流有限公司"
REQUEST = "三楼会议室空调不制冷"
PROMISE = "周五前告知检修结果"
# the scores given, question by question of the standard questionnaire (None: not applicable)
SCORES = {"front_desk": 5, "security": 4, "cleaning": 4, "repairs": 3, "billing": None, "overall": 4, "recommend": 5}


def populate():
    """星河产业园: 云启科技 at A-301 and 恒通物流 at B-101 in the portfolio of account manager 陈思远,
    another company in 王敏's, assigned by the park's customer-service supervisor 周主管."""
    site = make_site("PARK", kind="park", name="星河产业园", company_name="星河物业服务有限公司")
    a, b = make_building(site, "A", "A座"), make_building(site, "B", "B座")
    yunqi = make_customer(site, COMPANY, kind="company", phone="0512-66880001", credit_code="91320594MA0000001X",
                          unit=make_unit(a, "A-301"), role="tenant")
    hengtong = make_customer(site, OTHER, kind="company", phone="0512-66880002", credit_code="91320594MA0000002X",
                             unit=make_unit(b, "B-101"), role="tenant")
    boyuan = make_customer(site, "博远医疗器械有限公司", kind="company", credit_code="91320594MA0000003X",
                           unit=make_unit(a, "A-502"), role="tenant")
    chen = make_user("account_manager", site=site, username="chen", full_name="陈思远", locale="en")
    wang = make_user("account_manager", site=site, username="wang", full_name="王敏", locale="en")
    supervisor = make_user("supervisor", site=site, username="zhou", full_name="周主管", locale="en")
    for company, manager in ((yunqi, chen), (hengtong, chen), (boyuan, wang)):
        services.assign(site, company, manager.id, actor=supervisor, now=clock.now() - timedelta(days=30))


@pytest.fixture
def desk_url(tmp_path, desk_database):  # noqa: F811
    with running_desk(tmp_path, populate, config={"DATABASE_URL": desk_database}) as url:
        yield url


def shot(page, name):
    """What the page looked like at the end of a step, saved to the folder FRONTDESK_E2E_SHOTS
    names (nothing is saved without it)."""
    folder = os.environ.get("FRONTDESK_E2E_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"visits-{name}.png"), full_page=True)


def test_a_visit_is_planned_recorded_its_request_becomes_a_work_order_and_a_survey_is_filled_in(
        page, desk_url, desk_database):
    today = clock.business_day()
    # 1. from her lists, the account manager plans a visit to a company of her portfolio
    log_in(page, "chen")
    page.goto("/visits/")
    page.get_by_role("link", name="Plan a visit").first.click()
    expect(page.locator("h1")).to_have_text("Plan a visit")
    companies = page.locator("select[name=customer_id] option")
    expect(companies).to_have_count(3)
    assert sorted(companies.all_inner_texts()) == sorted(["—", OTHER, COMPANY])  # hers only, not 王敏's
    page.locator("select[name=customer_id]").select_option(label=COMPANY)
    expect(page.locator("input[name=visit_on]")).to_have_value(today.isoformat())
    page.get_by_label("On site").check()
    page.locator("select[name=purpose]").select_option(label="Routine care")
    page.locator("input[name=meet]").fill("张经理（行政经理）")
    page.locator("textarea[name=preparation]").fill("带上园区服务手册")
    page.get_by_role("button", name="Plan the visit").click()
    expect(page.locator(".flash")).to_contain_text(f"to {COMPANY} is planned for {today.isoformat()}")
    expect(page.locator("#visit-status")).to_have_text("Planned")
    number = re.search(r"BF\d{4}-\d{5}", page.locator("h1").inner_text()).group(0)
    expect(page.locator("h1")).to_contain_text(COMPANY)
    expect(page.locator(".visit-plan-card")).to_contain_text("张经理（行政经理）")
    visit_url = page.url
    shot(page, "1-planned")

    # 2. back from the company, she records it: a request, an answer-free opinion, a commitment
    page.get_by_role("link", name="Record the visit").click()
    expect(page.locator("input[name=attendees]")).to_have_value("张经理（行政经理）")
    page.locator("input[name=attendees]").fill("张经理（行政经理）；陈思远")
    page.locator("textarea[name=summary]").fill("了解企业近况，客户对会议室空调有意见")
    page.locator("select[name='items-0-kind']").select_option(label="Request")
    page.locator("textarea[name='items-0-text']").fill(REQUEST)
    page.locator("select[name='items-1-kind']").select_option(label="Opinion")
    page.locator("textarea[name='items-1-text']").fill("前台接待很热情")
    page.locator("textarea[name='items-1-answer']").fill("已转达前台，谢谢认可")
    page.locator("input[name='commitments-0-text']").fill(PROMISE)
    expect(page.locator("select[name='commitments-0-owner_id'] option:checked")).to_have_text("陈思远")
    page.locator("input[name='commitments-0-due_on']").fill((today + timedelta(days=3)).isoformat())
    page.locator("input[name=follow_up_on]").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Save the record").click()
    expect(page.locator("#visit-status")).to_have_text("Recorded")
    expect(page).to_have_url(visit_url)
    request_row = page.locator(".visit-items tr", has_text=REQUEST)
    expect(request_row).to_contain_text("Request")
    expect(page.locator(".visit-items tr", has_text="前台接待很热情")).to_contain_text("已转达前台，谢谢认可")
    expect(page.locator(".visit-commitments")).to_contain_text(PROMISE)
    expect(page.locator(".visit-commitments")).to_contain_text("陈思远")
    expect(page.locator(".visit-record")).to_contain_text(format_date(today + timedelta(days=7), "medium", locale="en"))
    shot(page, "2-recorded")

    # 3. the request becomes a work order: the form comes filled in, one click makes it
    request_row.get_by_role("link", name="Make a work order").click()
    expect(page.locator("h1")).to_have_text("Make a work order")
    expect(page.locator(".form-card")).to_contain_text(REQUEST)
    expect(page.locator("select[name=unit_id] option:checked")).to_have_text("A-301")
    expect(page.locator("select[name=category] option:checked")).to_have_text("Heating / air-conditioning")
    page.get_by_role("button", name="Make the work order").click()
    expect(page).to_have_url(visit_url)
    flash = page.locator(".flash")
    expect(flash).to_contain_text("Work order GD")
    order_number = re.search(r"GD\d{4}-\d{6}", flash.inner_text()).group(0)
    # the number on the visit, where the button was; the opinion has none
    expect(request_row.get_by_role("link", name=order_number)).to_be_visible()
    expect(request_row.get_by_role("link", name="Make a work order")).to_have_count(0)
    expect(page.locator(".visit-items tr", has_text="前台接待很热情")).not_to_contain_text("GD")
    shot(page, "3-work-order")

    # 4. the work order's page says where it came from and leads back to the visit
    request_row.get_by_role("link", name=order_number).click()
    expect(page.locator("h1")).to_contain_text(order_number)
    expect(page.locator("body")).to_contain_text(f"{number}: {REQUEST}")
    back = page.locator(".from-visit a")
    expect(back).to_have_text(f"From visit {number} ({COMPANY})")
    shot(page, "4-work-order-page")
    back.click()
    expect(page).to_have_url(visit_url)

    # 5. a satisfaction survey at the visit: every question scored but billing (not applicable)
    page.get_by_role("link", name="Fill in a survey").click()
    expect(page.locator("h1")).to_contain_text(COMPANY)
    expect(page.locator(".survey-card")).to_contain_text(number)
    questions = page.locator("fieldset.survey-question")
    expect(questions).to_have_count(7)
    for n, score in enumerate(SCORES.values()):
        question = questions.nth(n)
        if score is None:
            question.locator("label.not-applicable input").check()
        else:
            question.locator(f"input[type=radio][value='{score}']").check()
    questions.nth(3).locator("input.survey-comment").fill("空调报修等了两天")
    page.locator("input[name=respondent]").fill("张经理")
    page.get_by_role("button", name="Save the survey").click()
    expect(page.locator("h1")).to_contain_text("Satisfaction survey")
    expect(page.locator(".keyfigures .figure")).to_have_text("4.17")  # (5+4+4+3+4+5) / 6
    expect(page.locator("body")).to_contain_text("空调报修等了两天")
    expect(page.locator("body")).to_contain_text("Not applicable")
    page.get_by_role("link", name=number).click()
    expect(page).to_have_url(visit_url)
    expect(page.locator(".visit-surveys")).to_contain_text("张经理")
    shot(page, "5-survey")

    # what the pages wrote
    def read():
        visit = db.session.scalar(sa.select(CustomerVisit).where(CustomerVisit.number == number))
        request = db.session.scalar(sa.select(VisitItem).where(VisitItem.visit_id == visit.id,
                                                               VisitItem.kind == "request"))
        order = db.session.get(WorkOrder, request.work_order_id)
        promise = db.session.scalars(sa.select(Commitment).where(Commitment.visit_id == visit.id)).one()
        response = db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.visit_id == visit.id)).one()
        scores = dict(db.session.execute(sa.select(SurveyAnswer.dimension, SurveyAnswer.score)
                                         .where(SurveyAnswer.response_id == response.id)).all())
        return (visit.status, visit.follow_up_on, order.number, order.kind, order.reporter_name,
                order.customer_id == visit.customer_id, order.owner_id == visit.manager_id, promise.text,
                promise.owner_id == visit.manager_id, response.respondent, scores)

    assert stored(desk_database, read) == (
        "recorded", today + timedelta(days=7), order_number, "repair", "张经理（行政经理）", True, True, PROMISE, True,
        "张经理", SCORES)


def test_a_supervisor_hands_a_managers_companies_to_another_by_ticking_the_page(page, desk_url, desk_database):
    """陈思远 leaves: the supervisor lists his companies, ticks them all with the one box at the
    top, gives them to 王敏, and 王敏's portfolio has them."""
    log_in(page, "zhou")
    page.goto("/visits/companies")
    page.locator("select[name=manager]").select_option(label="陈思远")
    page.get_by_role("button", name="Find").click()
    boxes = page.locator("input[name=customer_ids]")
    expect(boxes).to_have_count(2)
    every = page.get_by_role("checkbox", name="Tick every company on this page")  # shown by the script
    every.check()
    for i in range(2):
        expect(boxes.nth(i)).to_be_checked()
    boxes.nth(0).uncheck()
    expect(every).not_to_be_checked()  # the box at the top follows the rows
    boxes.nth(0).check()
    expect(every).to_be_checked()
    page.locator("#assign-many select[name=manager_id]").select_option(label="王敏")
    page.locator("#assign-many input[name=reason]").fill("陈思远离职")
    page.locator("#assign-many").get_by_role("button", name="Assign").click()
    expect(page.locator(".flash-success")).to_have_text("2 companies are looked after by 王敏 from today on.")
    expect(page.locator("input[name=customer_ids]")).to_have_count(0)  # the list of 陈思远's companies is empty
    shot(page, "6-handover")

    def managers():
        return sorted(row.manager.full_name for row in db.session.scalars(sa.select(Portfolio)))

    assert stored(desk_database, managers) == ["王敏", "王敏", "王敏"]
