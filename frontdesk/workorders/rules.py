"""Pure rules of work orders: the transition table, time limits and working-day arithmetic, the
priority of an order, and what the clerk says on the phone."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
from flask_babel import lazy_gettext as _l, lazy_pgettext
from lunardate import LunarDate

from ..core.clock import BUSINESS_TZ
from .models import (CALLBACK_NONE, CALLBACK_OPTIONAL, CALLBACK_REQUIRED, CALLED_BACK, CANCELLED, CLOSED, COMPLAINT,
                     COMPLETED, COMPLEX, DISPATCHED, EMERGENCY, ENQUIRY, HOURS, IN_PROGRESS, MINUTES, NEW, NORMAL,
                     ON_HOLD, ORDINARY, PRAISE, REPAIR, SIMPLE, SUGGESTION, WAITING_CUSTOMER, WAITING_PARTS,
                     WORKING_DAYS)

KIND_LABELS = {REPAIR: _l("Repair"), COMPLAINT: _l("Complaint"), ENQUIRY: _l("Enquiry"),
               SUGGESTION: _l("Suggestion"), PRAISE: _l("Praise")}
CHANNEL_LABELS = {"phone": _l("Phone"), "walk_in": _l("Walk-in"), "on_site": lazy_pgettext("channel", "On site"),
                  "email": _l("Email")}
CATEGORY_LABELS = {"plumbing": _l("Plumbing"), "electrical": _l("Electrical"), "hvac": _l("Heating / air-conditioning"),
                   "lift": _l("Lift"), "doors_locks": _l("Doors and locks"), "cleaning": _l("Cleaning"),
                   "security": _l("Security"), "noise": _l("Noise"), "billing": _l("Billing"), "other": _l("Other")}
URGENCY_LABELS = {EMERGENCY: _l("Emergency"), NORMAL: _l("Normal")}
COMPLEXITY_LABELS = {SIMPLE: _l("Simple"), ORDINARY: _l("Ordinary"), COMPLEX: _l("Complex")}
STATUS_LABELS = {NEW: _l("New"), DISPATCHED: _l("Dispatched"), IN_PROGRESS: _l("In progress"), ON_HOLD: _l("On hold"),
                 COMPLETED: _l("Completed"), CALLED_BACK: _l("Called back"),
                 CLOSED: lazy_pgettext("work order", "Closed"),
                 CANCELLED: _l("Cancelled")}
HOLD_REASON_LABELS = {WAITING_CUSTOMER: _l("Waiting for the customer"), WAITING_PARTS: _l("Waiting for parts")}
UNIT_LABELS = {MINUTES: _l("minutes"), HOURS: _l("hours"), WORKING_DAYS: _l("working days")}
CALLBACK_LABELS = {CALLBACK_REQUIRED: _l("Always call back"), CALLBACK_OPTIONAL: _l("Call back when useful"),
                   CALLBACK_NONE: _l("No callback")}
EVENT_LABELS = {"log": _l("Logged"), "link": _l("Reported again"), "quote": _l("Quote agreed"),
                "dispatch": _l("Dispatched"), "reopen": _l("Reopened"), "start": _l("Work started"),
                "hold": _l("Put on hold"), "resume": _l("Resumed"), "reply": _l("Replied to the customer"),
                "complete": _l("Completed"), "answer": _l("Answered on the call"), "callback": _l("Called back"),
                "close": lazy_pgettext("work order", "Closed"), "cancel": _l("Cancelled"), "chase": _l("Chase notice"),
                "escalate": _l("Escalated to the supervisor")}

# --- the workflow ----------------------------------------------------------------------------------
# new → dispatched → in progress → (on hold) → completed → called back → closed. An enquiry answered
# on the call is completed at once; a completed order whose kind needs no callback is closed
# directly; a callback that finds the problem unresolved sends the order back (reopen).
ALLOWED = {
    NEW: {DISPATCHED, COMPLETED, CANCELLED},
    DISPATCHED: {DISPATCHED, IN_PROGRESS, ON_HOLD, COMPLETED, CANCELLED},
    IN_PROGRESS: {DISPATCHED, ON_HOLD, COMPLETED},
    ON_HOLD: {IN_PROGRESS},
    COMPLETED: {CALLED_BACK, CLOSED, DISPATCHED},
    CALLED_BACK: {CLOSED},
    CLOSED: set(),
    CANCELLED: set(),
}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, set())


# --- time limits -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str

    def __str__(self):
        return f"{self.amount} {self.unit}"

    def nominal(self) -> timedelta:
        """The limit's length with a working day taken as a day, to compare limits of different
        units the same way whatever the date."""
        return {MINUTES: timedelta(minutes=1), HOURS: timedelta(hours=1),
                WORKING_DAYS: timedelta(days=1)}[self.unit] * self.amount


@dataclass(frozen=True)
class TimeLimits:
    """The three limits of an order: first response, resolution promised, resolution never later."""
    response: Limit
    target: Limit
    hard: Limit


def _limits(response, target, hard=None):
    return TimeLimits(Limit(*response), Limit(*target), Limit(*(hard or target)))


# (kind, category, urgency, complexity) → limits; "" matches anything. From the service standard:
# an enquiry is answered at once and a look-up within 15 minutes; a complaint gets a first reply
# within 2 hours and is resolved at once (simple), within 1 working day and never more than 3
# (ordinary) or within 5 and never more than 7 (complex); a repair caller hears back within about
# ten minutes.
DEFAULT_TIME_LIMITS = {
    (ENQUIRY, "", "", ""): _limits((15, MINUTES), (15, MINUTES)),
    (COMPLAINT, "", "", SIMPLE): _limits((2, HOURS), (2, HOURS)),
    (COMPLAINT, "", "", ORDINARY): _limits((2, HOURS), (1, WORKING_DAYS), (3, WORKING_DAYS)),
    (COMPLAINT, "", "", COMPLEX): _limits((2, HOURS), (5, WORKING_DAYS), (7, WORKING_DAYS)),
    (COMPLAINT, "", EMERGENCY, ""): _limits((30, MINUTES), (4, HOURS), (1, WORKING_DAYS)),
    (REPAIR, "", "", ""): _limits((10, MINUTES), (1, WORKING_DAYS), (3, WORKING_DAYS)),
    (REPAIR, "", EMERGENCY, ""): _limits((10, MINUTES), (4, HOURS), (1, WORKING_DAYS)),
    (SUGGESTION, "", "", ""): _limits((1, WORKING_DAYS), (5, WORKING_DAYS), (7, WORKING_DAYS)),
    (PRAISE, "", "", ""): _limits((1, WORKING_DAYS), (1, WORKING_DAYS), (3, WORKING_DAYS)),
}

DEFAULT_CALLBACK_POLICIES = {
    REPAIR: (CALLBACK_REQUIRED, 3),
    COMPLAINT: (CALLBACK_REQUIRED, 1),
    ENQUIRY: (CALLBACK_NONE, 3),
    SUGGESTION: (CALLBACK_OPTIONAL, 5),
    PRAISE: (CALLBACK_NONE, 3),
}

# the longest limit anyone may set, in each unit (a quarter of a year)
LIMIT_MAXIMUM = {MINUTES: 60 * 24 * 90, HOURS: 24 * 90, WORKING_DAYS: 60}


def pick_limits(rows, kind, category, urgency, complexity) -> TimeLimits | None:
    """The limits of the most specific row matching the order. `rows` maps (kind, category,
    urgency, complexity) to TimeLimits, "" meaning any; a named field outranks an empty one and
    category outranks urgency, which outranks complexity."""
    best, best_rank = None, -1
    for (r_kind, r_category, r_urgency, r_complexity), limits in rows.items():
        if r_kind != kind:
            continue
        if r_category not in ("", category) or r_urgency not in ("", urgency) or r_complexity not in ("", complexity):
            continue
        rank = 4 * bool(r_category) + 2 * bool(r_urgency) + bool(r_complexity)
        if rank > best_rank:
            best, best_rank = limits, rank
    return best


def check_limit(amount, unit) -> str | None:
    """Why a time limit cannot be saved, or None."""
    if unit not in LIMIT_MAXIMUM:
        return _l("Choose minutes, hours or working days.")
    if amount is None or amount <= 0:
        return _l("A time limit must be more than zero.")
    if amount > LIMIT_MAXIMUM[unit]:
        return _l("A time limit cannot be longer than 90 days.")
    return None


@lru_cache(maxsize=4096)
def _official_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_working_day(day: date, overrides=None) -> bool:
    """Whether `day` is a working day on the official mainland calendar, make-up workdays
    (调休上班) included. `overrides` (date → working?) holds the days entered for a year the
    calendar package does not know yet; without one, such a year counts Monday to Friday."""
    if overrides and day in overrides:
        return overrides[day]
    return _official_working_day(day)


def official_calendar_knows(day: date) -> bool:
    """Whether the calendar package has the official schedule of `day`'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def _next_midnight(at: datetime) -> datetime:
    day = at.astimezone(BUSINESS_TZ).date() + timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=BUSINESS_TZ)


