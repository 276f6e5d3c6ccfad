"""Wiring of the app: extensions, blueprints, locale, error pages, /healthz."""
from functools import lru_cache

from babel import Locale
from flask import jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.routing import IntegerConverter

from ..extensions import babel, csrf, db, limiter, login_manager, migrate
from . import templating
from .db import configure_engine
from .http import MAX_ID

BLUEPRINTS = [
    ("frontdesk.auth", "/"),
    ("frontdesk.dashboard", "/"),
    ("frontdesk.estate", "/estate"),
    ("frontdesk.billing", "/billing"),
    ("frontdesk.dunning", "/dunning"),
    ("frontdesk.visitors", "/visitors"),
    ("frontdesk.workorders", "/workorders"),
    ("frontdesk.notices", "/notices"),
    ("frontdesk.visits", "/visits"),
    ("frontdesk.audit", "/audit"),
]


def init_app(app):
    from .. import ROOT

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "frontdesk" / "translations"))
    limiter.init_app(app)
    templating.init_app(app)
    import_models()
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    from importlib import import_module

    app.url_map.converters["int"] = DatabaseId
    for name, prefix in BLUEPRINTS:
        module = import_module(name)
        app.register_blueprint(module.bp, url_prefix=None if prefix == "/" else prefix)

    register_error_pages(app)
    app.before_request(refuse_nul_characters)
    app.after_request(security_headers)

    @app.get("/healthz")
    @limiter.exempt
    def healthz():
        try:
            db.session.execute(sa.text("SELECT 1"))
        except Exception:  # the balancer only needs up or down
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok")


def import_models():
    """Import every models module, so metadata (and Alembic) sees every table."""
    from importlib import import_module

    for name in ("core.numbering", "auth.models", "audit.models", "estate.models", "billing.models", "dunning.models",
                 "core.notify", "visitors.models", "workorders.models", "notices.models", "visits.models"):
        import_module(f"frontdesk.{name}")


def select_locale():
    from flask import current_app, has_request_context

    # commands (create-user, demo) print translated messages outside any request
    if not has_request_context():
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user.is_authenticated and current_user.locale:
        return _locale(current_user.locale)
    chosen = session.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        return _locale(chosen)
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=16)
def _locale(code):
    """Flask-Babel parses the name the selector returns on every request (135 µs); a Locale is
    immutable and the desk speaks two languages, so each is parsed once."""
    return Locale.parse(code)


@login_manager.user_loader
def load_user(token):
    try:
        user_id, version = (int(x) for x in token.split(":"))
    except ValueError:
        return None
    user = db.session.scalars(_user_with_roles(), {"user_id": user_id}).unique().one_or_none()
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@lru_cache(maxsize=1)
def _user_with_roles():
    """The user, its roles and its desk's site (nearly every page needs all three) in one
    statement, built once: building it costs more than running it."""
    from ..auth.models import User

    return (sa.select(User).options(joinedload(User.role_rows), joinedload(User.site))
            .where(User.id == sa.bindparam("user_id")))


def register_error_pages(app):
    def page(code, title, message):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    app.register_error_handler(400, lambda e: page(400, _("Bad request"), _("The request could not be understood.")))
    app.register_error_handler(403, lambda e: page(403, _("Not allowed"), _("Your roles do not allow this page. Ask an administrator if you need it.")))
    app.register_error_handler(404, lambda e: page(404, _("Not found"), _("There is no such page, or the record does not exist.")))
    app.register_error_handler(405, lambda e: page(405, _("Not allowed"), _("This page cannot be used that way.")))
    app.register_error_handler(413, lambda e: page(413, _("File too large"), _("The file is larger than the desk accepts.")))
    app.register_error_handler(429, lambda e: page(429, _("Too many attempts"), _("Too many attempts in a short time. Wait a minute and try again.")))
    app.register_error_handler(CSRFError, lambda e: page(400, _("Form expired"), _("The form had expired or was not sent from this desk. Go back, reload the page and try again. Nothing was changed.")))

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return page(500, _("Something went wrong"), _("The desk hit an unexpected error. Nothing was saved. Try again, and tell the administrator if it happens again."))


class DatabaseId(IntegerConverter):
    """<int:...> in a URL: an id the database can hold, so /receipts/99999999999999999999 is a 404
    rather than an integer overflow in the driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def refuse_nul_characters():
    """No one types a NUL character; PostgreSQL cannot store one and SQLite would keep it silently.
    A request carrying one is answered 400 before any view sees it."""
    from flask import abort

    if any("\x00" in v for v in request.args.values()):
        abort(400)
    if request.method == "POST" and any("\x00" in v for values in request.form.listvalues() for v in values):
        abort(400)


def security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
    )
    return response
