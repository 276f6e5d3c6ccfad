"""The shape of the estate forms; the rules behind them are in rules.py and services.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import DeskForm
from . import rules
from .models import CUSTOMER_KINDS, OCCUPANCY_ROLES, RECEIPT_COPIES, SITE_KINDS, UNIT_USES


def _choices(codes, labels):
    return [SelectChoice(c, labels[c]) for c in codes]


def choices(pairs):
    """Choices filled in by a view from (value, label) pairs, such as the sites."""
    return [SelectChoice(value, label) for value, label in pairs]


class EstateForm(DeskForm):
    def values(self) -> dict:
        """The submitted values by field name, as a service takes them."""
        return {k: v for k, v in self.data.items() if k != "csrf_token"}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SiteForm(EstateForm):
    code = StringField(_l("Site code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=_choices(SITE_KINDS, rules.SITE_KIND_LABELS))
    company_name = StringField(_l("Company name printed on receipts"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("Service centre address"), validators=[Length(max=200)])
    phone = StringField(_l("Service centre phone"), validators=[Length(max=40)])
    receipt_prefix = StringField(_l("Receipt number prefix"), default="SJ", validators=[DataRequired(), Length(max=10)])
    receipt_copies = CheckboxesField(_l("Receipt copies to print"), choices=_choices(RECEIPT_COPIES, rules.COPY_LABELS),
                                     default=list(RECEIPT_COPIES))
    active = BooleanField(_l("In service"), default=True)

    @classmethod
    def of(cls, site):
        # the model keeps the copies as one comma-separated string; the form wants a list
        form = cls(obj=site)
        if not form.is_submitted():
            form.receipt_copies.data = site.copies
        return form


class BuildingForm(EstateForm):
    code = StringField(_l("Building code"), validators=[DataRequired(), Length(max=10)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])


class UnitForm(EstateForm):
    building_id = SelectField(_l("Building"), coerce=int, validate_choice=False)
    number = StringField(_l("Unit number"), validators=[DataRequired(), Length(max=30)])
    floor = IntegerField(_l("Floor"), validators=[Optional(), NumberRange(min=-20, max=300)])
    area = StringField(_l("Area (m²)"), validators=[DataRequired(), Length(max=20)])
    use = SelectField(_l("Use"), choices=_choices(UNIT_USES, rules.USE_LABELS))


class CustomerForm(EstateForm):
    kind = SelectField(_l("Kind"), choices=_choices(CUSTOMER_KINDS, rules.CUSTOMER_KIND_LABELS))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Length(max=30)])
    id_number = StringField(_l("ID number (persons, optional)"), validators=[Length(max=30)])
    credit_code = StringField(_l("Unified social credit code (companies)"), validators=[Length(max=30)])
    note = TextAreaField(_l("Note"), validators=[Length(max=500)])


class CustomerCreateForm(CustomerForm):
    site_id = SelectField(_l("Site"), coerce=int, validate_choice=False)


class ContactForm(EstateForm):
    name = StringField(_l("Contact name"), validators=[DataRequired(), Length(max=60)])
    position = StringField(_l("Position"), validators=[Length(max=60)])
    phone = StringField(_l("Phone"), validators=[Length(max=30)])
    email = StringField(_l("Email"), validators=[Length(max=120)])


class OccupancyForm(EstateForm):
    customer = StringField(_l("Customer"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=_choices(OCCUPANCY_ROLES, rules.ROLE_LABELS))
    start_on = DateField(_l("From"), validators=[DataRequired()])
    end_on = DateField(_l("Until (last day, optional)"), validators=[Optional()])
    billed = BooleanField(_l("Billed for this unit while it runs"), default=True)
    end_current = BooleanField(_l("End the current occupant of this role the day before"))


class EndOccupancyForm(EstateForm):
    end_on = DateField(_l("Last day"), validators=[DataRequired()])


IMPORT_KINDS = {"units": _l("Units"), "customers": _l("Customers")}


class ImportForm(EstateForm):
    site_id = SelectField(_l("Site"), coerce=int, validate_choice=False)
    kind = SelectField(_l("What the file holds"), choices=choices(IMPORT_KINDS.items()))
    file = FileField(_l("File (XLSX or CSV)"), validators=[FileRequired(_l("Choose a file to import."))])
