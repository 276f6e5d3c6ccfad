"""The portfolio pages as the desk uses them: the manager's lists, the portfolio, a company's page,
the per-manager figures, the visit settings and the home page's card — for each role that may see
them, 403 for the others, and bad input answered next to its field with nothing changed."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.core import clock
from frontdesk.dunning.models import DunningNotice, DunningNoticeCharge, NoticeDelivery
from frontdesk.estate.models import Contact
from frontdesk.extensions import db as _db
from frontdesk.visits import queries, services
from frontdesk.visits.services import AnswerInput, CommitmentInput
from frontdesk.workorders import services as workorders
from tests.billing.factories import make_charge, make_fee_item
from tests.factories import make_user
from tests.visits.conftest import at
from tests.visits.pages import error_next_to, flashes, text

NOW = at(2026, 4, 15, 10)  # a Wednesday: the pages' clock in this file
TODAY = date(2026, 4, 15)


def section(page, css_class) -> str:
    """The HTML of one card of the page, by its class."""
    start = page.index(f'<section class="card {css_class}')
    return page[start:page.index("</section>", start)]


@pytest.fixture
def clock_at(monkeypatch, frozen_clock):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def week(park):
    """陈思远's fortnight around 15 April: 云启 visited 7 April with a follow-up due 13 April and two
    commitments (one due 10 April, one 30 April), a plan for 恒通 on 9 April never recorded, plans
    this week on Monday 13 and Sunday 19 April and next Monday; 王敏 visited 博远 on 14 April."""
    chen, site = park.chen, park.site
    visit = services.record_visit(
        site, customer_id=park.yunqi.id, visited_at=at(2026, 4, 7, 10), mode="on_site", purpose="routine_care",
        attendees="李总、陈思远", summary="空调噪音", follow_up_on=date(2026, 4, 13), actor=chen, now=at(2026, 4, 7, 11),
        commitments=[CommitmentInput("安排维修空调", chen.id, date(2026, 4, 10)),
                     CommitmentInput("发送续租方案", chen.id, date(2026, 4, 30))])
    missed = services.plan_visit(site, customer_id=park.hengtong.id, visit_on=date(2026, 4, 9), mode="phone",
                                 purpose="late_payment", actor=chen, now=at(2026, 4, 8, 9))
    monday = services.plan_visit(site, customer_id=park.yunqi.id, visit_on=date(2026, 4, 13), mode="on_site",
                                 purpose="renewal", meet="行政王经理", actor=chen, now=at(2026, 4, 8, 9))
    sunday = services.plan_visit(site, customer_id=park.hengtong.id, visit_on=date(2026, 4, 19), mode="on_site",
                                 purpose="survey", actor=chen, now=at(2026, 4, 8, 9))
    next_monday = services.plan_visit(site, customer_id=park.hengtong.id, visit_on=date(2026, 4, 20), mode="phone",
                                      purpose="routine_care", actor=chen, now=at(2026, 4, 8, 9))
    wangs = services.record_visit(site, customer_id=park.boyuan.id, visited_at=at(2026, 4, 14, 15), mode="phone",
                                  purpose="complaint", attendees="刘总", actor=park.wang, now=at(2026, 4, 14, 16))
    _db.session.commit()
    return dict(visit=visit, missed=missed, monday=monday, sunday=sunday, next_monday=next_monday, wangs=wangs)


# --- who may open which page -------------------------------------------------------------------------

PAGES = {
    "/visits/": {"chen", "supervisor", "project_manager"},
    "/visits/companies": {"chen", "supervisor", "project_manager"},
    "company": {"chen", "supervisor", "project_manager"},
    "/visits/managers": {"supervisor", "project_manager"},
    "/visits/settings": {"admin"},
}


@pytest.mark.parametrize("who", ["chen", "wang", "supervisor", "project_manager", "admin", "clerk", "technician"])
def test_each_page_opens_for_the_roles_that_may_see_it_and_is_403_for_the_others(park, as_user, clock_at, week, who):
    client = as_user(getattr(park, who))
    for path, allowed in PAGES.items():
        url = f"/visits/companies/{park.yunqi.id}" if path == "company" else path
        may = who in allowed or (who == "wang" and "chen" in allowed)
        expected = 200 if may else 403
        if who == "wang" and path == "company":
            expected = 404  # 云启 is 陈思远's
        assert client.get(url).status_code == expected, (who, url)


def test_the_tabs_show_what_the_role_reaches_and_mark_the_page(park, as_user, clock_at):
    chen = text(as_user(park.chen).get(f"/visits/companies/{park.yunqi.id}"))
    tabs = chen[chen.index('<nav class="tabs'):chen.index("</nav>", chen.index('<nav class="tabs'))]
    assert 'href="/visits/companies" class="active"' in tabs  # a company's page is under Companies
    assert "My lists" in tabs and "Visit register" in tabs and "Case studies" in tabs
    assert "Managers" not in tabs and "Survey reports" not in tabs and "Questionnaire" not in tabs

    supervisor = text(as_user(park.supervisor).get("/visits/managers"))
    assert 'href="/visits/managers" class="active"' in supervisor and "Survey reports" in supervisor

    admin = text(as_user(park.admin).get("/visits/settings"))
    tabs = admin[admin.index('<nav class="tabs'):admin.index("</nav>", admin.index('<nav class="tabs'))]
    assert "Questionnaire" in tabs and "My lists" not in tabs and "Companies" not in tabs


# --- the manager's lists ------------------------------------------------------------------------------

def test_the_manager_sees_their_day(park, as_user, clock_at, week):
    page = text(as_user(park.chen).get("/visits/"))

    assert "<h1>My lists</h1>" in page
    this_week = section(page, "visits-week")
    assert "2026-04-13 – 2026-04-19" in this_week
    assert week["monday"].number in this_week and week["sunday"].number in this_week
    assert week["next_monday"].number not in this_week and week["wangs"].number not in this_week
    # a plan has its "Record" button; the Monday plan has passed without a record
    assert f'href="/visits/{week["sunday"].id}/record"' in this_week
    assert "Not recorded" in this_week

    plans = section(page, "overdue-plans")
    assert week["missed"].number not in plans  # the date is the link
    assert f'href="/visits/{week["missed"].id}"' in plans and f'href="/visits/{week["monday"].id}"' in plans
    assert "恒通物流有限公司" in plans

    follow_ups = section(page, "overdue-follow-ups")
    assert week["visit"].number in follow_ups and "2026-04-13" in follow_ups
    assert f'href="/visits/record?customer_id={park.yunqi.id}"' in follow_ups

    commitments = section(page, "overdue-commitments")
    assert "安排维修空调" in commitments and "发送续租方案" not in commitments  # due 30 April: not yet
    kept = week["visit"].commitments[0]
    assert f'action="/visits/commitments/{kept.id}/done"' in commitments and 'name="note"' in commitments

    not_visited = section(page, "not-visited")
    assert "Not visited in 90 days" in not_visited
    assert "恒通物流有限公司" in not_visited and "云启科技有限公司" not in not_visited  # never vs 8 days ago
    assert f'href="/visits/new?customer_id={park.hengtong.id}"' in not_visited

    assert 'href="/visits/new"' in page and 'href="/visits/record"' in page


def test_the_kept_button_of_the_list_takes_the_commitment_off_it(park, as_user, clock_at, week):
    client = as_user(park.chen)
    kept = week["visit"].commitments[0]
    page = text(client.get("/visits/"))
    form = re.search(r'<form method="post" action="(/visits/commitments/%d/done)" class="kept-form">(.*?)</form>'
                     % kept.id, page, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(2)))

    response = client.post(form.group(1), data={**fields, "note": "4月11日已修好"})

    assert response.status_code == 302 and response.headers["Location"].endswith("/visits/")
    assert "安排维修空调" not in section(text(client.get("/visits/")), "overdue-commitments")
    _db.session.refresh(kept)
    assert kept.done_note == "4月11日已修好" and kept.done_by_id == park.chen.id


def test_the_arrows_and_the_day_move_the_week(park, as_user, clock_at, week):
    client = as_user(park.chen)

    page = text(client.get("/visits/?day=2026-04-20"))

    this_week = section(page, "visits-week")
    assert "2026-04-20 – 2026-04-26" in this_week and week["next_monday"].number in this_week
    assert week["sunday"].number not in this_week
    assert 'href="/visits/?day=2026-04-13"' in this_week and 'href="/visits/?day=2026-04-27"' in this_week
    # the overdue lists stay as of today
    assert "安排维修空调" in section(page, "overdue-commitments")


def test_a_manager_cannot_read_anothers_lists(park, as_user, clock_at, week):
    page = text(as_user(park.chen).get(f"/visits/?manager={park.wang.id}"))

    assert "<h1>My lists</h1>" in page and week["wangs"].number not in page and 'name="manager"' not in page


def test_the_supervisor_sees_everyones_lists_and_picks_a_manager(park, as_user, clock_at, week):
    client = as_user(park.supervisor)

    everyone = text(client.get("/visits/"))
    assert "<h1>Every manager&#39;s lists</h1>" in everyone or "<h1>Every manager's lists</h1>" in everyone
    this_week = section(everyone, "visits-week")
    assert week["monday"].number in this_week and week["wangs"].number in this_week
    assert "陈思远" in this_week and "王敏" in this_week  # whose visit it is
    assert f'href="/visits/{week["sunday"].id}/record"' not in this_week  # a visit is its manager's to record

    wangs = text(client.get(f"/visits/?manager={park.wang.id}"))
    assert "<h1>Lists of 王敏</h1>" in wangs
    assert week["wangs"].number in wangs and week["monday"].number not in wangs
    assert "博远医疗器械有限公司" not in section(wangs, "not-visited")  # visited yesterday
    assert "No commitment is overdue" in section(wangs, "overdue-commitments")


def test_everyones_lists_stop_at_fifty_rows_and_say_so(park, as_user, clock_at):
    from tests.factories import make_customer

    for n in range(55):
        company = make_customer(park.site, f"测试企业{n:03d}有限公司", kind="company")
        services.assign(park.site, company, park.chen.id, actor=park.supervisor, now=at(2026, 4, 2, 9))
    _db.session.commit()

    everyone = section(text(as_user(park.supervisor).get("/visits/")), "not-visited")
    assert everyone.count('<a href="/visits/companies/') == 50 and '<span class="badge warn">50+</span>' in everyone
    assert "The first 50 are shown: choose a manager to see all of theirs." in everyone
    # a manager's own list is whole: his 57 companies, none visited yet
    own = section(text(as_user(park.chen).get("/visits/")), "not-visited")
    assert own.count('<a href="/visits/companies/') == 57 and '<span class="badge warn">57</span>' in own
    assert "The first 50" not in own


@pytest.mark.parametrize("query, field, message", [
    ("day=abc", "day", "Not a valid date value."),
    ("day=0001-01-01", "day", "Enter a day between 1970-01-01 and 2999-12-31."),
    ("manager=999999", "manager", "Not a valid choice."),
    ("manager=abc", "manager", "Not a valid choice."),
])
def test_bad_filters_of_the_lists_are_shown_next_to_the_field(park, as_user, clock_at, week, query, field, message):
    response = as_user(park.supervisor).get(f"/visits/?{query}")

    assert response.status_code == 422
    page = text(response)
    assert error_next_to(page, field) == message
    assert "2026-04-13 – 2026-04-19" in page  # the lists of this week, everyone's, are still there


def test_empty_lists_say_what_they_mean(park, as_user, clock_at):
    newcomer = make_user("account_manager", site=park.site, full_name="新经理", locale="en")
    _db.session.commit()

    page = text(as_user(newcomer).get("/visits/"))

    assert "No visit planned or recorded in this week." in page
    assert "Every visit planned for a day that has passed has been recorded or cancelled." in page
    assert "No follow-up is overdue." in page
    assert "No commitment is overdue" in page
    assert "No company is assigned to you yet" in page
    # 陈思远's companies were all visited lately: the list says so
    for company in (park.yunqi, park.hengtong):
        services.record_visit(park.site, customer_id=company.id, visited_at=at(2026, 4, 14, 10), mode="phone",
                              purpose="routine_care", attendees="李总", actor=park.chen, now=at(2026, 4, 14, 11))
    _db.session.commit()
    assert "Every company was visited in the last 90 days." in text(as_user(park.chen).get("/visits/"))


# --- the portfolio -----------------------------------------------------------------------------------

def test_the_portfolio_marks_companies_not_visited_for_too_long(park, as_user, clock_at, week):
    page = text(as_user(park.chen).get("/visits/companies"))

    rows = {m.group(1): m.group(0) for m in re.finditer(r'<a href="/visits/companies/(\d+)">[^<]+</a>.*?</tr>',
                                                         page, re.S)}
    assert "2026-04-07" in rows[str(park.yunqi.id)] and 'class="badge warn"' not in rows[str(park.yunqi.id)]
    assert "never" in rows[str(park.hengtong.id)] and 'class="badge warn"' in rows[str(park.hengtong.id)]


def test_the_portfolio_pages_a_long_list(park, as_user, clock_at):
    from tests.factories import make_customer

    for n in range(105):
        make_customer(park.site, f"测试企业{n:03d}有限公司", kind="company")
    _db.session.commit()
    client = as_user(park.supervisor)

    first = text(client.get("/visits/companies?manager=none"))
    second = text(client.get("/visits/companies?manager=none&page=2"))

    assert first.count('<a href="/visits/companies/') == 100 and second.count('<a href="/visits/companies/') == 6
    assert "Page 1 of 2" in first and 'href="/visits/companies?page=2&amp;manager=none"' in first
    assert text(client.get("/visits/companies?manager=none&page=99")).count('<a href="/visits/companies/') == 6


# --- a company's page ----------------------------------------------------------------------------------

@pytest.fixture
def company_file(park, week):
    """What there is to know about 云启 before going: a contact, an unpaid charge past its due date, a
    delivered first reminder, an open repair order and a survey."""
    site, yunqi = park.site, park.yunqi
    _db.session.add(Contact(customer_id=yunqi.id, name="李总", position="总经理", phone="13912345678",
                            phone_last4="5678"))
    unit = yunqi.occupancies[0].unit
    charge = make_charge(unit, yunqi, make_fee_item(site), period="2026-02", amount="1200.00")
    notice = DunningNotice(site_id=site.id, customer_id=yunqi.id, year=2026, seq=7, number="CK2026-000007", level=1,
                           status="delivered", principal=Decimal("1200.00"), late_fee=Decimal("0.00"),
                           total=Decimal("1200.00"), issued_on=date(2026, 4, 1), deadline_on=date(2026, 4, 30),
                           issued_at=at(2026, 4, 1, 9), batch="b1", snapshot={})
    _db.session.add(notice)
    _db.session.flush()
    _db.session.add_all([
        DunningNoticeCharge(notice_id=notice.id, charge_id=charge.id, level=1, outstanding=Decimal("1200.00"),
                            late_fee=Decimal("0.00")),
        NoticeDelivery(notice_id=notice.id, method="handed_over", delivered_on=date(2026, 4, 2),
                       delivered_by_id=park.clerk.id, recipient="李总", note="", recorded_by_id=park.clerk.id,
                       recorded_at=at(2026, 4, 2, 10)),
    ])
    order = workorders.log_order(site, kind="repair", channel="phone", category="plumbing",
                                 description="卫生间漏水", report=workorders.Report("李总", "13912345678", unit_id=unit.id,
                                                                                customer_id=yunqi.id),
                                 actor=park.clerk, now=at(2026, 4, 10, 9))
    questionnaire = services.questionnaire_for(site, now=at(2026, 4, 7, 9))
    scores = {"front_desk": 5, "security": 4, "cleaning": 2, "repairs": None, "billing": 3, "overall": 4,
              "recommend": 5}
    services.record_survey(site, customer_id=yunqi.id, questionnaire_id=questionnaire.id, respondent="李总",
                           answers=[AnswerInput(q.id, scores[q.dimension], "保洁不及时" if q.dimension == "cleaning"
                                                else "") for q in questionnaire.questions],
                           taken_on=date(2026, 4, 7), visit=week["visit"], actor=park.chen, now=at(2026, 4, 7, 12))
    _db.session.commit()
    return order


def test_the_company_page_tells_the_manager_what_to_know_before_going(park, as_user, clock_at, week, company_file):
    page = text(as_user(park.chen).get(f"/visits/companies/{park.yunqi.id}"))

    facts = section(page, "company-facts")
    assert "91330100MA0000001X" in facts and "A-301" in facts and "A座" in facts
    assert "李总" in facts and "13912345678" in facts  # an account manager sees contact details whole
    money = section(page, "company-money")
    assert "￥1,200.00" in money
    assert "First reminder" in money and "CK2026-000007" in money and "2026-04-02" in money
    assert f'href="/billing/accounts/{park.yunqi.id}"' in money
    orders = section(page, "company-orders")
    assert company_file.number in orders and "卫生间漏水" in orders
    assert f'href="/workorders/orders/{company_file.id}"' in orders  # an account manager follows the orders
    visits = section(page, "company-visits")
    assert week["visit"].number in visits and week["monday"].number in visits and "空调噪音" in visits
    assert week["wangs"].number not in visits
    commitments = section(page, "company-commitments")
    assert "安排维修空调" in commitments and "发送续租方案" in commitments
    survey = section(page, "company-survey")
    assert "2026-04-07" in survey and "保洁不及时" in survey and "n/a" in survey
    assert re.search(r"Cleaning</td>\s*<td class=\"num\"><span class=\"badge bad\">2</span>", survey)
    manager = section(page, "company-manager")
    assert "陈思远" in manager and "since 2026-04-01" in manager and 'name="manager_id"' not in manager
    for action in (f"/visits/new?customer_id={park.yunqi.id}", f"/visits/record?customer_id={park.yunqi.id}",
                   f"/visits/surveys/new?customer_id={park.yunqi.id}"):
        assert f'href="{action}"' in page


def test_the_project_manager_sees_phones_masked_and_no_visit_buttons(park, as_user, clock_at, week, company_file):
    page = text(as_user(park.project_manager).get(f"/visits/companies/{park.yunqi.id}"))

    facts = section(page, "company-facts")
    assert "139****5678" in facts and "13912345678" not in facts and "138****0001" in facts
    assert f'href="/visits/new?customer_id={park.yunqi.id}"' not in page  # a project manager does not visit
    assert 'name="manager_id"' in page  # but assigns
    assert f'href="/workorders/orders/{company_file.id}"' in section(page, "company-orders")


def test_the_company_page_of_a_company_with_nothing_on_file(park, as_user, clock_at):
    page = text(as_user(park.supervisor).get(f"/visits/companies/{park.lvyuan.id}"))

    assert "not assigned" in section(page, "company-manager")
    assert "Nothing is owed." in page and "No dunning notice has been sent to this company." in page
    assert "No open work orders." in page and "No visits yet" in page and "No survey taken yet." in page


def test_the_company_page_of_an_unknown_id_is_404(park, as_user, clock_at):
    client = as_user(park.supervisor)

    assert client.get("/visits/companies/987654").status_code == 404
    assert client.get(f"/visits/companies/{2**31}").status_code == 404


def test_a_companys_history_pages_every_visit_and_lists_every_survey(park, as_user, clock_at):
    for n in range(52):  # a visit a week for a year, the oldest first
        services.record_visit(park.site, customer_id=park.yunqi.id, visited_at=at(2025, 4, 1, 10) + timedelta(weeks=n),
                              mode="phone", purpose="routine_care", attendees="李总", summary=f"第{n + 1}次电话拜访",
                              actor=park.chen, now=at(2026, 4, 1, 9))
    current = services.questionnaire_for(park.site, now=at(2026, 4, 1, 9))
    for day, score in ((date(2025, 10, 8), 3), (date(2026, 3, 30), 5)):
        services.record_survey(park.site, customer_id=park.yunqi.id, questionnaire_id=current.id,
                               answers=[AnswerInput(q.id, score) for q in current.questions], respondent="李总",
                               taken_on=day, actor=park.chen, now=at(2026, 4, 1, 9))
    _db.session.commit()
    client = as_user(park.chen)

    company = text(client.get(f"/visits/companies/{park.yunqi.id}"))
    assert section(company, "company-visits").count("第") == 10  # the company page: the last ten
    assert f'href="/visits/companies/{park.yunqi.id}/visits"' in company

    first = text(client.get(f"/visits/companies/{park.yunqi.id}/visits"))
    second = text(client.get(f"/visits/companies/{park.yunqi.id}/visits?page=2"))
    assert re.findall(r"第(\d+)次", section(first, "company-visits"))[:2] == ["52", "51"]  # newest first
    assert len(re.findall(r"第\d+次", section(first, "company-visits"))) == 50
    assert re.findall(r"第(\d+)次", section(second, "company-visits")) == ["2", "1"]
    assert "Page 1 of 2" in first and f'href="/visits/companies/{park.yunqi.id}/visits?page=2"' in first
    surveys = section(first, "company-surveys")
    assert re.findall(r'<td class="num">([^<]+)</td></tr>', surveys) == ["5.00", "3.00"]
    assert surveys.index("2026-03-30") < surveys.index("2025-10-08")
    assert 'href="/visits/companies" class="active"' in first  # under Companies

    # another manager's company is not there for him; the supervisor sees it
    assert as_user(park.wang).get(f"/visits/companies/{park.yunqi.id}/visits").status_code == 404
    assert as_user(park.supervisor).get(f"/visits/companies/{park.yunqi.id}/visits").status_code == 200
    assert as_user(park.clerk).get(f"/visits/companies/{park.yunqi.id}/visits").status_code == 403


# --- per-manager figures ------------------------------------------------------------------------------

def manager_row(page, manager) -> list[str]:
    """The figures of one manager's row on the managers page, as shown."""
    row = re.search(r'<a href="/visits/\?manager=%d">[^<]+</a>.*?</tr>' % manager.id, page, re.S).group(0)
    return re.findall(r'<td class="num">(?:<a [^>]+>)?(?:<span [^>]+>)?([^<]+)', row)


