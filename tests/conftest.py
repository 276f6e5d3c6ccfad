"""Fixtures: a migrated database per test, on SQLite always and on PostgreSQL when
FRONTDESK_TEST_DATABASE_URL is set (every database test then runs on both)."""
import os
import shutil

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import g, request_started

from frontdesk import create_app
from frontdesk.auth import services as auth_services
from frontdesk.extensions import db as _db

# argon2 at its production cost takes 50-250 ms a hash on these machines; the tests check
# behaviour, not the cost
auth_services.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

PG_URL = os.environ.get("FRONTDESK_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,  # tests of CSRF itself switch it back on
    "RATELIMIT_ENABLED": False,
    "SECRET_KEY": "test-secret",
    "SERVER_NAME": None,
}


def _migrate(url):
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file; each test gets a copy of it (a fresh database in ~1 ms)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated():
    if not PG_URL:
        return None
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate(PG_URL)
    return PG_URL


def _truncate_pg(url):
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
        )).scalars().all()
        # TRUNCATE does not fire the audit log's row triggers: only tests may do this
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "frontdesk.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_migrated")
    _truncate_pg(url)
    return url


@pytest.fixture
def app_config():
    """Override in a test module to change settings."""
    return {}


def _fresh_request_globals(sender, **extra):
    """Requests in a test reuse the test's app context, and with it `g`; clear it as a real
    request would start, so the user one client logged in never leaks into another's request."""
    g._get_current_object().__dict__.clear()


@pytest.fixture
def app(database_url, app_config, tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, **app_config})
    app.instance_path = str(tmp_path)
    request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """login(user) logs the test client in through the real login form."""
    from tests.factories import PASSWORD

    def do(user, password=PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def frozen_clock(monkeypatch):
    """Pages read the clock through core.clock: pin it to the factories' NOW (2026-03-31 10:00 Shanghai)."""
    from frontdesk.core import clock
    from tests.factories import NOW

    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def as_user(db, client, login, frozen_clock):
    """Log a user in with the English interface, so pages read the source strings. Whoever was
    logged in before is logged out first."""
    def do(user):
        user.locale = "en"
        db.session.commit()
        client.post("/logout")
        return login(user)

    return do
