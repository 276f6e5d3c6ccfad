"""The survey pages as the desk uses them: who sees which page, the survey form from the link of a
visit or on its own and back, a wrong score sent back next to its question, the questionnaire page
and its versions, the survey report and the visit register."""
import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from frontdesk.visits import services
from frontdesk.visits.models import BILLING, DIMENSIONS, FRONT_DESK, REPAIRS, Questionnaire, SurveyResponse
from frontdesk.visits.services import AnswerInput
from tests.factories import NOW
from tests.visits.conftest import at
from tests.visits.pages import flashes, text

BEFORE = at(2026, 3, 20)  # the pages' clock is frozen at 2026-03-31 10:00


def error_in_question(page, question_id):
    """The error drawn inside the question's own fieldset."""
    match = re.search(r'<fieldset class="field survey-question has-error" id="question-%d">(?:(?!</fieldset>).)*?'
                      r'<div class="error" role="alert">(.*?)</div>' % question_id, page, re.S)
    return html.unescape(match.group(1)) if match else None


def questionnaire(db, park):
    current = services.questionnaire_for(park.site, now=BEFORE)
    db.session.commit()
    return current


def filled(current, **changes) -> dict:
    """The form as the manager sends it: every question scored 4 but billing not applicable."""
    data = {"questionnaire_id": current.id, "respondent": "李总", "taken_on": "2026-03-30",
            "comment": "总体不错"}
    for q in current.questions:
        data[f"score_{q.id}"] = "na" if q.dimension == BILLING else "4"
        data[f"comment_{q.id}"] = ""
    data.update(changes)
    return data


def survey_of(db, park, company, manager):
    current = questionnaire(db, park)
    response = services.record_survey(park.site, customer_id=company.id, questionnaire_id=current.id,
                                      answers=[AnswerInput(q.id, 3) for q in current.questions], respondent="王经理",
                                      taken_on=date(2026, 3, 25), actor=manager, now=NOW)
    db.session.commit()
    return response


# --- who sees what -------------------------------------------------------------------------------

def test_a_survey_is_seen_by_its_manager_and_by_supervisors_but_not_by_another_manager(db, park, as_user, client):
    response = survey_of(db, park, park.yunqi, park.chen)
    url = f"/visits/surveys/{response.id}"

    for user, status in ((park.chen, 200), (park.supervisor, 200), (park.project_manager, 200), (park.wang, 404),
                         (park.clerk, 403), (park.admin, 403)):
        as_user(user)
        assert client.get(url).status_code == status, user.full_name


def test_a_survey_of_another_site_is_not_found(db, park, as_user, client):
    from tests.factories import make_user

    response = survey_of(db, park, park.yunqi, park.chen)
    outsider = make_user("supervisor", site=park.other_site)
    db.session.commit()
    as_user(outsider)
    assert client.get(f"/visits/surveys/{response.id}").status_code == 404


@pytest.mark.parametrize("url, allowed", [
    ("/visits/surveys/new", {"chen", "wang", "supervisor"}),
    ("/visits/surveys", {"supervisor", "project_manager"}),
    ("/visits/surveys.xlsx", {"supervisor", "project_manager"}),
    ("/visits/register", {"chen", "wang", "supervisor", "project_manager"}),
    ("/visits/register.xlsx", {"chen", "wang", "supervisor", "project_manager"}),
    ("/visits/questionnaire", {"admin"}),
])
def test_pages_per_role(db, park, as_user, client, url, allowed):
    for who in ("chen", "wang", "supervisor", "project_manager", "admin", "clerk", "technician"):
        as_user(getattr(park, who))
        assert client.get(url).status_code == (200 if who in allowed else 403), who


# --- the survey form -----------------------------------------------------------------------------

