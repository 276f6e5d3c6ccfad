"""The pure rules of work orders: working days on the official calendar, deadlines with pauses,
and which time limit applies. No database: every instant is pinned."""
from datetime import date, timedelta

import chinese_calendar
import pytest

from frontdesk.workorders import rules
from frontdesk.workorders.models import (COMPLAINT, COMPLEX, EMERGENCY, ENQUIRY, HOURS, MINUTES, NORMAL, ORDINARY,
                                         REPAIR, SIMPLE, WORKING_DAYS)
from frontdesk.workorders.rules import Limit, TimeLimits, due_at, is_working_day, pick_limits
from tests.workorders.conftest import at

ONE_DAY = Limit(1, WORKING_DAYS)


# --- the calendar ----------------------------------------------------------------------------------

def test_weekend_is_not_a_working_day():
    assert is_working_day(date(2026, 3, 27))  # Friday
    assert not is_working_day(date(2026, 3, 28))  # Saturday
    assert not is_working_day(date(2026, 3, 29))  # Sunday
    assert is_working_day(date(2026, 3, 30))  # Monday


def test_national_day_week_2026_is_off_and_the_calendar_agrees():
    week = [date(2026, 10, d) for d in range(1, 8)]
    assert all(chinese_calendar.get_holiday_detail(d) == (True, "National Day") for d in week)
    assert not any(is_working_day(d) for d in week)
    assert is_working_day(date(2026, 10, 8))  # Thursday: back at work


@pytest.mark.parametrize("saturday", [date(2026, 2, 14), date(2026, 2, 28), date(2026, 10, 10)])
def test_make_up_saturday_is_a_working_day(saturday):
    assert saturday.weekday() == 5
    assert chinese_calendar.is_workday(saturday)
    assert is_working_day(saturday)


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2030, 1, 1))
    assert is_working_day(date(2030, 1, 1))  # a Tuesday: New Year's Day, but nobody has published 2030 yet
    assert not is_working_day(date(2030, 1, 5))  # Saturday
    assert due_at(at(2030, 1, 4, 10), ONE_DAY) == at(2030, 1, 7, 10)  # Friday → Monday


# --- deadlines in working days ---------------------------------------------------------------------

def test_one_working_day_from_a_weekday_is_the_same_hour_next_working_day():
    assert due_at(at(2026, 3, 31, 10), ONE_DAY) == at(2026, 4, 1, 10)  # Tuesday → Wednesday


def test_one_working_day_from_friday_afternoon_skips_the_weekend():
    assert due_at(at(2026, 3, 27, 15), ONE_DAY) == at(2026, 3, 30, 15)


def test_order_logged_on_saturday_with_one_working_day_is_due_at_the_end_of_monday():
    due = due_at(at(2026, 3, 28, 10), ONE_DAY)
    assert due == at(2026, 3, 31, 0)  # 00:00 Tuesday in Shanghai
    assert due_at(at(2026, 3, 29, 23, 59), ONE_DAY) == at(2026, 3, 31, 0)  # Sunday night alike


def test_public_holiday_is_skipped():
    # the day before National Day: the next working day is Thursday 8 October
    assert due_at(at(2026, 9, 30, 10), ONE_DAY) == at(2026, 10, 8, 10)
    # three working days from there: Thursday 8, Friday 9, the make-up Saturday 10 October
    assert due_at(at(2026, 9, 30, 10), Limit(3, WORKING_DAYS)) == at(2026, 10, 10, 10)


def test_make_up_saturday_counts():
    # Friday 13 February: the next working day is the make-up Saturday before the Spring Festival
    assert due_at(at(2026, 2, 13, 10), ONE_DAY) == at(2026, 2, 14, 10)
    # then nine days off (15–23 February) before Tuesday 24 February
    assert due_at(at(2026, 2, 13, 10), Limit(2, WORKING_DAYS)) == at(2026, 2, 24, 10)


def test_order_logged_during_the_holiday_waits_for_the_first_working_day():
    assert due_at(at(2026, 10, 3, 9), ONE_DAY) == at(2026, 10, 9, 0)


# --- clock time ------------------------------------------------------------------------------------

def test_minutes_are_clock_time_across_a_weekend():
    assert due_at(at(2026, 3, 27, 23, 50), Limit(15, MINUTES)) == at(2026, 3, 28, 0, 5)
    assert due_at(at(2026, 3, 28, 10), Limit(10, MINUTES)) == at(2026, 3, 28, 10, 10)


