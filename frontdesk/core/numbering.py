"""Gapless document numbers from a counter row locked in the caller's transaction.

The increment is an UPDATE … RETURNING, the first write of the transaction for that row, so on
PostgreSQL the row lock is held until commit and on SQLite the write lock (BEGIN IMMEDIATE)
already serialises writers. A rolled-back transaction rolls the counter back too: no gaps."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base


class Counter(Base):
    __tablename__ = "counter"
    __table_args__ = (sa.UniqueConstraint("kind", "scope", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # receipt, dunning_notice, ...
    scope: Mapped[str] = mapped_column(sa.String(40))  # usually the site code
    year: Mapped[int] = mapped_column(sa.Integer)
    value: Mapped[int] = mapped_column(sa.Integer, default=0)


def next_number(session, kind: str, scope: str, year: int) -> int:
    """Take the next number of (kind, scope, year), creating the counter at 1 if needed."""
    table = Counter.__table__
    bump = (
        sa.update(table)
        .where(table.c.kind == kind, table.c.scope == scope, table.c.year == year)
        .values(value=table.c.value + 1)
        .returning(table.c.value)
    )
    value = session.execute(bump).scalar()
    if value is not None:
        return value
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(table).values(kind=kind, scope=scope, year=year, value=0).on_conflict_do_nothing()
    )
    return session.execute(bump).scalar_one()
