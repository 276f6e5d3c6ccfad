"""Document numbers are unique and gapless under concurrent cashiers, on both databases."""
import threading

from frontdesk.core.numbering import Counter, next_number

THREADS = 8
PER_THREAD = 50


def test_numbers_start_at_one_per_kind_scope_and_year(db):
    assert next_number(db.session, "receipt", "S1", 2026) == 1
    assert next_number(db.session, "receipt", "S1", 2026) == 2
    assert next_number(db.session, "receipt", "S2", 2026) == 1
    assert next_number(db.session, "receipt", "S1", 2027) == 1
    assert next_number(db.session, "dunning_notice", "S1", 2026) == 1
    db.session.commit()
    assert db.session.query(Counter).filter_by(kind="receipt", scope="S1", year=2026).one().value == 2


def test_a_rolled_back_transaction_leaves_no_gap(db):
    assert next_number(db.session, "receipt", "S1", 2026) == 1
    db.session.commit()
    assert next_number(db.session, "receipt", "S1", 2026) == 2
    db.session.rollback()  # the receipt was never issued
    assert next_number(db.session, "receipt", "S1", 2026) == 2
    db.session.commit()
    # the first number of a brand-new counter is not lost either
    assert next_number(db.session, "receipt", "S9", 2026) == 1
    db.session.rollback()
    assert next_number(db.session, "receipt", "S9", 2026) == 1


def test_concurrent_cashiers_get_unique_gapless_numbers(app, db):
    taken, errors = [], []
    start = threading.Barrier(THREADS)

    def cashier():
        # each thread is its own request: its own app context, session and connection
        with app.app_context():
            try:
                start.wait()
                for _ in range(PER_THREAD):
                    number = next_number(db.session, "receipt", "S1", 2026)
                    db.session.commit()
                    taken.append(number)
            except Exception as exc:  # reported below: an exception in a thread would pass silently
                errors.append(repr(exc))
                db.session.rollback()

    threads = [threading.Thread(target=cashier) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(taken) == list(range(1, THREADS * PER_THREAD + 1))
    db.session.expire_all()
    assert db.session.query(Counter).filter_by(kind="receipt", scope="S1").one().value == THREADS * PER_THREAD


def test_concurrent_rollbacks_leave_no_gap(app, db):
    """Every third transaction is abandoned after taking its number, as when a payment fails
    validation after the number was drawn: the committed numbers are still 1..N."""
    kept, errors = [], []
    start = threading.Barrier(THREADS)

    def cashier(offset):
        with app.app_context():
            try:
                start.wait()
                for i in range(PER_THREAD // 2):
                    number = next_number(db.session, "receipt", "S1", 2026)
                    if (i + offset) % 3 == 0:
                        db.session.rollback()
                    else:
                        db.session.commit()
                        kept.append(number)
            except Exception as exc:
                errors.append(repr(exc))
                db.session.rollback()

    threads = [threading.Thread(target=cashier, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(kept) == list(range(1, len(kept) + 1))
