from datetime import date
from decimal import Decimal

import pytest

from frontdesk.core.errors import ValidationFailed
from frontdesk.estate import rules


def mod11_2(first17):
    """ISO 7064 MOD 11-2 computed the iterative way, independently of the weight table."""
    p = 0
    for digit in first17:
        p = ((p + int(digit)) * 2) % 11
    check = (12 - p) % 11
    return "X" if check == 10 else str(check)


def id_number(region="110105", born="19900307", seq="447"):
    first17 = region + born + seq
    return first17 + mod11_2(first17)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "914403001922038216", "9144030071526726XG", "91110000802100433B"])
def test_real_credit_codes_pass_the_check_character(code):
    assert rules.normalise_credit_code(code) == code


def test_credit_code_is_upper_cased_and_full_width_is_accepted():
    assert rules.normalise_credit_code(" ９１３５０１００ｍ０００１００ｙ４３ ") == "91350100M000100Y43"


@pytest.mark.parametrize("code, message", [
    ("91350100M000100Y44", "check character"),
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100I43", "never use"),
])
def test_mistyped_credit_codes_are_refused(code, message):
    with pytest.raises(ValidationFailed) as caught:
        rules.normalise_credit_code(code)
    assert message in str(caught.value)


def test_credit_code_check_character_uses_all_31_characters():
    assert len(rules.CREDIT_CODE_ALPHABET) == 31
    assert rules.credit_code_check_char("91350100M000100Y4") == "3"


def test_constructed_id_numbers_pass_including_an_x_check_digit():
    for seq in range(100, 140):
        number = id_number(seq=str(seq))
        assert rules.normalise_id_number(number.lower()) == number
    assert rules.normalise_id_number("11010519491231002x") == "11010519491231002X"


def test_id_number_with_a_wrong_check_digit_is_refused():
    number = id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationFailed, match="check digit"):
        rules.normalise_id_number(wrong)


@pytest.mark.parametrize("born", ["19900230", "19901301", "18991231"])
def test_id_number_with_an_impossible_birth_date_is_refused(born):
    with pytest.raises(ValidationFailed, match="birth date"):
        rules.normalise_id_number(id_number(born=born))


def test_id_number_born_in_the_future_is_refused():
    with pytest.raises(ValidationFailed, match="birth date"):
        rules.normalise_id_number(id_number(born="20300101"), today=date(2026, 3, 31))


def test_id_number_needs_eighteen_characters_with_x_only_last():
    for bad in ["1101051990030744", "11010519900307X447", "abc"]:
        with pytest.raises(ValidationFailed, match="17 digits"):
            rules.normalise_id_number(bad)


@pytest.mark.parametrize("text, expected", [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
])
def test_mobile_numbers_are_normalised(text, expected):
    assert rules.normalise_mobile(text) == expected
    assert rules.is_mobile(text)


@pytest.mark.parametrize("text", ["1381234567", "23812345678", "138123456789", "phone"])
def test_numbers_that_are_not_mobile_numbers_are_refused(text):
    assert not rules.is_mobile(text)
    with pytest.raises(ValidationFailed, match="11 digits starting with 1"):
        rules.normalise_mobile(text)


def test_a_phone_may_be_a_landline_with_area_code():
    assert rules.normalise_phone("0571-88886666") == "0571-88886666"
    assert rules.normalise_phone("010 88886666") == "01088886666"
    with pytest.raises(ValidationFailed):
        rules.normalise_phone("88886666")


def test_phone_last4_follows_the_digits():
    assert rules.phone_last4("13812345678") == "5678"
    assert rules.phone_last4("0571-88886666") == "6666"
    assert rules.phone_last4(None) is None


@pytest.mark.parametrize("text, expected", [
    ("a－1203", "A-1203"), ("Ａ－１２０３", "A-1203"), (" b-0301 ", "B-0301"), ("3#—502", "3#-502"),
    ("p - 001", "P-001"), ("A-B101", "A-B101"),
])
def test_unit_numbers_are_normalised(text, expected):
    assert rules.normalise_unit_number(text) == expected


@pytest.mark.parametrize("text", ["1203", "A1203", "-1203", "A-", "A-12<script>", ""])
def test_unit_numbers_without_building_dash_room_are_refused(text):
    with pytest.raises(ValidationFailed, match="building code, a dash and a room number"):
        rules.normalise_unit_number(text)


def test_building_code_of_a_unit_number():
    assert rules.building_code_of("A-1203") == "A"
    assert rules.building_code_of("3#-502") == "3#"


@pytest.mark.parametrize("text, expected", [
    ("89.5", Decimal("89.50")), ("120", Decimal("120.00")), ("89.50㎡", Decimal("89.50")),
    ("1,024.25", Decimal("1024.25")), ("66平方米", Decimal("66.00")), ("８８.８", Decimal("88.80")),
])
def test_areas_are_exact_decimals(text, expected):
    area = rules.parse_area(text)
    assert area == expected and isinstance(area, Decimal)


@pytest.mark.parametrize("text, message", [
    ("abc", "The area 'abc' is not a number."), ("0", "The area must be greater than 0."),
    ("-5", "The area must be greater than 0."), ("89.555", "The area '89.555' has more than 2 decimal places."),
    ("NaN", "The area 'NaN' is not a number."),
])
def test_bad_areas_are_refused(text, message):
    with pytest.raises(ValidationFailed) as caught:
        rules.parse_area(text)
    assert str(caught.value) == message


def test_periods_overlap_with_inclusive_ends_and_open_ends():
    d = date
    assert rules.periods_overlap(d(2024, 1, 1), None, d(2025, 1, 1), None)
    assert rules.periods_overlap(d(2024, 1, 1), d(2024, 12, 31), d(2024, 12, 31), None)
    assert not rules.periods_overlap(d(2024, 1, 1), d(2024, 12, 30), d(2024, 12, 31), None)
    assert not rules.periods_overlap(d(2025, 1, 1), None, d(2024, 1, 1), d(2024, 12, 31))


def test_end_date_before_start_date_is_refused():
    with pytest.raises(ValidationFailed, match="end date"):
        rules.check_period(date(2024, 5, 1), date(2024, 4, 30))
    rules.check_period(date(2024, 5, 1), date(2024, 5, 1))


@pytest.mark.parametrize("text", ["2024-03-01", "2024/3/1", "2024.3.1", "2024年3月1日", "20240301", "２０２４－０３－０１"])
def test_spreadsheet_dates_are_read(text):
    assert rules.parse_date(text) == date(2024, 3, 1)


def test_words_of_a_spreadsheet_map_to_codes():
    assert rules.word_to_code("住宅", rules.USE_WORDS, ("home",)) == "home"
    assert rules.word_to_code(" Shop ", rules.USE_WORDS, ("shop",)) == "shop"
    assert rules.word_to_code("villa", rules.USE_WORDS, ("home",)) is None
