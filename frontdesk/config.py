"""Configuration: defaults here, then instance/config.py, then FRONTDESK_* environment variables,
then the overrides passed to create_app (tests)."""
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

# Defaults. Every name can be overridden by instance/config.py or FRONTDESK_<NAME>.
DATABASE_URL = None  # None → sqlite:///<instance>/frontdesk.db
SECRET_KEY = None  # None → instance/secret_key, generated on first start
BABEL_DEFAULT_LOCALE = "zh_CN"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
LANGUAGES = ["zh_CN", "en"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False  # set True behind HTTPS
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
WTF_CSRF_TIME_LIMIT = 12 * 3600  # a counter shift
RATELIMIT_STORAGE_URI = "memory://"  # use redis://127.0.0.1:6379 with several workers
RATELIMIT_ENABLED = True
LOGIN_RATE_LIMIT = "10 per minute"
LOGIN_MAX_FAILURES = 5  # failures in a row before the account is locked
LOGIN_LOCK_MINUTES = 15
MAX_CONTENT_LENGTH = 32 * 1024 * 1024  # uploads: imports, and up to six photos of 5 MB on a work order
PDF_FONT_PATH = None  # None → the font shipped in frontdesk/pdf/fonts
SQLITE_BUSY_TIMEOUT_MS = 5000
PAGE_SIZE = 50
# The outbox (core/notify.py): mail and text messages are sent by a worker, never by a request
SMTP_HOST = ""  # empty: no email is sent (text messages and the desk still work)
SMTP_PORT = 25
SMTP_USERNAME = ""
SMTP_PASSWORD = ""
SMTP_STARTTLS = False
SMTP_SSL = False
SMTP_TIMEOUT = 10  # seconds before a mail server that hangs counts as a failed attempt
MAIL_FROM = "frontdesk@localhost"
MAIL_FROM_NAME = "物业服务中心"
SMS_GATEWAY = "record"  # "record" keeps the message in the outbox only; or "package.module:Class"
OUTBOX_MAX_ATTEMPTS = 5
OUTBOX_RETRY_SECONDS = 30  # first pause after a failure; it doubles with each attempt
OUTBOX_CLAIM_TIMEOUT = 300  # a message a dead worker claimed is taken over after this many seconds
OUTBOX_POLL_SECONDS = 5
OUTBOX_WORKER = True  # `frontdesk run` sends the outbox in a thread of its own
PUBLIC_URL = ""  # how hosts reach the desk, for the links in their messages; empty: the desk's own address
# Visitors
HOST_LINK_HOURS = 12  # how long a host's answer link works
VISITOR_ID_RETENTION_DAYS = 180  # `frontdesk visitors purge` erases ID numbers older than this

# Work orders
WORKORDER_PHOTO_DIR = ""  # empty: instance/workorder-photos

# Notices
POSTING_PHOTO_DIR = ""  # empty: instance/posting-photos

_BOOL = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _coerce(raw, default):
    """Environment values are strings; read them as the type of the default."""
    if isinstance(default, bool):
        return _BOOL.get(raw.strip().lower(), default)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, (list, dict)):
        return json.loads(raw)
    if isinstance(default, timedelta):
        return timedelta(seconds=int(raw))
    return raw


def load(app, overrides=None):
    defaults = {k: v for k, v in globals().items() if k.isupper()}
    app.config.update(defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key, raw in os.environ.items():
        if key.startswith("FRONTDESK_"):
            name = key[len("FRONTDESK_"):]
            app.config[name] = _coerce(raw, defaults.get(name))
    if overrides:
        app.config.update(overrides)

    instance = Path(app.instance_path)
    url = app.config["DATABASE_URL"]
    if not url:
        instance.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{instance / 'frontdesk.db'}"
    app.config["DATABASE_URL"] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URI"]


def _instance_secret(instance: Path) -> str:
    """A random key kept in instance/secret_key, so sessions survive restarts and are shared
    by every worker started from the same instance folder."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
