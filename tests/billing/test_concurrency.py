"""Eight counters at once, each thread with its own app context, session and committed data."""
from decimal import Decimal
from uuid import uuid4

import sqlalchemy as sa

from frontdesk.auth.models import User
from frontdesk.billing import services
from frontdesk.billing.models import Charge, Payment, Receipt
from frontdesk.core.errors import DomainError
from frontdesk.estate.models import Customer, Site
from tests.billing.factories import make_charge, make_desk
from tests.factories import NOW, THREADS, make_customer, make_unit, make_user, run_together

def pay_in_thread(db, site_id, customer_id, charge_id, cashier_id):
    payment = services.take_payment(
        site=db.session.get(Site, site_id), customer=db.session.get(Customer, customer_id), charge_ids=[charge_id],
        method="cash", amount=Decimal("100.00"), request_token=uuid4().hex, actor=db.session.get(User, cashier_id),
        now=NOW)
    return payment.receipt.number


def test_eight_cashiers_paying_eight_charges_get_receipts_one_to_eight(app, db):
    desk = make_desk()
    jobs = []
    for i in range(THREADS):
        unit = make_unit(desk.building, f"B-{i + 1:04d}")
        customer = make_customer(desk.site, f"客户{i}", unit=unit)
        charge = make_charge(unit, customer, desk.fee, "2026-01", "100.00")
        cashier = make_user("cashier", site=desk.site)
        jobs.append((desk.site.id, customer.id, charge.id, cashier.id))
    db.session.commit()

    results = run_together(app, lambda i, tdb: pay_in_thread(tdb, *jobs[i]))

    assert sorted(results) == [f"SJ2026-{n:06d}" for n in range(1, THREADS + 1)]
    db.session.expire_all()
    assert db.session.scalars(sa.select(Receipt.seq).order_by(Receipt.seq)).all() == list(range(1, THREADS + 1))
    assert set(db.session.scalars(sa.select(Charge.status))) == {"paid"}


def test_eight_cashiers_paying_the_same_charge_make_one_payment(app, db):
    desk = make_desk()
    charge = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    cashiers = [make_user("cashier", site=desk.site).id for _ in range(THREADS)]
    job = (desk.site.id, desk.customer.id, charge.id)
    db.session.commit()  # and nothing more on this thread's session until the threads are done

    results = run_together(app, lambda i, tdb: pay_in_thread(tdb, *job, cashiers[i]))

    receipts = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert receipts == ["SJ2026-000001"]
    assert len(refused) == THREADS - 1
    assert all("已缴清" in str(e) for e in refused)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1
    assert db.session.get(Charge, charge.id).paid == Decimal("100.00")


def test_eight_submissions_of_one_form_at_once_make_one_payment(app, db):
    desk = make_desk()
    charge = make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")
    ids = (desk.site.id, desk.customer.id, charge.id, desk.cashier.id)
    db.session.commit()

    def submit(i, tdb):
        site_id, customer_id, charge_id, cashier_id = ids
        return services.take_payment(
            site=tdb.session.get(Site, site_id), customer=tdb.session.get(Customer, customer_id),
            charge_ids=[charge_id], method="cash", amount=Decimal("100.00"), request_token="one-form",
            actor=tdb.session.get(User, cashier_id), now=NOW).receipt.number

    results = run_together(app, submit)

    assert results == ["SJ2026-000001"] * THREADS
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1
