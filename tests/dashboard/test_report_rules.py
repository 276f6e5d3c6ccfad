from datetime import date
from decimal import Decimal as D

import pytest

from frontdesk.dashboard import rules

AS_OF = date(2026, 3, 31)


@pytest.mark.parametrize("due_on, bucket", [
    (date(2026, 3, 31), None),   # due today: not overdue
    (date(2026, 4, 1), None),
    (date(2026, 3, 30), 0),      # 1 day
    (date(2026, 3, 1), 0),       # 30 days
    (date(2026, 2, 28), 1),      # 31 days
    (date(2025, 12, 31), 1),     # 90 days
    (date(2025, 12, 30), 2),     # 91 days
    (date(2025, 10, 2), 2),      # 180 days
    (date(2025, 10, 1), 3),      # 181 days
])
def test_days_overdue_choose_the_bucket(due_on, bucket):
    assert rules.bucket_of(due_on, AS_OF) == bucket


def test_bucket_bounds_agree_with_the_buckets_day_by_day():
    bounds = rules.bucket_bounds(AS_OF)
    for days in range(0, 400):
        due_on = date.fromordinal(AS_OF.toordinal() - days)
        inside = [i for i, (earliest, latest) in enumerate(bounds)
                  if due_on <= latest and (earliest is None or due_on >= earliest)]
        expected = rules.bucket_of(due_on, AS_OF)
        assert inside == ([] if expected is None else [expected])


def test_collection_rate_is_rounded_once_half_up():
    assert rules.collection_rate(D("1.00"), D("3.00")) == D("33.33")
    assert rules.collection_rate(D("2.00"), D("3.00")) == D("66.67")
    assert rules.collection_rate(D("1.00"), D("8.00")) == D("12.50")
    assert rules.collection_rate(D("0.01"), D("80.00")) == D("0.01")  # 0.0125% rounds up
    assert rules.collection_rate(D("50.00"), D("50.00")) == D("100.00")
    assert rules.collection_rate(D("0.00"), D("0.00")) is None


def test_month_range_runs_over_the_new_year():
    assert rules.month_range("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert rules.month_range("2026-03", "2026-03") == ["2026-03"]


@pytest.mark.parametrize("first, last", [("2026-03", "2026-01"), ("2026-13", "2026-14"), ("2020-01", "2026-01"),
                                         ("march", "2026-03")])
def test_month_range_refuses_reversed_malformed_or_too_long_ranges(first, last):
    with pytest.raises(ValueError):
        rules.month_range(first, last)


def test_twelve_months_back_end_with_the_month_of_the_day():
    assert rules.months_back(date(2026, 3, 31), 12) == ("2025-04", "2026-03")
    assert rules.months_back(date(2026, 12, 1), 12) == ("2026-01", "2026-12")


def test_column_heights_follow_the_rate_and_a_missing_rate_draws_nothing():
    bars = rules.column_chart([("2026-01", D("50.00"), "50.00%"), ("2026-02", None, "—")], height=160)
    assert (bars[0].height, bars[0].y) == (D("80.0"), D("80.0"))
    assert bars[1].height == 0


def test_stacked_bars_share_one_scale():
    bars = rules.stacked_rows([("A", [D("100.00"), D("300.00")], "400.00"), ("B", [D("0"), D("200.00")], "200.00")],
                              width=400)
    assert [(s[0], s[1]) for s in bars[0].segments] == [(D("0"), D("100.0")), (D("100.0"), D("300.0"))]
    assert bars[0].width == D("400.0")
    assert bars[1].width == D("200.0") and len(bars[1].segments) == 1
