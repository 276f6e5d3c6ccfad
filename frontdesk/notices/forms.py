"""Forms of notices (drafting, deciding, the list's filters) and of the boards (postings, the
take-down list, the posting log): shape only; the services check the rules."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, FileField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField,
    StringField, TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from ..core.forms import DeskForm, database_id, plausible_day
from ..core.http import MAX_ID
from ..core.notify import SMS_LIMIT
from .models import DRAFT, KINDS, MAINTENANCE, SUPERSEDED
from .queries import CURRENT, EXPIRED, IN_APPROVAL, WAITING
from .rules import KIND_LABELS, MAX_BODY

FILTER_LABELS = {DRAFT: _l("Draft"), WAITING: _l("Waiting for me"), IN_APPROVAL: _l("In approval"),
                 CURRENT: _l("Approved and current"), EXPIRED: _l("Expired"),
                 SUPERSEDED: _l("Revised (earlier revisions superseded)")}


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NoticeForm(DeskForm):
    """The draft of a notice: what it says, whom it is for, how long, and by which channels. The
    lengths here only keep absurd input out; the services say what is wrong in words."""

    kind = RadioField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in KINDS], default=MAINTENANCE,
                      validate_choice=False)  # the service names a kind it does not know
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)], render_kw={"maxlength": 100})
    body = TextAreaField(_l("Text of the notice"), validators=[Optional(), Length(max=2 * MAX_BODY)],
                         render_kw={"rows": 14})
    building_ids = CheckboxesField(_l("For the buildings"), coerce=database_id, validate_choice=False)
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid to (the last day)"), validators=[Optional()])
    to_boards = BooleanField(_l("Notice boards"), default=True)
    to_sms = BooleanField(_l("Text message"))
    to_home = BooleanField(_l("Home page of the staff"))
    sms_text = TextAreaField(_l("Text message"), validators=[Optional(), Length(max=1000)],
                             render_kw={"rows": 3, "data-limit": SMS_LIMIT})
    revision_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class DecisionForm(DeskForm):
    """A button on the notice page (submit, approve, withdraw, new revision): which revision the
    page showed, so a page gone stale acts on nothing."""

    revision_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])


class RejectForm(DecisionForm):
    comment = TextAreaField(_l("Why it goes back (the author reads this)"),
                            validators=[Optional(), Length(max=2000)], render_kw={"rows": 2, "maxlength": 500})


class NoticeFilterForm(DeskForm):
    class Meta:
        csrf = False  # a GET filter

    status = SelectField(_l("Status"), choices=[("", _l("Any"))] + list(FILTER_LABELS.items()), default="")
    kind = SelectField(_l("Kind"), choices=[("", _l("Any"))] + [(k, KIND_LABELS[k]) for k in KINDS], default="")
    q = StringField(_l("Title or number"), validators=[Optional(), Length(max=100)])


MAX_LOG_DAYS = 92  # the printed log covers at most three months (a busy park posts ~1,900 sheets a month)
def chosen_id(value) -> int:
    """A chosen id the database can hold, 0 for none (the whole site, no board chosen)."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError("not an id")
    return number


class BoardForm(DeskForm):
    """A notice board: its name says where it hangs; the name's rules are the service's."""

    name = StringField(_l("Name of the board"), validators=[Length(max=200)])
    building_id = SelectField(_l("Hangs in"), coerce=chosen_id, validate_choice=False, default=0)
    active = BooleanField(_l("In use"), default=True)


class PostForm(DeskForm):
    """Posting an approved notice on one board, with a photo of it on the board if the steward took one.
    `revision_id` is the revision the page showed: the sheet the steward holds."""

    revision_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    board_id = SelectField(_l("Notice board"), coerce=chosen_id, validate_choice=False, default=0)
    photo = FileField(_l("Photo of the notice on the board (JPEG or PNG, up to 5 MB; optional)"))


class ButtonForm(DeskForm):
    """A one-button change (take down, send again, reprint): the CSRF token and the page to go back to."""

    next = HiddenField(validators=[Optional(), Length(max=300)])


class PostingLogForm(DeskForm):
    """The posting log's filters, read from the query string: the days posted and a board."""

    class Meta:
        csrf = False

    date_from = DateField(_l("Posted from"), validators=[Optional(), plausible_day])
    date_to = DateField(_l("to"), validators=[Optional(), plausible_day])
    board = SelectField(_l("Board"), coerce=chosen_id, validate_choice=False, default=0)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The last day is before the first."))

    def validate_board(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("There is no such board at this site."))


class TakeDownDayForm(DeskForm):
    """The day of the take-down list, read from the query string."""

    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional(), plausible_day])