def test_hours_are_clock_time_across_a_weekend_and_a_holiday():
    assert due_at(at(2026, 3, 27, 22), Limit(4, HOURS)) == at(2026, 3, 28, 2)
    assert due_at(at(2026, 10, 1, 10), Limit(48, HOURS)) == at(2026, 10, 3, 10)


# --- pauses ----------------------------------------------------------------------------------------

def test_pause_in_the_middle_moves_a_clock_time_deadline_by_its_length():
    start = at(2026, 3, 30, 10)
    pause = (at(2026, 3, 30, 11), at(2026, 3, 30, 12, 30))
    assert due_at(start, Limit(4, HOURS)) == at(2026, 3, 30, 14)
    assert due_at(start, Limit(4, HOURS), [pause]) == at(2026, 3, 30, 15, 30)


def test_pause_moves_a_working_day_deadline_by_its_working_time_only():
    # Friday 10:00, 1 working day; on hold Friday 16:00 → Monday 09:00 = 8 h Friday + 9 h Monday
    start = at(2026, 3, 27, 10)
    pause = (at(2026, 3, 27, 16), at(2026, 3, 30, 9))
    assert due_at(start, ONE_DAY) == at(2026, 3, 30, 10)
    assert due_at(start, ONE_DAY, [pause]) == at(2026, 3, 30, 10) + timedelta(hours=17)


def test_pause_over_the_weekend_alone_moves_a_working_day_deadline_not_at_all():
    start = at(2026, 3, 27, 10)
    pause = (at(2026, 3, 28, 9), at(2026, 3, 29, 18))
    assert due_at(start, ONE_DAY, [pause]) == at(2026, 3, 30, 10)


def test_pause_before_the_start_or_after_the_deadline_changes_nothing():
    start = at(2026, 3, 30, 10)
    before = (at(2026, 3, 30, 8), at(2026, 3, 30, 9))
    after = (at(2026, 3, 30, 15), at(2026, 3, 30, 16))
    assert due_at(start, Limit(4, HOURS), [before, after]) == at(2026, 3, 30, 14)


def test_two_pauses_add_up():
    start = at(2026, 3, 30, 10)
    pauses = [(at(2026, 3, 30, 12), at(2026, 3, 30, 12, 30)), (at(2026, 3, 30, 11), at(2026, 3, 30, 11, 15))]
    assert due_at(start, Limit(4, HOURS), pauses) == at(2026, 3, 30, 14, 45)


def test_open_pause_gives_no_deadline():
    start = at(2026, 3, 30, 10)
    assert due_at(start, Limit(4, HOURS), [(at(2026, 3, 30, 11), None)]) is None
    assert due_at(start, ONE_DAY, [(at(2026, 3, 30, 11), None)]) is None


def test_open_pause_after_the_deadline_leaves_the_deadline():
    start = at(2026, 3, 30, 10)
    assert due_at(start, Limit(4, HOURS), [(at(2026, 3, 30, 15), None)]) == at(2026, 3, 30, 14)


def test_callback_due_counts_working_days():
    assert rules.callback_due(at(2026, 3, 27, 15), 3) == at(2026, 4, 1, 15)


# --- which limits apply ----------------------------------------------------------------------------

def _tl(minutes):
    return TimeLimits(Limit(minutes, MINUTES), Limit(minutes, MINUTES), Limit(minutes, MINUTES))


ANY, PLUMBING, EMERG, EMERG_PLUMBING, COMPLEX_ONLY = _tl(1), _tl(2), _tl(3), _tl(4), _tl(5)
TABLE = {
    (REPAIR, "", "", ""): ANY,
    (REPAIR, "plumbing", "", ""): PLUMBING,
    (REPAIR, "", EMERGENCY, ""): EMERG,
    (REPAIR, "plumbing", EMERGENCY, ""): EMERG_PLUMBING,
    (REPAIR, "", "", COMPLEX): COMPLEX_ONLY,
}


@pytest.mark.parametrize("category, urgency, complexity, expected", [
    ("electrical", NORMAL, ORDINARY, ANY),
    ("plumbing", NORMAL, ORDINARY, PLUMBING),
    ("electrical", EMERGENCY, ORDINARY, EMERG),
    ("plumbing", EMERGENCY, ORDINARY, EMERG_PLUMBING),
    ("electrical", NORMAL, COMPLEX, COMPLEX_ONLY),
    ("electrical", EMERGENCY, COMPLEX, EMERG),  # urgency outranks complexity
    ("plumbing", NORMAL, COMPLEX, PLUMBING),  # category outranks complexity
])
def test_most_specific_row_wins(category, urgency, complexity, expected):
    assert pick_limits(TABLE, REPAIR, category, urgency, complexity) is expected


