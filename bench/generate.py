"""Build a large site for the benchmarks: 2,000+ units, 24 months of charges, 20,000+ payments.

Rows are inserted in bulk with SQLAlchemy Core for speed, in the shape the billing services give
them: charges with their dedupe keys, payments with lines, receipts numbered from the counter with
their frozen snapshots, and an audit entry for each payment and receipt.

    .venv/bin/python bench/generate.py --database-url sqlite:///bench/out/bench.db
"""
import argparse
import random
import sys
import time
from datetime import date, datetime, timezone
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loading import load_once, move_sequences  # noqa: E402
from frontdesk.audit.models import AuditEntry  # noqa: E402
from frontdesk.auth.models import User, UserRole  # noqa: E402
from frontdesk.auth.services import hash_password  # noqa: E402
from frontdesk.billing import rules  # noqa: E402
from frontdesk.billing.models import (  # noqa: E402
    Charge, FeeItem, Payment, PaymentLine, Receipt,
)
from frontdesk.core import clock  # noqa: E402
from frontdesk.core.money import amount_in_capitals, format_amount  # noqa: E402
from frontdesk.core.numbering import Counter  # noqa: E402
from frontdesk.estate.models import Building, Customer, Occupancy, Site, Unit  # noqa: E402

SITE_CODE = "BIG"
CASHIER = "bench_cashier"
PASSWORD = "bench-password-1"
MONTHS = 24
BUILDINGS = 20
FLOORS = 25
ROOMS = 4  # 20 × 25 × 4 = 2,000 homes, plus shops and parking
PAYING_MONTHLY = 0.55  # the others pay every quarter
IN_ARREARS = 0.10  # stopped paying some months ago: the accounts the fee lookup benchmark opens


def periods_up_to(today: date, months: int) -> list[str]:
    year, month, out = today.year, today.month, []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.BUSINESS_TZ).astimezone(timezone.utc)


def insert(conn, model, rows, chunk=5000):
    for i in range(0, len(rows), chunk):
        conn.execute(model.__table__.insert(), rows[i:i + chunk])


def generate(url: str, seed: int = 7) -> dict:
    def fill(conn, now, _config):
        today = clock.business_day(now)
        return _fill(conn, random.Random(seed), now, today, periods_up_to(today, MONTHS))

    return load_once(url, SITE_CODE, fill)


