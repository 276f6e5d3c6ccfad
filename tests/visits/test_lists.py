"""The manager's lists on given days: which visits make this week, which plans, follow-ups and
commitments are overdue and when they stop being so, which companies count as not visited under
the site's setting, the per-manager figures and the home page's card. Every visit is planned or
recorded through the services at a fixed instant (`at`), and each list is read as of a given day."""
from datetime import date

import pytest

from frontdesk.core.errors import ValidationFailed
from frontdesk.extensions import db as _db
from frontdesk.visits import queries, services
from frontdesk.visits.rules import week_of
from frontdesk.visits.services import CommitmentInput
from tests.factories import english
from tests.visits.conftest import at


def plan(park, manager, company, day, *, now):
    return services.plan_visit(park.site, customer_id=company.id, visit_on=day, mode="on_site",
                               purpose="routine_care", meet="总经理", actor=manager, now=now)


def record(park, manager, company, visited_at, *, follow_up_on=None, commitments=(), visit=None, now=None):
    """A visit recorded by its manager (the plan `visit`, else one not planned), `now` being when it
    is written down (the visit's own time unless said)."""
    return services.record_visit(park.site, visit=visit, customer_id=None if visit else company.id,
                                 visited_at=visited_at, mode="on_site", purpose="routine_care", attendees="李总、陈思远",
                                 summary="例行拜访", follow_up_on=follow_up_on, commitments=commitments, actor=manager,
                                 now=now or visited_at)


def numbers(visits) -> list[str]:
    return [v.number for v in visits]


def names(rows) -> list[str]:
    return [r.name for r in rows]


# --- this week -------------------------------------------------------------------------------------

def test_a_week_runs_from_monday_to_sunday(park):
    assert week_of(date(2026, 4, 12)) == week_of(date(2026, 4, 6)) == (date(2026, 4, 6), date(2026, 4, 12))
    assert week_of(date(2026, 4, 13)) == (date(2026, 4, 13), date(2026, 4, 19))  # Monday starts the next


def test_this_weeks_visits_on_a_sunday_and_on_the_monday_after(park):
    now = at(2026, 4, 2, 9)
    monday = plan(park, park.chen, park.hengtong, date(2026, 4, 6), now=now)
    sunday = plan(park, park.chen, park.yunqi, date(2026, 4, 12), now=now)
    next_monday = plan(park, park.chen, park.yunqi, date(2026, 4, 13), now=now)
    wangs = plan(park, park.wang, park.boyuan, date(2026, 4, 12), now=now)
    cancelled = plan(park, park.chen, park.hengtong, date(2026, 4, 9), now=now)
    services.cancel_visit(cancelled, reason="客户出差", actor=park.chen, now=now)
    recorded = record(park, park.chen, park.hengtong, at(2026, 4, 7, 15))
    _db.session.commit()

    def week(day, manager=None):
        return numbers(queries.visits_between(park.site.id, *week_of(day), manager_id=getattr(manager, "id", None)))

    # the Sunday is the last day of the week that began on Monday the 6th ...
    assert week(date(2026, 4, 12), park.chen) == numbers([monday, recorded, cancelled, sunday])
    # ... and the Monday after starts a week of its own
    assert week(date(2026, 4, 13), park.chen) == numbers([next_monday])
    assert week(date(2026, 4, 12), park.wang) == numbers([wangs])
    assert week(date(2026, 4, 12)) == numbers([monday, recorded, cancelled, sunday, wangs])
    assert week(date(2026, 4, 5), park.chen) == []


# --- planned visits whose day has passed --------------------------------------------------------------