def due_at(start: datetime, limit: Limit, pauses=(), overrides=None) -> datetime | None:
    """The instant a limit counted from `start` runs out. Minutes and hours are clock time; working
    days count only the hours of working days (a day logged on Friday afternoon with 1 working day
    is due on Monday afternoon; one logged on a Saturday is due at the end of Monday). `pauses` are
    (began, ended) pairs during which the clock stands still; a pause not yet ended gives None: the
    order is waiting and has no deadline until it resumes. `overrides` as for is_working_day."""
    working = limit.unit == WORKING_DAYS
    per = {MINUTES: timedelta(minutes=1), HOURS: timedelta(hours=1), WORKING_DAYS: timedelta(days=1)}[limit.unit]
    remaining = per * limit.amount
    stops = sorted((began, ended) for began, ended in pauses if ended is None or ended > start)
    at = start
    for _ in range(10_000):
        while stops and stops[0][1] is not None and stops[0][1] <= at:
            stops.pop(0)
        if stops and stops[0][0] <= at:
            if stops[0][1] is None:
                return None
            at = stops[0][1]
            continue
        boundary = stops[0][0] if stops else None
        if working:
            midnight = _next_midnight(at)
            if not is_working_day(at.astimezone(BUSINESS_TZ).date(), overrides):
                at = midnight if boundary is None or midnight <= boundary else boundary
                continue
            boundary = midnight if boundary is None else min(boundary, midnight)
        if boundary is None or at + remaining <= boundary:
            return at + remaining
        remaining -= boundary - at
        at = boundary
    raise ValueError("time limit too long")


