from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import InvalidTransition, ValidationFailed
from frontdesk.estate import queries, services
from tests.factories import NOW, make_building, make_customer, make_site, make_unit, make_user

GOOD_CODE = "91350100M000100Y43"
OTHER_CODE = "914403001922038216"


def audit(action):
    return list(db_session().scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def db_session():
    from frontdesk.extensions import db

    return db.session


@pytest.fixture
def admin(db):
    return make_user("admin")


def site_values(**kw):
    return {"code": "sj", "name": "世纪花园", "kind": "estate", "company_name": "示例物业服务有限公司",
            "address": "西湖区文三路 1 号", "phone": "0571-88886666", "receipt_prefix": "sj",
            "receipt_copies": ["customer", "stub"], "active": True, **kw}


def test_site_is_created_with_settings_and_audited(db, admin):
    site = services.create_site(**site_values(), actor=admin, now=NOW)
    assert (site.code, site.receipt_prefix, site.receipt_copies) == ("SJ", "SJ", "stub,customer")
    assert site.copies == ["stub", "customer"]
    entry = audit("estate.site.create")[0]
    assert entry.actor_id == admin.id and entry.after["company_name"] == "示例物业服务有限公司"


def test_a_new_site_charges_the_default_late_fee_without_any_setup(db, admin):
    """The issue's defaults hold from day one: 违约金, 0.05% a day, no grace, capped at 100%."""
    from datetime import timedelta

    from frontdesk.dunning.queries import late_fees_as_of
    from tests.billing.factories import make_charge, make_fee_item

    site = services.create_site(**site_values(), actor=admin, now=NOW)
    unit = make_unit(make_building(site, "A"), "A-101")
    customer = make_customer(site, "陈美玲", unit=unit)
    due_on = date(2026, 1, 1)
    charge = make_charge(unit, customer, make_fee_item(site), "2026-01", "250.00", due_on=due_on)
    fee = late_fees_as_of(site.id, due_on + timedelta(days=90))[charge.id]
    assert (fee.label, fee.days, fee.amount) == ("违约金", 90, Decimal("11.25"))


def test_site_update_records_before_and_after(db, admin):
    site = services.create_site(**site_values(), actor=admin, now=NOW)
    services.update_site(site, **site_values(company_name="新物业有限公司", receipt_copies=["accounting"]),
                         actor=admin, now=NOW)
    entry = audit("estate.site.update")[0]
    assert entry.before["company_name"] == "示例物业服务有限公司"
    assert entry.after["company_name"] == "新物业有限公司"
    assert entry.after["receipt_copies"] == "accounting"


def test_site_needs_a_copy_and_a_plain_prefix_and_a_free_code(db, admin):
    services.create_site(**site_values(), actor=admin, now=NOW)
    for values, field in [(site_values(code="SJ2"), None), (site_values(code="SJ"), "code"),
                          (site_values(code="X", receipt_copies=[]), "receipt_copies"),
                          (site_values(code="Y", receipt_prefix="收据"), "receipt_prefix")]:
        if field is None:
            services.create_site(**values, actor=admin, now=NOW)
            continue
        with pytest.raises(ValidationFailed) as caught:
            services.create_site(**values, actor=admin, now=NOW)
        assert caught.value.field == field


def test_unit_number_is_normalised_and_unique_within_the_site(db, admin):
    site = make_site()
    building = make_building(site, "A")
    unit = services.create_unit(site, building_id=building.id, number="a－1203", floor=12, area="89.5", use="home",
                                actor=admin, now=NOW)
    assert unit.number == "A-1203" and unit.area == Decimal("89.50")
    with pytest.raises(ValidationFailed, match="本项目已有房号 A-1203") as caught:
        services.create_unit(site, building_id=building.id, number="A-1203", floor=None, area="10", use="home",
                             actor=admin, now=NOW)
    assert caught.value.field == "number"
    other = make_site()
    services.create_unit(other, building_id=make_building(other, "A").id, number="A-1203", floor=None, area="10",
                         use="home", actor=admin, now=NOW)
    entry = audit("estate.unit.create")[0]
    assert entry.after == {"building_id": building.id, "number": "A-1203", "floor": 12, "area": "89.50", "use": "home"}


def test_unit_number_must_start_with_its_building_code(db, admin):
    site = make_site()
    building = make_building(site, "B")
    with pytest.raises(ValidationFailed, match="房号 A-101 不以楼栋编码 B 开头"):
        services.create_unit(site, building_id=building.id, number="A-101", floor=None, area="10", use="shop",
                             actor=admin, now=NOW)


def test_unit_area_must_be_positive_with_two_decimals(db, admin):
    site = make_site()
    building = make_building(site, "A")
    with pytest.raises(ValidationFailed) as caught:
        services.create_unit(site, building_id=building.id, number="A-1", floor=None, area="12.345", use="shop",
                             actor=admin, now=NOW)
    assert caught.value.field == "area"


def test_unit_update_is_audited_with_before_and_after(db, admin):
    site = make_site()
    building = make_building(site, "A")
    unit = make_unit(building, "A-101", area="50.00", use="shop")
    services.update_unit(unit, building_id=building.id, number="A-101", floor=1, area="55.25", use="office",
                         actor=admin, now=NOW)
    entry = audit("estate.unit.update")[0]
    assert (entry.before["area"], entry.after["area"]) == ("50.00", "55.25")
    assert (entry.before["use"], entry.after["use"]) == ("shop", "office")


def test_building_code_is_unique_within_site_and_fixed_once_it_has_units(db, admin):
    site = make_site()
    building = services.create_building(site, code="ａ", name="A座", actor=admin, now=NOW)
    assert building.code == "A"
    with pytest.raises(ValidationFailed, match="本项目已有编码为 A 的楼栋"):
        services.create_building(site, code="A", name="Again", actor=admin, now=NOW)
    make_unit(building, "A-101")
    with pytest.raises(ValidationFailed, match="编码不能修改"):
        services.update_building(building, code="B", name="B座", actor=admin, now=NOW)
    services.update_building(building, code="A", name="A栋", actor=admin, now=NOW)
    assert audit("estate.building.update")[0].after == {"code": "A", "name": "A栋"}


def test_company_needs_a_valid_credit_code_unique_within_the_site(db, admin):
    site = make_site()
    company = services.create_customer(site, kind="company", name="示例科技有限公司", phone="0571-88886666",
                                       credit_code=GOOD_CODE.lower(), actor=admin, now=NOW)
    assert company.credit_code == GOOD_CODE
    with pytest.raises(ValidationFailed, match="已属于本项目的客户示例科技有限公司"):
        services.create_customer(site, kind="company", name="Copy", credit_code=GOOD_CODE, actor=admin, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        services.create_customer(site, kind="company", name="No code", actor=admin, now=NOW)
    assert caught.value.field == "credit_code"
    services.create_customer(make_site(), kind="company", name="Elsewhere", credit_code=GOOD_CODE, actor=admin, now=NOW)


def test_customer_phone_last4_follows_phone_changes(db, admin):
    site = make_site()
    person = services.create_customer(site, kind="person", name="张伟", phone="138 1234 5678", actor=admin, now=NOW)
    assert (person.phone, person.phone_last4) == ("13812345678", "5678")
    services.update_customer(person, kind="person", name="张伟", phone="13900001111", actor=admin, now=NOW)
    assert person.phone_last4 == "1111"
    services.update_customer(person, kind="person", name="张伟", phone="", actor=admin, now=NOW)
    assert person.phone is None and person.phone_last4 is None
    entries = audit("estate.customer.update")
    assert entries[0].before["phone"] == "13812345678" and entries[0].after["phone"] == "13900001111"


def test_contact_phone_last4_follows_phone(db, admin):
    site = make_site()
    company = make_customer(site, kind="company", credit_code=GOOD_CODE)
    contact = services.add_contact(company, name="李会计", position="财务", phone="13700002222", email="li@example.cn",
                                   actor=admin, now=NOW)
    assert contact.phone_last4 == "2222"
    services.update_contact(contact, name="李会计", position="财务经理", phone="13700003333", email="",
                            actor=admin, now=NOW)
    assert contact.phone_last4 == "3333" and contact.email is None
    assert audit("estate.contact.update")[0].before["position"] == "财务"
    with pytest.raises(ValidationFailed) as caught:
        services.add_contact(company, name="X", phone="123", actor=admin, now=NOW)
    assert caught.value.field == "phone"


def test_owners_of_a_unit_must_not_overlap(db, admin):
    site = make_site()
    unit = make_unit(make_building(site, "A"), "A-101")
    first = make_customer(site, name="旧业主", unit=unit, role="owner", start_on=date(2020, 1, 1))
    second = make_customer(site, name="新业主")
    with pytest.raises(ValidationFailed, match="旧业主已是该房号的业主（2020-01-01 至"):
        services.add_occupancy(unit, second, role="owner", start_on=date(2026, 4, 1), actor=admin, now=NOW)
    # a tenant alongside the owner is fine
    services.add_occupancy(unit, second, role="tenant", start_on=date(2026, 4, 1), actor=admin, now=NOW)
    assert first.occupancies[0].end_on is None


def test_owner_change_ends_the_old_owner_the_day_before(db, admin):
    site = make_site()
    unit = make_unit(make_building(site, "A"), "A-101")
    old = make_customer(site, name="旧业主", unit=unit, role="owner", start_on=date(2020, 1, 1))
    new = make_customer(site, name="新业主")
    services.add_occupancy(unit, new, role="owner", start_on=date(2026, 4, 1), end_current=True, actor=admin, now=NOW)
    assert old.occupancies[0].end_on == date(2026, 3, 31)
    assert [e.action for e in db_session().scalars(sa.select(AuditEntry).order_by(AuditEntry.id))][-2:] == [
        "estate.occupancy.end", "estate.occupancy.create"]


def test_occupancy_end_not_before_start_and_only_once(db, admin):
    site = make_site()
    unit = make_unit(make_building(site, "A"), "A-101")
    customer = make_customer(site, unit=unit, start_on=date(2024, 5, 1))
    occupancy = customer.occupancies[0]
    with pytest.raises(ValidationFailed, match="结束日期不能早于起始日期"):
        services.end_occupancy(occupancy, end_on=date(2024, 4, 30), actor=admin, now=NOW)
    services.end_occupancy(occupancy, end_on=date(2025, 4, 30), actor=admin, now=NOW)
    with pytest.raises(InvalidTransition):
        services.end_occupancy(occupancy, end_on=date(2025, 5, 30), actor=admin, now=NOW)
    entry = audit("estate.occupancy.end")[0]
    assert (entry.before["end_on"], entry.after["end_on"]) == (None, "2025-04-30")


def test_occupancy_needs_a_customer_of_the_same_site(db, admin):
    site = make_site()
    unit = make_unit(make_building(site, "A"), "A-101")
    stranger = make_customer(make_site())
    with pytest.raises(ValidationFailed, match="客户必须与房号属于同一项目"):
        services.add_occupancy(unit, stranger, role="owner", start_on=date(2024, 1, 1), actor=admin, now=NOW)


def test_billed_tenant_is_the_payer_before_the_owner(db, admin):
    site = make_site()
    unit = make_unit(make_building(site, "A"), "A-101")
    make_customer(site, name="业主甲", unit=unit, role="owner", start_on=date(2020, 1, 1))
    assert queries.payer_of(unit.id, date(2026, 3, 31)).name == "业主甲"
    make_customer(site, name="租户乙", unit=unit, role="tenant", start_on=date(2026, 1, 1))
    assert queries.payer_of(unit.id, date(2026, 3, 31)).name == "租户乙"
    assert queries.payer_of(unit.id, date(2025, 12, 31)).name == "业主甲"


def test_customer_search_by_name_last4_and_credit_code(db):
    site = make_site()
    make_customer(site, name="张伟", phone="13812345678")
    company = make_customer(site, name="示例科技有限公司", kind="company", credit_code=GOOD_CODE)
    services.add_contact(company, name="李会计", phone="13700002222", actor=None, now=NOW)
    names = lambda q: [c.name for c in queries.customers_page(site_id=site.id, q=q).items]
    assert names("张") == ["张伟"]
    assert names("5678") == ["张伟"]
    assert names("2222") == ["示例科技有限公司"]
    assert names(GOOD_CODE.lower()) == ["示例科技有限公司"]
    assert names("%") == []