def test_the_managers_page_gives_this_months_figures_by_default(park, as_user, clock_at, week):
    page = text(as_user(park.supervisor).get("/visits/managers"))

    assert 'name="from" type="date" value="2026-04-01"' in page
    assert 'name="to" type="date" value="2026-04-30"' in page
    # 陈思远: 2 companies, 云启 visited 7 April (covered), 恒通 never: 50%; one visit recorded in April;
    # two open commitments, one overdue. 王敏: 博远 visited 14 April: 100%, one visit.
    assert manager_row(page, park.chen) == ["2", "1", "50%", "1", "2", "1"]
    assert manager_row(page, park.wang) == ["1", "1", "100%", "1", "0", "0"]
    total = page[page.index('<tr class="total">'):page.index("</tr>", page.index('<tr class="total">'))]
    assert re.findall(r'<td class="num">([^<]+)', total) == ["3", "2", "67%", "2", "2", "1"]


def test_the_managers_page_for_a_chosen_period(park, as_user, clock_at, week):
    page = text(as_user(park.supervisor).get("/visits/managers?from=2026-04-14&to=2026-04-14"))

    assert manager_row(page, park.chen)[3] == "0" and manager_row(page, park.wang)[3] == "1"  # visits on the 14th


@pytest.mark.parametrize("query, field, message", [
    ("from=2026-04-30&to=2026-04-01", "to", "The first day comes after the last one: swap them."),
    ("from=2025-01-01&to=2026-04-01", "to", "Choose at most 366 days at a time."),
    ("from=abc&to=2026-04-01", "from", "Not a valid date value."),
    ("from=0001-01-01", "from", "Enter a day between 1970-01-01 and 2999-12-31."),
])
def test_a_bad_period_is_shown_next_to_its_field(park, as_user, clock_at, week, query, field, message):
    response = as_user(park.project_manager).get(f"/visits/managers?{query}")

    assert response.status_code == 422
    page = text(response)
    assert error_next_to(page, field) == message
    assert "Correct the period to see the figures." in page and "陈思远" not in page


