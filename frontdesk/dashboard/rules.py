"""Pure rules of the reports: ageing buckets, the collection rate, month ranges and chart geometry.

No database and no Flask here, so each rule can be checked with plain values."""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..billing.rules import parse_period
from ..core.money import format_amount

# Ageing buckets (账龄) by whole days past the due date: (first day, last day); None is open-ended.
# A charge is in arrears from the day after its due date, so the first bucket starts at day 1.
BUCKETS = ((1, 30), (31, 90), (91, 180), (181, None))
BUCKET_LABELS = ("0–30", "31–90", "91–180", ">180")

# A month range longer than this is refused: five years of months is already a very wide table.
MAX_MONTHS = 60

HUNDRED = Decimal("100")
ZERO = Decimal("0.00")


def bucket_bounds(as_of: date) -> list[tuple[date | None, date]]:
    """For each bucket, the (earliest, latest) due date of a charge that falls in it as of a day.

    Charges due on `as_of` or later are in no bucket: they are not overdue yet. The last bucket has
    no earliest due date."""
    bounds = []
    for first, last in BUCKETS:
        latest = as_of - timedelta(days=first)
        earliest = as_of - timedelta(days=last) if last is not None else None
        bounds.append((earliest, latest))
    return bounds


def bucket_of(due_on: date, as_of: date) -> int | None:
    """Index of the bucket a charge due on `due_on` is in as of a day; None when not overdue."""
    days = (as_of - due_on).days
    for index, (first, last) in enumerate(BUCKETS):
        if days >= first and (last is None or days <= last):
            return index
    return None


def collection_rate(collected: Decimal, due: Decimal) -> Decimal | None:
    """收缴率 in percent, rounded once to two places (half up); None when nothing was due."""
    if not due:
        return None
    return (Decimal(collected) * HUNDRED / Decimal(due)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def month_range(first: str, last: str) -> list[str]:
    """Every billing period from `first` to `last`, both included.

    Raises ValueError when either is not YYYY-MM, when they are reversed or when the range is
    longer than MAX_MONTHS."""
    first, last = parse_period(first), parse_period(last)
    if first > last:
        raise ValueError("reversed")
    year, month = int(first[:4]), int(first[5:7])
    periods = []
    while True:
        period = f"{year:04d}-{month:02d}"
        periods.append(period)
        if period == last:
            return periods
        if len(periods) >= MAX_MONTHS:
            raise ValueError("too long")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)


def months_back(as_of: date, count: int) -> tuple[str, str]:
    """The `count` billing periods ending with the month of `as_of`, as (first, last)."""
    year, month = as_of.year, as_of.month - (count - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}", f"{as_of.year:04d}-{as_of.month:02d}"


# --- chart geometry --------------------------------------------------------------------------------
# The charts are SVG drawn by the template; the sizes are worked out here from Decimal amounts so
# that no float ever touches money and the template only places boxes.

@dataclass
class Bar:
    label: str
    value_text: str
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    segments: list  # (x, width, css class) for stacked bars


