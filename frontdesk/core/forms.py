"""The one base class of every form in the desk, and the checks every package's forms share."""
from datetime import date, datetime

from babel import support
from flask import current_app
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.i18n import DefaultTranslations, messages_path
from wtforms.validators import ValidationError

from .http import MAX_ID

# WTForms' own messages ("This field is required.") per locale. Flask-WTF parses the catalog from
# disk for every request that builds a form (3 ms of a 13 ms page); a catalog never changes while
# the process runs, so each locale's is parsed once.
_WTFORMS_CATALOGS: dict[str, DefaultTranslations] = {}


def wtforms_translations():
    locale = get_locale()
    key = str(locale)
    found = _WTFORMS_CATALOGS.get(key)
    if found is None:
        catalog = support.Translations.load(messages_path(), [locale], domain="wtforms")
        found = _WTFORMS_CATALOGS[key] = DefaultTranslations(catalog)
    return found


class DeskForm(FlaskForm):
    """FlaskForm (CSRF, request data) whose WTForms messages come in the user's language."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_translations()


def database_id(value) -> int:
    """A chosen id (a select's or a checkbox's coerce), as a number the database can hold (0 for
    none); anything else is not a choice."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError("not an id")
    return number


# a day outside these is a slip of the keyboard (and the first and last day a date holds have no UTC instant)
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def plausible_day(form, field):
    """A date (or date-and-time) field's day lies between FIRST_DAY and LAST_DAY."""
    value = field.data.date() if isinstance(field.data, datetime) else field.data
    if value and not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(_l("Enter a day between %(first)s and %(last)s.", first=FIRST_DAY.isoformat(),
                                 last=LAST_DAY.isoformat()))


class BuildingFilter:
    """A report filter's choice of one building of the site, or every building (the default).
    Mixed into a form before its base class; the form offers the site's buildings when it is made."""

    building = SelectField(_l("Building"), coerce=str, validate_choice=False, default="")

    def offer_buildings(self, buildings):
        """`buildings`: (id, label) pairs of the site's buildings."""
        self.building.choices = [("", _l("Every building"))] + [(str(id_), label) for id_, label in buildings]

    def validate_building(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("There is no such building at this site."))

    @property
    def building_id(self) -> int | None:
        return int(self.building.data) if self.building.data else None
