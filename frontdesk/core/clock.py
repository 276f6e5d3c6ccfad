"""The only place that reads the wall clock. Business days are dates in Asia/Shanghai."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant, UTC-aware."""
    return datetime.now(timezone.utc)


def business_day(at: datetime | None = None) -> date:
    """The business date (Asia/Shanghai) of an instant; of now when none is given."""
    return (at or now()).astimezone(BUSINESS_TZ).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a Shanghai business day starts and the next one starts."""
    from datetime import timedelta

    start = datetime.combine(day, time.min, tzinfo=BUSINESS_TZ)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


def local(at: datetime) -> datetime:
    """An instant as Shanghai wall time, for display and documents."""
    return at.astimezone(BUSINESS_TZ)
