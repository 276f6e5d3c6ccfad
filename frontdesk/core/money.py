"""Exact money: Decimal yuan with two places, integer fen in the database, amounts in capitals.

Rounding happens once per documented rule, ROUND_HALF_UP, through `round_fen`."""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")  # under 10^9 yuan: anything larger is a typing mistake
# Decimal() also reads "1e3" and "1_000"; a person at the counter who types those made a mistake
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")


class AmountError(ValueError):
    """A value that is not a valid amount of money."""


def round_fen(value) -> Decimal:
    """Round to the fen, half up: the one rounding rule for amounts computed from rates."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def parse_amount(text, *, allow_zero=False, allow_negative=False) -> Decimal:
    """Read an amount typed by a person: '1,234.5' → Decimal('1234.50').

    Raises AmountError for non-numbers, more than two decimal places, zero or negative
    (unless allowed) and anything over MAX_AMOUNT."""
    if isinstance(text, Decimal):
        value = text
    else:
        cleaned = str(text).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        if not cleaned:
            raise AmountError("empty")
        if not _PLAIN_NUMBER.fullmatch(cleaned):
            raise AmountError("not a number")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise AmountError("not a number") from None
    if not value.is_finite():
        raise AmountError("not a number")
    if value != value.quantize(FEN, rounding=ROUND_HALF_UP):
        raise AmountError("more than two decimal places")
    if abs(value) > MAX_AMOUNT:
        raise AmountError("too large")
    if value == 0 and not allow_zero:
        raise AmountError("zero")
    if value < 0 and not allow_negative:
        raise AmountError("negative")
    return value.quantize(FEN)


def to_fen(value) -> int:
    """Decimal yuan → integer fen. Refuses floats and sub-fen amounts."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    value = Decimal(value)
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount {value} has more than two decimal places")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(FEN)


def format_amount(value, symbol=True) -> str:
    """'￥1,234.56' — the figure printed on receipts and shown on every page."""
    if value is None:
        return ""
    value = Decimal(value).quantize(FEN)
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.2f}"
    return f"{sign}{'￥' if symbol else ''}{text}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def _section(n: int) -> str:
    """Capitals for 0 < n < 10000, with a 零 for each run of inner zeros."""
    out = []
    zero = False
    for pos in range(3, -1, -1):
        d = (n // 10**pos) % 10
        if d == 0:
            if out:
                zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[d] + _SMALL_UNITS[pos])
    return "".join(out)


def amount_in_capitals(value, prefix="人民币") -> str:
    """The amount in Chinese capitals by the PBOC rules for 大写金额.

    1409.50 → 人民币壹仟肆佰零玖元伍角; 6007.14 → 人民币陆仟零柒元壹角肆分;
    100000 → 人民币壹拾万元整; 0.05 → 人民币伍分; 1680.32 → 人民币壹仟陆佰捌拾元零叁角贰分;
    107000.53 → 人民币壹拾万柒仟元零伍角叁分. Negative amounts (reversals) start with 负."""
    value = Decimal(value).quantize(FEN)
    negative = value < 0
    fen_total = abs(int(value * 100))
    yuan, jiao, fen = fen_total // 100, (fen_total // 10) % 10, fen_total % 10
    text = ""
    if yuan:
        sections = []
        i = 0
        n = yuan
        while n:
            sections.append(n % 10000)
            n //= 10000
            i += 1
        parts = []
        need_zero = False
        for idx in range(len(sections) - 1, -1, -1):
            sec = sections[idx]
            if sec == 0:
                need_zero = bool(parts)
                continue
            # a section below 1000 after a higher one reads with a 零 (壹万零伍佰)
            if parts and (need_zero or sec < 1000):
                parts.append("零")
            parts.append(_section(sec) + _BIG_UNITS[idx])
            need_zero = False
        text = "".join(parts) + "元"
    if jiao == 0 and fen == 0:
        text = (text or "零元") + "整"
    else:
        if jiao:
            # an amount with yuan whose units digit is 0 reads 零 before the jiao (壹仟陆佰捌拾元零叁角)
            if yuan and yuan % 10 == 0:
                text += "零"
            text += _DIGITS[jiao] + "角"
        elif yuan:
            text += "零"
        # PBOC: 整 may follow an amount ending in 角; the examples write none
        if fen:
            text += _DIGITS[fen] + "分"
    return prefix + ("负" if negative else "") + text
