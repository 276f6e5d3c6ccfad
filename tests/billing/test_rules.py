from datetime import date
from decimal import Decimal

import pytest

from frontdesk.billing import rules
from frontdesk.billing.models import FIXED_MONTH, METERED, ONE_OFF, PER_AREA_MONTH


def test_area_fee_is_rounded_once_half_up():
    # 100.05 m² × 2.85 = 285.1425 → 285.14; 12.5 m² × 0.81 = 10.125 → 10.13 (half up, not to even)
    assert rules.charge_amount(PER_AREA_MONTH, Decimal("2.85"), area=Decimal("100.05")) == Decimal("285.14")
    assert rules.charge_amount(PER_AREA_MONTH, Decimal("0.81"), area=Decimal("12.5")) == Decimal("10.13")


def test_metered_fee_multiplies_consumption_multiplier_and_price_before_rounding():
    # 123.45 kWh × 40 (current transformer) × 1.0500 = 5184.90
    amount = rules.charge_amount(METERED, Decimal("1.0500"), consumption=Decimal("123.45"), multiplier=Decimal("40"))
    assert amount == Decimal("5184.90")
    assert rules.charge_amount(METERED, Decimal("3.333"), consumption=Decimal("1.5")) == Decimal("5.00")


def test_fixed_fee_is_the_price():
    assert rules.charge_amount(FIXED_MONTH, Decimal("150.005")) == Decimal("150.01")


def test_one_off_fees_have_no_formula():
    with pytest.raises(ValueError):
        rules.charge_amount(ONE_OFF, Decimal("1"))


def test_payment_settles_oldest_first_and_reports_the_excess():
    applied, excess = rules.settle_oldest_first([(1, Decimal("100.00")), (2, Decimal("50.00"))], Decimal("120.00"))
    assert applied == [(1, Decimal("100.00")), (2, Decimal("20.00"))]
    assert excess == Decimal("0.00")
    applied, excess = rules.settle_oldest_first([(1, Decimal("100.00"))], Decimal("130.50"))
    assert applied == [(1, Decimal("100.00"))] and excess == Decimal("30.50")


def test_receipt_number_has_prefix_year_and_six_digits():
    assert rules.receipt_number("SJ", 2026, 123) == "SJ2026-000123"


def test_unit_numbers_match_without_dash_and_case():
    assert rules.normalise_unit_number(" a1203 ") == rules.normalise_unit_number("A-1203") == "A1203"


def test_due_date_stays_inside_short_months():
    assert rules.due_date("2026-02", 28) == date(2026, 2, 28)
    assert rules.due_date("2026-03", 15) == date(2026, 3, 15)


@pytest.mark.parametrize("text", ["2026-13", "2026-3", "26-03", "", "2026-03-01", "abcd-ef"])
def test_malformed_periods_are_refused(text):
    with pytest.raises(ValueError):
        rules.parse_period(text)


def test_days_overdue_counts_from_the_day_after_due():
    assert rules.days_overdue(date(2026, 3, 15), date(2026, 3, 15)) == 0
    assert rules.days_overdue(date(2026, 3, 15), date(2026, 3, 31)) == 16
    assert rules.days_overdue(date(2026, 4, 15), date(2026, 3, 31)) == 0