def _fill(conn, rng, now, today, periods):
    ids = {}

    def new_id(table):
        ids[table] = ids.get(table, 0) + 1
        return ids[table]

    site_id = conn.execute(Site.__table__.insert().values(
        code=SITE_CODE, name="万象城", kind="estate", company_name="万象物业服务有限公司", address="苏州市万象路1号",
        phone="0512-60000000", receipt_prefix="WX", receipt_copies="stub,customer,accounting", active=True)
        .returning(Site.id)).scalar_one()
    cashier_id = conn.execute(User.__table__.insert().values(
        username=CASHIER, full_name="压测收费员", password_hash=hash_password(PASSWORD), active=True, locale="zh_CN",
        site_id=site_id, failed_logins=0, session_version=1, created_at=now).returning(User.id)).scalar_one()
    conn.execute(UserRole.__table__.insert().values(user_id=cashier_id, role="cashier"))

    # master data: buildings, units, one owner per unit, parking spaces for a quarter of them
    buildings, units, customers, occupancies = [], [], [], []
    base = {t: conn.execute(sa.select(sa.func.coalesce(sa.func.max(m.id), 0))).scalar_one()
            for t, m in (("building", Building), ("unit", Unit), ("customer", Customer), ("charge", Charge),
                         ("payment", Payment), ("receipt", Receipt))}
    for t, v in base.items():
        ids[t] = v
    for b in range(1, BUILDINGS + 1):
        bid = new_id("building")
        buildings.append(dict(id=bid, site_id=site_id, code=str(b), name=f"{b}号楼"))
        for floor in range(1, FLOORS + 1):
            for room in range(1, ROOMS + 1):
                units.append(dict(id=new_id("unit"), site_id=site_id, building_id=bid, number=f"{b}-{floor}{room:02d}",
                                  floor=floor, area=Decimal(rng.choice(["89.56", "105.35", "126.08", "143.60"])),
                                  use="home"))
    pid = new_id("building")
    buildings.append(dict(id=pid, site_id=site_id, code="P", name="地下车库"))
    for n in range(1, 501):
        units.append(dict(id=new_id("unit"), site_id=site_id, building_id=pid, number=f"P-{n:04d}", floor=-1,
                          area=Decimal("12.50"), use="parking"))
    homes = [u for u in units if u["use"] == "home"]
    billed_to = {}
    for u in homes:
        cid = new_id("customer")
        phone = "13" + "".join(rng.choice("0123456789") for _ in range(9))
        customers.append(dict(id=cid, site_id=site_id, kind="person", name=f"业主{cid:05d}", phone=phone,
                              phone_last4=phone[-4:], id_number=None, credit_code=None, note="", created_at=now))
        occupancies.append(dict(unit_id=u["id"], customer_id=cid, role="owner", start_on=date(2018, 1, 1),
                                end_on=None, billed=True))
        billed_to[u["id"]] = cid
    for space, home in zip([u for u in units if u["use"] == "parking"], rng.sample(homes, 500)):
        occupancies.append(dict(unit_id=space["id"], customer_id=billed_to[home["id"]], role="owner",
                                start_on=date(2018, 1, 1), end_on=None, billed=True))
        billed_to[space["id"]] = billed_to[home["id"]]
    insert(conn, Building, buildings)
    insert(conn, Unit, units)
    insert(conn, Customer, customers)
    insert(conn, Occupancy, occupancies)

    fees = {}
    for code, name, basis, price, applies in (("MGMT", "物业管理费", "per_area_month", Decimal("2.80"), "home"),
                                              ("PARKING", "车位管理费", "fixed_month", Decimal("150.00"), "parking")):
        fees[code] = conn.execute(FeeItem.__table__.insert().values(
            site_id=site_id, code=code, name=name, basis=basis, price=price, multiplier=Decimal("1"),
            unit_label="", applies_to=applies, due_day=15, active=True).returning(FeeItem.id)).scalar_one()
    fee_names = {fees["MGMT"]: "物业管理费", fees["PARKING"]: "车位管理费"}

    # charges: one per unit, fee item and period, as generate_charges makes them
    charges, by_customer = [], {}
    for period in periods:
        start, _ = rules.period_bounds(period)
        for u in units:
            item = fees["MGMT"] if u["use"] == "home" else fees["PARKING"]
            amount = rules.charge_amount("per_area_month" if u["use"] == "home" else "fixed_month",
                                         Decimal("2.80") if u["use"] == "home" else Decimal("150.00"), area=u["area"])
            cid = new_id("charge")
            row = dict(id=cid, site_id=site_id, unit_id=u["id"], customer_id=billed_to[u["id"]], fee_item_id=item,
                       period=period, amount=amount, paid=Decimal("0"), status="unpaid",
                       due_on=rules.due_date(period, 15), description="", dedupe_key=f"{u['id']}:{item}:{period}",
                       created_at=at(start, 9, 0), created_by_id=None)
            charges.append(row)
            by_customer.setdefault(row["customer_id"], []).append(row)

    # payments: each owner pays monthly or quarterly; a tenth stopped some months ago
    unit_number = {u["id"]: u["number"] for u in units}
    plan = []
    for cust in customers:
        cadence = 1 if rng.random() < PAYING_MONTHLY else 3
        stop = len(periods) - 1 - (rng.randrange(4, 10) if rng.random() < IN_ARREARS else 0)
        for index in range(len(periods)):
            if index > stop or (index % cadence != cadence - 1 and index != stop):
                continue
            start, _ = rules.period_bounds(periods[index])
            day = start.replace(day=rng.randrange(2, 28))
            paid_at = at(day, rng.randrange(8, 17), rng.randrange(60))
            if paid_at < now:
                plan.append((paid_at, cust["id"], cust["name"], periods[index]))
    plan.sort()
    payments, lines, receipts, audits = [], [], [], []
    seq_by_year = {}
    counter_rows = {}
    for n, (paid_at, customer_id, payer, up_to) in enumerate(plan, 1):
        due = [c for c in by_customer[customer_id] if c["period"] <= up_to and c["status"] != "paid"]
        if not due:
            continue
        total = sum(c["amount"] for c in due)
        pay_id = new_id("payment")
        business_on = clock.business_day(paid_at)
        method = rng.choice(["cash", "wechat", "wechat", "alipay", "card"])
        tendered = (total / 100).to_integral_value(ROUND_CEILING) * 100 if method == "cash" else None
        one_unit = due[0]["unit_id"] if len({c["unit_id"] for c in due}) == 1 else None
        payments.append(dict(id=pay_id, site_id=site_id, unit_id=one_unit,
                             customer_id=customer_id, cashier_id=cashier_id, method=method, amount=total,
                             prepayment=Decimal("0"), tendered=tendered,
                             change_given=(tendered - total) if tendered is not None else Decimal("0"),
                             reference="" if method == "cash" else f"{rng.randrange(10**11, 10**12)}{n:06d}",
                             payer_name=payer, request_token=f"bench-{n}", status="completed", paid_at=paid_at,
                             business_on=business_on))
        for c in due:
            lines.append(dict(payment_id=pay_id, charge_id=c["id"], amount=c["amount"]))
            c["paid"], c["status"] = c["amount"], "paid"
        year = business_on.year
        seq = seq_by_year[year] = seq_by_year.get(year, 0) + 1
        counter_rows[year] = seq
        number = rules.receipt_number("WX", year, seq)
        rid = new_id("receipt")
        snapshot = {
            "number": number, "site_name": "万象城", "company_name": "万象物业服务有限公司", "site_address": "苏州市万象路1号",
            "site_phone": "0512-60000000", "issued_at": clock.local(paid_at).strftime("%Y-%m-%d %H:%M"), "payer": payer,
            "units": ", ".join(dict.fromkeys(unit_number[c["unit_id"]] for c in due)),
            "lines": [{"item": fee_names[c["fee_item_id"]], "period": c["period"], "description": "",
                       "amount": rules.plain_amount(c["amount"])} for c in due],
            "prepayment": "0.00", "total": rules.plain_amount(total), "total_figures": format_amount(total),
            "total_capitals": amount_in_capitals(total), "method": method,
            "method_label": rules.METHOD_LABELS_ZH[method],
            "tendered": rules.plain_amount(tendered) if tendered is not None else None,
            "change": rules.plain_amount((tendered - total) if tendered is not None else Decimal("0")),
            "reference": payments[-1]["reference"], "cashier": "压测收费员", "copies": ["stub", "customer", "accounting"],
        }
        receipts.append(dict(id=rid, site_id=site_id, payment_id=pay_id, cashier_id=cashier_id, year=year, seq=seq,
                             number=number, issued_at=paid_at, issued_on=business_on, snapshot=snapshot,
                             status="issued", reprints=0, printed_at=paid_at))
        for action, obj, oid, summary in (("receipt.issue", "receipt", rid, number),
                                          ("payment.take", "payment", pay_id, f"{number} {payer}")):
            audits.append(dict(at=paid_at, actor_id=cashier_id, actor_name=CASHIER, action=action, object_type=obj,
                               object_id=str(oid), summary=summary, remote_addr="127.0.0.1", before=None,
                               after={"total": rules.plain_amount(total)}))
    insert(conn, Charge, charges)
    insert(conn, Payment, payments)
    insert(conn, PaymentLine, lines)
    insert(conn, Receipt, _known_columns(Receipt, receipts))
    insert(conn, AuditEntry, audits)
    for year, value in counter_rows.items():
        conn.execute(Counter.__table__.insert().values(kind="receipt", scope=SITE_CODE, year=year, value=value))
    # the rows above carry their own ids: on PostgreSQL the first payment taken through the desk
    # would otherwise collide with payment 1
    move_sequences(conn, ids)
    return {"units": len(units), "customers": len(customers), "charges": len(charges), "payments": len(payments),
            "payment_lines": len(lines), "receipts": len(receipts),
            "unpaid_charges": sum(1 for c in charges if c["status"] != "paid")}


def _known_columns(model, rows):
    """Receipt columns differ between schema versions: keep only what the table has."""
    names = set(model.__table__.columns.keys())
    return [{k: v for k, v in row.items() if k in names} for row in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{Path(__file__).parent / 'out' / 'bench.db'}")
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    figures = generate(args.database_url)
    print(f"generated in {time.perf_counter() - started:.1f} s: {figures}")


if __name__ == "__main__":
    main()
