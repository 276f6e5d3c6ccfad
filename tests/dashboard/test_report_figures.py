"""The report figures against the same small site worked out by hand (see report_data.py)."""
from datetime import date
from decimal import Decimal as D

from frontdesk.billing import services as billing_services
from frontdesk.dashboard import queries
from frontdesk.dunning.models import LateFeeRule
from tests.dashboard.report_data import make_books
from tests.factories import NOW

AS_OF = date(2026, 3, 31)


def amounts(ageing):
    return [str(a) for a in ageing.buckets] + [str(ageing.total)]


def test_arrears_by_building_puts_each_charge_in_its_ageing_bucket(db):
    books = make_books(db)
    report = queries.arrears(books.desk.site.id, AS_OF)

    by_name = {line.name: line for line in report.by_building}
    # A: c1 16 days, c2 75 days (paid only after the day), c3 136 days, c4 289 days
    assert amounts(by_name["A座"].ageing) == ["100.00", "200.00", "300.00", "400.00", "1000.00"]
    # B: what c5 still owed after its part payment; c6 falls due on the day itself
    assert amounts(by_name["B座"].ageing) == ["0.00", "30.00", "0.00", "0.00", "30.00"]
    assert amounts(report.total) == ["100.00", "230.00", "300.00", "400.00", "1030.00"]


def test_arrears_by_customer_lists_the_units_and_puts_the_largest_debtor_first(db):
    books = make_books(db)
    report = queries.arrears(books.desk.site.id, AS_OF)

    assert [(c.name, c.units, amounts(c.ageing)) for c in report.by_customer] == [
        ("李四", ["A-102"], ["0.00", "0.00", "300.00", "400.00", "700.00"]),
        ("张三", ["A-101", "B-201"], ["100.00", "230.00", "0.00", "0.00", "330.00"]),
    ]


def test_a_payment_made_after_the_day_lowers_only_later_arrears(db):
    books = make_books(db)
    site_id = books.desk.site.id

    # on 2026-04-01 c2 is still owed, and c6 (80.00) is one day overdue
    assert queries.arrears(site_id, date(2026, 4, 1)).total.total == D("1110.00")
    # on 2026-04-02 c2 (200.00) was paid; c6 (80.00) is two days overdue
    later = queries.arrears(site_id, date(2026, 4, 2))
    assert amounts(later.total) == ["180.00", "30.00", "300.00", "400.00", "910.00"]


def test_arrears_of_an_earlier_day_count_only_payments_made_by_then(db):
    books = make_books(db)
    # on 2026-03-05 c5 was due 18 days and nothing of it was paid yet; c1 and c9 were not due
    report = queries.arrears(books.desk.site.id, date(2026, 3, 5))
    assert amounts(report.total) == ["50.00", "200.00", "300.00", "400.00", "950.00"]


def test_a_voided_receipt_counts_as_never_paid(db):
    books = make_books(db)
    c9 = books.charges["c9"]  # paid in full on 2026-03-20
    receipt = next(p.receipt for p in _payments_of(db, c9))
    billing_services.void_receipt(receipt, "wrong customer", actor=books.desk.supervisor, now=NOW)
    db.session.commit()

    report = queries.arrears(books.desk.site.id, AS_OF)
    # c9's 120.00 is 16 days overdue again, beside c1
    assert amounts(report.total) == ["220.00", "230.00", "300.00", "400.00", "1150.00"]


def test_age_buckets_change_on_their_boundary_days(db):
    books = make_books(db, later_payment=False)
    site_id = books.desk.site.id
    # c1 is due on 2026-03-15: 30 days overdue on 04-14, 31 on 04-15
    on_30th = queries.arrears(site_id, date(2026, 4, 14), building_id=books.a.id)
    on_31st = queries.arrears(site_id, date(2026, 4, 15), building_id=books.a.id)
    assert on_30th.total.buckets[0] == D("100.00")
    assert on_31st.total.buckets[0] == D("0.00")
    assert on_31st.total.buckets[1] == D("300.00")  # c1 100.00 + c2 200.00 (90 days on 04-15)


