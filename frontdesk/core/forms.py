"""The one base class of every form in the desk."""
from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import DefaultTranslations, messages_path

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
