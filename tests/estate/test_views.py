import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.cli import main
from frontdesk.estate.models import Contact, Customer, Occupancy, Site, Unit
from tests.factories import make_building, make_customer, make_site, make_unit, make_user

GOOD_CODE = "91350100M000100Y43"


def text(response):
    return response.get_data(as_text=True)


def error_next_to(page, field):
    """The error message drawn by the field() macro inside the field's own block."""
    match = re.search(r'<div class="field[^"]*has-error[^"]*">(?:(?!<div class="field).)*?name="%s".*?<div class="error" role="alert">(.*?)</div>' % field,
                      page, re.S)
    return match.group(1) if match else None


@pytest.fixture
def estate(db):
    site = make_site(code="SJ", name="世纪花园")
    building = make_building(site, "A")
    unit = make_unit(building, "A-1203", area="89.50", use="home")
    owner = make_customer(site, name="张伟", phone="13812345678", unit=unit, role="owner", start_on=date(2020, 1, 1))
    db.session.commit()
    return {"site": site, "building": building, "unit": unit, "owner": owner}


@pytest.mark.parametrize("role", ["clerk", "cashier", "steward", "admin"])
def test_every_desk_role_sees_units_and_customers(db, login, estate, role):
    client = login(make_user(role))
    page = text(client.get("/estate/units"))
    assert "A-1203" in page and "张伟" in page
    assert "张伟" in text(client.get("/estate/customers"))
    assert "A-1203" in text(client.get(f"/estate/customers/{estate['owner'].id}"))


@pytest.mark.parametrize("url", ["/estate/units/new", "/estate/sites", "/estate/sites/new", "/estate/import",
                                 "/estate/customers/new"])
def test_clerk_may_not_open_pages_that_write(db, login, estate, url):
    client = login(make_user("clerk"))
    url = url.replace("/units/new", f"/sites/{estate['site'].id}/units/new")
    assert client.get(url).status_code == 403


