"""The audit log is append-only: the ORM refuses changes, and so does the database itself."""
import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import record
from tests.factories import NOW, make_user


def _entry(db):
    entry = record("receipt.void", actor=make_user("supervisor"), now=NOW, object_type="receipt", object_id=7,
                   summary="wrong amount")
    db.session.commit()
    return entry


def test_orm_refuses_to_update_an_entry(db):
    entry = _entry(db)

    entry.summary = "nothing happened"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()

    assert db.session.scalar(sa.select(AuditEntry.summary)) == "wrong amount"


def test_orm_refuses_to_delete_an_entry(db):
    entry = _entry(db)

    db.session.delete(entry)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()

    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET summary = 'nothing happened'",
    "DELETE FROM audit_entry",
])
def test_database_refuses_raw_sql_changes(db, statement):
    _entry(db)

    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()

    assert db.session.execute(sa.select(AuditEntry.summary)).scalars().all() == ["wrong amount"]


def test_new_entries_can_still_be_added(db):
    _entry(db)
    record("receipt.reprint", actor=None, now=NOW, summary="second copy")
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 2
