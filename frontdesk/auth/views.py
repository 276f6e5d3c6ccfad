from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core import clock
from ..core.errors import DomainError
from ..core.http import safe_next, show_error
from ..extensions import db, limiter
from . import bp, services
from .forms import LoginForm, PasswordForm


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
