"""The declarative base, the column types every domain uses (Money, UTCDateTime) and the
per-connection setup of SQLite."""
from datetime import datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from .money import to_fen, from_fen

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class Money(sa.types.TypeDecorator):
    """An amount of yuan, stored as integer fen and handled as a Decimal with two places.

    Assigning a value with more than two decimal places raises: amounts are rounded by the rule
    that produced them, never silently by the column."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return to_fen(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return from_fen(value)

    @property
    def python_type(self):
        return Decimal


class UTCDateTime(sa.types.TypeDecorator):
    """An instant: always timezone-aware UTC in Python, whatever the database keeps."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    @property
    def python_type(self):
        return datetime


def configure_engine(engine, busy_timeout_ms: int = 5000):
    """SQLite: WAL, foreign keys, a busy timeout, and transactions that we open ourselves.

    Python's sqlite3 driver opens its transaction lazily, after a SELECT, so a read-then-write
    (the receipt counter, "is this charge still unpaid?") can interleave with another writer.
    We switch the driver's own handling off and issue BEGIN ourselves: BEGIN IMMEDIATE, which
    takes the write lock up front, for everything except the read-only requests (GET/HEAD),
    which keep a plain BEGIN so counter screens can read concurrently under WAL."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if _read_only_request() else "BEGIN IMMEDIATE")


def _read_only_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method in ("GET", "HEAD")
