import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import ImportRejected
from frontdesk.estate import services
from frontdesk.estate.models import Building, Customer, Occupancy, Unit
from tests.factories import NOW, make_building, make_customer, make_site, make_unit, make_user

GOOD_CODE = "91350100M000100Y43"


def csv_bytes(rows, encoding="utf-8"):
    return "\r\n".join(",".join(str(c) for c in row) for row in rows).encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def rejected(call):
    with pytest.raises(ImportRejected) as caught:
        call()
    return caught.value.problems


@pytest.fixture
def site(db):
    return make_site(code="SJ")


@pytest.fixture
def admin(db):
    return make_user("admin")


UNITS = [["房号", "楼栋", "楼层", "面积", "用途"],
         ["A-1203", "A座", "12", "89.5", "住宅"],
         ["a－1204", "A座", "12", "90", "住宅"],
         ["B-0101", "", "1", "120.25", "商铺"]]


def test_units_csv_in_utf8_with_bom_creates_units_and_buildings(db, site, admin):
    content = b"\xef\xbb\xbf" + csv_bytes(UNITS)
    result = services.import_units(site, content, "units.csv", actor=admin, now=NOW)
    assert result["units"] == 3 and result["buildings_created"] == ["A", "B"]
    units = {u.number: u for u in db.session.scalars(sa.select(Unit))}
    assert set(units) == {"A-1203", "A-1204", "B-0101"}
    assert units["B-0101"].area == Decimal("120.25") and units["B-0101"].use == "shop"
    assert units["A-1203"].building.name == "A座" and units["B-0101"].building.name == "B"


def test_units_csv_in_gbk_is_read(db, site, admin):
    services.import_units(site, csv_bytes(UNITS, "gbk"), "units.csv", actor=admin, now=NOW)
    assert count(db, Unit) == 3
    assert db.session.scalar(sa.select(Building.name).where(Building.code == "A")) == "A座"


def test_units_xlsx_with_english_headers_and_numeric_cells(db, site, admin):
    rows = [["unit", "building", "floor", "area", "use"],
            ["A-101", "A", 1, 89.5, "home"], ["A-102", "A", 1, 100, "Office"], [None, None, None, None, None],
            ["P-001", None, -1, 12.35, "车位"]]
    result = services.import_units(site, xlsx_bytes(rows), "units.xlsx", actor=admin, now=NOW)
    assert result["units"] == 3
    units = {u.number: u for u in db.session.scalars(sa.select(Unit))}
    assert units["A-101"].area == Decimal("89.50")
    assert units["P-001"].area == Decimal("12.35") and units["P-001"].floor == -1
    assert units["A-102"].use == "office"


def test_bad_rows_reject_the_whole_file_with_row_messages_and_write_nothing(db, site, admin):
    rows = [["房号", "面积", "用途"],
            ["A-101", "89.5", "住宅"],
            ["A-102", "abc", "住宅"],
            ["1203", "10", "住宅"],
            ["A-104", "10", "别墅"],
            ["A-105", "0", "住宅"]]
    problems = rejected(lambda: services.import_units(site, csv_bytes(rows), "u.csv", actor=admin, now=NOW))
    assert problems == [
        "第 3 行：面积“abc”不是数字。",
        "第 4 行：“1203”不是有效的房号：请按“楼栋编码-房间号”填写，如 A-1203。",
        "第 5 行：用途“别墅”无效，应为住宅、商铺、办公、厂房或车位之一。",
        "第 6 行：面积必须大于 0。",
    ]
    db.session.rollback()
    assert count(db, Unit) == 0 and count(db, Building) == 0
    assert count(db, AuditEntry) == 0


def test_duplicate_units_in_the_file_and_on_the_site_are_reported(db, site, admin):
    make_unit(make_building(site, "A"), "A-101")
    rows = [["房号", "面积", "用途"], ["A-101", "10", "住宅"], ["A-102", "10", "住宅"], ["a-102", "10", "住宅"]]
    problems = rejected(lambda: services.import_units(site, csv_bytes(rows), "u.csv", actor=admin, now=NOW))
    assert problems == ["第 2 行：本项目已有房号 A-101。",
                        "第 4 行：房号 A-102 重复出现（首次出现在第 3 行）。"]


def test_import_writes_one_audit_entry_with_counts(db, site, admin):
    services.import_units(site, csv_bytes(UNITS), "units.csv", actor=admin, now=NOW)
    entries = db.session.scalars(sa.select(AuditEntry)).all()
    assert [(e.action, e.after["units"], e.actor_id) for e in entries] == [("estate.import_units", 3, admin.id)]


