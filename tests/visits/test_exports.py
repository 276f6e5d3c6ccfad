"""The visit register and the survey results as XLSX, opened as Excel would: the header row, a row's
values, and a company name that looks like a formula written as text."""
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from frontdesk.estate.models import Unit
from frontdesk.extensions import db as _db
from frontdesk.visits import services
from frontdesk.visits.models import DIMENSIONS, RECOMMEND, REPAIRS
from frontdesk.visits.services import AnswerInput, CommitmentInput, ItemInput
from tests.factories import NOW, make_customer, make_unit
from tests.visits.conftest import at

FORMULA = '=HYPERLINK("http://evil.example","点此")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response):
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.data))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def formula_company(db, park):
    """A tenant company whose name an Excel user would read as a formula, looked after by 陈思远."""
    company = make_customer(park.site, FORMULA, kind="company", credit_code="91330100MA0000005X",
                            unit=make_unit(park.building_b, "B-303"), role="tenant")
    services.assign(park.site, company, park.chen.id, actor=park.supervisor, now=at(2026, 3, 1))
    _db.session.commit()
    return company


def test_the_visit_register_has_a_row_a_visit_with_items_commitments_and_the_work_order(db, park, as_user, client):
    visit = services.record_visit(
        park.site, customer_id=park.yunqi.id, visited_at=at(2026, 3, 10, 14, 30), mode="on_site",
        purpose="routine_care", attendees="李总、陈思远", summary="整体满意，关注空调",
        items=[ItemInput("request", "三楼空调不制冷", "已记录，安排维修"), ItemInput("suggestion", "增加访客车位")],
        commitments=[CommitmentInput("三天内回复车位方案", park.chen.id, date(2026, 3, 13))],
        follow_up_on=date(2026, 4, 10), actor=park.chen, now=at(2026, 3, 10, 16))
    _db.session.commit()
    unit_id = _db.session.query(Unit.id).filter(Unit.number == "A-301").scalar()
    order = services.item_to_work_order(visit.items[0], category="hvac", unit_id=unit_id, actor=park.chen,
                                        now=at(2026, 3, 10, 16, 5))
    _db.session.commit()
    as_user(park.supervisor)

    book = workbook(client.get("/visits/register.xlsx", query_string={"from": "2026-03-01", "to": "2026-03-31"}))

    sheet = book.worksheets[0]
    header, *data = rows(sheet)
    assert header == ("Number", "Day", "Company", "Account manager", "Phone or on site", "Purpose of the visit",
                      "Attendees", "Summary", "What the customer said", "Commitments", "Next follow-up")
    assert len(data) == 1
    assert data[0] == (
        visit.number, datetime(2026, 3, 10), "云启科技有限公司", "陈思远", "On site", "Routine care", "李总、陈思远",
        "整体满意，关注空调",
        f"Request: 三楼空调不制冷 → 已记录，安排维修 (work order {order.number})\nSuggestion: 增加访客车位",
        "三天内回复车位方案 (陈思远, due 2026-03-13, not kept yet)", datetime(2026, 4, 10))
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert book.worksheets[1].cell(1, 1).value == "星河产业园: visit register from 2026-03-01 to 2026-03-31"


def test_a_managers_register_export_holds_only_their_visits(db, park, as_user, client):
    for company, manager in ((park.yunqi, park.chen), (park.boyuan, park.wang)):
        services.record_visit(park.site, customer_id=company.id, visited_at=at(2026, 3, 5), mode="phone",
                              purpose="routine_care", attendees="联系人", actor=manager, now=at(2026, 3, 5, 11))
    _db.session.commit()
    as_user(park.wang)

    _header, *data = rows(workbook(client.get("/visits/register.xlsx")).worksheets[0])

    assert [row[2] for row in data] == ["博远医疗器械有限公司"]


def test_the_survey_results_have_a_row_a_survey_and_a_column_a_dimension(db, park, as_user, client):
    current = services.questionnaire_for(park.site, now=NOW)
    scores = {d: n % 5 + 1 for n, d in enumerate(DIMENSIONS)}
    scores[REPAIRS] = None  # not applicable
    services.record_survey(
        park.site, customer_id=park.boyuan.id, questionnaire_id=current.id,
        answers=[AnswerInput(q.id, scores[q.dimension], "报修响应慢" if q.dimension == RECOMMEND else "")
                 for q in current.questions],
        respondent="赵总", taken_on=date(2026, 3, 20), comment="希望改进", actor=park.wang, now=NOW)
    _db.session.commit()
    as_user(park.project_manager)

    book = workbook(client.get("/visits/surveys.xlsx", query_string={"from": "2026-03-01", "to": "2026-03-31"}))

    header, *data = rows(book.worksheets[0])
    assert header == ("Day", "Company", "Building", "Respondent", "Surveyed by", "Questionnaire version", "Front desk",
                      "Security", "Cleaning", "Repairs", "Billing", "Overall", "Would recommend us",
                      "Comments on the questions", "Overall comment")
    assert data == [(datetime(2026, 3, 20), "博远医疗器械有限公司", "A A座", "赵总", "王敏", 1, 1, 2, 3, None, 5, 1, 2,
                     "Would recommend us: 报修响应慢", "希望改进")]


def test_the_survey_results_of_one_building_leave_the_others_out(db, park, as_user, client):
    current = services.questionnaire_for(park.site, now=NOW)
    for company, manager in ((park.yunqi, park.chen), (park.hengtong, park.chen)):
        services.record_survey(park.site, customer_id=company.id, questionnaire_id=current.id,
                               answers=[AnswerInput(q.id, 4) for q in current.questions], respondent="经理",
                               taken_on=date(2026, 3, 2), actor=manager, now=NOW)
    _db.session.commit()
    as_user(park.supervisor)

    book = workbook(client.get("/visits/surveys.xlsx", query_string={"building": park.building_b.id}))

    assert [row[1] for row in rows(book.worksheets[0])[1:]] == ["恒通物流有限公司"]


def test_a_company_name_that_looks_like_a_formula_is_written_as_text(db, park, as_user, client, formula_company):
    current = services.questionnaire_for(park.site, now=NOW)
    services.record_survey(park.site, customer_id=formula_company.id, questionnaire_id=current.id,
                           answers=[AnswerInput(q.id, 5) for q in current.questions], respondent="=1+1",
                           taken_on=date(2026, 3, 20), actor=park.chen, now=NOW)
    services.record_visit(park.site, customer_id=formula_company.id, visited_at=at(2026, 3, 20), mode="phone",
                          purpose="survey", attendees="@SUM(A1:A9)", actor=park.chen, now=NOW)
    _db.session.commit()
    as_user(park.supervisor)

    surveys = workbook(client.get("/visits/surveys.xlsx")).worksheets[0]
    register = workbook(client.get("/visits/register.xlsx")).worksheets[0]

    for cell in (surveys["B2"], surveys["D2"], register["C2"], register["G2"]):
        assert cell.data_type == "s", cell.coordinate
    assert (surveys["B2"].value, surveys["D2"].value) == (FORMULA, "=1+1")
    assert (register["C2"].value, register["G2"].value) == (FORMULA, "@SUM(A1:A9)")