def test_a_plan_is_overdue_the_day_after_its_day_until_it_is_recorded(park):
    visit = plan(park, park.chen, park.yunqi, date(2026, 4, 6), now=at(2026, 4, 2, 9))
    cancelled = plan(park, park.chen, park.hengtong, date(2026, 4, 6), now=at(2026, 4, 2, 9))
    services.cancel_visit(cancelled, reason="改为电话沟通", actor=park.chen, now=at(2026, 4, 3, 9))
    _db.session.commit()

    def overdue(day, manager=park.chen):
        return numbers(queries.overdue_plans(park.site.id, day, manager_id=getattr(manager, "id", None)))

    assert overdue(date(2026, 4, 6)) == []  # its own day: still time
    assert overdue(date(2026, 4, 7)) == [visit.number] == overdue(date(2026, 4, 7), None)
    assert overdue(date(2026, 4, 7), park.wang) == []

    record(park, park.chen, None, at(2026, 4, 6, 15), visit=visit, now=at(2026, 4, 7, 9))
    _db.session.commit()
    assert overdue(date(2026, 4, 7)) == [] == overdue(date(2026, 4, 30))


# --- follow-ups --------------------------------------------------------------------------------------

def test_a_follow_up_is_overdue_the_day_after_it_was_due_and_closed_by_a_later_visit_to_the_company(park):
    first = record(park, park.chen, park.yunqi, at(2026, 4, 2, 10), follow_up_on=date(2026, 4, 10))
    _db.session.commit()

    def overdue(day, manager=park.chen):
        return numbers(queries.overdue_follow_ups(park.site.id, day, manager_id=getattr(manager, "id", None)))

    assert overdue(date(2026, 4, 10)) == []  # due that day
    assert overdue(date(2026, 4, 11)) == [first.number] == overdue(date(2026, 4, 11), None)
    assert overdue(date(2026, 4, 11), park.wang) == []

    # a visit to another company, or a visit to this one only planned, follows nothing up
    record(park, park.chen, park.hengtong, at(2026, 4, 12, 10))
    plan(park, park.chen, park.yunqi, date(2026, 4, 14), now=at(2026, 4, 12, 11))
    _db.session.commit()
    assert overdue(date(2026, 4, 13)) == [first.number]

    later = record(park, park.chen, park.yunqi, at(2026, 4, 13, 16))
    _db.session.commit()
    assert overdue(date(2026, 4, 14)) == []
    _db.session.refresh(first)
    assert first.followed_up_by_id == later.id


def test_after_a_reassignment_the_follow_up_is_the_new_managers(park):
    first = record(park, park.chen, park.yunqi, at(2026, 4, 2, 10), follow_up_on=date(2026, 4, 10))
    services.assign(park.site, park.yunqi, park.wang.id, reason="调整分工", actor=park.supervisor, now=at(2026, 4, 8, 9))
    _db.session.commit()
    day = date(2026, 4, 11)

    assert numbers(queries.overdue_follow_ups(park.site.id, day, manager_id=park.wang.id)) == [first.number]
    assert queries.overdue_follow_ups(park.site.id, day, manager_id=park.chen.id) == []  # he cannot visit it now
    assert queries.week_card(park.site.id, park.wang.id, day).follow_ups_overdue == 1
    assert queries.week_card(park.site.id, park.chen.id, day).follow_ups_overdue == 0


# --- commitments -------------------------------------------------------------------------------------

def test_a_commitment_is_overdue_the_day_after_it_was_due_and_gone_once_kept(park):
    visit = record(park, park.chen, park.yunqi, at(2026, 4, 2, 10), commitments=[
        CommitmentInput("安排维修空调", park.wang.id, date(2026, 4, 8)),
        CommitmentInput("发送续租方案", park.chen.id, date(2026, 4, 20)),
    ])
    _db.session.commit()
    repair, renewal = visit.commitments

    def overdue(day, user):
        return [c.text for c in queries.open_commitments(park.site.id, today=day, user_id=getattr(user, "id", None))]

    assert overdue(date(2026, 4, 8), park.chen) == []
    # overdue for the manager whose visit made it, for its owner, for whoever sees everything
    assert overdue(date(2026, 4, 9), park.chen) == ["安排维修空调"]
    assert overdue(date(2026, 4, 9), park.wang) == ["安排维修空调"]
    assert overdue(date(2026, 4, 9), None) == ["安排维修空调"]
    assert overdue(date(2026, 4, 9), park.supervisor) == []

    services.complete_commitment(repair, note="4月9日已修好", actor=park.wang, now=at(2026, 4, 9, 11))
    _db.session.commit()
    assert overdue(date(2026, 4, 9), park.chen) == [] == overdue(date(2026, 4, 9), park.wang)
    assert overdue(date(2026, 4, 21), park.chen) == ["发送续租方案"]
    assert [c.text for c in queries.open_commitments(park.site.id, customer_id=park.yunqi.id)] == ["发送续租方案"]


