"""The reports' filter form: shape only (a date, a month range, a building of the site)."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, ValidationError

from ..core.forms import BuildingFilter, DeskForm
from . import rules


class ReportForm(BuildingFilter, DeskForm):
    """Read from the query string: a report changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    as_of = StringField(_l("As of"), validators=[Length(max=10)])
    first = StringField(_l("From billing period"), validators=[Length(max=7)])
    last = StringField(_l("To billing period"), validators=[Length(max=7)])

    def __init__(self, *args, buildings=(), today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.offer_buildings([(b.id, f"{b.code} {b.name}") for b in buildings])
        self.as_of_day: date = today
        self.periods: list[str] = []

    def validate_as_of(self, field):
        text = (field.data or "").strip()
        if not text:
            field.data = self.today.isoformat()  # shown in the form: the figures say which day they are for
            return
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationError(_l("Give the date as YYYY-MM-DD, for example 2026-03-31.")) from None
        if day > self.today:
            raise ValidationError(_l("A report cannot be drawn up as of a day that has not come yet."))
        if day.year < 2000:
            raise ValidationError(_l("Give a date from the year 2000 on."))
        self.as_of_day = day

    def validate_first(self, field):
        _check_period(field.data)

    def validate_last(self, field):
        _check_period(field.data)
        if self.first.errors:
            return
        default_first, default_last = rules.months_back(self.as_of_day, 12)
        first = (self.first.data or "").strip() or default_first
        last = (field.data or "").strip() or default_last
        self.first.data, field.data = first, last
        if first > last:
            raise ValidationError(_l("The first billing period comes after the last one: swap them."))
        try:
            self.periods = rules.month_range(first, last)
        except ValueError:
            raise ValidationError(_l("Choose at most %(count)s billing periods at a time.",
                                     count=rules.MAX_MONTHS)) from None


def _check_period(text):
    if (text or "").strip():
        try:
            rules.parse_period(text)
        except ValueError:
            raise ValidationError(_l("Enter the billing period as YYYY-MM, for example 2026-03.")) from None


class WorkOrderReportForm(DeskForm):
    """The month of the work-order report, or a range of months; read from the query string."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), validators=[Length(max=7)], render_kw={"type": "month"})
    to = StringField(_l("To month"), validators=[Length(max=7)], render_kw={"type": "month"})

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.months: list[str] = []

    def validate_month(self, field):
        _check_month(field.data)
        if not (field.data or "").strip():
            field.data = f"{self.today.year:04d}-{self.today.month:02d}"  # the figures say which month they are for
        if field.data.strip() > f"{self.today.year:04d}-{self.today.month:02d}":
            raise ValidationError(_l("That month has not begun yet."))

    def validate_to(self, field):
        _check_month(field.data)
        if self.month.errors:
            return
        first = self.month.data.strip()
        last = (field.data or "").strip() or first
        if last > f"{self.today.year:04d}-{self.today.month:02d}":
            raise ValidationError(_l("That month has not begun yet."))
        if first > last:
            raise ValidationError(_l("The first month comes after the last one: swap them."))
        try:
            self.months = rules.month_range(first, last)
        except ValueError:
            raise ValidationError(_l("Choose at most %(count)s months at a time.", count=rules.MAX_MONTHS)) from None


def _check_month(text):
    if (text or "").strip():
        try:
            rules.parse_period(text)
        except ValueError:
            raise ValidationError(_l("Enter the month as YYYY-MM, for example 2026-03.")) from None
