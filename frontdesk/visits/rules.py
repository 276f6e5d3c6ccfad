"""Pure rules of customer visits: the week of a day, coverage, score averages, and the labels."""
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l, lazy_pgettext

from .models import (
    BILLING, CANCELLED, CLEANING, COMPLAINT, FRONT_DESK, ITEM_COMPLAINT, LATE_PAYMENT, ON_SITE, OPINION, OVERALL,
    PHONE, PLANNED, RECOMMEND, RECORDED, RENEWAL, REPAIRS, REQUEST, ROUTINE_CARE, SECURITY, SUGGESTION, SURVEY,
)

MODE_LABELS = {PHONE: lazy_pgettext("visit", "By phone"), ON_SITE: lazy_pgettext("visit", "On site")}
PURPOSE_LABELS = {
    ROUTINE_CARE: _l("Routine care"),
    LATE_PAYMENT: _l("Late payment"),
    COMPLAINT: _l("Complaint"),
    SURVEY: _l("Satisfaction survey"),
    RENEWAL: _l("Lease renewal"),
}
STATUS_LABELS = {PLANNED: _l("Planned"), RECORDED: _l("Recorded"), CANCELLED: _l("Cancelled")}
ITEM_LABELS = {
    OPINION: _l("Opinion"),
    REQUEST: _l("Request"),
    SUGGESTION: _l("Suggestion"),
    ITEM_COMPLAINT: _l("Complaint"),
}
DIMENSION_LABELS = {
    FRONT_DESK: lazy_pgettext("survey", "Front desk"),
    SECURITY: _l("Security"),
    CLEANING: _l("Cleaning"),
    REPAIRS: _l("Repairs"),
    BILLING: _l("Billing"),
    OVERALL: _l("Overall"),
    RECOMMEND: _l("Would recommend us"),
}
# the questionnaire a site starts with (the service standard's 满意度调查表)
DEFAULT_QUESTIONS = (
    (FRONT_DESK, "您对前台接待服务（来访接待、电话接听、报事受理）是否满意？"),
    (SECURITY, "您对园区安全秩序维护（门岗、巡逻、车辆管理）是否满意？"),
    (CLEANING, "您对公共区域保洁与绿化是否满意？"),
    (REPAIRS, "您对报修维修的及时性和质量是否满意？"),
    (BILLING, "您对物业费用收缴与票据服务是否满意？"),
    (OVERALL, "您对我们的物业服务总体是否满意？"),
    (RECOMMEND, "您是否愿意向其他企业推荐我们的园区与服务？"),
)
# an item of these kinds can become a work order; of which kind
WORK_ORDER_KIND = {REQUEST: "repair", ITEM_COMPLAINT: "complaint"}


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week of `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def not_visited_before(today: date, days: int) -> date:
    """A company last visited before this day (or never) counts as "not visited in `days` days"."""
    return today - timedelta(days=days)


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` in whole percent, half up; None when there is nothing to count."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def average(total: int, count: int) -> Decimal | None:
    """A score average to two decimals, half up; None without answers."""
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# words of a request that say which trade it is for, the more telling first ("电梯" before "电",
# "水费" before "水"): the category the work-order form starts with
CATEGORY_WORDS = (
    ("lift", ("电梯",)),
    ("hvac", ("空调", "暖气", "通风", "制冷")),
    ("billing", ("费", "账单", "发票", "收据")),
    ("plumbing", ("水", "漏", "管道", "马桶", "堵")),
    ("electrical", ("电", "灯", "插座", "跳闸")),
    ("doors_locks", ("门", "锁")),
    ("cleaning", ("保洁", "卫生", "垃圾", "清洁")),
    ("security", ("保安", "安全", "监控", "巡逻")),
    ("noise", ("噪音", "噪声", "吵")),
)


def likely_category(text) -> str:
    """The category a request most likely belongs to, "other" when no word says."""
    return next((category for category, words in CATEGORY_WORDS if any(w in text for w in words)), "other")