# --- companies not visited in N days ----------------------------------------------------------------

def test_not_visited_in_n_days_follows_the_setting_to_the_day(park):
    record(park, park.chen, park.yunqi, at(2026, 4, 1, 14))
    record(park, park.wang, park.boyuan, at(2026, 4, 20, 14))
    _db.session.commit()
    assert queries.not_visited_days(park.site.id) == 90  # the default

    def not_visited(day, manager=park.chen):
        return names(queries.not_visited(park.site.id, day, queries.not_visited_days(park.site.id),
                                         manager_id=getattr(manager, "id", None)))

    # 90 days after 1 April is 30 June: visited exactly 90 days ago is still covered, 91 is not
    assert not_visited(date(2026, 6, 30)) == ["恒通物流有限公司"]  # never visited
    assert not_visited(date(2026, 7, 1)) == ["恒通物流有限公司", "云启科技有限公司"]

    services.save_settings(park.site, not_visited_days=30, actor=park.admin, now=at(2026, 4, 21, 9))
    _db.session.commit()
    assert queries.not_visited_days(park.site.id) == 30
    assert not_visited(date(2026, 5, 1)) == ["恒通物流有限公司"]  # 1 April is exactly 30 days back
    assert not_visited(date(2026, 5, 2)) == ["恒通物流有限公司", "云启科技有限公司"]  # never visited first
    assert not_visited(date(2026, 5, 2), park.wang) == []
    # everyone's: every assigned company (绿源 has no manager, so nobody's list)
    assert not_visited(date(2026, 5, 21), None) == ["恒通物流有限公司", "云启科技有限公司", "博远医疗器械有限公司"]

    # a recorded visit takes the company off the list
    record(park, park.chen, park.yunqi, at(2026, 5, 2, 10))
    _db.session.commit()
    assert not_visited(date(2026, 5, 2)) == ["恒通物流有限公司"]


@pytest.mark.parametrize("days", [6, 731, 0, -30])
def test_the_setting_stays_between_7_and_730_days(park, days):
    with pytest.raises(ValidationFailed) as refused:
        services.save_settings(park.site, not_visited_days=days, actor=park.admin, now=at(2026, 4, 21, 9))

    assert english(refused.value) == "Give a number of days between 7 and 730."
    _db.session.rollback()
    assert queries.not_visited_days(park.site.id) == 90


# --- per-manager figures -----------------------------------------------------------------------------

@pytest.fixture
def month_of_visits(park):
    """陈思远: 云启 visited 1 April (an overdue and an open commitment) and 20 April, 恒通 last visited
    15 January, a plan for 恒通 on 25 April; 王敏: 博远 visited 31 March, a cancelled plan."""
    record(park, park.chen, park.yunqi, at(2026, 4, 1, 10), commitments=[
        CommitmentInput("安排维修空调", park.chen.id, date(2026, 4, 10)),
        CommitmentInput("发送续租方案", park.wang.id, date(2026, 4, 30)),
    ])
    record(park, park.chen, park.hengtong, at(2026, 1, 15, 10), now=at(2026, 4, 1, 11))
    record(park, park.chen, park.yunqi, at(2026, 4, 20, 15))
    plan(park, park.chen, park.hengtong, date(2026, 4, 25), now=at(2026, 4, 20, 16))
    record(park, park.wang, park.boyuan, at(2026, 3, 31, 15), now=at(2026, 4, 1, 10))
    cancelled = plan(park, park.wang, park.boyuan, date(2026, 4, 22), now=at(2026, 4, 20, 9))
    services.cancel_visit(cancelled, reason="客户休假", actor=park.wang, now=at(2026, 4, 21, 9))
    _db.session.commit()


def figures(park, start, end, today, days) -> dict:
    return {f.name: (f.companies, f.covered, f.coverage, f.visits, f.open_commitments, f.overdue_commitments)
            for f in queries.manager_figures(park.site.id, start, end, today, days)}