@pytest.mark.parametrize("content, filename, message", [
    (b"", "u.csv", "文件为空。"),
    (b"\xef\xbb\xbf", "u.csv", "文件为空。"),
    ("房号,面积,用途\r\n".encode(), "u.csv", "文件只有表头，没有可导入的数据行。"),
    (b"%PDF-1.4 ...", "u.pdf", "只能导入 CSV 或 XLSX 文件。"),
    (b"not a zip", "u.xlsx", "无法读取该 XLSX 工作簿。请用 Excel 打开，另存为 .xlsx 后重新上传。"),
    (b"\xd0\xcf\x11\xe0", "u.xls", "无法读取旧版 Excel 文件（.xls）。请在 Excel 中另存为 .xlsx 或 .csv 后再上传。"),
])
def test_files_that_cannot_be_imported_get_a_clear_message(db, site, admin, content, filename, message):
    assert rejected(lambda: services.import_units(site, content, filename, actor=admin, now=NOW)) == [message]


def test_wrong_headers_are_named(db, site, admin):
    rows = [["房号", "面积", "颜色"], ["A-101", "10", "red"]]
    problems = rejected(lambda: services.import_units(site, csv_bytes(rows), "u.csv", actor=admin, now=NOW))
    assert problems[:2] == ["第 1 行：无法识别列“颜色”。",
                            "第 1 行：缺少列“用途/use”。"]
    assert problems[2].startswith("应有的列为：房号/unit, 楼栋/building")


def test_ten_thousand_units_import_in_one_go(db, site, admin):
    rows = [["房号/unit", "面积/area", "用途/use"]] + [[f"{'ABCDEFGHJK'[i % 10]}-{i:05d}", "88.88", "住宅"]
                                                     for i in range(10_000)]
    result = services.import_units(site, csv_bytes(rows), "big.csv", actor=admin, now=NOW)
    db.session.commit()
    assert result["units"] == 10_000 and len(result["buildings_created"]) == 10
    assert count(db, Unit) == 10_000


def test_html_in_cells_is_stored_as_text(db, site, admin):
    rows = [["名称", "电话"], ["<script>alert(1)</script>", "13812345678"]]
    services.import_customers(site, csv_bytes(rows), "c.csv", actor=admin, now=NOW)
    assert db.session.scalar(sa.select(Customer.name)) == "<script>alert(1)</script>"


CUSTOMERS = [["名称", "类型", "电话", "证件号", "统一社会信用代码", "房号", "身份", "起始日期"],
             ["张伟", "个人", "13812345678", "11010519491231002X", "", "A-101", "业主", "2020-05-01"],
             ["张伟", "个人", "13812345678", "11010519491231002X", "", "P-001", "业主", "2020/5/1"],
             ["示例科技有限公司", "企业", "0571-88886666", "", GOOD_CODE, "A-102", "租户", "2024年3月1日"],
             ["王芳", "", "139 0000 1111", "", "", "", "", ""]]


def units_for(site):
    building = make_building(site, "A")
    return {n: make_unit(building if n.startswith("A") else make_building(site, "P"), n) for n in ("A-101", "A-102", "P-001")}


def test_customers_with_their_units_are_imported(db, site, admin):
    units_for(site)
    result = services.import_customers(site, csv_bytes(CUSTOMERS, "gbk"), "c.csv", actor=admin, now=NOW)
    assert result == {"filename": "c.csv", "customers": 3, "occupancies": 3}
    customers = {c.name: c for c in db.session.scalars(sa.select(Customer))}
    zhang = customers["张伟"]
    assert (zhang.kind, zhang.phone_last4, zhang.id_number) == ("person", "5678", "11010519491231002X")
    assert sorted(o.unit.number for o in zhang.occupancies) == ["A-101", "P-001"]
    company = customers["示例科技有限公司"]
    assert company.kind == "company" and company.credit_code == GOOD_CODE
    assert [(o.role, o.start_on) for o in company.occupancies] == [("tenant", date(2024, 3, 1))]
    assert customers["王芳"].phone == "13900001111" and customers["王芳"].occupancies == []
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry))] == ["estate.import_customers"]


