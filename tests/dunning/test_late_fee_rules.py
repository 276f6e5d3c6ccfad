"""The late-fee rule on plain values, each figure worked out by hand in the comment beside it."""
from datetime import date
from decimal import Decimal

import pytest

from frontdesk.dunning.rules import late_fee

D = Decimal
RATE = D("0.0005")  # 万分之五 a day


def fee(amount, due_on, as_of, **kw):
    kw.setdefault("rate", RATE)
    return late_fee(D(amount), due_on, as_of, **kw)


def test_the_issue_example_is_rounded_once_not_per_day():
    # 250.00 × 0.0005 × 90 = 11.25; rounding the daily 0.125 to 0.13 first would give 11.70
    f = fee("250.00", date(2026, 1, 15), date(2026, 4, 15))
    assert (f.days, f.amount, f.principal) == (90, D("11.25"), D("250.00"))
    assert f.description == "250.00×0.05%×90天=11.25"


@pytest.mark.parametrize("amount, days, expected", [
    ("100.00", 1, "0.05"),    # 0.05 exactly
    ("10.00", 1, "0.01"),     # 0.005 → half up to 0.01
    ("9.00", 1, "0.00"),      # 0.0045 → 0.00
    ("333.33", 7, "1.17"),    # 333.33 × 0.0035 = 1.166655 → 1.17
    ("1234.56", 45, "27.78"), # 1234.56 × 0.0225 = 27.7776 → 27.78
])
def test_rounding_is_half_up_to_the_fen(amount, days, expected):
    due = date(2026, 1, 15)
    assert fee(amount, due, date.fromordinal(due.toordinal() + days)).amount == D(expected)


def test_nothing_accrues_on_the_due_date_or_before_it():
    due = date(2026, 3, 15)
    assert fee("500.00", due, due).amount == 0 and fee("500.00", due, due).days == 0
    assert fee("500.00", due, date(2026, 3, 1)).amount == 0
    assert fee("500.00", due, date(2026, 3, 16)).amount == D("0.25")  # the day after: one day, 500 × 0.0005


def test_grace_days_delay_the_start_and_are_not_charged_afterwards():
    due = date(2026, 1, 15)
    assert fee("1000.00", due, date(2026, 1, 25), grace_days=10).amount == 0  # the last day of grace
    late = fee("1000.00", due, date(2026, 1, 26), grace_days=10)
    assert (late.days, late.amount) == (1, D("0.50"))
    # 31 days after the due date with 10 days' grace: 21 days × 0.50 = 10.50
    assert fee("1000.00", due, date(2026, 2, 15), grace_days=10).amount == D("10.50")


def test_the_cap_limits_the_fee_to_a_share_of_the_unpaid_principal():
    # 200.00 × 0.001 × 400 days = 80.00, capped at 30% of 200.00 = 60.00
    f = fee("200.00", date(2025, 1, 15), date(2026, 2, 19), rate=D("0.001"), cap_percent=D("30"))
    assert (f.days, f.uncapped, f.cap, f.amount, f.capped) == (400, D("80.00"), D("60.00"), D("60.00"), True)
    assert f.description == "200.00×0.1%×400天=80.00，以欠费的30%为限，计60.00"
    # the default cap of 100% stops a very old charge at its own amount
    assert fee("100.00", date(2010, 1, 15), date(2026, 1, 15)).amount == D("100.00")


def test_a_zero_cap_or_zero_rate_means_no_late_fee():
    assert fee("100.00", date(2026, 1, 15), date(2026, 3, 31), cap_percent=D("0")).amount == 0
    assert fee("100.00", date(2026, 1, 15), date(2026, 3, 31), rate=D("0")).amount == 0


def test_a_part_payment_lowers_the_principal_from_the_day_after_it():
    # due 01-15, 100.00 paid on 02-14 (30 days in), as of 04-15 (90 days):
    # 250.00 × 0.0005 × 30 = 3.75 and 150.00 × 0.0005 × 60 = 4.50: 8.25
    f = fee("250.00", date(2026, 1, 15), date(2026, 4, 15), payments=[(date(2026, 2, 14), D("100.00"))])
    assert (f.days, f.principal, f.amount) == (90, D("150.00"), D("8.25"))
    assert f.description == "250.00×0.05%×30天+150.00×0.05%×60天=8.25"


