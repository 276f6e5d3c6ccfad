"""The Money and UTCDateTime column types keep values exactly, on SQLite and on PostgreSQL."""
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from frontdesk.core.db import Money, UTCDateTime

SHANGHAI = ZoneInfo("Asia/Shanghai")
scratch = sa.Table(
    "scratch_types", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("amount", Money),
    sa.Column("at", UTCDateTime),
)


@pytest.fixture
def conn(db):
    """A connection whose scratch table vanishes with the rolled-back transaction."""
    with db.engine.connect() as connection:
        scratch.create(connection)
        yield connection
        connection.rollback()


def _store(conn, **values):
    row_id = conn.execute(scratch.insert().values(**values)).inserted_primary_key[0]
    return conn.execute(sa.select(scratch).where(scratch.c.id == row_id)).one()


@pytest.mark.parametrize("amount", ["0.01", "1234.56", "999999999.99", "-88.80", "0", "21474836.48"])
def test_money_column_keeps_amounts_to_the_fen(conn, amount):
    row = _store(conn, amount=Decimal(amount))
    assert row.amount == Decimal(amount)
    assert str(row.amount) == str(Decimal(amount).quantize(Decimal("0.01")))


def test_money_column_stores_integer_fen(conn):
    _store(conn, amount=Decimal("1234.56"))
    raw = conn.execute(sa.text("SELECT amount FROM scratch_types")).scalar_one()
    assert raw == 123456


def test_money_column_keeps_null(conn):
    assert _store(conn, amount=None).amount is None


@pytest.mark.parametrize("bad, error", [(Decimal("1.005"), ValueError), (12.5, TypeError)])
def test_money_column_refuses_sub_fen_and_float_amounts(conn, bad, error):
    with pytest.raises(sa.exc.StatementError) as caught:
        conn.execute(scratch.insert().values(amount=bad))
    assert isinstance(caught.value.orig, error)


def test_utc_datetime_column_returns_the_same_instant_in_utc(conn):
    shanghai_morning = datetime(2026, 3, 31, 10, 0, 5, 123456, tzinfo=SHANGHAI)
    row = _store(conn, at=shanghai_morning)
    assert row.at == shanghai_morning
    assert row.at.utcoffset().total_seconds() == 0
    assert row.at == datetime(2026, 3, 31, 2, 0, 5, 123456, tzinfo=timezone.utc)


def test_utc_datetime_column_orders_instants_across_time_zones(conn):
    _store(conn, at=datetime(2026, 1, 1, 7, 0, tzinfo=SHANGHAI))  # 23:00 UTC the day before
    _store(conn, at=datetime(2025, 12, 31, 22, 0, tzinfo=timezone.utc))
    ordered = conn.execute(sa.select(scratch.c.at).order_by(scratch.c.at)).scalars().all()
    assert ordered == [datetime(2025, 12, 31, 22, 0, tzinfo=timezone.utc),
                       datetime(2025, 12, 31, 23, 0, tzinfo=timezone.utc)]


def test_utc_datetime_column_refuses_naive_datetimes(conn):
    with pytest.raises(sa.exc.StatementError) as caught:
        conn.execute(scratch.insert().values(at=datetime(2026, 3, 31, 10, 0)))
    assert isinstance(caught.value.orig, ValueError)