def test_customers_xlsx_with_date_cells(db, site, admin):
    units_for(site)
    rows = [["name", "kind", "phone", "unit", "role", "start_on"],
            ["李雷", "person", 13812345678, "A-101", "owner", datetime(2021, 6, 1)]]
    services.import_customers(site, xlsx_bytes(rows), "c.xlsx", actor=admin, now=NOW)
    occupancy = db.session.scalar(sa.select(Occupancy))
    assert occupancy.start_on == date(2021, 6, 1) and occupancy.customer.phone == "13812345678"


def test_customer_problems_reject_the_file_and_write_nothing(db, site, admin):
    units_for(site)
    make_customer(site, name="老客户", kind="company", credit_code="914403001922038216")
    db.session.commit()
    rows = [CUSTOMERS[0],
            ["甲", "个人", "12345", "", "", "", "", ""],
            ["乙", "企业", "", "", "91350100M000100Y44", "", "", ""],
            ["丙", "个人", "", "", "", "Z-999", "业主", "2020-01-01"],
            ["丁", "个人", "", "", "", "A-101", "房东", "2020-01-01"],
            ["戊", "企业", "", "", "914403001922038216", "", "", ""],
            ["己", "个人", "", "", "", "A-102", "业主", ""],
            ["庚", "公司", "", "", "", "", "", ""]]
    problems = rejected(lambda: services.import_customers(site, csv_bytes(rows), "c.csv", actor=admin, now=NOW))
    assert problems == [
        "第 2 行：“12345”不是有效的电话号码：请填写手机号（以 1 开头的 11 位数字）或带区号的固定电话，"
        "如 0571-88886666。",
        "第 3 行：统一社会信用代码“91350100M000100Y44”有误：校验码不符。",
        "第 4 行：本项目没有房号 Z-999，请先导入房号。",
        "第 5 行：身份“房东”无效，应为“业主”或“租户”。",
        "第 6 行：信用代码 914403001922038216 已属于本项目的客户老客户。",
        "第 7 行：房号 A-102 缺少起始日期。",
        "第 8 行：企业须填写统一社会信用代码。",
    ]
    db.session.rollback()
    assert count(db, Customer) == 1 and count(db, Occupancy) == 0


def test_overlapping_owners_in_the_file_and_on_the_site_are_reported(db, site, admin):
    units = units_for(site)
    make_customer(site, name="现业主", unit=units["A-101"], role="owner", start_on=date(2019, 1, 1))
    rows = [CUSTOMERS[0],
            ["甲", "个人", "13800000001", "", "", "A-101", "业主", "2024-01-01"],
            ["乙", "个人", "13800000002", "", "", "A-102", "业主", "2024-01-01"],
            ["丙", "个人", "13800000003", "", "", "A-102", "业主", "2025-01-01"],
            ["乙", "个人", "13800000002", "", "", "", "", ""]]
    problems = rejected(lambda: services.import_customers(site, csv_bytes(rows), "c.csv", actor=admin, now=NOW))
    assert problems == [
        "第 2 行：房号 A-101 自 2019-01-01 起已有业主（现业主），请先结束该入住关系。",
        "第 4 行：房号 A-102 已有第 3 行的业主。",
        "第 5 行：本行与第 3 行重复。",
    ]


def test_same_customer_with_different_details_is_reported(db, site, admin):
    rows = [["名称", "统一社会信用代码"], ["示例科技有限公司", GOOD_CODE], ["示例科技", GOOD_CODE.lower()]]
    problems = rejected(lambda: services.import_customers(site, csv_bytes(rows), "c.csv", actor=admin, now=NOW))
    assert problems == ["第 3 行：该客户在第 2 行的名称、类型或电话与本行不同。"]


def test_template_workbooks_have_the_documented_headers(db):
    sheet = load_workbook(io.BytesIO(services.import_template("units"))).worksheets[0]
    assert [c.value for c in sheet[1]] == ["房号/unit", "楼栋/building", "楼层/floor", "面积/area", "用途/use"]
    assert sheet.max_row == 1 or all(c.value is None for c in sheet[2])
    customers = load_workbook(io.BytesIO(services.import_template("customers"))).worksheets[0]
    assert [c.value for c in customers[1]][0] == "名称/name"


def test_a_template_filled_in_imports(db, site, admin):
    workbook = load_workbook(io.BytesIO(services.import_template("units")))
    workbook.worksheets[0].append(["C-0808", "C座", "8", "75.00", "办公"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert services.import_units(site, buffer.getvalue(), "t.xlsx", actor=admin, now=NOW)["units"] == 1
