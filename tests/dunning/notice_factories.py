"""Dunning-notice test data: a desk with a late-fee rule and a run as the supervisor."""
from datetime import date, datetime, time, timezone
from decimal import Decimal

from frontdesk.core.clock import BUSINESS_TZ
from frontdesk.dunning import services
from frontdesk.dunning.models import LateFeeRule
from frontdesk.extensions import db
from tests.factories import NOW


def at(day: date) -> datetime:
    """10:00 in Shanghai on a business day, as a UTC instant."""
    return datetime.combine(day, time(10, 0), tzinfo=BUSINESS_TZ).astimezone(timezone.utc)


def make_rule(site, rate="0.0005", grace_days=0, cap_percent="100", label="违约金", fee_item=None):
    rule = LateFeeRule(site_id=site.id, fee_item_id=fee_item.id if fee_item else None, label=label,
                       daily_rate=Decimal(rate), grace_days=grace_days, cap_percent=Decimal(cap_percent),
                       updated_at=NOW)
    db.session.add(rule)
    db.session.flush()
    return rule


def run(desk, as_of=date(2026, 3, 31), *, actor=None, **kw):
    """A dunning run of the desk's site as of a day, by its supervisor, on that day."""
    return services.run_dunning(desk.site, as_of=as_of, actor=actor or desk.supervisor, now=at(as_of), **kw)
