"""Pure billing rules: how much a charge is, how a payment settles charges, what a receipt is called.

No database and no Flask here, so each rule can be checked with plain values."""
import re
from calendar import monthrange
from datetime import date
from decimal import Decimal

from ..core.money import round_fen
from .models import ALIPAY, CARD, CASH, FIXED_MONTH, METERED, PAID, PARTIAL, PER_AREA_MONTH, TRANSFER, UNPAID, WECHAT

# Receipts are Chinese documents: these labels are printed whatever language the screen speaks.
METHOD_LABELS_ZH = {CASH: "现金", CARD: "刷卡", TRANSFER: "银行转账", WECHAT: "微信支付", ALIPAY: "支付宝"}

# Methods whose money arrives with a reference the cashier copies from a slip or a phone screen.
REFERENCE_METHODS = (CARD, TRANSFER, WECHAT, ALIPAY)

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> str:
    """'2026-03' → '2026-03'; anything else raises ValueError."""
    text = (text or "").strip()
    match = _PERIOD.match(text)
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValueError("not a billing period")
    return text


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a billing period."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def due_date(period: str, due_day: int) -> date:
    """A monthly charge falls due on the fee item's due day of the period's month."""
    first, last = period_bounds(period)
    return first.replace(day=min(due_day, last.day))


def charge_amount(basis: str, price: Decimal, *, area: Decimal | None = None,
                  consumption: Decimal | None = None, multiplier: Decimal = Decimal("1")) -> Decimal:
    """The amount of a monthly or metered charge, rounded once to the fen (half up).

    per m² per month: area × price; fixed per month: price; metered: consumption × multiplier × price.
    The product is exact before the single rounding, so 100.05 m² × 2.85 gives 285.14 (285.1425)."""
    if basis == PER_AREA_MONTH:
        exact = Decimal(area) * Decimal(price)
    elif basis == FIXED_MONTH:
        exact = Decimal(price)
    elif basis == METERED:
        exact = Decimal(consumption) * Decimal(multiplier) * Decimal(price)
    else:
        raise ValueError(f"{basis} charges are entered by hand")
    return round_fen(exact)


def charge_status(amount: Decimal, paid: Decimal) -> str:
    if paid <= 0:
        return UNPAID
    return PAID if paid >= amount else PARTIAL


def settle_oldest_first(outstanding: list[tuple[int, Decimal]], amount: Decimal) -> tuple[list[tuple[int, Decimal]], Decimal]:
    """Apply `amount` to charges given oldest first as (id, outstanding).

    Returns the (id, applied) pairs that receive money and what is left over once every charge is
    settled (the excess, which may become a prepayment)."""
    applied = []
    left = amount
    for charge_id, owed in outstanding:
        if left <= 0:
            break
        part = min(owed, left)
        if part > 0:
            applied.append((charge_id, part))
            left -= part
    return applied, left


def days_overdue(due_on: date, today: date) -> int:
    """Whole days past the due date; 0 on the due date and before it."""
    return max((today - due_on).days, 0)


def receipt_number(prefix: str, year: int, seq: int) -> str:
    """SJ2026-000123: the site's prefix, the year of the business day and the gapless sequence."""
    return f"{prefix}{year}-{seq:06d}"


def plain_amount(value: Decimal) -> str:
    """'1234.56': how amounts are written inside snapshots (no symbol, no grouping)."""
    return f"{Decimal(value):.2f}"


def normalise_unit_number(text: str) -> str:
    """'a1203', 'A-1203' and ' A 1203 ' all read as 'A1203' when looking a unit up."""
    return re.sub(r"[\s\-－—_]", "", text or "").upper()


def parse_day(text, default: date) -> date | None:
    """A ?day=YYYY-MM-DD parameter: the default when absent, None when malformed."""
    if not text:
        return default
    try:
        return date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return None
