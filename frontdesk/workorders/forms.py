"""Forms of work orders: shape only (required, length, range, choices); the services check the rules."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, MultipleFileField, RadioField, SelectField, StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import DeskForm, database_id
from ..core.http import MAX_ID
from .models import (
    CALLBACK_POLICIES, CATEGORIES, CHANNELS, COMPLEXITIES, ENQUIRY, HOLD_REASONS, KINDS, LIMIT_UNITS, ORDINARY,
    STATUSES, URGENCIES,
)
from .rules import (
    CALLBACK_LABELS, CATEGORY_LABELS, CHANNEL_LABELS, COMPLEXITY_LABELS, HOLD_REASON_LABELS, KIND_LABELS,
    STATUS_LABELS, UNIT_LABELS, URGENCY_LABELS,
)


def _labelled(codes, labels):
    return [(code, labels[code]) for code in codes]


class LogForm(DeskForm):
    """The desk's one screen for a call or a walk-in. `link_to` is the button "link this call to
    GD…" under a possible duplicate: the same form, added to that order instead."""

    kind = RadioField(_l("Kind"), choices=_labelled(KINDS, KIND_LABELS), default="repair",
                      validators=[InputRequired(message=_l("Choose what kind of call this is."))])
    channel = SelectField(_l("Came in by"), choices=_labelled(CHANNELS, CHANNEL_LABELS), default="phone")
    caller = StringField(_l("Find the caller (name, phone or unit)"), validators=[Optional(), Length(max=100)])
    customer_id = HiddenField(validators=[Optional(), Length(max=10)])
    reporter_name = StringField(_l("Caller's name"), validators=[Optional(), Length(max=60)])
    reporter_phone = StringField(_l("Phone to call back"), validators=[Length(max=30)])
    place = StringField(_l("Unit"), validators=[Optional(), Length(max=30)])
    building_id = SelectField(_l("or a common area of building"), coerce=database_id, validate_choice=False,
                              default=0)
    place_note = StringField(_l("Where exactly"), validators=[Optional(), Length(max=60)])
    category = SelectField(_l("Category"), choices=_labelled(CATEGORIES, CATEGORY_LABELS), default="plumbing")
    emergency = BooleanField(_l("Emergency: a leak, no power, someone trapped"))
    complexity = SelectField(_l("How complex is the complaint"),
                             choices=_labelled(COMPLEXITIES, COMPLEXITY_LABELS), default=ORDINARY)
    description = TextAreaField(_l("What the caller says"), validators=[Optional(), Length(max=1000)],
                                render_kw={"rows": 3})
    photos = MultipleFileField(_l("Photos (JPEG or PNG, up to 5 MB each)"))
    answered = BooleanField(_l("Answered on the call"))
    answer = TextAreaField(_l("The answer given"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
    link_to = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])

    def validate_customer_id(self, field):
        if field.data and (not field.data.isdigit() or int(field.data) > MAX_ID):
            field.data = ""

    def validate_answered(self, field):
        field.data = bool(field.data) and self.kind.data == ENQUIRY  # only an enquiry is answered on the call

    def validate_reporter_phone(self, field):
        # the phone on file serves when a customer was picked; somebody not on file gives one
        if not (field.data or "").strip() and not self.customer_id.data:
            raise ValidationError(_l("Enter a phone number to call the caller back."))


class QuoteForm(DeskForm):
    amount = StringField(_l("Quote (yuan)"), validators=[DataRequired(message=_l("Enter the quote.")), Length(max=20)])
    note = StringField(_l("What it covers"), validators=[Optional(), Length(max=200)])
    fee_item_id = SelectField(_l("Billed as"), coerce=database_id, validate_choice=False, default=0)
    agreed = BooleanField(_l("The customer agrees to the quote"))
    agreed_by = StringField(_l("Agreed by"), validators=[Optional(), Length(max=60)])


