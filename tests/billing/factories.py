"""Billing test data: fee items, charges and a ready desk (site, unit, customer, cashier)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count
from uuid import uuid4

from frontdesk.billing import services
from frontdesk.billing.models import FIXED_MONTH, METERED, ONE_OFF, PER_AREA_MONTH, Charge, FeeItem
from frontdesk.extensions import db
from tests.factories import NOW, make_building, make_customer, make_site, make_unit, make_user

_seq = count(1)


def make_fee_item(site, name="物业管理费", basis=PER_AREA_MONTH, price="2.85", multiplier="1", unit_label="",
                  due_day=15, applies_to="", code=None):
    item = FeeItem(site_id=site.id, code=code or f"F{next(_seq)}", name=name, basis=basis, price=Decimal(price),
                   multiplier=Decimal(multiplier), unit_label=unit_label, applies_to=applies_to, due_day=due_day,
                   active=True)
    db.session.add(item)
    db.session.flush()
    return item


def make_charge(unit, customer, fee_item, period="2026-01", amount="100.00", due_on=None, paid="0.00"):
    charge = Charge(site_id=unit.site_id, unit_id=unit.id, customer_id=customer.id, fee_item_id=fee_item.id,
                    period=period, amount=Decimal(amount), paid=Decimal(paid),
                    status="unpaid" if Decimal(paid) == 0 else "partial",
                    due_on=due_on or date(int(period[:4]), int(period[5:]), 15), description="",
                    dedupe_key=f"{unit.id}:{fee_item.id}:{period}", created_at=NOW)
    db.session.add(charge)
    db.session.flush()
    return charge


@dataclass
class Desk:
    site: object
    building: object
    unit: object
    customer: object
    cashier: object
    supervisor: object
    fee: object


def make_desk(*, unit_number="A-1203", customer_name="张伟", phone="13812345678", area="100.00"):
    """A site with one unit occupied by one customer, a cashier and a supervisor working there."""
    site = make_site(code=f"SJ{next(_seq)}", name="金桥产业园", address="上海市浦东新区金桥路1号", phone="021-5000 1234")
    building = make_building(site, "A")
    unit = make_unit(building, unit_number, area=area)
    customer = make_customer(site, customer_name, phone=phone, unit=unit)
    cashier = make_user("cashier", site=site, full_name="王收费")
    supervisor = make_user("supervisor", site=site, full_name="李主管")
    fee = make_fee_item(site)
    return Desk(site, building, unit, customer, cashier, supervisor, fee)


def pay(desk, charges, amount, *, method="cash", actor=None, now=NOW, token=None, customer=None, **kw):
    """Take a payment the way the counter does, committing nothing."""
    if method != "cash":
        kw.setdefault("reference", "REF-001")
    return services.take_payment(site=desk.site, customer=customer or desk.customer,
                                 charge_ids=[c.id for c in charges], method=method, amount=Decimal(amount),
                                 request_token=token or uuid4().hex, actor=actor or desk.cashier, now=now, **kw)


__all__ = ["FIXED_MONTH", "METERED", "ONE_OFF", "PER_AREA_MONTH", "make_fee_item", "make_charge", "make_desk", "pay",
           "make_unit", "make_customer", "make_user"]
