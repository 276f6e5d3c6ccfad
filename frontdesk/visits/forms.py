"""Forms of customer visits: the portfolio and the lists, one visit (the plan, the record with its
rows of items and commitments, cancelling, a commitment kept, a request made a work order), the
satisfaction survey, the questionnaire and the reports, and the case study record. Shape only:
the services check the rules and say what is wrong in words.

The record form turns its rows into the services' inputs (`RecordForm.entries`) and puts a
refusal of the service back next to the row it is about (`RecordForm.show_error`)."""
from datetime import date, timedelta, timezone

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField,
    SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..core.clock import BUSINESS_TZ
from ..core.forms import BuildingFilter, DeskForm, database_id, plausible_day, wtforms_translations
from ..core.http import MAX_ID, show_error
from ..workorders.models import CATEGORIES
from ..workorders.rules import CATEGORY_LABELS
from . import rules
from .models import (
    DIMENSIONS, ITEM_KINDS, MAX_SCORE, MIN_SCORE, MODES, ON_SITE, PURPOSES, RECOMMEND, REQUEST, ROUTINE_CARE,
)
from .rules import ITEM_LABELS, MODE_LABELS, PURPOSE_LABELS
from .services import AnswerInput, CommitmentInput, ItemInput

NOT_ASSIGNED = "none"  # the portfolio filter's choice for the companies nobody looks after


def _chosen_id(value) -> int:
    """The chosen id (of a manager, a company); anything that is no id at all is -1, a record that
    does not exist, which the service refuses in words."""
    try:
        return database_id(value)
    except (TypeError, ValueError):
        return -1


def _manager_choices(managers):
    return [(str(m.id), m.full_name if m.active else _l("%(name)s (deactivated)", name=m.full_name))
            for m in managers]


class ListsFilterForm(DeskForm):
    """The week the lists show (any day of it) and, for whoever sees every manager's, whose."""

    class Meta:
        csrf = False  # a GET filter

    day = DateField(_l("Week of"), validators=[Optional(), plausible_day])
    manager = SelectField(_l("Account manager"), default="")

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.manager.choices = [("", _l("Every manager"))] + _manager_choices(managers)

    @property
    def manager_id(self) -> int | None:
        return int(self.manager.data) if self.manager.data and not self.manager.errors else None


class CompaniesFilterForm(DeskForm):
    """The portfolio's filters: a name, and (for whoever sees every company) the manager."""

    class Meta:
        csrf = False  # a GET filter

    q = StringField(_l("Company name"), validators=[Optional(), Length(max=100)])
    manager = SelectField(_l("Account manager"), default="")

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.manager.choices = ([("", _l("Every manager")), (NOT_ASSIGNED, _l("Not assigned"))]
                                + _manager_choices(managers))


class AssignForm(DeskForm):
    """Who looks after the company from today on, and why. Any id is taken: the service says
    when it is not an active account manager of the site."""

    manager_id = SelectField(_l("Account manager"), coerce=_chosen_id, validate_choice=False,
                             validators=[InputRequired(_l("Choose an account manager, or nobody."))])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)], render_kw={"maxlength": 200})

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.manager_id.choices = [(0, _l("Nobody"))] + [(m.id, m.full_name) for m in managers]


class AssignManyForm(AssignForm):
    """The companies ticked in the portfolio list, to one manager (or nobody) from today on. The
    manager starts unchosen: ticking a page of companies and pressing the button releases none."""

    customer_ids = SelectMultipleField(coerce=_chosen_id, validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager_id.choices = [("", _l("Choose…"))] + self.manager_id.choices


class VisitSettingsForm(DeskForm):
    not_visited_days = IntegerField(_l("A company counts as not visited after (days)"),
                                    validators=[InputRequired()])


ITEM_ROWS, COMMITMENT_ROWS = 3, 2  # empty rows the record form offers (more on request)
MAX_ITEM_ROWS, MAX_COMMITMENT_ROWS = 60, 30
MORE_ROWS = 3


def _visit_choices(codes, labels):
    return [(code, labels[code]) for code in codes]


class ReplanForm(DeskForm):
    """The plan of a visit: when, how, what for, whom to meet and what to prepare."""

    visit_on = DateField(_l("Day"), validators=[Optional(), plausible_day])
    mode = RadioField(_l("How"), choices=_visit_choices(MODES, MODE_LABELS), default=ON_SITE,
                      validate_choice=False)
    purpose = SelectField(_l("Purpose of the visit"), choices=_visit_choices(PURPOSES, PURPOSE_LABELS),
                          default=ROUTINE_CARE, validate_choice=False)
    meet = StringField(_l("Who to meet"), validators=[Optional(), Length(max=200)], render_kw={"maxlength": 100})
    preparation = TextAreaField(_l("What to prepare"), validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 6, "maxlength": 1000})


