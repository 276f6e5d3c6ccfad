"""A small site whose arrears and collection rate are worked out by hand in the tests.

As of 2026-03-31 (the factories' NOW):

| charge | unit  | customer | period  | amount | due on     | paid                          | days overdue |
|--------|-------|----------|---------|--------|------------|-------------------------------|--------------|
| c1     | A-101 | 张三     | 2026-03 | 100.00 | 2026-03-15 | —                             | 16           |
| c2     | A-101 | 张三     | 2026-01 | 200.00 | 2026-01-15 | — (200.00 on 2026-04-02)      | 75           |
| c3     | A-102 | 李四     | 2025-11 | 300.00 | 2025-11-15 | —                             | 136          |
| c4     | A-102 | 李四     | 2025-06 | 400.00 | 2025-06-15 | —                             | 289          |
| c5     | B-201 | 张三     | 2026-02 |  50.00 | 2026-02-15 | 20.00 on 2026-03-10           | 44           |
| c6     | B-201 | 张三     | 2026-03 |  80.00 | 2026-03-31 | —                             | 0 (due today)|
| c9     | A-102 | 李四     | 2026-03 | 120.00 | 2026-03-15 | 120.00 on 2026-03-20          | paid         |
"""
from dataclasses import dataclass
from datetime import date, datetime, timezone

from tests.billing.factories import make_charge, make_desk, make_fee_item, make_unit, pay
from tests.factories import make_building, make_customer


def day(y, m, d, hour=2):
    """10:00 in Shanghai on that day."""
    return datetime(y, m, d, hour, 0, tzinfo=timezone.utc)


@dataclass
class Books:
    desk: object
    a: object
    b: object
    zhang: object
    li: object
    charges: dict


def make_books(db, *, later_payment=True) -> Books:
    desk = make_desk(unit_number="A-101", customer_name="张三")
    a = desk.building
    a.name = "A座"
    b = make_building(desk.site, "B", "B座")
    zhang = desk.customer
    a102 = make_unit(a, "A-102")
    li = make_customer(desk.site, "李四", unit=a102)
    b201 = make_unit(b, "B-201")
    make_customer_occupancy(zhang, b201)
    fee = desk.fee
    water = make_fee_item(desk.site, name="水费")
    c = {
        "c1": make_charge(desk.unit, zhang, fee, "2026-03", "100.00", date(2026, 3, 15)),
        "c2": make_charge(desk.unit, zhang, fee, "2026-01", "200.00", date(2026, 1, 15)),
        "c3": make_charge(a102, li, fee, "2025-11", "300.00", date(2025, 11, 15)),
        "c4": make_charge(a102, li, fee, "2025-06", "400.00", date(2025, 6, 15)),
        "c5": make_charge(b201, zhang, fee, "2026-02", "50.00", date(2026, 2, 15)),
        "c6": make_charge(b201, zhang, fee, "2026-03", "80.00", date(2026, 3, 31)),
        "c9": make_charge(a102, li, water, "2026-03", "120.00", date(2026, 3, 15)),
    }
    pay(desk, [c["c5"]], "20.00", now=day(2026, 3, 10))
    pay(desk, [c["c9"]], "120.00", now=day(2026, 3, 20), customer=li)
    if later_payment:
        pay(desk, [c["c2"]], "200.00", now=day(2026, 4, 2))
    db.session.commit()
    return Books(desk, a, b, zhang, li, c)


def make_customer_occupancy(customer, unit):
    from frontdesk.estate.models import Occupancy
    from frontdesk.extensions import db

    db.session.add(Occupancy(unit=unit, customer=customer, role="owner", start_on=date(2020, 1, 1), billed=True))
    db.session.flush()
