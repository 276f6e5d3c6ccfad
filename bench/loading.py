"""What every bench generator does around its own rows: an app on the benchmark's database, the
schema migrated, one bulk load that happens once per site, rows inserted through the driver, ids
continued from what is there, and a SQLite file removed for a fresh start."""
import argparse
import json
import time
from datetime import timezone
from pathlib import Path

import sqlalchemy as sa

from frontdesk import create_app
from frontdesk.core import clock
from frontdesk.core.db import UTCDateTime
from frontdesk.estate.models import Site
from frontdesk.extensions import db


def app_for(url):
    return create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False})


def load_once(url: str, site_code: str, fill, *, vacuum: bool = False) -> dict:
    """Migrate the database at `url` and, unless site `site_code` is there already, call
    fill(conn, now, config) in one transaction and return what it returns. On SQLite the load runs
    without foreign-key look-ups per row (the rows are consistent by construction) and with a
    cache that holds the indexes being filled (both per connection, set before BEGIN); on
    PostgreSQL the tables are analysed afterwards (vacuumed too with `vacuum`, as autovacuum
    leaves tables that grew over years: statistics and the visibility map)."""
    app = app_for(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        present = db.session.scalar(sa.select(Site.id).where(Site.code == site_code))
        db.session.remove()
        if present:
            return {"note": "present already"}
        now = clock.now()
        with db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                raw = conn.connection.dbapi_connection
                raw.execute("PRAGMA foreign_keys=OFF")
                raw.execute("PRAGMA cache_size=-262144")
            with conn.begin():
                figures = fill(conn, now, app.config)
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")
                raw.execute("PRAGMA cache_size=-2000")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE" if vacuum else "ANALYZE")
        return figures


def last_ids(conn, models) -> dict:
    """Table name -> the highest id it holds (0 when empty): a generator numbers its rows on."""
    return {model.__table__.name: conn.execute(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))).scalar_one()
            for model in models}


def move_sequences(conn, tables):
    """The rows carry their own ids: move each PostgreSQL sequence past them, or the first row the
    app adds collides with one of them (nothing to do on SQLite)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"GREATEST((SELECT COALESCE(max(id), 0) FROM {table}), 1))"))


def bulk(conn, model, rows, chunk=10_000):
    """Insert many rows through the driver's executemany, the values converted once here as the
    column types would (SQLAlchemy's per-row processing cost more than the inserts themselves)."""
    if not rows:
        return
    table = model.__table__
    names = list(rows[0])
    sqlite = conn.dialect.name == "sqlite"

    def convert(column):
        if isinstance(column.type, UTCDateTime):
            if sqlite:
                return lambda v: None if v is None else v.astimezone(timezone.utc).replace(tzinfo=None).isoformat(
                    " ", "microseconds")
            return None
        if isinstance(column.type, sa.JSON):
            return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
        if isinstance(column.type, sa.Date) and sqlite:
            return lambda v: None if v is None else v.isoformat()
        return None

    converters = [(i, convert(table.c[name])) for i, name in enumerate(names)]
    converters = [(i, f) for i, f in converters if f is not None]
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(conn.dialect.identifier_preparer.quote(n) for n in names)}) "
           f"VALUES ({', '.join([marker] * len(names))})")
    for start in range(0, len(rows), chunk):
        values = []
        for row in rows[start:start + chunk]:
            value = [row[n] for n in names]
            for i, f in converters:
                value[i] = f(value[i])
            values.append(tuple(value))
        conn.exec_driver_sql(sql, values)


def sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def remove_sqlite(url: str):
    path = sqlite_path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def main(description: str, generate, default_url: str):
    """A generator's command line: --database-url (default `default_url`) and --fresh (delete the
    SQLite file first); prints how long it took and what it made."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", default=default_url)
    parser.add_argument("--fresh", action="store_true", help="delete the SQLite file first")
    args = parser.parse_args()
    path = sqlite_path(args.database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.fresh:
            remove_sqlite(args.database_url)
    started = time.perf_counter()
    figures = generate(args.database_url)
    print(f"generated in {time.perf_counter() - started:.1f} s: {figures}")