def test_per_manager_figures_computed_by_hand(park, month_of_visits):
    # April as of the 21st, 30 days (covered: visited on or after 22 March)
    #   陈思远: 2 companies; 云启 (20 April) covered, 恒通 (15 January) not: 1, 50%; visits recorded in April:
    #          1 and 20 April (15 January is not in it, the plan is not recorded): 2; commitments made at his
    #          visits: 2 open, 1 past its day (10 April)
    #   王敏:   1 company, 博远 visited 31 March: covered, 100%; no visit recorded in April (the cancelled
    #          plan is none); the commitment she owns was made at 陈思远's visit: none of hers
    assert figures(park, date(2026, 4, 1), date(2026, 4, 30), date(2026, 4, 21), 30) == {
        "陈思远": (2, 1, 50, 2, 2, 1),
        "王敏": (1, 1, 100, 0, 0, 0),
    }
    # 7 days (since 14 April): only 云启 is covered; the period's last day counts (31 March)
    assert figures(park, date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 21), 7) == {
        "陈思远": (2, 1, 50, 0, 2, 1),
        "王敏": (1, 0, 0, 1, 0, 0),
    }
    # the period's first day counts (1 April); 11 April: the first commitment is overdue from then on
    assert figures(park, date(2026, 1, 15), date(2026, 4, 1), date(2026, 4, 10), 30)["陈思远"] == (2, 1, 50, 2, 2, 0)
    assert figures(park, date(2026, 1, 15), date(2026, 4, 1), date(2026, 4, 11), 30)["陈思远"] == (2, 1, 50, 2, 2, 1)


def test_a_manager_without_companies_has_figures_of_nothing(park):
    services.assign(park.site, park.boyuan, None, actor=park.supervisor, now=at(2026, 4, 2, 9))
    _db.session.commit()

    found = figures(park, date(2026, 4, 1), date(2026, 4, 30), date(2026, 4, 21), 30)

    assert found["王敏"] == (0, 0, None, 0, 0, 0)  # no coverage to speak of, rather than 0%


# --- the home page's card --------------------------------------------------------------------------

def test_the_home_card_counts_the_same_rows_as_the_lists(park, month_of_visits):
    record(park, park.chen, park.yunqi, at(2026, 4, 21, 10), follow_up_on=date(2026, 4, 24))
    plan(park, park.chen, park.yunqi, date(2026, 4, 26), now=at(2026, 4, 21, 11))  # Sunday of the week
    plan(park, park.chen, park.hengtong, date(2026, 4, 27), now=at(2026, 4, 21, 11))  # the Monday after
    _db.session.commit()

    def card(day, manager=park.chen):
        found = queries.week_card(park.site.id, manager.id, day)
        return found.planned, found.recorded, found.follow_ups_overdue, found.commitments_overdue

    # week of 20–26 April: planned 25 and 26 April, recorded 20 and 21 April; the commitment of 10 April overdue
    assert card(date(2026, 4, 24)) == (2, 2, 0, 1)
    assert card(date(2026, 4, 25)) == (2, 2, 1, 1)  # the follow-up of the 24th is late
    monday, sunday = week_of(date(2026, 4, 25))
    lists = queries.visits_between(park.site.id, monday, sunday, manager_id=park.chen.id)
    assert [v.status for v in lists].count("planned") == 2 and [v.status for v in lists].count("recorded") == 2
    assert len(queries.overdue_follow_ups(park.site.id, date(2026, 4, 25), manager_id=park.chen.id)) == 1
    assert len(queries.open_commitments(park.site.id, today=date(2026, 4, 25), user_id=park.chen.id)) == 1
    # 王敏 owns the renewal commitment, overdue from 1 May; her cancelled plan counts for nothing
    assert card(date(2026, 4, 22), park.wang) == (0, 0, 0, 0)
    assert card(date(2026, 5, 1), park.wang) == (0, 0, 0, 1)
    # the next week: only the Monday plan
    assert card(date(2026, 4, 27))[:2] == (1, 0)
