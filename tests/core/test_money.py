"""Amounts: parsing what people type, fen conversion, and amounts in capitals by the PBOC rules
(《正确填写票据和结算凭证的基本规定》), checked against an independent reader over every amount."""
import random
import re
from decimal import Decimal

import pytest

from frontdesk.core.money import (
    AmountError, amount_in_capitals, format_amount, from_fen, parse_amount, round_fen, to_fen,
)

DIGIT = {ch: i for i, ch in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def read_capitals(text: str) -> Decimal:
    """Turn 人民币…元…角…分 back into a number, refusing anything a bank clerk would refuse:
    a unit without its digit (拾 for 壹拾), units out of order, a digit without a unit."""
    assert text.startswith("人民币"), text
    body = text[len("人民币"):]
    sign = 1
    if body.startswith("负"):
        sign, body = -1, body[1:]
    if body == "零元整":
        return Decimal("0.00")
    yuan_text, has_yuan, rest = body.partition("元")
    if not has_yuan:
        yuan_text, rest = "", body
    yuan = _read_integer(yuan_text)
    if has_yuan:
        assert yuan > 0, text
    if rest == "整":
        return sign * Decimal(yuan)
    match = re.fullmatch(r"零?(?:([壹贰叁肆伍陆柒捌玖])角)?(?:([壹贰叁肆伍陆柒捌玖])分)?", rest)
    assert match and rest.strip("零"), f"bad jiao/fen part in {text}"
    assert yuan or not rest.startswith("零"), text
    jiao = DIGIT[match.group(1)] if match.group(1) else 0
    fen = DIGIT[match.group(2)] if match.group(2) else 0
    return sign * (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100)


def _read_integer(text: str) -> int:
    """壹亿零伍万零贰拾 → 100050020, checking that units only ever fall within a group."""
    total = 0
    for big, scale in (("亿", 10**8), ("万", 10**4)):
        if big in text:
            head, _, text = text.partition(big)
            group = _read_group(head, after_higher=total > 0)
            assert 0 < group < 10000, head
            total += group * scale
    return total + _read_group(text, after_higher=total > 0)


def _read_group(text: str, *, after_higher: bool) -> int:
    """A group below 10,000: digits each followed by a strictly smaller unit; 零 only between
    digits, or at the start after a higher group (壹万零伍佰)."""
    if text.startswith("零"):
        assert after_higher, text
        text = text[1:]
    assert not text.endswith("零"), text
    value, last_unit = 0, 10000
    chars = list(text.replace("零", ""))
    i = 0
    while i < len(chars):
        digit = DIGIT[chars[i]]
        assert digit != 0
        unit = 1
        if i + 1 < len(chars) and chars[i + 1] in SMALL_UNIT:
            unit = SMALL_UNIT[chars[i + 1]]
            i += 1
        assert unit < last_unit, text
        last_unit = unit
        value += digit * unit
        i += 1
    return value


def check_structure(amount: Decimal, text: str) -> None:
    """The PBOC rules that a correct value alone does not prove."""
    fen_total = int(abs(amount) * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    assert set(text) <= set("人民币负零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整"), text
    assert "零零" not in text, text
    for unit in "元万亿":
        assert f"零{unit}" not in text or text.endswith("零元整"), text
    assert text.endswith("整") == (fen_total % 100 == 0), text
    assert text[-1] in "整角分", text
    assert re.search(r"(^|[^壹贰叁肆伍陆柒捌玖])[拾佰仟]", text[3:]) is None, f"unit without its digit: {text}"
    if yuan and not jiao and fen:
        assert "元零" in text, f"a zero jiao between yuan and fen must be read: {text}"
    # the nonzero digits appear in the same order as in the figures
    figures = [int(d) for d in str(yuan) + f"{jiao}{fen}" if d != "0"]
    assert [DIGIT[ch] for ch in text if ch in DIGIT and ch != "零"] == figures, text
    # a zero run inside the yuan reads 零, except where it only fills the top of a 万/亿 group
    digits = str(yuan) if yuan else ""
    yuan_text = text.split("元")[0]
    nonzero = [len(digits) - 1 - i for i, d in enumerate(digits) if d != "0"]
    zeros_needed = sum(1 for hi, lo in zip(nonzero, nonzero[1:]) if hi - lo > 1 and lo % 4 != 3)
    assert yuan_text.count("零") >= zeros_needed, text


PBOC_EXAMPLES = [
    ("1409.50", "人民币壹仟肆佰零玖元伍角"),
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("100000", "人民币壹拾万元整"),
    ("0.05", "人民币伍分"),
    ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),
    ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),
    ("325.04", "人民币叁佰贰拾伍元零肆分"),
    ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
    ("0", "人民币零元整"),
    ("10", "人民币壹拾元整"),
    ("0.10", "人民币壹角"),
    ("1234.56", "人民币壹仟贰佰叁拾肆元伍角陆分"),
    ("100000001", "人民币壹亿零壹元整"),
    ("100010000", "人民币壹亿零壹万元整"),
    ("999999999.99", "人民币玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("-12.30", "人民币负壹拾贰元叁角"),
]


@pytest.mark.parametrize("figures, capitals", PBOC_EXAMPLES)
def test_amount_in_capitals_writes_the_pboc_examples(figures, capitals):
    assert amount_in_capitals(Decimal(figures)) == capitals


def test_reader_reads_the_pboc_examples_back():
    for figures, capitals in PBOC_EXAMPLES:
        assert read_capitals(capitals) == Decimal(figures)


@pytest.mark.parametrize("wrong", ["人民币拾元整", "人民币壹佰壹仟元整", "人民币壹元零", "人民币伍"])
def test_reader_refuses_malformed_capitals(wrong):
    with pytest.raises((AssertionError, KeyError)):
        read_capitals(wrong)
        check_structure(Decimal("0"), wrong)


def _check(amount: Decimal) -> None:
    text = amount_in_capitals(amount)
    assert read_capitals(text) == amount, text
    check_structure(amount, text)


def test_capitals_round_trip_for_every_amount_up_to_ten_thousand_in_a_stride():
    # a stride of 0.19 visits every fen digit and every zero pattern of the yuan below 10,000
    for fen in range(1, 1_000_001, 19):
        _check(Decimal(fen) / 100)
    for yuan in range(0, 10001):
        _check(Decimal(yuan))


def test_capitals_round_trip_for_random_amounts_up_to_the_maximum():
    rng = random.Random(20260331)
    for _ in range(20000):
        _check(Decimal(rng.randint(1, 99_999_999_999)) / 100)
    # zeros in every position are where capitals go wrong: build amounts that are mostly zeros
    for _ in range(10000):
        digits = "".join(rng.choice("0000000123456789") for _ in range(11))
        _check(Decimal(int(digits)) / 100)


def test_negative_amounts_read_as_negative():
    _check(Decimal("-107000.53"))


@pytest.mark.parametrize("typed, expected", [
    ("1234.5", "1234.50"), (" 1,234.56 ", "1234.56"), ("￥88", "88.00"), ("¥0.01", "0.01"), ("１２.３", "12.30"),
    ("1，000", "1000.00"), (".5", "0.50"), (Decimal("7.1"), "7.10"),
])
def test_parse_amount_reads_what_people_type(typed, expected):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize("typed", [
    "", "   ", "abc", "1.2.3", "1.005", "0.001", "1e3", "1E-2", "1_000", "NaN", "Infinity", "--5", "0x10",
    "1000000000", "999999999.991", "0", "0.00", "-5", "-0.01", Decimal("NaN"), "5元",
])
def test_parse_amount_refuses_bad_input(typed):
    with pytest.raises(AmountError):
        parse_amount(typed)


def test_parse_amount_allows_zero_and_negative_only_when_asked():
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")
    assert parse_amount("-12.3", allow_negative=True) == Decimal("-12.30")
    assert parse_amount("999999999.99") == Decimal("999999999.99")


def test_to_fen_refuses_floats_and_sub_fen_amounts():
    with pytest.raises(TypeError):
        to_fen(12.34)
    with pytest.raises(ValueError):
        to_fen(Decimal("1.005"))
    assert to_fen(Decimal("1234.56")) == 123456
    assert to_fen(Decimal("-0.01")) == -1
    assert to_fen(7) == 700
    assert from_fen(123456) == Decimal("1234.56")


def test_round_fen_rounds_half_up():
    assert round_fen(Decimal("0.005")) == Decimal("0.01")
    assert round_fen(Decimal("2.345")) == Decimal("2.35")
    assert round_fen(Decimal("-2.345")) == Decimal("-2.35")


def test_format_amount_groups_thousands_with_the_yuan_sign():
    assert format_amount(Decimal("1234.5")) == "￥1,234.50"
    assert format_amount(Decimal("-0.5"), symbol=False) == "-0.50"
    assert format_amount(None) == ""
