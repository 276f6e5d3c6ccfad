"""Visitor forms: shape only. Whether a phone, an ID number, a host or a pass is acceptable is for
the services to say, next to the field."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import DeskForm, database_id
from ..estate.forms import CheckboxesField
from .models import ANSWERS, ID_TYPES, PURPOSES, WATCH_LEVELS
from .rules import ANSWER_LABELS, ID_TYPE_LABELS, PURPOSE_LABELS, WATCH_LEVEL_LABELS


class VisitorFields(DeskForm):
    """Who the visitor is and whom they see: shared by registering and booking."""

    phone = StringField(_l("Mobile or phone"), validators=[DataRequired(message=_l("Enter the visitor's phone number.")),
                                                         Length(max=30)])
    name = StringField(_l("Visitor's name"), validators=[DataRequired(message=_l("Enter the visitor's name.")),
                                                        Length(max=60)])
    company = StringField(_l("Company"), validators=[Optional(), Length(max=100)])
    party_size = IntegerField(_l("People"), default=1, validators=[
        InputRequired(message=_l("Enter the number of people.")),
        NumberRange(min=1, max=99, message=_l("The number of people is between 1 and 99."))])
    purpose = SelectField(_l("Purpose"), choices=[(p, PURPOSE_LABELS[p]) for p in PURPOSES], default="business")
    purpose_note = StringField(_l("Details of the purpose"), validators=[Optional(), Length(max=200)])
    plate = StringField(_l("Vehicle plate"), validators=[Optional(), Length(max=20)])
    id_type = SelectField(_l("ID document"), choices=[(t, ID_TYPE_LABELS[t]) for t in ID_TYPES], default="id_card")
    id_number = StringField(_l("Document number"), validators=[Optional(), Length(max=30)])
    host = StringField(_l("Host (name, company or unit)"), validators=[
        DataRequired(message=_l("Enter whom the visitor comes to see.")), Length(max=100)])
    host_ref = HiddenField(validators=[Optional(), Length(max=30)])


class RegisterForm(VisitorFields):
    pass_id = SelectField(_l("Visitor pass"), coerce=database_id, validate_choice=False, default=0)
    confirm_watch = BooleanField(_l("I have read the watch-list warning and register the visitor anyway"))


class BookForm(VisitorFields):
    expected_on = DateField(_l("Expected on"), validators=[InputRequired(message=_l("Enter the day of the visit."))])


class CheckInForm(DeskForm):
    id_type = SelectField(_l("ID document"), choices=[(t, ID_TYPE_LABELS[t]) for t in ID_TYPES], default="id_card")
    id_number = StringField(_l("Document number"), validators=[Optional(), Length(max=30)])
    confirm_watch = BooleanField(_l("I have read the watch-list warning and check the visitor in anyway"))


class AnswerForm(DeskForm):
    """The host's answer through their link or in the app: one button per answer."""

    answer = StringField()  # the button pressed: not a hidden field, which hidden_tag() would repeat
    note = StringField(_l("Message for the visitor (optional)"), validators=[Optional(), Length(max=200)])


class PhoneAnswerForm(DeskForm):
    answer = RadioField(_l("What the host said"), choices=[(a, ANSWER_LABELS[a]) for a in ANSWERS],
                        validators=[InputRequired(message=_l("Choose what the host said."))])
    note = StringField(_l("Message for the visitor (optional)"), validators=[Optional(), Length(max=200)])


class IssuePassForm(DeskForm):
    pass_id = SelectField(_l("Visitor pass"), coerce=database_id, validate_choice=False)


class ButtonForm(DeskForm):
    """A button that only needs the CSRF token (sign out, cancel, retire, remove, retry)."""


class PassAddForm(DeskForm):
    numbers = TextAreaField(_l("Pass numbers"), validators=[DataRequired(message=_l("Enter the numbers of the passes.")),
                                                          Length(max=6000)])


class PassCountForm(DeskForm):
    incoming = SelectField(_l("Clerk taking over"), coerce=database_id, validate_choice=False)
    present = CheckboxesField(_l("Passes in the drawer"), coerce=database_id, validate_choice=False)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class WatchEntryForm(DeskForm):
    level = SelectField(_l("Level"), choices=[(w, WATCH_LEVEL_LABELS[w]) for w in WATCH_LEVELS], default="flag")
    name = StringField(_l("Name"), validators=[Optional(), Length(max=60)])
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=30)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Say why, so the clerk knows what to do.")),
                                                   Length(max=200)])


class SettingsForm(DeskForm):
    id_required = BooleanField(_l("Register an ID document of every visitor"))
    answer_minutes = IntegerField(_l("Minutes to wait for the host's answer before phoning"), validators=[
        InputRequired(), NumberRange(min=1, max=120, message=_l("Wait between 1 and 120 minutes for the host."))])


class DateRangeForm(DeskForm):
    class Meta:
        csrf = False  # a GET filter

    start_on = DateField(_l("From"), validators=[InputRequired(message=_l("Enter the first day."))])
    end_on = DateField(_l("To"), validators=[InputRequired(message=_l("Enter the last day."))])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.end_on.data < self.start_on.data:
            self.end_on.errors.append(_l("The last day is before the first."))
            return False
        if (self.end_on.data - self.start_on.data).days > 366:
            self.end_on.errors.append(_l("Choose at most a year."))
            return False
        return True
