"""Pure rules of dunning: late fees, notice levels, deadlines, and the labels pages show. No
database, no request."""
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l


# --- dunning notices -----------------------------------------------------------------------------

DEFAULT_DEADLINE_DAYS = 15  # days after the issue date the customer has to pay
FIRST_REMINDER, SECOND_REMINDER, FINAL_DEMAND = 1, 2, 3

LEVEL_TITLES_ZH = {FIRST_REMINDER: "催款通知书", SECOND_REMINDER: "催款通知书（第二次）", FINAL_DEMAND: "催款通知书（最后催告）"}
LEVEL_LABELS = {FIRST_REMINDER: _l("First reminder"), SECOND_REMINDER: _l("Second reminder"),
                FINAL_DEMAND: _l("Final demand")}
STATUS_LABELS = {"issued": _l("Issued"), "delivered": _l("Delivered"), "paid": _l("Paid"), "expired": _l("Expired")}
DELIVERY_LABELS = {"handed_over": _l("Handed over"), "under_the_door": _l("Under the door"),
                   "registered_mail": _l("Registered mail"), "sms": _l("SMS"), "email": _l("Email")}
LEVEL_NAMES_ZH = {FIRST_REMINDER: "第一次催款", SECOND_REMINDER: "第二次催款", FINAL_DEMAND: "最后催告"}
# Days that must have passed since the previous level's notice was issued: the previous deadline
# (15 days) has run out and the customer had time to answer it.
LEVEL_MIN_INTERVAL_DAYS = {FIRST_REMINDER: 0, SECOND_REMINDER: 30, FINAL_DEMAND: 30}
# What each level says above the table. Firm but lawful: the contract, the late fee, the courts;
# never a threat to cut water, power, heating or gas (unlawful as a means of collecting fees).
LEVEL_WORDING_ZH = {
    FIRST_REMINDER: (
        "经核对，截至{as_of}，贵方尚欠下列费用未缴纳。根据物业服务合同的约定，请于{deadline}前"
        "到物业服务中心缴清欠费及{label}。如已缴纳，请忽略本通知；如有疑问，请与我们联系。"),
    SECOND_REMINDER: (
        "我司已于{previous}向贵方发出催款通知，截至{as_of}，下列费用仍未缴纳。请于{deadline}前缴清"
        "欠费及{label}。逾期未缴的，{label}将按合同约定继续计算。"),
    FINAL_DEMAND: (
        "我司已多次催告，截至{as_of}，贵方仍拖欠下列费用。现正式催告：请于{deadline}前缴清全部欠费及"
        "{label}。逾期仍未缴纳的，我司将依据《中华人民共和国民法典》及物业服务合同的约定，"
        "依法向人民法院提起诉讼或申请仲裁，由此产生的诉讼费用由贵方承担。"),
}
# Words a notice must never contain: threatening to cut a supply to force payment is unlawful.
UTILITY_CUT_WORDS = ("停水", "停电", "停暖", "停气", "断水", "断电", "断暖", "断气", "停止供水", "停止供电",
                     "停止供暖", "停止供气", "限电", "限水")

DEADLINE_RUNNING, FINAL_GIVEN, TOO_SOON = "deadline_running", "final_given", "too_soon"


def dunning_number(year: int, seq: int) -> str:
    return f"CK{year}-{seq:06d}"


def payment_notice_number(year: int, seq: int) -> str:
    return f"JK{year}-{seq:06d}"


def deadline(issued_on: date, days: int = DEFAULT_DEADLINE_DAYS) -> date:
    return issued_on + timedelta(days=days)