def test_one_building_only(db):
    books = make_books(db)
    report = queries.arrears(books.desk.site.id, AS_OF, building_id=books.b.id)
    assert [b.name for b in report.by_building] == ["B座"]
    assert [(c.name, c.units) for c in report.by_customer] == [("张三", ["B-201"])]
    assert report.total.total == D("30.00")


def test_late_fees_as_of_the_day_are_added_per_customer_and_building(db):
    books = make_books(db)
    db.session.add(LateFeeRule(site_id=books.desk.site.id, fee_item_id=None, label="违约金",
                               daily_rate=D("0.0005"), grace_days=0, cap_percent=D("100"), updated_at=NOW))
    db.session.commit()
    report = queries.arrears(books.desk.site.id, AS_OF)

    # principal × 0.05% × days, each rounded once to the fen:
    # c1 100×16 → 0.80; c2 200×75 → 7.50; c3 300×136 → 20.40; c4 400×289 → 57.80;
    # c5 50.00 for 23 days (02-15 to 03-10), then 30.00 for 21 days → 0.575 + 0.315 = 0.89
    by_customer = {c.name: c.ageing for c in report.by_customer}
    assert by_customer["李四"].late_fee == D("78.20")
    assert by_customer["张三"].late_fee == D("9.19")
    by_building = {b.name: b.ageing for b in report.by_building}
    assert by_building["A座"].late_fee == D("86.50")
    assert by_building["B座"].late_fee == D("0.89")
    assert report.total.late_fee == D("87.39")
    assert report.total.total_with_late_fee == D("1117.39")


def test_without_a_late_fee_rule_the_late_fees_are_zero(db):
    books = make_books(db)
    report = queries.arrears(books.desk.site.id, AS_OF)
    assert report.with_late_fees and report.total.late_fee == D("0.00")


def test_collection_rate_by_period_counts_payments_made_up_to_the_day(db):
    books = make_books(db)
    report = queries.collection(books.desk.site.id, ["2026-01", "2026-02", "2026-03"], AS_OF)

    rows = [(p, str(c.due), str(c.collected), str(c.rate)) for p, c in report.by_period]
    assert rows == [
        ("2026-01", "200.00", "0.00", "0.00"),     # c2 paid only on 04-02
        ("2026-02", "50.00", "20.00", "40.00"),    # c5 part paid
        ("2026-03", "300.00", "120.00", "40.00"),  # c1 + c6 + c9; c9 paid
    ]
    # 140 / 550 = 25.4545…%
    assert (str(report.total.due), str(report.total.collected), str(report.total.rate)) == ("550.00", "140.00", "25.45")


def test_a_later_payment_raises_its_own_period_rate(db):
    books = make_books(db)
    report = queries.collection(books.desk.site.id, ["2026-01"], date(2026, 4, 2))
    assert [(p, str(c.rate)) for p, c in report.by_period] == [("2026-01", "100.00")]


def test_collection_rate_by_building_divides_the_summed_amounts(db):
    books = make_books(db)
    report = queries.collection(books.desk.site.id, ["2026-01", "2026-02", "2026-03"], AS_OF)

    rows = [(b.name, str(c.due), str(c.collected), str(c.rate)) for b, c in report.by_building]
    # A: c2 200 + c1 100 + c9 120 = 420, 120 collected → 28.571…%; B: c5 50 + c6 80 = 130, 20 → 15.384…%
    assert rows == [("A座", "420.00", "120.00", "28.57"), ("B座", "130.00", "20.00", "15.38")]
    assert str(report.cells[(books.b.id, "2026-02")].rate) == "40.00"


def test_a_period_without_charges_has_no_rate(db):
    books = make_books(db)
    report = queries.collection(books.desk.site.id, ["2025-12"], AS_OF)
    assert [(p, c.due, c.rate) for p, c in report.by_period] == [("2025-12", D("0.00"), None)]
    assert report.by_building == []


def _payments_of(db, charge):
    import sqlalchemy as sa

    from frontdesk.billing.models import Payment, PaymentLine

    return db.session.scalars(sa.select(Payment).join(PaymentLine).where(PaymentLine.charge_id == charge.id)).all()