def test_the_form_from_a_company_round_trip(db, park, as_user, client):
    as_user(park.chen)
    page = text(client.get(f"/visits/surveys/new?customer_id={park.yunqi.id}"))
    current = db.session.scalars(sa.select(Questionnaire)).one()  # the first form starts version 1

    assert "云启科技有限公司" in page and 'name="customer_id"' not in page
    assert f'name="questionnaire_id" value="{current.id}"' in page
    assert 'name="taken_on" type="date" value="2026-03-31"' in page
    for q in current.questions:
        assert q.text in page
        assert f'name="score_{q.id}" value="na" checked' in page  # not applicable until scored
    assert "Very dissatisfied" in page and "Certainly not" in page  # the recommend question's words

    response = client.post(f"/visits/surveys/new?customer_id={park.yunqi.id}",
                           data=filled(current, **{f"comment_{current.questions[3].id}": "维修慢"}))

    assert response.status_code == 302
    saved = db.session.scalars(sa.select(SurveyResponse)).one()
    assert response.headers["Location"].endswith(f"/visits/surveys/{saved.id}")
    assert (saved.customer_id, saved.respondent, saved.taken_on, saved.taken_by_id, saved.building_id) == (
        park.yunqi.id, "李总", date(2026, 3, 30), park.chen.id, park.building_a.id)
    assert {a.dimension: a.score for a in saved.answers} == {d: None if d == BILLING else 4 for d in DIMENSIONS}
    page = text(client.get(response.headers["Location"]))
    assert "The survey of 云启科技有限公司 is saved." in flashes(page)
    assert "维修慢" in page and "总体不错" in page and "Not applicable" in page and "4.00" in page


def test_the_form_from_a_visit_links_the_survey_to_it(db, park, as_user, client):
    visit = services.record_visit(park.site, customer_id=park.hengtong.id, visited_at=BEFORE, mode="on_site",
                                  purpose="survey", attendees="王总、陈思远", actor=park.chen, now=BEFORE)
    db.session.commit()
    current = questionnaire(db, park)
    as_user(park.chen)
    url = f"/visits/surveys/new?visit_id={visit.id}&customer_id={park.hengtong.id}"
    assert visit.number in text(client.get(url))

    response = client.post(url, data=filled(current))

    saved = db.session.scalars(sa.select(SurveyResponse)).one()
    assert (response.status_code, saved.visit_id, saved.customer_id) == (302, visit.id, park.hengtong.id)
    assert visit.number in text(client.get(response.headers["Location"]))


def test_the_company_choice_is_the_managers_portfolio(db, park, as_user, client):
    as_user(park.chen)
    page = text(client.get("/visits/surveys/new"))
    choices = set(re.findall(r'<option[^>]* value="(\d+)"', page))
    assert choices == {"0", str(park.yunqi.id), str(park.hengtong.id)}

    as_user(park.supervisor)
    choices = set(re.findall(r'<option[^>]* value="(\d+)"', text(client.get("/visits/surveys/new"))))
    assert {str(c.id) for c in (park.yunqi, park.hengtong, park.boyuan, park.lvyuan)} < choices


def test_a_company_outside_the_portfolio_is_refused_next_to_the_company(db, park, as_user, client):
    current = questionnaire(db, park)
    as_user(park.chen)

    response = client.post("/visits/surveys/new", data=filled(current, customer_id=park.boyuan.id))

    assert response.status_code == 422
    assert "is not in your portfolio" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


@pytest.mark.parametrize("score", ["6", "0", "4.5", "abc"])
def test_a_crafted_score_comes_back_422_next_to_its_question_and_nothing_is_saved(db, park, as_user, client, score):
    current = questionnaire(db, park)
    repairs = next(q for q in current.questions if q.dimension == REPAIRS)
    as_user(park.chen)

    response = client.post(f"/visits/surveys/new?customer_id={park.yunqi.id}",
                           data=filled(current, **{f"score_{repairs.id}": score}))

    assert response.status_code == 422
    page = text(response)
    assert error_in_question(page, repairs.id) == "A score is a whole number from 1 to 5."
    assert error_in_question(page, current.questions[0].id) is None
    assert 'value="李总"' in page  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