# --- settings -------------------------------------------------------------------------------------------

def settings_audits():
    return [(e.before, e.after) for e in _db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "visits.settings").order_by(AuditEntry.id))]


def test_the_admin_changes_the_not_visited_days(park, as_user, clock_at):
    client = as_user(park.admin)
    assert re.search(r'name="not_visited_days"[^>]*value="90"', text(client.get("/visits/settings")))

    response = client.post("/visits/settings", data={"not_visited_days": "30"})

    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Saved: a company not visited for 30 days is listed for its manager." in flashes(page)
    assert 'value="30"' in page
    assert queries.not_visited_days(park.site.id) == 30
    assert settings_audits() == [({"not_visited_days": None}, {"not_visited_days": 30})]
    assert "Not visited in 30 days" in text(as_user(park.chen).get("/visits/"))


@pytest.mark.parametrize("value, message", [
    ("6", "Give a number of days between 7 and 730."),
    ("731", "Give a number of days between 7 and 730."),
    ("-5", "Give a number of days between 7 and 730."),
    ("99999999999999999999", "Give a number of days between 7 and 730."),
    ("abc", "Not a valid integer value."),
    ("12.5", "Not a valid integer value."),
    ("", "This field is required."),
])
def test_a_setting_out_of_range_is_refused_with_the_message_and_nothing_changes(park, as_user, clock_at, value,
                                                                                 message):
    response = as_user(park.admin).post("/visits/settings", data={"not_visited_days": value})

    assert response.status_code == 422
    assert error_next_to(text(response), "not_visited_days") == message
    _db.session.rollback()
    assert queries.not_visited_days(park.site.id) == 90
    assert settings_audits() == []


