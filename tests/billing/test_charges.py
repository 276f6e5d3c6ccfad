from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.billing import services
from frontdesk.billing.models import FIXED_MONTH, METERED, ONE_OFF, Charge, MeterReading
from frontdesk.core.errors import ValidationFailed
from tests.billing.factories import make_desk, make_fee_item
from tests.factories import NOW, make_customer, make_unit


def charges_of(unit):
    from frontdesk.extensions import db

    return db.session.scalars(sa.select(Charge).where(Charge.unit_id == unit.id).order_by(Charge.id)).all()


def test_generating_a_month_bills_area_times_price_rounded_once(db):
    desk = make_desk(area="100.05")
    result = services.generate_charges(desk.site, "2026-03", actor=desk.supervisor, now=NOW)
    assert result.created == 1 and result.skipped == []
    [charge] = charges_of(desk.unit)
    assert charge.amount == Decimal("285.14")
    assert charge.customer_id == desk.customer.id
    assert charge.due_on == date(2026, 3, 15)
    assert charge.dedupe_key == f"{desk.unit.id}:{desk.fee.id}:2026-03"


def test_generating_the_same_month_twice_bills_nothing_twice(db):
    desk = make_desk()
    make_fee_item(desk.site, "停车费", FIXED_MONTH, "300")
    first = services.generate_charges(desk.site, "2026-03", actor=desk.supervisor, now=NOW)
    db.session.commit()
    second = services.generate_charges(desk.site, "2026-03", actor=desk.supervisor, now=NOW)
    db.session.commit()
    assert (first.created, second.created) == (2, 0)
    assert len(charges_of(desk.unit)) == 2
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action == "charges.generate")).all()
    assert len(actions) == 2


def test_unit_with_nobody_to_bill_is_skipped_and_reported(db):
    desk = make_desk()
    empty = make_unit(desk.building, "A-0101")
    result = services.generate_charges(desk.site, "2026-03", actor=desk.supervisor, now=NOW)
    assert result.created == 1
    assert len(result.skipped) == 1 and "A-0101" in result.skipped[0]
    assert charges_of(empty) == []


def test_the_tenant_is_billed_rather_than_the_owner(db):
    desk = make_desk()
    tenant = make_customer(desk.site, "某某科技有限公司", kind="company", unit=desk.unit, role="tenant",
                           start_on=date(2025, 6, 1))
    services.generate_charges(desk.site, "2026-03", actor=desk.supervisor, now=NOW)
    [charge] = charges_of(desk.unit)
    assert charge.customer_id == tenant.id


def test_fee_items_limited_to_some_unit_uses_skip_the_others(db):
    desk = make_desk()
    make_fee_item(desk.site, "停车费", FIXED_MONTH, "300", applies_to="parking")
    result = services.generate_charges(desk.site, "2026-03", actor=desk.supervisor, now=NOW)
    assert result.created == 1  # the office unit gets the management fee only


def test_a_malformed_period_is_refused(db):
    desk = make_desk()
    with pytest.raises(ValidationFailed):
        services.generate_charges(desk.site, "2026-3", actor=desk.supervisor, now=NOW)


def electricity(desk):
    return make_fee_item(desk.site, "电费", METERED, "1.05", multiplier="40", unit_label="kWh", due_day=20)


def test_first_meter_reading_needs_the_previous_reading_typed_in(db):
    desk = make_desk()
    meter = electricity(desk)
    with pytest.raises(ValidationFailed) as err:
        services.record_meter_reading(desk.unit, meter, "2026-02", Decimal("1200"), read_on=date(2026, 2, 28),
                                      actor=desk.supervisor, now=NOW)
    assert err.value.field == "previous_reading"
    reading = services.record_meter_reading(desk.unit, meter, "2026-02", Decimal("1200"), previous_reading="1000",
                                            read_on=date(2026, 2, 28), actor=desk.supervisor, now=NOW)
    [charge] = charges_of(desk.unit)
    assert reading.charge_id == charge.id
    assert charge.amount == Decimal("8400.00")  # 200 kWh × 40 × 1.05
    assert charge.due_on == date(2026, 2, 20)
    assert "kWh" in charge.description


def test_next_meter_reading_starts_from_the_last_one(db):
    desk = make_desk()
    meter = electricity(desk)
    services.record_meter_reading(desk.unit, meter, "2026-02", Decimal("1200"), previous_reading="1000",
                                  read_on=date(2026, 2, 28), actor=desk.supervisor, now=NOW)
    reading = services.record_meter_reading(desk.unit, meter, "2026-03", Decimal("1250.5"), read_on=date(2026, 3, 31),
                                            actor=desk.supervisor, now=NOW)
    assert reading.previous_reading == Decimal("1200.00")
    assert charges_of(desk.unit)[-1].amount == Decimal("2121.00")  # 50.5 × 40 × 1.05


def test_a_reading_lower_than_the_last_is_rejected(db):
    desk = make_desk()
    meter = electricity(desk)
    services.record_meter_reading(desk.unit, meter, "2026-02", Decimal("1200"), previous_reading="1000",
                                  read_on=date(2026, 2, 28), actor=desk.supervisor, now=NOW)
    with pytest.raises(ValidationFailed) as err:
        services.record_meter_reading(desk.unit, meter, "2026-03", Decimal("1199"), read_on=date(2026, 3, 31),
                                      actor=desk.supervisor, now=NOW)
    assert err.value.field == "current_reading"
    assert "1200" in str(err.value)


def test_a_meter_is_read_once_per_period(db):
    desk = make_desk()
    meter = electricity(desk)
    services.record_meter_reading(desk.unit, meter, "2026-02", Decimal("1200"), previous_reading="1000",
                                  read_on=date(2026, 2, 28), actor=desk.supervisor, now=NOW)
    with pytest.raises(ValidationFailed):
        services.record_meter_reading(desk.unit, meter, "2026-02", Decimal("1300"), read_on=date(2026, 2, 28),
                                      actor=desk.supervisor, now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(MeterReading.id))) == 1


def test_unchanged_meter_is_recorded_without_a_charge(db):
    desk = make_desk()
    meter = electricity(desk)
    services.record_meter_reading(desk.unit, meter, "2026-02", Decimal("1000"), previous_reading="1000",
                                  read_on=date(2026, 2, 28), actor=desk.supervisor, now=NOW)
    assert charges_of(desk.unit) == []


def test_one_off_charge_bills_the_occupant_with_its_note(db):
    desk = make_desk()
    repair = make_fee_item(desk.site, "维修费", ONE_OFF, "0")
    charge = services.add_one_off_charge(desk.unit, repair, Decimal("180.00"), "更换卫生间水龙头",
                                         due_on=date(2026, 4, 10), actor=desk.supervisor, now=NOW)
    assert (charge.amount, charge.description, charge.customer_id) == (Decimal("180.00"), "更换卫生间水龙头", desk.customer.id)
    assert charge.period == "2026-03" and charge.dedupe_key is None


@pytest.mark.parametrize("amount, note, field", [("0", "x", "amount"), ("-5", "x", "amount"), ("1.234", "x", "amount"),
                                                 ("1000000000", "x", "amount"), ("10", "  ", "note")])
def test_one_off_charge_refuses_bad_input(db, amount, note, field):
    desk = make_desk()
    repair = make_fee_item(desk.site, "维修费", ONE_OFF, "0")
    with pytest.raises(ValidationFailed) as err:
        services.add_one_off_charge(desk.unit, repair, amount, note, due_on=date(2026, 4, 10),
                                    actor=desk.supervisor, now=NOW)
    assert err.value.field == field