# problems of the whole building, whichever unit the caller rings from: a broken lift is one problem
BUILDING_WIDE_CATEGORIES = frozenset({"lift", "cleaning", "security"})


def priority(urgency: str, reporters: int) -> int:
    """Emergencies first; each further customer reporting the same problem raises it by one."""
    return (10 if urgency == EMERGENCY else 0) + max(reporters - 1, 0)


def callback_due(completed_at: datetime, within_days: int, overrides=None) -> datetime:
    return due_at(completed_at, Limit(within_days, WORKING_DAYS), overrides=overrides)


# --- on the phone ----------------------------------------------------------------------------------
# The greetings the service standard prescribes (重要节日开头语) and the phrases to use and avoid.
NEW_YEAR, SPRING_FESTIVAL, LABOUR_DAY = "new_year", "spring_festival", "labour_day"
MID_AUTUMN, NATIONAL_DAY = "mid_autumn", "national_day"
FESTIVAL_GREETINGS = {NEW_YEAR: "新年好", SPRING_FESTIVAL: "新年好", LABOUR_DAY: "劳动节快乐", MID_AUTUMN: "中秋节快乐",
                      NATIONAL_DAY: "国庆节快乐"}
FESTIVAL_LABELS = {NEW_YEAR: _l("New Year's Day"), SPRING_FESTIVAL: _l("Spring Festival"), LABOUR_DAY: _l("Labour Day"),
                   MID_AUTUMN: _l("Mid-Autumn Festival"), NATIONAL_DAY: _l("National Day")}