def test_the_settings_page_links_to_the_questionnaire(park, as_user, clock_at):
    assert 'href="/visits/questionnaire"' in text(as_user(park.admin).get("/visits/settings"))


# --- the home page ----------------------------------------------------------------------------------------

def test_the_home_page_tells_a_manager_about_their_week(park, as_user, clock_at, week):
    page = text(as_user(park.chen).get("/"))

    # this week: the Monday plan (passed, not recorded) and the Sunday plan; nothing recorded; the follow-up
    # of 13 April and the commitment of 10 April overdue
    card = section(page, "visit-week")
    assert "This week: 2 visits planned, 0 recorded; 1 follow-ups and 1 commitments overdue" in card
    assert 'href="/visits/"' in card
    assert "This week: 0 visits planned, 1 recorded" in text(as_user(park.wang).get("/"))


@pytest.mark.parametrize("who", ["clerk", "project_manager", "admin"])
def test_the_home_page_has_no_visit_card_for_who_does_not_record_visits(park, as_user, clock_at, who):
    assert "visit-week" not in text(as_user(getattr(park, who)).get("/"))


def test_the_home_card_moves_with_the_days(park, as_user, monkeypatch, frozen_clock, week):
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=5))  # Monday 20 April: a new week
    page = text(as_user(park.chen).get("/"))

    assert "This week: 1 visits planned, 0 recorded; 1 follow-ups and 1 commitments overdue" in page