def due_level(charge_ids, past_notices, as_of: date):
    """Which level of dunning notice a customer is due as of a date, and for which of their overdue
    charges: (level, charge_ids) or (None, reason).

    `past_notices` are the customer's earlier notices as (level, issued_on, deadline_on, is_open,
    charge_ids). While an open notice's deadline runs, nothing new is issued. Charges that have had
    the final demand are not demanded again. Otherwise the level is one above the highest level any
    of the charges has had (the first reminder for charges never demanded), and only once that
    level's minimum interval since the latest of those notices has passed. So no charge ever gets
    the same level twice."""
    if any(is_open and deadline_on >= as_of for _, _, deadline_on, is_open, _ in past_notices):
        return None, DEADLINE_RUNNING
    given_final = set()
    for level, _, _, _, ids in past_notices:
        if level == FINAL_DEMAND:
            given_final |= set(ids)
    wanted = sorted(set(charge_ids) - given_final)
    if not wanted:
        return None, FINAL_GIVEN
    related = [(level, issued_on) for level, issued_on, _, _, ids in past_notices if set(ids) & set(wanted)]
    if not related:
        return FIRST_REMINDER, wanted
    level = max(lvl for lvl, _ in related) + 1
    latest = max(day for _, day in related)
    if (as_of - latest).days < LEVEL_MIN_INTERVAL_DAYS[level]:
        return None, TOO_SOON
    return level, wanted


def notice_status(recorded: str, owing: bool, deadline_on: date, today: date) -> str:
    """What a dunning notice reads today: "paid" once none of its charges is owed any more (even
    after the deadline), "expired" once its deadline has passed with money still owed, otherwise
    what happened to the paper ("issued" or "delivered"). Derived on every read rather than stored,
    so a late payment closes a notice and a voided receipt reopens it without anything updating it."""
    if not owing:
        return "paid"
    if deadline_on < today:
        return "expired"
    return recorded


def wording(level: int, *, as_of: date, deadline_on: date, label: str, previous: date | None = None) -> str:
    return LEVEL_WORDING_ZH[level].format(as_of=chinese_date(as_of), deadline=chinese_date(deadline_on),
                                          label=label, previous=chinese_date(previous) if previous else "")


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def rate_text(rate: Decimal) -> str:
    """A daily rate as printed: 0.0005 → 0.05%."""
    percent = (Decimal(rate) * 100).normalize()
    return f"{percent:f}%"


# --- late fees -----------------------------------------------------------------------------------

_HUNDRED = Decimal(100)


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _fen(value) -> int:
    return int(Decimal(value).scaleb(2))


class LateFee:
    """The late fee of one charge as of a date, with everything needed to explain it on paper.

    `amount` is what is still owed: the fee accrued (rounded once, then capped) less what receipts
    settled and supervisors waived, never below zero. Amounts read as Decimal yuan (kept as integer
    fen inside, so that a whole site's fees are cheap to build); `rate` is the daily rate as a
    fraction (0.0005 is 0.05% a day)."""

    __slots__ = ("charge_id", "label", "rate", "grace_days", "cap_percent", "days", "_segments", "_principal",
                 "_uncapped", "_cap", "_settled", "_waived")

    def __init__(self, charge_id, label, rate, grace_days, cap_percent, days, segments, principal, uncapped, cap,
                 settled=0, waived=0):
        self.charge_id, self.label, self.rate, self.grace_days = charge_id, label, rate, grace_days
        self.cap_percent, self.days, self._segments, self._principal = cap_percent, days, segments, principal
        self._uncapped, self._cap, self._settled, self._waived = uncapped, cap, settled, waived

    principal = property(lambda self: _yuan(self._principal), doc="still unpaid as of the date")
    uncapped = property(lambda self: _yuan(self._uncapped), doc="Σ principal × rate × days, rounded once")
    cap = property(lambda self: _yuan(self._cap), doc="cap_percent of the principal unpaid when the fee started")
    accrued = property(lambda self: _yuan(min(self._uncapped, self._cap)))
    settled = property(lambda self: _yuan(self._settled), doc="paid on earlier receipts")
    waived = property(lambda self: _yuan(self._waived))

    @property
    def amount(self) -> Decimal:
        """Still owed. A charge paid in full owes no more: the receipt that paid it settled its fee."""
        if self._principal <= 0:
            return _yuan(0)
        return _yuan(max(min(self._uncapped, self._cap) - self._settled - self._waived, 0))

    @property
    def capped(self) -> bool:
        return self._uncapped > self._cap

    @property
    def segments(self) -> list[tuple[Decimal, int]]:
        """(principal, days) pieces: one, unless the charge was paid in part while the fee ran."""
        if self._segments is None:  # one piece on the whole principal, kept without a list
            return [(_yuan(self._principal), self.days)]
        return [(_yuan(p), d) for p, d in self._segments]

    @property
    def rate_percent(self) -> str:
        return rate_text(self.rate)

    @property
    def cap_text(self) -> str:
        return f"{self.cap_percent.normalize():f}%"

    @property
    def formula(self) -> str:
        """'250.00×0.05%×90天'; a charge paid in part accrues piece by piece: '…×30天+150.00×0.05%×60天'."""
        rate = rate_text(self.rate)
        return "+".join(f"{p:.2f}×{rate}×{d}天" for p, d in self.segments)

    @property
    def description(self) -> str:
        """The explanation printed on receipts and notices, in Chinese like the documents."""
        text = f"{self.formula}={self.uncapped:.2f}" if self.days else ""
        if self.capped:
            text += f"，以欠费的{self.cap_text}为限，计{self.cap:.2f}"
        if self._waived:
            text += f"；减免{self.waived:.2f}"
        if self._settled:
            text += f"；已收{self.settled:.2f}"
        return text

    def __repr__(self):
        return f"<LateFee charge={self.charge_id} {self.days}d {self.amount}>"


