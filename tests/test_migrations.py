"""The migrations build the schema the models describe, from an empty database, on SQLite and
on PostgreSQL; and they can be rolled back to nothing."""
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from frontdesk import create_app
from frontdesk.extensions import db
from tests.conftest import BACKENDS, PG_URL, TEST_CONFIG


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """The URL of a database with nothing in it; on PostgreSQL a scratch database of its own,
    so the shared test database is never touched."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"{server.url.database}_migrations_{uuid.uuid4().hex[:8]}"
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def scratch_app(empty_database):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": empty_database})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables():
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _differences():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrading_an_empty_database_gives_exactly_the_models_schema(scratch_app):
    upgrade()

    assert _tables() == set(db.metadata.tables)
    assert _differences() == []


def test_downgrade_to_base_removes_everything_and_upgrade_works_again(scratch_app):
    upgrade()
    downgrade(revision="base")

    assert _tables() == set()

    upgrade()
    assert _tables() == set(db.metadata.tables)


def test_audit_triggers_come_and_go_with_their_migration(scratch_app):
    upgrade(revision="0001")
    insert = sa.text("INSERT INTO audit_entry (at, actor_name, action, summary) "
                     "VALUES (CURRENT_TIMESTAMP, 'system', 'test.entry', '')")
    with db.engine.begin() as conn:
        conn.execute(insert)
        conn.execute(sa.text("UPDATE audit_entry SET summary = 'allowed before 0002'"))

    upgrade()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_entry"))

    downgrade(revision="0001")
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_entry"))