class DispatchForm(DeskForm):
    department_id = SelectField(_l("Department"), coerce=database_id, validate_choice=False, default=0)
    assignee_id = SelectField(_l("Technician"), coerce=database_id, validate_choice=False, default=0)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class HoldForm(DeskForm):
    reason = SelectField(_l("Waiting for"), choices=_labelled(HOLD_REASONS, HOLD_REASON_LABELS))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class NoteForm(DeskForm):
    """A reply to the customer, or what was done on completion."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class CallbackForm(DeskForm):
    satisfaction = RadioField(_l("Satisfaction"), choices=[(n, str(n)) for n in range(5, 0, -1)], coerce=int,
                              validators=[InputRequired(message=_l("Give the customer's satisfaction from 1 to 5."))])
    resolved = RadioField(_l("Is the problem resolved?"), choices=[("yes", _l("Yes")), ("no", _l("No: send it back"))],
                          default="yes")
    note = StringField(_l("What the customer said"), validators=[Optional(), Length(max=300)])


class CancelForm(DeskForm):
    reason = StringField(_l("Why cancel"), validators=[Optional(), Length(max=300)])


class PhotoForm(DeskForm):
    photos = MultipleFileField(_l("Photos (JPEG or PNG, up to 5 MB each)"))


class OrderButtonForm(DeskForm):
    """A one-button change (start, resume, close): the CSRF token and the page to go back to."""

    back = HiddenField(validators=[Optional(), Length(max=10)])


class OrderFilterForm(DeskForm):
    class Meta:
        csrf = False  # a GET filter

    status = SelectField(_l("Status"), choices=[("", _l("Any")), ("open", _l("Open"))]
                         + _labelled(STATUSES, STATUS_LABELS), default="")
    kind = SelectField(_l("Kind"), choices=[("", _l("Any"))] + _labelled(KINDS, KIND_LABELS), default="")
    category = SelectField(_l("Category"), choices=[("", _l("Any"))] + _labelled(CATEGORIES, CATEGORY_LABELS),
                           default="")
    q = StringField(_l("Number, caller or place"), validators=[Optional(), Length(max=100)])
    start_on = DateField(_l("Logged from"), validators=[Optional()])
    end_on = DateField(_l("to"), validators=[Optional()])


# --- chase notices, shift handover, settings ------------------------------------------------------

class ChaseForm(DeskForm):
    """A chase button (one order, or the whole overdue list): the CSRF token and where to go back to."""

    next = HiddenField(validators=[Optional(), Length(max=300)])


class HandoverForm(DeskForm):
    incoming_id = SelectField(_l("Clerk taking over"), coerce=database_id, validate_choice=False, default=0)
    note = TextAreaField(_l("Note for the next shift"), validators=[Optional(), Length(max=1000)])


class DepartmentForm(DeskForm):
    name = StringField(_l("Department"), validators=[DataRequired(message=_l("Give the department a name.")),
                                                     Length(max=60)])
    phone = StringField(_l("Phone (a mobile receives chase notices by SMS)"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=120)])
    active = BooleanField(_l("Active"), default=True)


def _any(labels):
    return [("", _l("Any"))] + list(labels)


LIMIT_AMOUNT = dict(validators=[InputRequired(message=_l("Enter a number."))])
UNIT_CHOICES = [(u, UNIT_LABELS[u]) for u in LIMIT_UNITS]


class TimeLimitForm(DeskForm):
    """One row of the time-limit table: which orders it is for, and its three limits. `adding` tells
    a new narrowed row from a change of a row already listed."""

    adding = HiddenField(validators=[Optional(), Length(max=1)])
    kind = SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    category = SelectField(_l("Category"), choices=_any((c, CATEGORY_LABELS[c]) for c in CATEGORIES), default="")
    urgency = SelectField(_l("Urgency"), choices=_any((u, URGENCY_LABELS[u]) for u in URGENCIES), default="")
    complexity = SelectField(_l("Complexity"), choices=_any((c, COMPLEXITY_LABELS[c]) for c in COMPLEXITIES),
                             default="")
    response_amount = IntegerField(_l("First response within"), **LIMIT_AMOUNT)
    response_unit = SelectField(_l("Time unit"), choices=UNIT_CHOICES)
    target_amount = IntegerField(_l("Resolved within (promised)"), **LIMIT_AMOUNT)
    target_unit = SelectField(_l("Time unit"), choices=UNIT_CHOICES)
    hard_amount = IntegerField(_l("Never later than"), **LIMIT_AMOUNT)
    hard_unit = SelectField(_l("Time unit"), choices=UNIT_CHOICES)


class CallbackPolicyForm(DeskForm):
    kind = SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    policy = SelectField(_l("Callback"), choices=[(p, CALLBACK_LABELS[p]) for p in CALLBACK_POLICIES])
    within_days = IntegerField(_l("Within working days"), validators=[InputRequired(message=_l("Enter a number."))])


class CalendarDayForm(DeskForm):
    """A day of a year the official calendar package does not know yet."""

    day = DateField(_l("Day"), validators=[InputRequired(message=_l("Enter the day."))])
    working = SelectField(_l("What the day is"), choices=[("0", _l("Public holiday (day off)")),
                                                          ("1", _l("Make-up workday"))], default="0")
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Name the holiday or make-up workday.")),
                                               Length(max=60)])
