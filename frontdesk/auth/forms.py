from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import DeskForm
from .permissions import ROLE_LABELS, ROLES


class LoginForm(DeskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(DeskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two new passwords differ."))])


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (a user may hold several roles)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices():
    return [(role, ROLE_LABELS[role]) for role in ROLES]


def _at_least_one_role(form, field):
    # not DataRequired: that would mark every checkbox `required`, as if all had to be ticked
    if not field.data:
        raise StopValidation(_l("Choose at least one role."))


class UserEditForm(DeskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=60)])
    # choices are the sites, filled in by the view; 0 stands for "no particular site"
    site_id = SelectField(_l("Site"), coerce=int, choices=[], validate_choice=True)
    roles = CheckboxesField(_l("Roles"), choices=_role_choices, validators=[_at_least_one_role])


class UserCreateForm(UserEditForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=200)])


class ResetPasswordForm(DeskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


class ConfirmForm(DeskForm):
    """A button that changes something: only the CSRF token travels."""