def test_clerk_may_not_post_a_new_customer(db, login, estate):
    client = login(make_user("clerk"))
    response = client.post("/estate/customers/new", data={"site_id": estate["site"].id, "kind": "person", "name": "X"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get("/estate/units")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_units_list_searches_by_number_and_filters_by_use(db, login, estate):
    make_unit(estate["building"], "A-0101", use="shop")
    client = login(make_user("clerk"))
    page = text(client.get("/estate/units?q=a-12&site="))
    assert ">A-1203</a>" in page and ">A-0101</a>" not in page
    page = text(client.get("/estate/units?use=shop"))
    assert ">A-0101</a>" in page and ">A-1203</a>" not in page


def test_customer_phones_are_masked_for_a_clerk_and_whole_for_a_cashier(db, login, estate):
    page = text(login(make_user("clerk")).get("/estate/customers?q=5678"))
    assert "138****5678" in page and "13812345678" not in page


def test_cashier_sees_the_whole_phone(db, login, estate):
    page = text(login(make_user("cashier")).get("/estate/customers?q=5678"))
    assert "13812345678" in page


def test_admin_creates_a_customer_and_it_is_audited(db, login, estate):
    client = login(make_user("admin", locale="en"))
    response = client.post("/estate/customers/new", data={
        "site_id": estate["site"].id, "kind": "company", "name": "示例科技有限公司", "phone": "0571-88886666",
        "credit_code": GOOD_CODE, "note": ""})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "示例科技有限公司" in page and "has been registered" in page
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "estate.customer.create"


def test_bad_credit_code_re_renders_with_the_message_next_to_the_field(db, login, estate):
    client = login(make_user("admin", locale="en"))
    response = client.post("/estate/customers/new", data={
        "site_id": estate["site"].id, "kind": "company", "name": "示例科技有限公司", "credit_code": "91350100M000100Y44"})
    assert response.status_code == 200
    page = text(response)
    assert error_next_to(page, "credit_code") == (
        "The unified social credit code &#39;91350100M000100Y44&#39; is mistyped: its check character does not match.")
    assert 'value="示例科技有限公司"' in page


def test_bad_area_re_renders_the_unit_form(db, login, estate):
    client = login(make_user("admin", locale="en"))
    response = client.post(f"/estate/sites/{estate['site'].id}/units/new", data={
        "building_id": estate["building"].id, "number": "A-1301", "floor": "13", "area": "12.345", "use": "home"})
    assert response.status_code == 200
    assert error_next_to(text(response), "area") == "The area &#39;12.345&#39; has more than 2 decimal places."


def test_admin_adds_a_unit_with_a_full_width_number(db, login, estate):
    client = login(make_user("admin"))
    response = client.post(f"/estate/sites/{estate['site'].id}/units/new", data={
        "building_id": estate["building"].id, "number": "ａ－１３０１", "floor": "13", "area": "88", "use": "home"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Unit.number).where(Unit.number.like("A-13%"))) == "A-1301"


def test_html_in_a_customer_name_is_escaped_on_every_page(db, login, estate):
    make_customer(estate["site"], name="<script>alert(1)</script>", unit=make_unit(estate["building"], "A-0909"))
    db.session.commit()
    client = login(make_user("admin"))
    for url in ["/estate/customers", "/estate/units?q=A-0909"]:
        page = text(client.get(url))
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_owner_change_on_the_unit_page(db, login, estate):
    make_customer(estate["site"], name="李娜", phone="13900001111")
    db.session.commit()
    client = login(make_user("admin", locale="en"))
    url = f"/estate/units/{estate['unit'].id}/occupancies"
    refused = client.post(url, data={"customer": "13900001111", "role": "owner", "start_on": "2026-04-01", "billed": "y"})
    assert refused.status_code == 200
    assert "张伟 is already the Owner of this unit from 2020-01-01" in error_next_to(text(refused), "start_on")
    done = client.post(url, data={"customer": "13900001111", "role": "owner", "start_on": "2026-04-01", "billed": "y",
                                  "end_current": "y"})
    assert done.status_code == 302
    rows = db.session.execute(sa.select(Customer.name, Occupancy.end_on).join(Occupancy.customer)
                              .order_by(Occupancy.start_on)).all()
    assert rows == [("张伟", date(2026, 3, 31)), ("李娜", None)]


def test_unknown_customer_reference_is_shown_next_to_the_field(db, login, estate):
    client = login(make_user("admin", locale="en"))
    response = client.post(f"/estate/units/{estate['unit'].id}/occupancies",
                           data={"customer": "nobody", "role": "tenant", "start_on": "2026-04-01"})
    assert response.status_code == 200
    assert error_next_to(text(response), "customer").startswith("No customer of this site has that name")


def test_ending_an_occupancy_before_it_started_is_refused_with_a_message(db, login, estate):
    occupancy = estate["owner"].occupancies[0]
    client = login(make_user("admin", locale="en"))
    response = client.post(f"/estate/occupancies/{occupancy.id}/end", data={"end_on": "2019-12-31"})
    assert response.status_code == 200
    assert "The end date must not be before the start date." in text(response)
    response = client.post(f"/estate/occupancies/{occupancy.id}/end", data={"end_on": "2026-03-31"})
    assert response.status_code == 302
    assert db.session.get(Occupancy, occupancy.id).end_on == date(2026, 3, 31)


def test_contact_is_added_and_edited_on_the_customer_page(db, login, estate):
    client = login(make_user("admin", locale="en"))
    customer_id = estate["owner"].id
    bad = client.post(f"/estate/customers/{customer_id}/contacts", data={"name": "李会计", "phone": "12"})
    assert bad.status_code == 200 and "is not a phone number" in error_next_to(text(bad), "phone")
    assert client.post(f"/estate/customers/{customer_id}/contacts",
                       data={"name": "李会计", "position": "财务", "phone": "13700002222"}).status_code == 302
    contact = db.session.scalar(sa.select(Contact))
    assert contact.phone_last4 == "2222"
    assert client.post(f"/estate/contacts/{contact.id}/edit",
                       data={"name": "李会计", "position": "财务经理", "phone": "13700003333"}).status_code == 302
    assert "财务经理" in text(client.get(f"/estate/customers/{customer_id}"))


def test_site_settings_page_saves_receipt_settings(db, login, estate):
    client = login(make_user("admin"))
    site = estate["site"]
    page = text(client.get(f"/estate/sites/{site.id}/settings"))
    assert "示例物业服务有限公司" in page
    assert len(re.findall(r'<input checked[^>]*name="receipt_copies"', page)) == 3
    response = client.post(f"/estate/sites/{site.id}/settings", data={
        "code": "SJ", "name": "世纪花园", "kind": "estate", "company_name": "世纪物业有限公司", "address": "",
        "phone": "", "receipt_prefix": "sh", "receipt_copies": ["stub", "customer"], "active": "y"})
    assert response.status_code == 302
    site = db.session.get(Site, site.id)
    assert (site.company_name, site.receipt_prefix, site.copies) == ("世纪物业有限公司", "SH", ["stub", "customer"])


def test_site_settings_need_a_receipt_copy(db, login, estate):
    client = login(make_user("admin", locale="en"))
    response = client.post(f"/estate/sites/{estate['site'].id}/settings", data={
        "code": "SJ", "name": "世纪花园", "kind": "estate", "company_name": "X", "receipt_prefix": "SJ", "active": "y"})
    assert response.status_code == 200
    assert "Choose at least one receipt copy to print." in text(response)


def test_building_is_added_on_the_site_page(db, login, estate):
    client = login(make_user("admin"))
    response = client.post(f"/estate/sites/{estate['site'].id}/buildings", data={"code": "b", "name": "B座"})
    assert response.status_code == 302
    assert "B座" in text(client.get(response.headers["Location"]))


def test_import_page_lists_row_problems_and_imports_nothing(db, login, estate):
    client = login(make_user("admin", locale="en"))
    content = "房号,面积,用途\r\nA-1301,abc,住宅\r\nA-1302,10,住宅\r\n".encode("gbk")
    response = client.post("/estate/import", data={"site_id": estate["site"].id, "kind": "units",
                                                   "file": (io.BytesIO(content), "units.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "row 2: The area &#39;abc&#39; is not a number." in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 1


def test_import_page_imports_a_good_file(db, login, estate):
    client = login(make_user("admin", locale="en"))
    content = "房号,面积,用途\r\nB-0101,50,商铺\r\n".encode()
    response = client.post("/estate/import", data={"site_id": estate["site"].id, "kind": "units",
                                                   "file": (io.BytesIO(content), "units.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "1 units, 1 new buildings" in text(response) and "B-0101" in text(response)


def test_import_template_downloads_as_xlsx(db, login, estate):
    response = login(make_user("admin")).get("/estate/import/template-customers.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "customers-template.xlsx" in response.headers["Content-Disposition"]


def test_import_cli_imports_units_for_a_site(app, db, estate, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("房号,面积,用途\r\nC-0101,50,办公\r\n".encode("gbk"))
    result = app.test_cli_runner().invoke(main, ["estate", "import-units", "SJ", str(path)])
    assert result.exit_code == 0, result.output
    assert "units: 1" in result.output
    assert db.session.scalar(sa.select(Unit.number).where(Unit.number == "C-0101")) == "C-0101"


def test_import_cli_prints_row_problems_and_fails(app, db, estate, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes("名称,房号,起始日期\r\n李雷,Z-1,2020-01-01\r\n".encode())
    result = app.test_cli_runner().invoke(main, ["estate", "import-customers", "SJ", str(path)])
    assert result.exit_code == 1
    assert "第 2 行：本项目没有房号 Z-1，请先导入房号。" in result.output