def _size(part: Decimal, whole: Decimal, length: int) -> Decimal:
    if not whole or part <= 0:
        return Decimal("0")
    return (Decimal(part) * length / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def column_chart(items: list[tuple[str, Decimal | None, str]], *, height=160, column=28, gap=10,
                 scale=HUNDRED) -> list[Bar]:
    """Vertical bars for (label, value, value text); a value of `scale` fills the height.
    A missing value (None) draws no bar but keeps its place."""
    bars = []
    for index, (label, value, text) in enumerate(items):
        size = _size(min(value, scale), scale, height) if value is not None else Decimal("0")
        x = gap + index * (column + gap)
        bars.append(Bar(label, text, Decimal(x), Decimal(height) - size, Decimal(column), size, []))
    return bars


def stacked_rows(items: list[tuple[str, list[Decimal], str]], *, width=520, row=22, gap=8,
                 css="bucket") -> list[Bar]:
    """Horizontal bars of (label, parts, total text), each part a segment (css class `css` and the
    part's index); the largest total fills the width and the others are drawn to the same scale."""
    largest = max((sum(parts, ZERO) for _label, parts, _text in items), default=ZERO)
    bars = []
    for index, (label, parts, text) in enumerate(items):
        x = Decimal("0")
        segments = []
        for part_index, part in enumerate(parts):
            size = _size(part, largest, width)
            if size:
                segments.append((x, size, f"{css}{part_index}"))
            x += size
        bars.append(Bar(label, text, Decimal(0), Decimal(index * (row + gap)), x, Decimal(row), segments))
    return bars


def ageing_chart(report, *, limit=30) -> list[Bar]:
    """Arrears by building as stacked bars, one segment per ageing bucket (the largest buildings
    first, at most `limit` of them)."""
    lines = sorted(report.by_building, key=lambda b: -b.ageing.total)[:limit]
    return stacked_rows([(b.name, b.ageing.buckets, format_amount(b.ageing.total, symbol=False)) for b in lines])


def rate_chart(report) -> list[Bar]:
    """The collection rate of each billing period as columns, 100% at the top."""
    items = []
    for period, cell in report.by_period:
        rate = cell.rate
        items.append((period, rate, f"{rate}%" if rate is not None else "—"))
    return column_chart(items)


# --- the work-order report -------------------------------------------------------------------------

TENTH = Decimal("0.1")
SCORES = (1, 2, 3, 4, 5)  # callback satisfaction, 1 (very unhappy) to 5 (very satisfied)


def percent(part: int, whole: int) -> Decimal | None:
    """part ÷ whole in percent, rounded once to one decimal place (half up); None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def average(total: int, count: int, per: int = 1) -> Decimal | None:
    """total ÷ count ÷ per, rounded once to one decimal place (half up); None when count is 0.
    Seconds become minutes with per=60 and hours with per=3600."""
    if not count:
        return None
    return (Decimal(total) / (Decimal(count) * per)).quantize(TENTH, rounding=ROUND_HALF_UP)


def month_days(months: list[str]) -> tuple[date, date]:
    """The first day of the first month and the first day after the last one."""
    year, month = int(months[-1][:4]), int(months[-1][5:7])
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(int(months[0][:4]), int(months[0][5:7]), 1), after


@dataclass
class ColumnGroup:
    label: str
    middle: Decimal  # where the group's label goes
    end: Decimal  # right edge of its last column
    bars: list[Bar]


def grouped_columns(groups: list[tuple[str, list[tuple[Decimal | None, str]]]], *, height=160, column=30, gap=6,
                    group_gap=34, scale=HUNDRED) -> list[ColumnGroup]:
    """Groups of vertical bars side by side, one group per label and one column per (value, text)
    in it (the n-th column of every group is the same series); a value of `scale` fills the height."""
    placed = []
    left = Decimal(group_gap)
    for label, values in groups:
        bars = column_chart([(label, value, text) for value, text in values], height=height, column=column,
                            gap=gap, scale=scale)
        for bar in bars:  # column_chart starts a gap from 0: move the group to its place
            bar.x += left - gap
        width = Decimal(len(values) * (column + gap) - gap)
        placed.append(ColumnGroup(label, left + width / 2, left + width, bars))
        left += width + group_gap
    return placed


def workorder_category_chart(report) -> list[Bar]:
    """Orders of each category that has any, stacked by kind (segments kind0…kind4 in the order of
    the report's kinds)."""
    from ..workorders.rules import CATEGORY_LABELS

    return stacked_rows([(CATEGORY_LABELS[line.category], [Decimal(n) for n in line.by_kind], str(line.total))
                         for line in report.by_category if line.total], css="kind")


def workorder_on_time_chart(report, total_label: str) -> list[ColumnGroup]:
    """The on-time rate against each time limit (first response, promise, limit never to pass) of
    each kind with orders, and of all orders (under `total_label`); 100% at the top."""
    from ..workorders.rules import KIND_LABELS

    lines = [(KIND_LABELS[k.kind], k) for k in report.by_kind if k.orders] + [(total_label, report.total)]
    return grouped_columns([(label, [(limit.rate, f"{limit.rate}%" if limit.rate is not None else "—")
                                     for limit in (k.response, k.promise, k.hard)]) for label, k in lines])


def workorder_satisfaction_chart(report, describe) -> list[Bar]:
    """The callbacks of each kind that has any, stacked by satisfaction 1…5 (segments score0…score4),
    each described by describe(average, number of callbacks)."""
    from ..workorders.rules import KIND_LABELS

    return stacked_rows([(KIND_LABELS[k.kind], [Decimal(n) for n in k.scores],
                          describe(k.average_satisfaction, k.callbacks)) for k in report.by_kind if k.callbacks],
                        css="score")
