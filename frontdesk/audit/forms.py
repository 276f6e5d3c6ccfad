from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from ..core.forms import DeskForm


class AuditSearchForm(DeskForm):
    """The search form of the audit page: sent by GET, so links to a search can be shared."""

    class Meta:
        csrf = False

    # an action or type that is no longer in the log simply finds nothing, so the selects
    # do not insist on their choices
    actor = StringField(_l("Who"), validators=[Optional(), Length(max=60)])
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    object_type = SelectField(_l("Object type"), choices=[], validate_choice=False)
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=40)])
    text = StringField(_l("Summary contains"), validators=[Optional(), Length(max=100)])
    day_from = DateField(_l("From"), validators=[Optional()])
    day_to = DateField(_l("To"), validators=[Optional()])

    def filters(self) -> dict:
        """The given values that are valid; a field with an error (a malformed date) is left out
        and shows its error."""
        self.validate()
        return {name: field.data for name, field in self._fields.items() if field.data and not field.errors}
