"""The pages of one visit as the account manager uses them: plan, see, record (rows of items and
commitments through the page), change the plan, cancel, mark a commitment kept. Who sees what: the
manager changes their visit, a supervisor sees it and changes nothing, another manager does not
find it, a clerk is not let in. Bad input comes back (422) with the error next to the field or
row, and changes nothing.

The pages run on the frozen clock: 2026-03-31 10:00 in Shanghai."""
import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.visits import services
from frontdesk.visits.models import CANCELLED, PLANNED, RECORDED, Commitment, CustomerVisit, VisitItem
from frontdesk.visits.services import CommitmentInput, ItemInput
from tests.visits.conftest import at
from tests.visits.pages import error_next_to, flashes, text

TODAY = date(2026, 3, 31)  # the frozen clock's day


def error_of_row(page, row):
    """The error drawn inside a row of the record form (marked has-error), e.g. row "commitments-1"."""
    match = re.search(r'<div class="visit-row has-error"[^>]*id="%s">(?:(?!data-row).)*?'
                      r'<div class="error" role="alert">(.*?)</div>' % row, page, re.S)
    return html.unescape(match.group(1)) if match else None


def counts(db):
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (CustomerVisit, VisitItem, Commitment, AuditEntry))


def planned(db, park, company=None, manager=None, day=TODAY):
    visit = services.plan_visit(park.site, customer_id=(company or park.yunqi).id, visit_on=day, mode="on_site",
                                purpose="renewal", meet="李总", preparation="续租方案两份", actor=manager or park.chen,
                                now=at(2026, 3, 30, 9))
    db.session.commit()
    return visit


def recorded(db, park, visit=None):
    visit = services.record_visit(
        park.site, visit=visit or planned(db, park), visited_at=at(2026, 3, 31, 9), attendees="李总、陈思远",
        summary="谈续租", items=[ItemInput("request", "A-301 空调不制冷", "已记录"), ItemInput("opinion", "保洁很好")],
        commitments=[CommitmentInput("下周给续租报价", park.chen.id, date(2026, 4, 7))], follow_up_on=date(2026, 4, 14),
        actor=park.chen, now=at(2026, 3, 31, 9, 30))
    db.session.commit()
    return visit


