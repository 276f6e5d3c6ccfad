"""Dunning forms: shape only. Whether a notice may be issued or delivered is for the services to say."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import DeskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, TimeField

from ..billing.forms import METHOD_CHOICES
from .rules import DELIVERY_LABELS


# --- late fees -----------------------------------------------------------------------------------

class LateFeeRuleForm(DeskForm):
    """A late-fee rule. The ranges are checked by the service, which says what is wrong next to the field."""

    fee_item = SelectField(_l("Applies to"), coerce=int, validate_choice=False)  # 0: the site default
    label = SelectField(_l("Called in the contract"), choices=[("违约金", "违约金"), ("滞纳金", "滞纳金")])
    daily_rate = StringField(_l("Daily rate (% a day)"), default="0.05", validators=[DataRequired(), Length(max=12)])
    grace_days = StringField(_l("Grace days after the due date"), default="0",
                             validators=[DataRequired(), Length(max=6)])
    cap_percent = StringField(_l("Cap (% of the unpaid amount)"), default="100",
                              validators=[DataRequired(), Length(max=8)])


class WaiverForm(DeskForm):
    amount = StringField(_l("Amount to waive"), validators=[DataRequired(), Length(max=20)])
    reason = TextAreaField(_l("Reason for the waiver"), validators=[DataRequired(), Length(max=200)])


class LateFeeRuleRemoveForm(DeskForm):
    """The remove button of a rule: only the CSRF token."""


# --- payment notices and dunning notices ---------------------------------------------------------

class DunningRunForm(DeskForm):
    as_of = DateField(_l("Issue date"), validators=[InputRequired(message=_l("Enter the issue date."))])
    min_amount = StringField(_l("Only customers owing at least (yuan)"), default="0", validators=[Length(max=20)])
    min_days = IntegerField(_l("Only charges overdue at least (days)"), default=1,
                            validators=[InputRequired(), NumberRange(min=1, max=3650)])
    deadline_days = IntegerField(_l("Days to pay after the issue date"), default=15,
                                 validators=[InputRequired(), NumberRange(min=1, max=90)])
    preview = BooleanField(_l("Preview only"))


class DeliveryForm(DeskForm):
    method = SelectField(_l("How it was delivered"), choices=list(DELIVERY_LABELS.items()))
    delivered_on = DateField(_l("Delivered on"), validators=[InputRequired(message=_l("Enter the delivery date."))])
    delivered_by = SelectField(_l("Delivered by"), coerce=int, validate_choice=False)
    recipient = StringField(_l("Received by, or the mail's tracking number"), validators=[Length(max=60)])
    note = StringField(_l("Note"), validators=[Length(max=200)])
    photo = FileField(_l("Photo (JPEG or PNG, up to 5 MB)"))


class PaymentNoticeForm(DeskForm):
    period = StringField(_l("Billing period"), validators=[DataRequired(), Length(max=7)])
    building_id = SelectField(_l("Building"), coerce=int, validate_choice=False)  # 0: the whole site


# --- collection visits ---------------------------------------------------------------------------

class VisitBookForm(DeskForm):
    charge_ids = SelectMultipleField(_l("Charges to collect"), coerce=int, validate_choice=False)
    collector = SelectField(_l("Collector"), coerce=int, validate_choice=False)
    visit_on = DateField(_l("Visit day"), validators=[InputRequired()])
    visit_time = TimeField(_l("Time"), validators=[InputRequired()])
    address = StringField(_l("Where"), validators=[Optional(), Length(max=200)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class VisitHandOverForm(DeskForm):
    signed_by = StringField(_l("Collector's signature (their full name)"), validators=[DataRequired(), Length(max=60)])


class VisitSettleForm(DeskForm):
    method = RadioField(_l("Method"), choices=METHOD_CHOICES, default="cash", validators=[InputRequired()])
    tendered = StringField(_l("Cash handed over"), validators=[Optional(), Length(max=20)])
    reference = StringField(_l("Reference (POS slip or transaction number)"), validators=[Optional(), Length(max=64)])
    request_token = HiddenField(validators=[DataRequired(), Length(max=64)])


class VisitReturnForm(DeskForm):
    reason = StringField(_l("Why it came back unused"), validators=[DataRequired(), Length(max=200)])


class VisitCancelForm(DeskForm):
    """The cancel button of a booked visit: only the CSRF token."""
