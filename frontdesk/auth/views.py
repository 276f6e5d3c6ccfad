from functools import partial

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core import clock
from ..core.errors import DomainError
from ..core.http import safe_next, show_error
from ..estate.models import Site
from ..extensions import db, limiter
from . import bp, queries, services
from .forms import ConfirmForm, LoginForm, PasswordForm, ResetPasswordForm, UserCreateForm, UserEditForm
from .models import User
from .permissions import ROLE_LABELS, USERS_MANAGE, permission_required


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = services.authenticate(form.username.data, form.password.data, now=clock.now(),
                                         max_failures=cfg["LOGIN_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"])
        except DomainError as e:
            db.session.commit()  # the failure count and its audit entry stay
            flash(str(e), "error")
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.home")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data,
                                     actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the session version changed: keep this one
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.home"))
    return render_template("auth/password.html", form=form)


@bp.post("/locale")
def set_locale():
    """The language switch: kept on the user, or in the session before login."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:
            services.set_locale(current_user, locale, now=clock.now())
            db.session.commit()
        session["locale"] = locale
    return redirect(safe_next(request.form.get("next"), url_for("dashboard.home")))


# --- user administration -------------------------------------------------------------------

def _site(form):
    return db.session.get(Site, form.site_id.data) if form.site_id.data else None


def _user_form(form_class, **kwargs):
    form = form_class(**kwargs)
    form.site_id.choices = queries.site_choices()
    return form


def _user_page(user, form=None, reset_form=None):
    form = form or _user_form(UserEditForm, obj=user, data={"site_id": user.site_id or 0, "roles": user.roles})
    return render_template("auth/user_edit.html", user=user, form=form, now=clock.now(),
                           reset_form=reset_form or ResetPasswordForm(), confirm_form=ConfirmForm())


@bp.get("/users")
@permission_required(USERS_MANAGE)
def users():
    return render_template("auth/users.html", users=queries.list_users(), now=clock.now(), role_labels=ROLE_LABELS)


@bp.get("/roles")
@permission_required(USERS_MANAGE)
def roles():
    rows, role_columns = queries.role_matrix()
    return render_template("auth/roles.html", rows=rows, role_columns=role_columns)


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(USERS_MANAGE)
def new_user():
    form = _user_form(UserCreateForm)
    if form.validate_on_submit():
        try:
            user = services.create_user(form.username.data, form.full_name.data, form.password.data, form.roles.data,
                                        site=_site(form), actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("User %(name)s has been created.", name=user.username), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(USERS_MANAGE)
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    form = _user_form(UserEditForm, obj=user) if request.method == "POST" else None
    if form is not None and form.validate_on_submit():
        try:
            services.update_user(user, full_name=form.full_name.data, site=_site(form), roles=form.roles.data,
                                 actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s have been saved.", name=user.username), "success")
            return redirect(url_for("auth.users"))
    return _user_page(user, form=form)


@bp.post("/users/<int:user_id>/password")
@permission_required(USERS_MANAGE)
def reset_password(user_id):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.new_password.data, actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("The password of %(name)s has been reset. Their open sessions have ended.", name=user.username),
                  "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    return _user_page(user, reset_form=form)


def _account_action(user_id, action, done_message):
    """The one-button changes (deactivate, reactivate, unlock): CSRF-checked POST, service, flash."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(user, actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(done_message % {"name": user.username}, "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
@permission_required(USERS_MANAGE)
def deactivate_user(user_id):
    return _account_action(user_id, partial(services.set_active, active=False),
                           _("%(name)s has been deactivated and logged out everywhere."))


@bp.post("/users/<int:user_id>/reactivate")
@permission_required(USERS_MANAGE)
def reactivate_user(user_id):
    return _account_action(user_id, partial(services.set_active, active=True), _("%(name)s can log in again."))


@bp.post("/users/<int:user_id>/unlock")
@permission_required(USERS_MANAGE)
def unlock_user(user_id):
    return _account_action(user_id, services.unlock, _("%(name)s has been unlocked."))