def record_data(**changes) -> dict:
    """The record form as the manager sends it: two items (the middle row left empty), one commitment."""
    data = {"visited_at": "2026-03-31T09:15", "mode": "on_site", "purpose": "renewal", "attendees": "李总、陈思远",
            "summary": "客户有意续租，关心停车位。",
            "items-0-item_id": "", "items-0-kind": "request", "items-0-text": "B-101 门禁卡失灵",
            "items-0-answer": "当场登记",
            "items-1-item_id": "", "items-1-kind": "request", "items-1-text": "", "items-1-answer": "",
            "items-2-item_id": "", "items-2-kind": "complaint", "items-2-text": "停车位不够", "items-2-answer": "",
            "commitments-0-text": "两周内答复停车位", "commitments-0-owner_id": "0", "commitments-0-due_on": "2026-04-14",
            "commitments-1-text": "", "commitments-1-owner_id": "0", "commitments-1-due_on": "",
            "follow_up_on": "2026-04-14"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- who sees what ---------------------------------------------------------------------------------

def test_owner_sees_the_visit_with_every_button(db, park, as_user):
    visit = recorded(db, park)
    client = as_user(park.chen)

    page = text(client.get(f"/visits/{visit.id}"))

    assert visit.number in page and "云启科技有限公司" in page
    for words in ("A-301 空调不制冷", "保洁很好", "下周给续租报价", "Correct the record", "Fill in a survey",
                  "Print", "Write up as a case study", "Make a work order", "李总、陈思远"):
        assert words in page, words
    assert f'/visits/items/{visit.items[0].id}/work-order' in page
    assert f'/visits/items/{visit.items[1].id}/work-order' not in page  # an opinion stays an opinion
    assert f"/visits/surveys/new?visit_id={visit.id}&amp;customer_id={park.yunqi.id}" in page
    assert f"/visits/cases/new?visit_id={visit.id}" in page


def test_owner_of_a_planned_visit_may_record_change_or_cancel_it(db, park, as_user):
    visit = planned(db, park)
    page = text(as_user(park.chen).get(f"/visits/{visit.id}"))

    for words in ("Record the visit", "Change the plan", "Cancel this visit", "续租方案两份"):
        assert words in page, words


def test_supervisor_sees_another_managers_visit_but_no_button_to_change_it(db, park, as_user):
    visit = planned(db, park)
    client = as_user(park.supervisor)

    page = text(client.get(f"/visits/{visit.id}"))

    assert visit.number in page
    for words in ("Record the visit", "Change the plan", "Cancel this visit", "Fill in a survey"):
        assert words not in page, words
    assert "Visit of 陈思远: only they change it." in page
    for url in (f"/visits/{visit.id}/record", f"/visits/{visit.id}/edit"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/visits/{visit.id}")
    before = counts(db)
    response = client.post(f"/visits/{visit.id}/record", data=record_data(), follow_redirects=True)
    assert f"Visit {visit.number} is 陈思远's: only they change it." in flashes(text(response))
    response = client.post(f"/visits/{visit.id}/cancel", data={"reason": "不去了"})
    assert response.status_code == 422
    assert f"Visit {visit.number} is 陈思远's: only they change it." in flashes(text(response))
    assert counts(db) == before
    assert db.session.get(CustomerVisit, visit.id).status == PLANNED


def test_project_manager_sees_every_visit(db, park, as_user):
    visit = recorded(db, park)

    assert as_user(park.project_manager).get(f"/visits/{visit.id}").status_code == 200


def test_another_manager_does_not_find_the_visit(db, park, as_user):
    visit = recorded(db, park)
    client = as_user(park.wang)

    for url in (f"/visits/{visit.id}", f"/visits/{visit.id}/record", f"/visits/{visit.id}/edit",
                f"/visits/items/{visit.items[0].id}/work-order"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/visits/{visit.id}/cancel", data={"reason": "x"}).status_code == 404


def test_clerk_is_not_let_in(db, park, as_user):
    visit = recorded(db, park)
    client = as_user(park.clerk)

    for url in (f"/visits/{visit.id}", "/visits/new", f"/visits/{visit.id}/record", "/visits/record"):
        assert client.get(url).status_code == 403, url


def test_a_visit_of_another_site_is_not_found(db, park, as_user):
    from tests.factories import make_user

    boss = make_user("supervisor", site=park.other_site)
    visit = services.plan_visit(park.other_site, customer_id=park.harbour_company.id, visit_on=TODAY, mode="phone",
                                purpose="survey", actor=boss, now=at(2026, 3, 30))
    db.session.commit()

    assert as_user(park.supervisor).get(f"/visits/{visit.id}").status_code == 404


# --- planning --------------------------------------------------------------------------------------

def test_plan_form_offers_the_managers_portfolio_and_plans_the_visit(db, park, as_user):
    client = as_user(park.chen)

    page = text(client.get(f"/visits/new?customer_id={park.yunqi.id}"))
    assert "云启科技有限公司" in page and "恒通物流有限公司" in page
    assert "博远医疗器械有限公司" not in page and "绿源食品有限公司" not in page
    assert "Before you go" in page and f"/visits/companies/{park.yunqi.id}" in page

    response = client.post("/visits/new", data={"customer_id": park.hengtong.id, "visit_on": "2026-04-02",
                                                "mode": "phone", "purpose": "late_payment", "meet": "王会计",
                                                "preparation": "欠费明细"})
    visit = db.session.scalars(sa.select(CustomerVisit)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/visits/{visit.id}")
    assert (visit.customer_id, visit.visit_on, visit.mode, visit.purpose, visit.meet, visit.preparation) == (
        park.hengtong.id, date(2026, 4, 2), "phone", "late_payment", "王会计", "欠费明细")
    page = text(client.get(f"/visits/{visit.id}"))
    assert "Visit BF2026-00001 to 恒通物流有限公司 is planned for 2026-04-02." in flashes(page)


def test_before_you_go_shows_what_is_open_at_the_company_only_for_the_portfolio(db, park, as_user):
    recorded(db, park)
    client = as_user(park.chen)

    page = text(client.get(f"/visits/new?customer_id={park.yunqi.id}"))
    assert "下周给续租报价" in page  # the open commitment
    assert "last visited" in page
    page = text(client.get(f"/visits/new?customer_id={park.boyuan.id}"))
    assert "Choose a company: its last visits, open commitments and work orders show here." in page


def test_the_surveys_taken_at_the_visit_are_on_its_page(db, park, as_user):
    visit = recorded(db, park)
    questionnaire = services.questionnaire_for(park.site, now=at(2026, 3, 31, 9))
    scores = [5, 4, None, 3, 5, 4, 5]
    response = services.record_survey(
        park.site, customer_id=park.yunqi.id, questionnaire_id=questionnaire.id, respondent="李总",
        answers=[services.AnswerInput(q.id, score) for q, score in zip(questionnaire.questions, scores)],
        taken_on=TODAY, visit=visit, actor=park.chen, now=at(2026, 3, 31, 9, 40))
    db.session.commit()

    page = text(as_user(park.chen).get(f"/visits/{visit.id}"))

    assert f'href="/visits/surveys/{response.id}"' in page
    assert "6 questions scored, average 4.33" in page  # 26 / 6


def test_supervisor_plans_for_every_company(db, park, as_user):
    page = text(as_user(park.supervisor).get("/visits/new"))

    assert "博远医疗器械有限公司" in page and "绿源食品有限公司" in page


def test_plan_for_a_company_outside_the_portfolio_comes_back_with_the_reason(db, park, as_user):
    client = as_user(park.chen)
    before = counts(db)

    response = client.post("/visits/new", data={"customer_id": park.boyuan.id, "visit_on": "2026-04-02",
                                                "mode": "phone", "purpose": "routine_care"})

    assert response.status_code == 422
    assert error_next_to(text(response), "customer_id") == (
        "博远医疗器械有限公司 is not in your portfolio: ask your supervisor to assign it to you.")
    assert counts(db) == before


@pytest.mark.parametrize("day, message", [
    ("2026-03-30", "A visit is planned for today or later: to write down a visit that took place, record it."),
    ("", "Give the day of the visit."),
    ("2026-02-31", "Not a valid date value."),
])
def test_plan_with_a_bad_day_comes_back_with_the_error_next_to_it(db, park, as_user, day, message):
    client = as_user(park.chen)
    before = counts(db)

    response = client.post("/visits/new", data={"customer_id": park.yunqi.id, "visit_on": day, "mode": "phone",
                                                "purpose": "routine_care"})

    assert response.status_code == 422
    assert error_next_to(text(response), "visit_on") == message
    assert counts(db) == before


def test_owner_changes_the_plan_and_cancels_with_a_reason(db, park, as_user):
    visit = planned(db, park)
    client = as_user(park.chen)
    page = text(client.get(f"/visits/{visit.id}/edit"))
    assert "续租方案两份" in page and 'value="2026-03-31"' in page

    response = client.post(f"/visits/{visit.id}/edit", data={"visit_on": "2026-04-03", "mode": "phone",
                                                             "purpose": "renewal", "meet": "李总",
                                                             "preparation": "续租方案三份"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (visit.visit_on, visit.mode, visit.preparation) == (date(2026, 4, 3), "phone", "续租方案三份")

    before = counts(db)
    response = client.post(f"/visits/{visit.id}/cancel", data={"reason": ""})
    assert response.status_code == 422
    assert error_next_to(text(response), "reason") == "Say why the visit is cancelled."
    assert counts(db) == before

    assert client.post(f"/visits/{visit.id}/cancel", data={"reason": "客户出差"}).status_code == 302
    db.session.expire_all()
    assert (visit.status, visit.cancel_reason) == (CANCELLED, "客户出差")
    page = text(client.get(f"/visits/{visit.id}"))
    assert "客户出差" in page and "Record the visit" not in page
    assert client.get(f"/visits/{visit.id}/record").status_code == 302


# --- recording through the page ------------------------------------------------------------------

def test_record_form_round_trip_with_items_and_commitments(db, park, as_user):
    visit = planned(db, park)
    client = as_user(park.chen)

    page = text(client.get(f"/visits/{visit.id}/record"))
    assert 'name="items-2-text"' in page and 'name="commitments-1-text"' in page
    assert 'value="2026-03-31T10:00"' in page  # now, by default
    assert 'value="李总"' in page  # who was to be met attended, as planned

    response = client.post(f"/visits/{visit.id}/record",
                           data=record_data(**{"commitments-0-owner_id": str(park.wang.id)}))
    assert response.status_code == 302, text(response)

    db.session.expire_all()
    visit = db.session.get(CustomerVisit, visit.id)
    assert (visit.status, visit.visited_at, visit.follow_up_on) == (RECORDED, at(2026, 3, 31, 9, 15), date(2026, 4, 14))
    assert [(i.kind, i.text, i.answer) for i in visit.items] == [("request", "B-101 门禁卡失灵", "当场登记"),
                                                                 ("complaint", "停车位不够", "")]
    assert [(c.text, c.owner_id, c.due_on) for c in visit.commitments] == [
        ("两周内答复停车位", park.wang.id, date(2026, 4, 14))]
    page = text(client.get(f"/visits/{visit.id}"))
    assert f"Visit {visit.number} to 云启科技有限公司 is recorded." in flashes(page)
    for words in ("B-101 门禁卡失灵", "当场登记", "停车位不够", "两周内答复停车位", "王敏", "客户有意续租"):
        assert words in page, words

    # corrected: the items come back with their ids; one changed, one taken off, one added
    door, parking = visit.items
    page = text(client.get(f"/visits/{visit.id}/record"))
    assert f'name="items-0-item_id" type="hidden" value="{door.id}"' in page
    assert "两周内答复停车位" in page and 'name="commitments-0-text" type="text" value=""' in page
    response = client.post(f"/visits/{visit.id}/record", data=record_data(**{
        "items-0-item_id": str(door.id), "items-0-text": "B-101 门禁卡失灵（两张）",
        "items-1-item_id": str(parking.id), "items-1-kind": "complaint", "items-1-text": "",
        "items-2-text": "希望增加充电桩", "items-2-kind": "suggestion",
        "commitments-0-text": "", "commitments-0-due_on": ""}))
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    visit = db.session.get(CustomerVisit, visit.id)
    assert [(i.id == door.id, i.kind, i.text) for i in visit.items] == [
        (True, "request", "B-101 门禁卡失灵（两张）"), (False, "suggestion", "希望增加充电桩")]
    assert len(visit.commitments) == 1  # kept as they were


def test_a_visit_that_was_not_planned_is_recorded_for_a_company_of_the_portfolio(db, park, as_user):
    client = as_user(park.chen)

    page = text(client.get(f"/visits/record?customer_id={park.hengtong.id}"))
    assert f'<option selected value="{park.hengtong.id}">恒通物流有限公司</option>' in page

    response = client.post("/visits/record", data=record_data(customer_id=str(park.hengtong.id), mode="phone",
                                                              purpose="complaint",
                                                              **{"commitments-0-owner_id": str(park.chen.id)}))
    assert response.status_code == 302, text(response)
    visit = db.session.scalars(sa.select(CustomerVisit)).one()
    assert (visit.customer_id, visit.mode, visit.purpose, visit.status) == (park.hengtong.id, "phone", "complaint",
                                                                            RECORDED)

    before = counts(db)
    response = client.post("/visits/record", data=record_data(customer_id=str(park.boyuan.id)))
    assert response.status_code == 422
    assert error_next_to(text(response), "customer_id").startswith("博远医疗器械有限公司 is not in your portfolio")
    assert counts(db) == before


@pytest.mark.parametrize("changes, row, message", [
    ({"commitments-0-owner_id": "0"}, "commitments-0", 'Who answers for "两周内答复停车位"? Choose an owner.'),
    ({"commitments-0-due_on": ""}, "commitments-0", 'By when is "两周内答复停车位" due? Give a date.'),
    ({"commitments-0-due_on": "2026-03-30"}, "commitments-0", "A commitment is due on the day of the visit or later."),
    ({"items-2-text": "", "items-2-answer": "会答复"}, "items-2", "Write down what the customer said."),
    ({"items-2-kind": "praise"}, "items-2", "Choose what kind of item this is."),
])
def test_a_bad_row_comes_back_with_the_error_in_that_row_and_changes_nothing(db, park, as_user, changes, row,
                                                                           message):
    visit = planned(db, park)
    client = as_user(park.chen)
    before = counts(db)

    response = client.post(f"/visits/{visit.id}/record",
                           data=record_data(**{"commitments-0-owner_id": str(park.chen.id), **changes}))

    assert response.status_code == 422
    page = text(response)
    assert error_of_row(page, row) == message
    assert "B-101 门禁卡失灵" in page and "两周内答复停车位" in page  # what was typed is still there
    assert counts(db) == before
    assert db.session.get(CustomerVisit, visit.id).status == PLANNED


@pytest.mark.parametrize("changes, field, message", [
    ({"follow_up_on": "2026-03-30"}, "follow_up_on", "The next follow-up is today or later, not in the past."),
    ({"follow_up_on": "2026-03-31"}, "follow_up_on", "The next follow-up comes after the visit."),
    ({"visited_at": "2026-03-31T12:00"}, "visited_at",
     "A visit is recorded once it has taken place: the time is in the future."),
    ({"visited_at": ""}, "visited_at", "When did the visit take place?"),
    ({"attendees": ""}, "attendees", "Who attended? Write their names and ours."),
    ({"follow_up_on": "next week"}, "follow_up_on", "Not a valid date value."),
])
def test_a_bad_field_comes_back_with_the_error_next_to_it_and_changes_nothing(db, park, as_user, changes, field,
                                                                            message):
    visit = planned(db, park)
    client = as_user(park.chen)
    before = counts(db)

    response = client.post(f"/visits/{visit.id}/record",
                           data=record_data(**{"commitments-0-owner_id": str(park.chen.id), **changes}))

    assert response.status_code == 422
    assert error_next_to(text(response), field) == message
    assert counts(db) == before


def test_more_rows_without_the_script_keeps_what_was_typed_and_saves_nothing(db, park, as_user):
    visit = planned(db, park)
    client = as_user(park.chen)
    before = counts(db)

    response = client.post(f"/visits/{visit.id}/record", data=record_data(action="more"))

    assert response.status_code == 200
    page = text(response)
    assert 'name="items-5-text"' in page and 'name="commitments-4-text"' in page
    assert "B-101 门禁卡失灵" in page
    assert counts(db) == before


def test_an_item_that_became_a_work_order_is_shown_but_not_offered_for_change(db, park, as_user):
    visit = recorded(db, park)
    request_item, opinion = visit.items
    order = services.item_to_work_order(request_item, category="hvac", unit_id=None, building_id=park.building_a.id,
                                        place_note="A-301 门口", actor=park.chen, now=at(2026, 3, 31, 9, 40))
    db.session.commit()
    client = as_user(park.chen)

    page = text(client.get(f"/visits/{visit.id}/record"))
    assert f"work order {order.number}: stays as it is" in page
    assert f'item_id" type="hidden" value="{request_item.id}"' not in page
    assert f'name="items-0-item_id" type="hidden" value="{opinion.id}"' in page

    response = client.post(f"/visits/{visit.id}/record", data=record_data(**{
        "items-0-item_id": str(opinion.id), "items-0-kind": "opinion", "items-0-text": "保洁很好，保安也好",
        "items-1-text": "", "items-2-text": "", "commitments-0-text": "", "commitments-0-due_on": ""}))
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert [(i.id, i.text, i.work_order_id) for i in db.session.get(CustomerVisit, visit.id).items] == [
        (request_item.id, "A-301 空调不制冷", order.id), (opinion.id, "保洁很好，保安也好", None)]


# --- commitments ---------------------------------------------------------------------------------

def test_commitment_is_marked_kept_with_a_note_and_back_to_the_page(db, park, as_user):
    visit = recorded(db, park)
    commitment = visit.commitments[0]
    client = as_user(park.chen)

    response = client.post(f"/visits/commitments/{commitment.id}/done", data={"note": "", "next": "/visits/"})
    assert response.status_code == 302 and response.headers["Location"] == "/visits/"
    assert "Say how the commitment was kept." in flashes(text(client.get(f"/visits/{visit.id}")))
    assert db.session.get(Commitment, commitment.id).done_at is None

    response = client.post(f"/visits/commitments/{commitment.id}/done",
                           data={"note": "报价已发邮件", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/visits/{visit.id}")
    db.session.expire_all()
    assert db.session.get(Commitment, commitment.id).done_note == "报价已发邮件"
    page = text(client.get(f"/visits/{visit.id}"))
    assert "报价已发邮件" in page and "Commitment kept: 下周给续租报价" in flashes(page)


def test_another_manager_cannot_mark_a_commitment_kept(db, park, as_user):
    visit = recorded(db, park)
    commitment = visit.commitments[0]

    response = as_user(park.wang).post(f"/visits/commitments/{commitment.id}/done", data={"note": "好了"})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Commitment, commitment.id).done_at is None