def test_a_payment_before_the_fee_starts_lowers_the_principal_and_the_cap():
    # 40.00 paid on the due date: 60.00 × 0.01 × 20 days = 12.00, capped at 10% of 60.00 = 6.00
    f = fee("100.00", date(2026, 1, 15), date(2026, 2, 4), rate=D("0.01"), cap_percent=D("10"),
            payments=[(date(2026, 1, 15), D("40.00"))])
    assert (f.principal, f.uncapped, f.amount) == (D("60.00"), D("12.00"), D("6.00"))


def test_payments_after_the_as_of_date_are_not_counted():
    f = fee("250.00", date(2026, 1, 15), date(2026, 2, 14), payments=[(date(2026, 3, 1), D("250.00"))])
    assert (f.principal, f.amount) == (D("250.00"), D("3.75"))  # 250 × 0.0005 × 30


def test_a_charge_paid_in_full_owes_nothing_more():
    f = fee("250.00", date(2026, 1, 15), date(2026, 4, 15), payments=[(date(2026, 2, 14), D("250.00"))])
    assert f.days == 30 and f.accrued == D("3.75") and f.amount == 0


def test_settled_and_waived_amounts_come_off_what_is_owed():
    f = fee("250.00", date(2026, 1, 15), date(2026, 4, 15), settled=D("3.75"), waived=D("5.00"))
    assert f.amount == D("2.50")  # 11.25 − 3.75 − 5.00
    assert f.description == "250.00×0.05%×90天=11.25；减免5.00；已收3.75"
    assert fee("250.00", date(2026, 1, 15), date(2026, 4, 15), waived=D("11.25")).amount == 0


def test_the_fee_is_interest_on_the_principal_only_never_on_an_earlier_fee():
    # a year at 0.05%: 1000 × 0.0005 × 365 = 182.50; compounding monthly would give more
    assert fee("1000.00", date(2025, 1, 15), date(2026, 1, 15)).amount == D("182.50")


def test_the_same_inputs_give_the_same_fee_however_often_it_is_worked_out():
    payments = [(date(2026, 2, 14), D("100.00")), (date(2026, 3, 1), D("50.00"))]
    first = fee("250.00", date(2026, 1, 15), date(2026, 4, 15), payments=payments)
    again = fee("250.00", date(2026, 1, 15), date(2026, 4, 15), payments=list(reversed(payments)))
    # 250.00 × 30 days + 150.00 × 15 (02-14 to 03-01) + 100.00 × 45 = 14,250.00 × 0.0005 = 7.125 → 7.13
    assert first.amount == again.amount == D("7.13")
    again_and_again = [fee("250.00", date(2026, 1, 15), date(2026, 4, 15), payments=payments) for _ in range(3)]
    assert [f.amount for f in again_and_again] == [D("7.13")] * 3


def test_february_29_counts_in_a_leap_year():
    # 2028-02-28 to 2028-03-01 is two days in a leap year: 1000 × 0.0005 × 2
    assert fee("1000.00", date(2028, 2, 28), date(2028, 3, 1)).days == 2
    assert fee("1000.00", date(2028, 2, 28), date(2028, 3, 1)).amount == D("1.00")
    # a charge due on 2028-02-29: a year later (2029-02-28) is 365 days, 182.50
    leap = fee("1000.00", date(2028, 2, 29), date(2029, 2, 28))
    assert (leap.days, leap.amount) == (365, D("182.50"))
    # the same span in 2026 is one day shorter: 2026-02-28 to 2026-03-01
    assert fee("1000.00", date(2026, 2, 28), date(2026, 3, 1)).days == 1


def test_a_charge_due_on_the_31st_counts_calendar_days():
    # due 2026-01-31; 2026-03-02 is 30 days later (February has 28): 300 × 0.0005 × 30 = 4.50
    f = fee("300.00", date(2026, 1, 31), date(2026, 3, 2))
    assert (f.days, f.amount) == (30, D("4.50"))
    # due 2026-03-31; 2026-04-30 is 30 days later, 2026-05-01 is 31
    assert fee("300.00", date(2026, 3, 31), date(2026, 4, 30)).days == 30
    assert fee("300.00", date(2026, 3, 31), date(2026, 5, 1)).amount == D("4.65")
