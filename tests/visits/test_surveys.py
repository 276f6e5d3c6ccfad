"""Satisfaction surveys: scores across a change of the questions, the report's figures worked out
by hand, and every refusal (a score out of range, no score, a stale form, who edits the questions)
saving nothing."""
from datetime import date

import pytest
import sqlalchemy as sa

from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.extensions import db as _db
from frontdesk.visits import queries, services
from frontdesk.visits.models import (
    BILLING, CLEANING, DIMENSIONS, FRONT_DESK, OVERALL, RECOMMEND, REPAIRS, SECURITY, Questionnaire, SurveyAnswer,
    SurveyResponse,
)
from frontdesk.visits.services import AnswerInput
from tests.factories import english
from tests.visits.conftest import at

NOW = at(2026, 7, 2)  # the surveys below were all taken before this


def answers(questionnaire, scores: dict, comments: dict | None = None) -> list[AnswerInput]:
    """An answer to each question of the version: the score given for its dimension (none: not applicable)."""
    return [AnswerInput(q.id, scores.get(q.dimension), (comments or {}).get(q.dimension, ""))
            for q in questionnaire.questions]


def take(park, company, scores, day, *, actor=None, questionnaire=None, respondent="李总", now=NOW):
    """A survey of `company` on `day`, scored by dimension, as its manager fills it in."""
    questionnaire = questionnaire or services.questionnaire_for(park.site, now=now)
    actor = actor or (park.wang if company is park.boyuan else park.chen)
    response = services.record_survey(park.site, customer_id=company.id, questionnaire_id=questionnaire.id,
                                      answers=answers(questionnaire, scores), respondent=respondent, taken_on=day,
                                      actor=actor, now=now)
    _db.session.commit()
    return response


def counts(db):
    return (db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)),
            db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)))


def figures(cells: dict) -> dict:
    """{key: "average/count"} of a report's cells, to compare with the figures worked out by hand."""
    return {key: f"{cell.average}/{cell.count}" for key, cell in cells.items()}


ALL_FOURS = {d: 4 for d in DIMENSIONS}


# --- scoring across a change of the questions ----------------------------------------------------

def test_answers_count_under_their_dimension_across_versions_and_the_old_survey_keeps_its_wording(
        db, park, as_user, client):
    first = services.questionnaire_for(park.site, now=at(2026, 4, 1))
    db.session.commit()
    old_front_desk = next(q.text for q in first.questions if q.dimension == FRONT_DESK)
    before = take(park, park.yunqi, {FRONT_DESK: 4, BILLING: 2, OVERALL: 5}, date(2026, 4, 10))

    # the admin rewords the front-desk question and drops billing: version 1 has answers, so version 2
    questions = [(q.dimension, "您对前台的接待与报事受理是否满意？" if q.dimension == FRONT_DESK else q.text)
                 for q in first.questions if q.dimension != BILLING]
    second = services.save_questionnaire(park.site, questions, actor=park.admin, now=at(2026, 4, 15))
    db.session.commit()
    assert (second.version, second.id != first.id) == (2, True)
    assert [q.dimension for q in second.questions] == [d for d in DIMENSIONS if d != BILLING]
    assert old_front_desk in [q.text for q in db.session.get(Questionnaire, first.id).questions]

    after = take(park, park.hengtong, {FRONT_DESK: 1, OVERALL: 3}, date(2026, 4, 20))
    assert after.questionnaire_id == second.id
    assert {a.dimension for a in after.answers} == set(DIMENSIONS) - {BILLING}

    report = queries.survey_report(park.site.id, date(2026, 4, 1), date(2026, 4, 30))
    assert figures(report.overall) == {FRONT_DESK: "2.50/2", OVERALL: "4.00/2", BILLING: "2.00/1"}
    assert report.responses == 2

    as_user(park.chen)
    page = client.get(f"/visits/surveys/{before.id}").get_data(as_text=True)
    assert old_front_desk in page and "您对前台的接待与报事受理是否满意？" not in page
    assert "Questionnaire version 1" in page
    page = client.get(f"/visits/surveys/{after.id}").get_data(as_text=True)
    assert "您对前台的接待与报事受理是否满意？" in page and old_front_desk not in page


# --- the report, worked out by hand --------------------------------------------------------------

