"""Billing forms: shape only (required, lengths, choices, what an amount looks like).
Whether a charge may be paid or a receipt voided is for the services to say."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..core.forms import DeskForm
from ..core.money import AmountError, parse_amount
from ..estate.models import UNIT_USES
from .models import ALIPAY, BASES, CARD, CASH, FIXED_MONTH, METERED, ONE_OFF, PER_AREA_MONTH, TRANSFER, WECHAT

METHOD_CHOICES = [(CASH, _l("Cash")), (CARD, _l("Card")), (TRANSFER, _l("Bank transfer")),
                  (WECHAT, _l("WeChat Pay")), (ALIPAY, _l("Alipay"))]
BASIS_CHOICES = [(PER_AREA_MONTH, _l("Per m² per month")), (FIXED_MONTH, _l("Fixed per month")),
                 (METERED, _l("Metered (reading × multiplier × price)")), (ONE_OFF, _l("One-off"))]
USE_CHOICES = [("home", _l("Home")), ("shop", _l("Shop")), ("office", _l("Office")), ("factory", _l("Factory")),
               ("parking", _l("Parking"))]
assert {b for b, _ in BASIS_CHOICES} == set(BASES) and {u for u, _ in USE_CHOICES} == set(UNIT_USES)

_AMOUNT_MESSAGES = {
    "empty": _l("Enter an amount."),
    "not a number": _l("Enter the amount as a number, for example 1234.50."),
    "more than two decimal places": _l("An amount has at most two decimal places (fen)."),
    "too large": _l("The amount is too large: it must be below 1,000,000,000."),
    "zero": _l("The amount must be above zero."),
    "negative": _l("The amount must be above zero."),
}


def money_amount(form, field):
    """An amount of money as a person types it: 1234.5, 1,234.50, ￥1234."""
    if field.data in (None, ""):
        return
    try:
        parse_amount(field.data)
    except AmountError as e:
        raise ValidationError(_AMOUNT_MESSAGES.get(str(e), _AMOUNT_MESSAGES["not a number"])) from None


def decimal_text(places):
    message = _l("Enter a number with at most %(n)s decimal places.", n=places)
    return Regexp(r"^\s*\d{1,9}(\.\d{0,%d})?\s*$" % places, message=message)


PERIOD = Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", message=_l("Enter the billing period as YYYY-MM, for example 2026-03."))


class PaymentForm(DeskForm):
    charge_ids = SelectMultipleField(_l("Charges"), coerce=int, validate_choice=False)
    method = RadioField(_l("Method"), choices=METHOD_CHOICES, default=CASH, validators=[InputRequired()])
    amount = StringField(_l("Amount received"), validators=[DataRequired(), Length(max=20), money_amount])
    tendered = StringField(_l("Cash handed over"), validators=[Optional(), Length(max=20), money_amount])
    reference = StringField(_l("Slip or transaction reference"), validators=[Length(max=64)])
    keep_prepayment = BooleanField(_l("Keep the excess as prepayment"))
    request_token = HiddenField(validators=[DataRequired(), Length(max=64)])


class VoidForm(DeskForm):
    reason = TextAreaField(_l("Reason for voiding"), validators=[DataRequired(), Length(max=200)])


class ConfirmForm(DeskForm):
    """A button that changes something: only the CSRF token."""


class FeeItemForm(DeskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    basis = SelectField(_l("How it is computed"), choices=BASIS_CHOICES)
    price = StringField(_l("Price (yuan)"), validators=[DataRequired(), decimal_text(4)])
    multiplier = StringField(_l("Multiplier"), default="1", validators=[DataRequired(), decimal_text(2)])
    unit_label = StringField(_l("Unit (kWh, m³, space)"), validators=[Length(max=20)])
    applies_to = SelectMultipleField(_l("Billed to units used as (none ticked: every unit)"), choices=USE_CHOICES)
    due_day = IntegerField(_l("Due on day of the month"), default=15, validators=[InputRequired(), NumberRange(1, 28)])
    active = BooleanField(_l("Active"), default=True)


class GenerateForm(DeskForm):
    period = StringField(_l("Billing period"), validators=[DataRequired(), Length(max=7), PERIOD])


class MeterReadingForm(DeskForm):
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=30)])
    fee_item = SelectField(_l("Meter"), coerce=int, validate_choice=False)
    period = StringField(_l("Billing period"), validators=[DataRequired(), Length(max=7), PERIOD])
    previous_reading = StringField(_l("Previous reading (first reading of a meter only)"),
                                   validators=[Optional(), decimal_text(2)])
    current_reading = StringField(_l("Current reading"), validators=[DataRequired(), decimal_text(2)])
    read_on = DateField(_l("Read on"), validators=[DataRequired()])


class OneOffChargeForm(DeskForm):
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=30)])
    fee_item = SelectField(_l("Fee item"), coerce=int, validate_choice=False)
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=20), money_amount])
    note = TextAreaField(_l("What it is for"), validators=[DataRequired(), Length(max=200)])
    due_on = DateField(_l("Due on"), validators=[DataRequired()])