def test_a_form_without_any_score_or_respondent_says_so(db, park, as_user, client):
    current = questionnaire(db, park)
    as_user(park.chen)
    url = f"/visits/surveys/new?customer_id={park.yunqi.id}"

    response = client.post(url, data=filled(current, **{f"score_{q.id}": "na" for q in current.questions}))
    assert response.status_code == 422
    assert "Score at least one question." in flashes(text(response))

    response = client.post(url, data=filled(current, respondent=" "))
    assert response.status_code == 422
    assert "Who answered? Give a name." in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


def test_a_form_left_open_while_the_questions_changed_is_refused_and_shows_the_new_questions(
        db, park, as_user, client):
    first = questionnaire(db, park)
    survey_of(db, park, park.hengtong, park.chen)  # version 1 has answers: a change makes version 2
    second = services.save_questionnaire(park.site, [(FRONT_DESK, "新的前台问题？"), (REPAIRS, "维修及时吗？")],
                                         actor=park.admin, now=BEFORE)
    db.session.commit()
    as_user(park.chen)
    old = {q.dimension: q.id for q in first.questions}
    new = {q.dimension: q.id for q in second.questions}

    response = client.post(f"/visits/surveys/new?customer_id={park.yunqi.id}", data=filled(
        first, **{f"score_{old[FRONT_DESK]}": "5", f"comment_{old[FRONT_DESK]}": "前台很热情",
                  f"score_{old[REPAIRS]}": "2"}))

    assert response.status_code == 422
    page = text(response)
    assert ("The questions were changed while the form was open: check the answers on the new form and save it "
            "again.") in flashes(page)
    assert f'name="questionnaire_id" value="{second.id}"' in page and "新的前台问题？" in page
    # what was given goes to the new question measuring the same thing
    assert re.search(rf'name="score_{new[FRONT_DESK]}" value="5" checked', page)
    assert re.search(rf'name="comment_{new[FRONT_DESK]}"[^>]*value="前台很热情"', page)
    assert re.search(rf'name="score_{new[REPAIRS]}" value="2" checked', page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1

    # sent again as shown, it is saved with those answers
    response = client.post(f"/visits/surveys/new?customer_id={park.yunqi.id}", data={
        "questionnaire_id": second.id, "respondent": "李总", "taken_on": "2026-03-30",
        f"score_{new[FRONT_DESK]}": "5", f"comment_{new[FRONT_DESK]}": "前台很热情", f"score_{new[REPAIRS]}": "2"})
    assert response.status_code == 302
    saved = db.session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id.desc())).first()
    assert sorted((a.dimension, a.score, a.comment) for a in saved.answers) == [
        (FRONT_DESK, 5, "前台很热情"), (REPAIRS, 2, "")]


def test_a_visit_of_another_manager_is_not_found_for_the_form(db, park, as_user, client):
    visit = services.record_visit(park.site, customer_id=park.boyuan.id, visited_at=BEFORE, mode="phone",
                                  purpose="survey", attendees="赵总", actor=park.wang, now=BEFORE)
    db.session.commit()
    as_user(park.chen)
    assert client.get(f"/visits/surveys/new?visit_id={visit.id}").status_code == 404
    assert client.get("/visits/surveys/new?visit_id=abc").status_code == 404
    assert client.get(f"/visits/surveys/new?customer_id={park.harbour_company.id}").status_code == 404


# --- the questionnaire ---------------------------------------------------------------------------