# six surveys in April–June in buildings A (云启, 博远) and B (恒通), "—" not applicable
SURVEYS = [
    # day, company, front desk, security, cleaning, repairs, billing, overall, recommend
    ("2026-04-08", "yunqi", 5, 4, 3, 2, None, 4, 5),
    ("2026-04-20", "hengtong", 4, 4, None, 3, 3, 4, 4),
    ("2026-05-12", "boyuan", 3, 5, 4, 1, 2, 3, 3),
    ("2026-06-03", "yunqi", 4, 3, 4, 4, 5, 5, None),
    ("2026-06-25", "hengtong", 2, None, 2, 3, None, 3, 4),
    ("2026-06-28", "boyuan", 4, 4, 5, 2, 4, 4, 4),
    # outside the period: counted nowhere
    ("2026-03-31", "yunqi", 1, 1, 1, 1, 1, 1, 1),
    ("2026-07-01", "hengtong", 1, 1, 1, 1, 1, 1, 1),
]
ORDER = (FRONT_DESK, SECURITY, CLEANING, REPAIRS, BILLING, OVERALL, RECOMMEND)


@pytest.fixture
def surveyed(db, park):
    for day, company, *scores in SURVEYS:
        take(park, getattr(park, company), dict(zip(ORDER, scores)), date.fromisoformat(day))
    return park


def test_report_by_month_by_building_and_overall_matches_the_figures_worked_out_by_hand(db, surveyed):
    park = surveyed
    report = queries.survey_report(park.site.id, date(2026, 4, 1), date(2026, 6, 30))

    assert report.responses == 6
    assert report.months == ["2026-04", "2026-05", "2026-06"]
    # April: front desk (5+4)/2, security (4+4)/2, cleaning 3 (恒通 not applicable), repairs (2+3)/2,
    # billing 3 (云启 not applicable), overall (4+4)/2, recommend (5+4)/2
    april = {d: figures(report.by_month)[("2026-04", d)] for d in ORDER if ("2026-04", d) in report.by_month}
    assert april == {FRONT_DESK: "4.50/2", SECURITY: "4.00/2", CLEANING: "3.00/1", REPAIRS: "2.50/2",
                     BILLING: "3.00/1", OVERALL: "4.00/2", RECOMMEND: "4.50/2"}
    may = {d: figures(report.by_month)[("2026-05", d)] for d in ORDER}
    assert may == {FRONT_DESK: "3.00/1", SECURITY: "5.00/1", CLEANING: "4.00/1", REPAIRS: "1.00/1",
                   BILLING: "2.00/1", OVERALL: "3.00/1", RECOMMEND: "3.00/1"}
    # June: front desk (4+2+4)/3 = 3.33, security (3+4)/2, cleaning (4+2+5)/3 = 3.67, repairs (4+3+2)/3,
    # billing (5+4)/2, overall (5+3+4)/3, recommend (4+4)/2
    june = {d: figures(report.by_month)[("2026-06", d)] for d in ORDER}
    assert june == {FRONT_DESK: "3.33/3", SECURITY: "3.50/2", CLEANING: "3.67/3", REPAIRS: "3.00/3",
                    BILLING: "4.50/2", OVERALL: "4.00/3", RECOMMEND: "4.00/2"}
    # the whole period: front desk 22/6, security 20/5, cleaning 18/5, repairs 15/6, billing 14/4,
    # overall 23/6 = 3.83, recommend 20/5
    assert figures(report.overall) == {FRONT_DESK: "3.67/6", SECURITY: "4.00/5", CLEANING: "3.60/5",
                                       REPAIRS: "2.50/6", BILLING: "3.50/4", OVERALL: "3.83/6",
                                       RECOMMEND: "4.00/5"}
    a, b = park.building_a.id, park.building_b.id
    assert [building_id for building_id, _name in report.buildings] == [a, b]
    by_building = figures(report.by_building)
    # A (云启 ×2, 博远 ×2): front desk 16/4, repairs 9/4 = 2.25, billing 11/3 = 3.67, recommend 12/3
    assert {d: by_building[(a, d)] for d in ORDER} == {
        FRONT_DESK: "4.00/4", SECURITY: "4.00/4", CLEANING: "4.00/4", REPAIRS: "2.25/4", BILLING: "3.67/3",
        OVERALL: "4.00/4", RECOMMEND: "4.00/3"}
    # B (恒通 ×2): front desk (4+2)/2, security 4, cleaning 2, repairs (3+3)/2, billing 3, overall (4+3)/2
    assert {d: by_building[(b, d)] for d in ORDER} == {
        FRONT_DESK: "3.00/2", SECURITY: "4.00/1", CLEANING: "2.00/1", REPAIRS: "3.00/2", BILLING: "3.00/1",
        OVERALL: "3.50/2", RECOMMEND: "4.00/2"}