def test_category_outranks_urgency():
    rows = {k: v for k, v in TABLE.items() if k != (REPAIR, "plumbing", EMERGENCY, "")}
    assert pick_limits(rows, REPAIR, "plumbing", EMERGENCY, ORDINARY) is PLUMBING


def test_no_row_for_the_kind_gives_none():
    assert pick_limits(TABLE, COMPLAINT, "plumbing", NORMAL, ORDINARY) is None


def _default(kind, category="other", urgency=NORMAL, complexity=ORDINARY):
    return pick_limits(rules.DEFAULT_TIME_LIMITS, kind, category, urgency, complexity)


def test_default_enquiry_is_answered_within_15_minutes():
    assert _default(ENQUIRY).response == Limit(15, MINUTES)
    assert _default(ENQUIRY).target == Limit(15, MINUTES)


@pytest.mark.parametrize("complexity", [SIMPLE, ORDINARY, COMPLEX])
def test_default_complaint_gets_a_first_reply_within_2_hours(complexity):
    assert _default(COMPLAINT, complexity=complexity).response == Limit(2, HOURS)


def test_default_complaint_resolution_by_complexity():
    ordinary = _default(COMPLAINT, complexity=ORDINARY)
    assert (ordinary.target, ordinary.hard) == (Limit(1, WORKING_DAYS), Limit(3, WORKING_DAYS))
    complex_ = _default(COMPLAINT, complexity=COMPLEX)
    assert (complex_.target, complex_.hard) == (Limit(5, WORKING_DAYS), Limit(7, WORKING_DAYS))


@pytest.mark.parametrize("urgency", [NORMAL, EMERGENCY])
def test_default_repair_response_is_ten_minutes(urgency):
    assert _default(REPAIR, "plumbing", urgency).response == Limit(10, MINUTES)


def test_every_default_hard_limit_is_at_least_its_target():
    start = at(2026, 3, 30, 10)
    for limits in rules.DEFAULT_TIME_LIMITS.values():
        assert due_at(start, limits.hard) >= due_at(start, limits.target)


# --- checks on settings and priority ---------------------------------------------------------------

@pytest.mark.parametrize("amount, unit", [(0, MINUTES), (-1, HOURS), (None, WORKING_DAYS), (61, WORKING_DAYS),
                                          (5, "weeks")])
def test_check_limit_refuses(amount, unit):
    assert rules.check_limit(amount, unit) is not None


def test_check_limit_accepts_a_positive_amount():
    assert rules.check_limit(1, WORKING_DAYS) is None
    assert rules.check_limit(60, WORKING_DAYS) is None


def test_priority_puts_emergencies_first_and_rises_with_each_reporter():
    assert rules.priority(NORMAL, 1) == 0
    assert rules.priority(NORMAL, 3) == 2
    assert rules.priority(EMERGENCY, 1) == 10
    assert rules.priority(EMERGENCY, 2) == 11


@pytest.mark.parametrize("status", list(rules.ALLOWED))
def test_closed_and_cancelled_are_final(status):
    from frontdesk.workorders.models import CANCELLED, CLOSED
    for final in (CLOSED, CANCELLED):
        assert not rules.can_move(final, status)


def test_entered_days_override_the_fallback_for_an_unknown_year():
    assert not rules.official_calendar_knows(date(2030, 1, 1))
    assert rules.official_calendar_knows(date(2026, 10, 1))
    entered = {date(2030, 1, 1): False, date(2030, 1, 5): True}  # New Year's Day off, a make-up Saturday
    assert not is_working_day(date(2030, 1, 1), entered)
    assert is_working_day(date(2030, 1, 5), entered)
    # Monday 31 December 2029 → Wednesday 2 January, New Year's Day skipped
    assert due_at(at(2029, 12, 31, 10), ONE_DAY, overrides=entered) == at(2030, 1, 2, 10)
    # Friday 4 January → the make-up Saturday
    assert due_at(at(2030, 1, 4, 10), ONE_DAY, overrides=entered) == at(2030, 1, 5, 10)