def test_admin_rewords_and_removes_a_question_making_version_2_when_version_1_was_answered(
        db, park, as_user, client):
    first = questionnaire(db, park)
    survey_of(db, park, park.yunqi, park.chen)
    as_user(park.admin)
    page = text(client.get("/visits/questionnaire"))
    assert "Version 1 in use since" in page and "Surveys answered on it: 1." in page

    data = {}
    for n, q in enumerate(first.questions):
        data.update({f"rows-{n}-dimension": q.dimension, f"rows-{n}-text": q.text, f"rows-{n}-position": n + 1})
    data["rows-0-text"] = "您对前台接待是否满意？"
    data["rows-4-remove"] = "y"  # billing
    response = client.post("/visits/questionnaire", data=data)

    assert response.status_code == 302
    versions = db.session.scalars(sa.select(Questionnaire).order_by(Questionnaire.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert [q.dimension for q in versions[1].questions] == [d for d in DIMENSIONS if d != BILLING]
    assert versions[1].questions[0].text == "您对前台接待是否满意？"
    page = text(client.get("/visits/questionnaire"))
    assert ("The questions are saved as version 2. The surveys answered on version 1 keep the questions they "
            "answered.") in flashes(page)
    assert "Version 2 in use since" in page and "Surveys answered on version 1: 1." in page


def test_admin_adds_a_question_in_an_empty_row_and_orders_the_questions(db, park, as_user, client):
    questionnaire(db, park)
    services.save_questionnaire(park.site, [(FRONT_DESK, "前台？"), (REPAIRS, "维修？")], actor=park.admin, now=BEFORE)
    db.session.commit()
    as_user(park.admin)
    page = text(client.get("/visits/questionnaire"))
    assert 'name="rows-6-text"' in page and 'name="rows-7-text"' not in page  # five rows left to add

    response = client.post("/visits/questionnaire", data={
        "rows-0-dimension": FRONT_DESK, "rows-0-text": "前台？", "rows-0-position": "2",
        "rows-1-dimension": REPAIRS, "rows-1-text": "维修？", "rows-1-position": "3",
        "rows-2-dimension": BILLING, "rows-2-text": "收费？", "rows-2-position": "1",
        "rows-3-dimension": "", "rows-3-text": "", "rows-3-position": "4"})

    assert response.status_code == 302
    current = db.session.scalars(sa.select(Questionnaire)).one()  # nobody answered: changed in place
    assert [(q.dimension, q.text) for q in current.questions] == [(BILLING, "收费？"), (FRONT_DESK, "前台？"),
                                                                  (REPAIRS, "维修？")]
    assert "Version 1 is changed: no survey had answered it yet." in flashes(text(client.get("/visits/questionnaire")))


def test_a_dimension_asked_twice_is_refused_next_to_its_row(db, park, as_user, client):
    questionnaire(db, park)
    as_user(park.admin)

    response = client.post("/visits/questionnaire", data={
        "rows-0-dimension": FRONT_DESK, "rows-0-text": "前台？", "rows-1-dimension": REPAIRS, "rows-1-text": "维修？",
        "rows-2-dimension": FRONT_DESK, "rows-2-text": "还是前台？"})

    assert response.status_code == 422
    assert re.search(r'name="rows-2-text"[^>]*>\s*<div class="error" role="alert">One question a dimension: '
                     r'Front desk is asked twice.</div>', text(response))
    assert len(db.session.scalars(sa.select(Questionnaire)).one().questions) == len(DIMENSIONS)


# --- the report and the register -----------------------------------------------------------------

def test_the_report_page_shows_the_figures_the_chart_and_the_links(db, park, as_user, client):
    survey_of(db, park, park.yunqi, park.chen)  # every score 3, 2026-03-25, building A
    as_user(park.supervisor)

    page = text(client.get("/visits/surveys"))

    assert 'name="from" type="date" value="2025-04-01"' in page and 'name="to" type="date" value="2026-03-31"' in page
    assert '<div class="figure" id="survey-count">1</div>' in page
    assert page.count("<tr><td class=\"nowrap\">20") == 12  # a row a month, every month of the period
    # the chart drawn wide and narrow (for a phone), a line a dimension in each
    assert '<svg class="chart line-chart wide"' in page and '<svg class="chart line-chart narrow"' in page
    assert page.count('<g class="series') == 2 * len(DIMENSIONS)
    assert "/visits/surveys.xlsx" in page and "/visits/register" in page
    assert "A A座" in page
    page = text(client.get("/visits/surveys", query_string={"building": park.building_b.id}))
    assert "星河产业园, Apr 1, 2025 to Mar 31, 2026 · B · B座" in html.unescape(page)
    assert '<div class="figure" id="survey-count">0</div>' in page and "No survey was taken in this period." in page


def test_the_report_refuses_bad_filters(db, park, as_user, client):
    as_user(park.supervisor)
    for query, message in (({"from": "2026-03-31", "to": "2026-01-01"}, "The first day comes after the last one"),
                           ({"building": "99999"}, "There is no such building at this site."),
                           ({"from": "2026-13-45"}, "Not a valid date value."),
                           ({"from": "2010-01-01"}, "Choose at most 1830 days at a time.")):
        response = client.get("/visits/surveys", query_string=query)
        assert response.status_code == 422, query
        assert message in text(response)
        assert client.get("/visits/surveys.xlsx", query_string=query).status_code == 422


def test_the_register_shows_a_manager_their_own_visits_and_a_supervisor_everyones(db, park, as_user, client):
    mine = services.record_visit(park.site, customer_id=park.yunqi.id, visited_at=at(2026, 3, 10), mode="on_site",
                                 purpose="routine_care", attendees="李总", summary="谈续租",
                                 items=[services.ItemInput("request", "空调不制冷", "已登记")], actor=park.chen,
                                 now=BEFORE)
    theirs = services.record_visit(park.site, customer_id=park.boyuan.id, visited_at=at(2026, 3, 12), mode="phone",
                                   purpose="complaint", attendees="赵总", actor=park.wang, now=BEFORE)
    db.session.commit()

    as_user(park.chen)
    page = text(client.get("/visits/register"))
    assert mine.number in page and theirs.number not in page
    assert "空调不制冷" in page and "谈续租" in page
    page = text(client.get("/visits/register", query_string={"manager": park.wang.id}))
    assert mine.number in page and theirs.number not in page  # a manager has no choice of manager

    as_user(park.supervisor)
    page = text(client.get("/visits/register"))
    assert mine.number in page and theirs.number in page
    page = text(client.get("/visits/register", query_string={"manager": park.wang.id}))
    assert mine.number not in page and theirs.number in page
    page = text(client.get("/visits/register", query_string={"from": "2026-03-11", "to": "2026-03-31"}))
    assert mine.number not in page and theirs.number in page
    assert client.get("/visits/register", query_string={"from": "2025-01-01"}).status_code == 422
    response = client.get("/visits/register", query_string={"manager": "99999"})
    assert response.status_code == 422 and "Choose an account manager of this site." in text(response)


HOSTILE = ["", "x" * 10_000, "<script>alert(1)</script>", "abc", "-1", "1e3", "99999999999999999999", "0.001",
           "2026-13-45", "2**31", str(2**31)]


def test_hostile_input_is_answered_with_a_page_never_a_server_error(app, db, park, as_user, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    current = questionnaire(db, park)
    survey_fields = ["customer_id", "questionnaire_id", "respondent", "taken_on", "comment",
                     *(f"{kind}_{q.id}" for q in current.questions for kind in ("score", "comment"))]
    row_fields = [f"rows-{n}-{name}" for n in (0, 1, 99999999999) for name in ("dimension", "text", "position",
                                                                               "remove")]
    failures = []
    for value in HOSTILE:
        as_user(park.supervisor)  # records surveys and sees every report
        for url in ("/visits/surveys/new", f"/visits/surveys/new?customer_id={value}",
                    f"/visits/surveys/new?visit_id={value}"):
            for method in (client.get, client.post):
                status = method(url, data={name: value for name in survey_fields}).status_code
                if status >= 500:
                    failures.append(f"{method.__name__} {url[:60]} {value[:20]!r}: {status}")
        for url in ("/visits/surveys", "/visits/surveys.xlsx", "/visits/register", "/visits/register.xlsx"):
            query = {name: value for name in ("from", "to", "building", "manager", "page")}
            status = client.get(url, query_string=query).status_code
            if status >= 500:
                failures.append(f"GET {url} {value[:20]!r}: {status}")
        as_user(park.admin)
        status = client.post("/visits/questionnaire", data={name: value for name in row_fields}).status_code
        if status >= 500:
            failures.append(f"POST questionnaire {value[:20]!r}: {status}")
    assert failures == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0