_RATIOS: dict[Decimal, tuple[int, int]] = {}


def times_half_up(fen: int, factor: Decimal) -> int:
    """round(fen × factor) half up, exactly, in integers (a site has only a few distinct factors)."""
    ratio = _RATIOS.get(factor)
    if ratio is None:
        ratio = _RATIOS[factor] = factor.as_integer_ratio()
    num, den = ratio
    return (2 * fen * num + den) // (2 * den)


def late_fee(amount, due_on: date, as_of: date, *, rate, grace_days: int = 0, cap_percent=_HUNDRED, payments=(),
             settled=0, waived=0, label: str = "违约金", charge_id=None) -> LateFee:
    """The late fee of a charge of `amount` due on `due_on`, as of the end of `as_of`.

    The fee starts the day after due date + grace days and is simple interest on the principal
    still unpaid each day (never on an earlier fee): Σ principal × rate × days, rounded once to the
    fen half up, then capped at cap_percent of the principal unpaid when the fee started.
    `payments` are (business day, principal paid) pairs; a payment's own day still accrues on what
    was unpaid before it, and payments after `as_of` are ignored. `settled` (by earlier receipts)
    and `waived` are taken off what is owed. The same inputs always give the same fee."""
    return late_fee_fen(_fen(amount), due_on.toordinal(), as_of.toordinal(), rate=Decimal(rate),
                        grace_days=int(grace_days), cap_percent=Decimal(cap_percent),
                        payments=[(d.toordinal(), _fen(p)) for d, p in payments], settled=_fen(settled),
                        waived=_fen(waived), label=label, charge_id=charge_id)


def late_fee_fen(amount: int, due: int, end: int, *, rate: Decimal, grace_days: int, cap_percent: Decimal,
                 payments=(), settled: int = 0, waived: int = 0, label: str, charge_id=None) -> LateFee:
    """late_fee() on integer fen and day ordinals: the form the bulk query feeds it, one call per
    charge of a whole site."""
    last_free = due + grace_days  # the last day that accrues nothing
    principal = amount
    later = []
    for day, paid in sorted(payments):
        if day > end:
            break
        if day <= last_free:
            principal -= paid  # paid before the fee started: it never accrued
        else:
            later.append((day, paid))
    base = max(principal, 0)
    segments, fen_days, cursor = [], 0, last_free
    for day, paid in later:
        if principal <= 0:
            break
        if day > cursor:
            segments.append((principal, day - cursor))
            fen_days += principal * (day - cursor)
            cursor = day
        principal -= paid
    if principal > 0 and end > cursor:
        segments.append((principal, end - cursor))
        fen_days += principal * (end - cursor)
        cursor = end
    uncapped = times_half_up(fen_days, rate)  # the one rounding
    cap = times_half_up(base, cap_percent / _HUNDRED)
    return LateFee(charge_id, label, rate, grace_days, cap_percent, cursor - last_free, segments,
                   principal, uncapped, cap, settled, waived)