class PlanForm(ReplanForm):
    customer_id = SelectField(_l("Company"), coerce=database_id, validate_choice=False, default=0)


class VisitRowForm(Form):
    """A row of the record form: no CSRF of its own (the record form has it); WTForms' messages
    in the user's language as the desk's forms have them."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations()


class ItemRowForm(VisitRowForm):
    item_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    kind = SelectField(_l("Kind"), choices=_visit_choices(ITEM_KINDS, ITEM_LABELS), default=REQUEST,
                       validate_choice=False)
    text = TextAreaField(_l("What the customer said"), validators=[Optional(), Length(max=1000)],
                         render_kw={"rows": 2, "maxlength": 500})
    answer = TextAreaField(_l("Answer given on the spot"), validators=[Optional(), Length(max=1000)],
                           render_kw={"rows": 2, "maxlength": 500})

    def blank(self) -> bool:
        # an item cleared of its words is taken off the visit
        return not ((self.text.data or "").strip() or (self.answer.data or "").strip())


class CommitmentRowForm(VisitRowForm):
    text = StringField(_l("What we promised"), validators=[Optional(), Length(max=600)], render_kw={"maxlength": 300})
    owner_id = SelectField(_l("Responsible"), coerce=database_id, validate_choice=False, default=0)
    due_on = DateField(_l("Due"), validators=[Optional(), plausible_day])

    def blank(self) -> bool:
        return not ((self.text.data or "").strip() or self.due_on.data)


class RecordForm(DeskForm):
    """What happened at a visit. `customer_id`, `mode` and `purpose` matter for a visit recorded
    without a plan; a planned visit brings them (mode and purpose may still change)."""

    customer_id = SelectField(_l("Company"), coerce=database_id, validate_choice=False, default=0)
    visited_at = DateTimeLocalField(_l("When it took place"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                    validators=[Optional(), plausible_day])
    mode = RadioField(_l("How"), choices=_visit_choices(MODES, MODE_LABELS), default=ON_SITE,
                      validate_choice=False)
    purpose = SelectField(_l("Purpose of the visit"), choices=_visit_choices(PURPOSES, PURPOSE_LABELS),
                          default=ROUTINE_CARE, validate_choice=False)
    attendees = StringField(_l("Who attended (theirs and ours)"), validators=[Optional(), Length(max=600)],
                            render_kw={"maxlength": 300})
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 3, "maxlength": 1000})
    items = FieldList(FormField(ItemRowForm), min_entries=ITEM_ROWS, max_entries=MAX_ITEM_ROWS)
    commitments = FieldList(FormField(CommitmentRowForm), min_entries=COMMITMENT_ROWS,
                            max_entries=MAX_COMMITMENT_ROWS)
    follow_up_on = DateField(_l("Next follow-up"), validators=[Optional(), plausible_day])
    action = HiddenField()  # "more": the same form again with more empty rows

    def __init__(self, *args, owners=(), default_owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_errors = {}  # a row's name ("items-2") -> what the service said about it
        self._item_rows, self._commitment_rows = [], []
        self.owner_choices = [(0, "—")] + [(u.id, u.full_name) for u in owners]
        self.default_owner = default_owner  # whom a new commitment row names as its owner
        self._commitment_owners()

    def _commitment_owners(self):
        for row in self.commitments:
            row.form.owner_id.choices = self.owner_choices
            if row.form.blank() and not row.form.owner_id.data and self.default_owner:
                row.form.owner_id.data = self.default_owner

    def add_rows(self):
        """Room for a few more items and commitments (the page without its script)."""
        for rows, limit in ((self.items, MAX_ITEM_ROWS), (self.commitments, MAX_COMMITMENT_ROWS)):
            for _ in range(min(MORE_ROWS, limit - len(rows.entries))):
                rows.append_entry()
        self._commitment_owners()

    def visited_instant(self):
        """The time typed (Shanghai wall time) as the UTC instant the services take."""
        typed = self.visited_at.data
        return typed.replace(tzinfo=BUSINESS_TZ).astimezone(timezone.utc) if typed else None

    def entries(self, fixed_items=()):
        """(items, commitments) for services.record_visit: the items that became work orders as
        they stand (`fixed_items`, not on the form), then the filled-in rows; empty rows are left
        out. Remembers which row each input came from, to show a refusal next to it."""
        items = [ItemInput(kind=i.kind, text=i.text, answer=i.answer, id=i.id) for i in fixed_items]
        self._item_rows = [None] * len(items)
        for row in self.items:
            if not row.form.blank():
                items.append(ItemInput(kind=row.form.kind.data, text=row.form.text.data or "",
                                       answer=row.form.answer.data or "", id=row.form.item_id.data or None))
                self._item_rows.append(row)
        commitments, self._commitment_rows = [], []
        for row in self.commitments:
            if not row.form.blank():
                given = row.form
                commitments.append(CommitmentInput(text=given.text.data or "", owner_id=given.owner_id.data or None,
                                                   due_on=given.due_on.data))
                self._commitment_rows.append(row)
        return items, commitments

    def show_error(self, error):
        """A refusal of the service next to its row ("items-N" is the N-th input given), else next
        to its field, else flashed."""
        name, _sep, number = (error.field or "").partition("-")
        rows = {"items": self._item_rows, "commitments": self._commitment_rows}.get(name)
        if rows is not None and number.isdigit() and int(number) < len(rows) and rows[int(number)] is not None:
            self.row_errors[rows[int(number)].name] = str(error)
        elif name in ("items", "commitments") and not number:
            self.row_errors[name] = str(error)
        else:
            show_error(self, error)


class CancelForm(DeskForm):
    reason = StringField(_l("Why is the visit cancelled?"), validators=[Optional(), Length(max=400)],
                         render_kw={"maxlength": 200})


class CommitmentDoneForm(DeskForm):
    note = StringField(_l("How it was kept"), validators=[Optional(), Length(max=600)], render_kw={"maxlength": 300})
    next = HiddenField(validators=[Optional(), Length(max=300)])


class WorkOrderForm(DeskForm):
    """A request heard at a visit made a work order: what kind of job, where, whom to call back."""

    category = SelectField(_l("Category"), choices=_visit_choices(CATEGORIES, CATEGORY_LABELS), default="other",
                           validate_choice=False)
    unit_id = SelectField(_l("Unit"), coerce=database_id, validate_choice=False, default=0)
    building_id = SelectField(_l("or a common area of building"), coerce=database_id, validate_choice=False,
                              default=0)
    place_note = StringField(_l("Where exactly"), validators=[Optional(), Length(max=120)],
                             render_kw={"maxlength": 60})
    phone = StringField(_l("Phone to call back"), validators=[Optional(), Length(max=40)])

    # the work-order service names the place and the caller's phone its own way
    SERVICE_FIELDS = {"place": "unit_id", "reporter_phone": "phone"}

    def show_error(self, error):
        error.field = self.SERVICE_FIELDS.get(error.field, error.field)
        show_error(self, error)


NOT_APPLICABLE = "na"  # the radio button of a question the company cannot judge: no score
SCORES = tuple(range(MIN_SCORE, MAX_SCORE + 1))
SCORE_WORDS = {1: _l("Very dissatisfied"), 2: _l("Dissatisfied"), 3: _l("Neither"), 4: _l("Satisfied"),
               5: _l("Very satisfied")}
RECOMMEND_WORDS = {1: _l("Certainly not"), 2: _l("Probably not"), 3: _l("Not sure"), 4: _l("Probably"),
                   5: _l("Certainly")}


def score_words(dimension) -> dict:
    """What each score means for a question of `dimension`: satisfaction, or "would you recommend us"."""
    return RECOMMEND_WORDS if dimension == RECOMMEND else SCORE_WORDS


# --- the survey ----------------------------------------------------------------------------------

class SurveyForm(DeskForm):
    """A filled-in survey. The questions' fields (score_<id>, comment_<id>) are added for the
    questionnaire version shown, by survey_form(); the lengths only keep absurd input out."""

    customer_id = SelectField(_l("Company"), coerce=database_id, validate_choice=False, default=0)
    questionnaire_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    respondent = StringField(_l("Who answered"), validators=[Optional(), Length(max=200)],
                             render_kw={"maxlength": 60})
    taken_on = DateField(_l("Day of the survey"), validators=[Optional(), plausible_day])
    comment = TextAreaField(_l("Overall comment"), validators=[Optional(), Length(max=4000)],
                            render_kw={"rows": 3, "maxlength": 1000})

    questions: list = []

    def answer_inputs(self) -> list[AnswerInput]:
        """One answer a question: the score as sent (the service says what is wrong with it), none
        for "not applicable"."""
        answers = []
        for q in self.questions:
            score = (self[f"score_{q.id}"].data or "").strip()
            answers.append(AnswerInput(question_id=q.id, score=None if score in ("", NOT_APPLICABLE) else score,
                                       comment=self[f"comment_{q.id}"].data or ""))
        return answers

    def carry_over(self, earlier_questions, formdata):
        """The questions changed while the form was open: what was given for an earlier question
        goes to the current question that measures the same thing, so nothing is typed twice."""
        earlier = {q.dimension: q for q in earlier_questions}
        for q in self.questions:
            old = earlier.get(q.dimension)
            if old is not None and old.id != q.id:
                self[f"score_{q.id}"].data = formdata.get(f"score_{old.id}", NOT_APPLICABLE)
                self[f"comment_{q.id}"].data = formdata.get(f"comment_{old.id}", "")


def survey_form(questions):
    """The survey form class for these questions (of one questionnaire version): a score and a
    comment each. Each question starts as "not applicable" until a score is chosen."""

    class QuestionnaireSurveyForm(SurveyForm):
        pass

    QuestionnaireSurveyForm.questions = list(questions)
    for q in questions:
        setattr(QuestionnaireSurveyForm, f"score_{q.id}", StringField(default=NOT_APPLICABLE))
        setattr(QuestionnaireSurveyForm, f"comment_{q.id}",
                StringField(_l("Comment"), validators=[Optional(), Length(max=1000)], render_kw={"maxlength": 300}))
    return QuestionnaireSurveyForm


# --- the questionnaire ---------------------------------------------------------------------------

DIMENSION_CHOICES = [("", _l("Choose…"))] + [(d, rules.DIMENSION_LABELS[d]) for d in DIMENSIONS]


class QuestionRowForm(Form):
    """One row of the questionnaire: what the question measures, its wording, its place."""

    dimension = SelectField(_l("Measures"), choices=DIMENSION_CHOICES, validate_choice=False)
    text = StringField(_l("Question"), validators=[Optional(), Length(max=1000)], render_kw={"maxlength": 200})
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=1, max=99)])
    remove = BooleanField(_l("Remove"))


class QuestionnaireForm(DeskForm):
    """The questions of the questionnaire as rows; a row with neither a dimension nor a wording is
    left out (the empty rows are there to add a question)."""

    rows = FieldList(FormField(QuestionRowForm), max_entries=len(DIMENSIONS) * 3)

    def questions(self) -> list[tuple[str, str]]:
        """(dimension, wording) of the rows kept, in their order (ties keep the rows' order)."""
        kept = [(row.position.data or 100, n, row) for n, row in enumerate(self.rows)
                if not row.remove.data and (row.dimension.data or (row.text.data or "").strip())]
        self._sent = [n for _p, n, _row in sorted(kept, key=lambda k: k[:2])]
        return [(self.rows[n].dimension.data, (self.rows[n].text.data or "").strip()) for n in self._sent]

    def show_error(self, error) -> bool:
        """Put a service's error about the n-th question sent next to its row; False when it is not
        about one row."""
        field = error.field or ""
        if not field.startswith("questions-"):
            return False
        n = int(field.rsplit("-", 1)[1])
        self.rows[self._sent[n]].text.errors = [str(error)]
        return True


def question_rows(questions) -> list[dict]:
    """The form's rows for a questionnaire's questions, then an empty row for each dimension not
    asked (one at least) to add a question in."""
    rows = [{"dimension": q.dimension, "text": q.text, "position": q.position} for q in questions]
    blank = max(len(DIMENSIONS) - len(rows), 1)
    return rows + [{"dimension": "", "text": "", "position": len(rows) + n + 1} for n in range(blank)]


# --- the report and the register -----------------------------------------------------------------

class ReportPeriodForm(DeskForm):
    """From and to (both days included), read from the query string: a report changes nothing, so
    it needs no CSRF token. An empty day takes the page's default."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), name="from", validators=[Optional(), plausible_day])
    end = DateField(_l("To"), name="to", validators=[Optional(), plausible_day])

    def __init__(self, *args, today: date, default_start: date, max_days: int, default_end: date | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.default_start, self.default_end, self.max_days = default_start, default_end or today, max_days

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        self.start.data = self.start.data or self.default_start  # shown in the form: the figures say their days
        self.end.data = self.end.data or self.default_end
        if self.start.data > self.end.data:
            self.end.errors.append(_l("The first day comes after the last one: swap them."))
        elif (self.end.data - self.start.data).days + 1 > self.max_days:
            self.end.errors.append(_l("Choose at most %(days)s days at a time.", days=self.max_days))
        return not self.end.errors

    @property
    def months(self) -> list[str]:
        """Every month of the period, "YYYY-MM", in order."""
        months, day = [], self.start.data.replace(day=1)
        while day <= self.end.data:
            months.append(rules.month_of(day))
            day = (day + timedelta(days=32)).replace(day=1)
        return months


def twelve_months_back(today: date) -> date:
    """The first day of the month eleven months before `today`'s: with this month, twelve months."""
    year, month = divmod(today.year * 12 + today.month - 1 - 11, 12)
    return date(year, month + 1, 1)


class SurveyReportForm(BuildingFilter, ReportPeriodForm):
    """The survey report's period (the last twelve months unless given) and one building or all."""

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_buildings(buildings)


class RegisterForm(ReportPeriodForm):
    """The visit register's period (this month unless given) and, for whoever sees every visit,
    one account manager (`managers` None: the user's own visits, no choice)."""

    manager = SelectField(_l("Account manager"), coerce=str, validate_choice=False, default="")

    def __init__(self, *args, managers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if managers is None:
            del self.manager
            return
        self.manager.choices = [("", _l("Every account manager"))] + [(str(u.id), u.full_name) for u in managers]

    def validate_manager(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an account manager of this site."))

    @property
    def manager_id(self) -> int | None:
        return int(self.manager.data) if "manager" in self and self.manager.data else None


CASE_TEXT_ROWS = 5


class CaseForm(DeskForm):
    """A case written up from a visit or a work order (its id rides along hidden) or on its own.
    The lengths here only keep absurd input out; the service says the limits in words."""

    title = StringField(_l("Title of the case"), validators=[DataRequired(_l("Give the case a title.")),
                                                              Length(max=200)], render_kw={"maxlength": 100})
    situation = TextAreaField(_l("The situation"), validators=[DataRequired(_l("Describe the situation.")),
                                                               Length(max=4000)],
                              render_kw={"rows": CASE_TEXT_ROWS + 3})  # a visit's items are prefilled here
    action = TextAreaField(_l("What was done"), validators=[DataRequired(_l("Say what was done.")), Length(max=4000)],
                           render_kw={"rows": CASE_TEXT_ROWS})
    result = TextAreaField(_l("The result"), validators=[DataRequired(_l("Say what came of it.")), Length(max=4000)],
                           render_kw={"rows": CASE_TEXT_ROWS - 2})
    lesson = TextAreaField(_l("The lesson"), validators=[DataRequired(_l("Say what others should learn from it.")),
                                                         Length(max=4000)], render_kw={"rows": CASE_TEXT_ROWS - 2})
    visit_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    work_order_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