def test_report_of_one_building_counts_only_its_surveys(db, surveyed):
    park = surveyed
    report = queries.survey_report(park.site.id, date(2026, 4, 1), date(2026, 6, 30), building_id=park.building_b.id)

    assert report.responses == 2
    assert report.months == ["2026-04", "2026-06"]
    assert figures(report.overall) == {FRONT_DESK: "3.00/2", SECURITY: "4.00/1", CLEANING: "2.00/1",
                                       REPAIRS: "3.00/2", BILLING: "3.00/1", OVERALL: "3.50/2", RECOMMEND: "4.00/2"}


def test_surveys_of_another_site_are_not_in_the_report(db, surveyed):
    park = surveyed
    other = queries.survey_report(park.other_site.id, date(2026, 1, 1), date(2026, 12, 31))
    assert (other.responses, other.overall) == (0, {})


# --- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("score", [0, 6, "0", "6", "4.5", "abc", "-1", "1e3"])
def test_a_score_out_of_range_or_not_a_whole_number_is_refused_and_nothing_is_saved(db, park, score):
    questionnaire = services.questionnaire_for(park.site, now=NOW)
    db.session.commit()
    repairs = next(q for q in questionnaire.questions if q.dimension == REPAIRS)

    with pytest.raises(ValidationFailed) as refused:
        take(park, park.yunqi, {**ALL_FOURS, REPAIRS: score}, date(2026, 6, 1))

    assert refused.value.field == f"score_{repairs.id}"
    assert english(refused.value) == "A score is a whole number from 1 to 5."
    db.session.rollback()
    assert counts(db) == (0, 0)


def test_a_survey_without_any_score_is_refused(db, park):
    with pytest.raises(ValidationFailed) as refused:
        take(park, park.yunqi, {}, date(2026, 6, 1))

    assert english(refused.value) == "Score at least one question."
    db.session.rollback()
    assert counts(db) == (0, 0)


def test_a_form_showing_an_older_version_of_the_questions_is_refused(db, park):
    first = services.questionnaire_for(park.site, now=NOW)
    take(park, park.yunqi, ALL_FOURS, date(2026, 6, 1))
    services.save_questionnaire(park.site, [(q.dimension, q.text) for q in first.questions[:3]], actor=park.admin,
                                now=NOW)
    db.session.commit()

    with pytest.raises(InvalidTransition) as refused:
        take(park, park.hengtong, ALL_FOURS, date(2026, 6, 2), questionnaire=first)

    assert english(refused.value) == ("The questions were changed while the form was open: check the answers on "
                                      "the new form and save it again.")
    db.session.rollback()
    assert counts(db) == (1, len(DIMENSIONS))


def test_editing_a_version_nobody_answered_changes_it_in_place(db, park):
    first = services.questionnaire_for(park.site, now=NOW)
    db.session.commit()
    questions = [(q.dimension, q.text) for q in first.questions]
    questions[0] = (FRONT_DESK, "您对前台的服务是否满意？")

    saved = services.save_questionnaire(park.site, questions, actor=park.admin, now=NOW)
    db.session.commit()

    assert (saved.id, saved.version) == (first.id, 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Questionnaire)) == 1
    assert [q.text for q in db.session.get(Questionnaire, first.id).questions][0] == "您对前台的服务是否满意？"


@pytest.mark.parametrize("who", ["supervisor", "project_manager", "chen", "clerk"])
def test_only_an_admin_may_edit_the_questions(db, park, who):
    first = services.questionnaire_for(park.site, now=NOW)
    db.session.commit()

    with pytest.raises(NotAllowed):
        services.save_questionnaire(park.site, [(FRONT_DESK, "?")], actor=getattr(park, who), now=NOW)

    db.session.rollback()
    assert [q.dimension for q in db.session.get(Questionnaire, first.id).questions] == list(DIMENSIONS)