# the days off the State Council sets around each festival
_OFFICIAL = {"New Year's Day": NEW_YEAR, "Spring Festival": SPRING_FESTIVAL, "Labour Day": LABOUR_DAY,
             "Mid-autumn Festival": MID_AUTUMN, "National Day": NATIONAL_DAY}


def festival(day: date) -> str | None:
    """The festival whose greeting is used on `day`, or None: New Year's Day; the Spring Festival
    from New Year's Eve to the Lantern Festival (lunar 12/last to 1/15); Labour Day; the
    Mid-Autumn Festival (lunar 8/15); National Day week; and the official days off around each."""
    lunar = LunarDate.from_solar_date(day.year, day.month, day.day)
    tomorrow = LunarDate.from_solar_date(*(day + timedelta(days=1)).timetuple()[:3])
    if lunar.month == 8 and lunar.day == 15 and not lunar.is_leap_month:
        return MID_AUTUMN
    new_years_eve = tomorrow.month == 1 and tomorrow.day == 1
    if (lunar.month == 1 and lunar.day <= 15 and not lunar.is_leap_month) or new_years_eve:
        return SPRING_FESTIVAL
    if (day.month, day.day) == (1, 1):
        return NEW_YEAR
    if (day.month, day.day) == (5, 1):
        return LABOUR_DAY
    if day.month == 10 and day.day <= 7:
        return NATIONAL_DAY
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return _OFFICIAL.get(name) if off and name else None


def centre_name(site) -> str:
    """How the desk names itself on the phone: 锦绣花园客服中心."""
    return f"{site.name}客服中心"


def greeting(day: date, centre: str) -> str:
    """The opening line of a call on `day` for the service centre named `centre`."""
    name = festival(day)
    if name:
        return f"{FESTIVAL_GREETINGS[name]}！{centre}，请问有什么可以帮您！"
    return f"您好，{centre}欢迎您的来电，请问有什么可以帮您？"


# what to say in the moments of a call (from the service standard); the clerk may adapt all but the
# opening and the closing
PHRASES_TO_USE = (
    "请问您怎么称呼？",
    "请问您的房号（单位）是？方便留一个联系电话吗？",
    "我跟您核对一下：……，对吗？",
    "对不起，让您久等了。",
    "谢谢您的合作，我们尽快派人替您维修，大约在十分钟内给您一个答复。",
    "不好意思，这个我需要先查看一下情况，稍后我会给您回电话。",
    "这个问题正在处理，处理的时间较长，等处理好了我再给您回电话。",
    "感谢您对我们工作的支持。",
    "谢谢，再见。",
)
PHRASES_TO_AVOID = (
    "喂！", "不知道。", "这个问题我不会处理。", "这不是我负责的，是××部门的问题。", "我现在很忙，您下次再打电话来吧。",
    "急什么？没看到我在忙着吗？", "要下班了，有事明天再来！", "你问我，我问谁？", "我不管，该找谁找谁！",
    "讲了半天，你还没听懂？", "墙上贴着，你自己看！", "有本事你去告！",
)
# a silent call: the opening twice, then this, each after about five seconds of silence
SILENT_CALL = ("您好！请问有什么可以帮您？", "非常抱歉，您的电话没有声音，请您换一部电话再打来，再见！")
