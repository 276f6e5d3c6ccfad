"""The visitor slip (two copies on one A4 page), the register for security as a PDF and as a
workbook, and the endpoints that serve them."""
import io
import re
import subprocess
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from frontdesk.core import clock
from frontdesk.visitors import pdf, services
from frontdesk.visitors.export import register_workbook
from frontdesk.visitors.models import BY_DESK, ID_TYPES, PURPOSES, Visit
from tests.factories import NOW, make_site, make_user
from tests.visitors.factories import make_desk, register

PHONE = "13712345678"
GOOD_ID = "11010519491231002X"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)


def page_texts(data: bytes) -> list[str]:
    """Each page's text without whitespace: extractors differ in where they put spaces in CJK."""
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]


def poppler_texts(data: bytes) -> list[str]:
    """The same as page_texts, read by poppler: many times faster on a long document."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True,
                         timeout=120).stdout.decode()
    return [re.sub(r"\s+", "", page) for page in out.split("\f")[:-1]]


def page_sizes(data: bytes) -> list[tuple[int, int]]:
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(io.BytesIO(data)).pages]


def sign_out(desk, visit, after=timedelta(hours=2)):
    return services.sign_out(visit, via=BY_DESK, actor=desk["clerk"], now=NOW + after)


def busy_day(desk, count, *, on_site=()):
    """`count` visits a minute apart, all signed out but those whose 1-based position is in `on_site`."""
    visits = [register(desk, name=f"访客{i:03d}", now=NOW + timedelta(minutes=i)) for i in range(1, count + 1)]
    for i, visit in enumerate(visits, start=1):
        if i not in on_site:
            sign_out(desk, visit, after=timedelta(minutes=i + 30))
    return visits


# --- what the documents print ------------------------------------------------------------------

@pytest.mark.parametrize("value, shown", [
    ("13712345678", "137****5678"),
    ("11010519491231002X", "110***********002X"),
    ("0571-88886666", "057******6666"),
    ("E12345678", "E****5678"),  # a short number still hides four characters
    ("12345", "****5"),
    ("", ""),
    (None, ""),
])
def test_numbers_are_masked_to_the_first_three_and_last_four(value, shown):
    assert pdf.masked(value) == shown


def test_every_purpose_and_id_type_has_its_printed_chinese_word():
    assert set(pdf.PURPOSE_WORDS) == set(PURPOSES)
    assert set(pdf.ID_TYPE_WORDS) == set(ID_TYPES)
    assert [pdf.PURPOSE_WORDS[p] for p in ("business", "interview", "delivery", "contractor", "other")] == [
        "商务洽谈", "面试", "送货", "施工维修", "其他"]


# --- the slip ----------------------------------------------------------------------------------

def test_slip_prints_both_copies_of_the_visit_on_one_a4_page(db):
    desk = make_desk()
    visit = register(desk, pass_id=desk["passes"][4].id, purpose_note="方案评审", plate="沪A12345", party_size=2)
    data = pdf.visitor_slip(visit, desk["site"])
    assert page_sizes(data) == [A4_PORTRAIT]
    (text,) = page_texts(data)
    for expected in ("星河产业园", "会客登记单", "第一联存根联", "第二联访客联", "沿此虚线剪开", "张伟", "远景设计",
                     "137****5678", "商务洽谈：方案评审", "沪A12345", "2人", "王经理", "星河科技有限公司", "A-1203",
                     "登记人", "李娟", "访客签字", "受访人签字", "离开时间"):
        assert expected in text, expected
    # both copies carry the number, the arrival time (in Shanghai) and the pass
    assert text.count("FK2026-000001") >= 4  # "No." and under the QR code, on each copy
    assert text.count("2026-03-3110:00") == 2
    assert text.count("访客卡号005") == 2
    assert PHONE not in text


def test_slip_masks_the_id_number_and_prints_no_pass_as_none(db):
    desk = make_desk(passes=0)
    services.save_settings(desk["site"], id_required=True, answer_minutes=5, actor=desk["clerk"], now=NOW)
    visit = register(desk, id_type="id_card", id_number=GOOD_ID)
    (text,) = page_texts(pdf.visitor_slip(visit, desk["site"]))
    assert text.count("身份证110***********002X") == 2
    assert GOOD_ID not in text
    assert text.count("访客卡号无") == 2


def test_slip_fills_in_the_leaving_time_once_the_visitor_signed_out(db):
    desk = make_desk()
    visit = register(desk)
    (before,) = page_texts(pdf.visitor_slip(visit, desk["site"]))
    assert "2026-03-3112:00" not in before
    sign_out(desk, visit)
    (after,) = page_texts(pdf.visitor_slip(visit, desk["site"]))
    assert after.count("离开时间：2026-03-3112:00") == 2


def test_slip_prints_what_was_typed_literally_and_keeps_long_text_on_its_page(db):
    desk = make_desk()
    visit = register(desk, name="<b>A&B</b>", company="远" * 100, purpose="other", purpose_note="说明" * 100)
    data = pdf.visitor_slip(visit, desk["site"])
    assert len(page_sizes(data)) == 1
    (text,) = page_texts(data)
    assert "<b>A&B</b>" in text and "其他：说明说明" in text


def test_slip_qr_code_holds_the_visit_number_and_the_page_renders(db, tmp_path):
    desk = make_desk()
    visit = register(desk)
    assert pdf.slip_qr_value(visit) == "FK2026-000001"
    (widget,) = pdf.qr_drawing(pdf.slip_qr_value(visit), 100).contents
    assert widget.value == "FK2026-000001"
    data = pdf.visitor_slip(visit, desk["site"])
    (tmp_path / "slip.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(tmp_path / "slip.pdf"), str(tmp_path / "slip")], check=True,
                   capture_output=True, timeout=60)
    assert (tmp_path / "slip-1.png").stat().st_size > 10_000


def test_slip_qr_codes_scan_as_the_visit_number(db, tmp_path):
    import zxingcpp
    from PIL import Image

    desk = make_desk()
    visit = register(desk)
    (tmp_path / "slip.pdf").write_bytes(pdf.visitor_slip(visit, desk["site"]))
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(tmp_path / "slip.pdf"), str(tmp_path / "slip")], check=True,
                   capture_output=True, timeout=60)
    found = zxingcpp.read_barcodes(Image.open(tmp_path / "slip-1.png"))
    assert [code.text for code in found] == ["FK2026-000001", "FK2026-000001"]


def test_slip_embeds_its_chinese_font(db):
    desk = make_desk()
    data = pdf.visitor_slip(register(desk), desk["site"])
    assert b"/FontFile2" in data and b"STSong" not in data


# --- the register as a PDF ---------------------------------------------------------------------

def test_register_lists_every_visit_over_numbered_pages_with_the_header_on_each(db):
    desk = make_desk()
    visits = busy_day(desk, 25, on_site={7})
    data = pdf.visitor_register(desk["site"], visits, date(2026, 3, 31), date(2026, 3, 31))
    assert page_sizes(data) == [A4_LANDSCAPE, A4_LANDSCAPE]
    first, second = page_texts(data)
    for number, text in ((1, first), (2, second)):
        assert "星河产业园来访登记簿" in text and "2026-03-31至2026-03-31" in text
        assert "序号访客单号到访时间姓名单位电话人数事由受访人访客卡离开时间登记人" in text
        assert f"第{number}页共2页" in text
    both = first + second
    for i in range(1, 26):
        assert f"FK2026-{i:06d}" in both and f"访客{i:03d}" in both
    assert "2026-03-3110:01" in first  # the first arrival, in Shanghai time
    assert "137****5678" in both and PHONE not in both
    assert "王经理·星河科技有限公司·A-1203" in both
    # the one visitor never signed out, and the totals at the end
    assert "未登记离开" in first and "未登记离开" not in second.split("本期来访")[0]
    assert "本期来访共25次，合计25人；其中1次未登记离开" in second


def test_register_of_a_quiet_period_says_there_were_no_visits(db):
    desk = make_desk()
    data = pdf.visitor_register(desk["site"], [], date(2026, 3, 1), date(2026, 3, 7))
    (text,) = page_texts(data)
    assert "本期无来访记录" in text and "第1页共1页" in text and "2026-03-01至2026-03-07" in text


def test_register_of_thousands_of_visits_numbers_them_all(db):
    desk = make_desk()
    clerk = desk["clerk"]
    start = datetime(2026, 3, 1, 1, 0, tzinfo=NOW.tzinfo)
    # laid out from unsaved visits: the register only reads them
    rows = [Visit(number=f"FK2026-{i:06d}", name=f"访客{i}", phone=PHONE, company="远景设计", party_size=1,
                  purpose="delivery", purpose_note="", plate="", host_kind="user", host_name="李娟", host_company="",
                  host_unit="", pass_number="", arrived_at=start + timedelta(minutes=5 * i),
                  signed_out_at=start + timedelta(minutes=5 * i + 20), registered_by=clerk)
            for i in range(1, 1201)]
    texts = poppler_texts(pdf.visitor_register(desk["site"], rows, date(2026, 3, 1), date(2026, 3, 31)))
    assert len(texts) > 50
    assert all(f"共{len(texts)}页" in text for text in texts)
    assert "FK2026-001200" in texts[-1] and "本期来访共1200次，合计1200人" in texts[-1]
    assert "未登记离开" not in "".join(texts)


# --- the register as a workbook ----------------------------------------------------------------

def test_workbook_has_a_title_the_header_and_one_row_per_visit_with_real_datetimes(db):
    desk = make_desk()
    visits = busy_day(desk, 3, on_site={2})
    book = load_workbook(io.BytesIO(register_workbook(desk["site"], visits, date(2026, 3, 31), date(2026, 3, 31))))
    ws = book.active
    rows = list(ws.iter_rows(values_only=True))
    assert "星河产业园" in rows[0][0] and "2026-03-31 至 2026-03-31" in rows[0][0]
    assert rows[1] == pdf.REGISTER_HEADERS
    assert ws.freeze_panes == "A3"
    lines = rows[2:5]
    assert [line[1] for line in lines] == ["FK2026-000001", "FK2026-000002", "FK2026-000003"]
    first = lines[0]
    assert first[0] == 1 and first[3] == "访客001" and first[5] == "137****5678" and first[6] == 1
    assert first[2] == datetime(2026, 3, 31, 10, 1)  # Shanghai wall time, as the desk read the clock
    assert first[10] == datetime(2026, 3, 31, 10, 31)
    assert ws["C3"].is_date and ws["C3"].number_format == "yyyy-mm-dd hh:mm"
    assert lines[1][10] == "未登记离开"
    assert first[7] == "商务洽谈" and first[8] == "王经理 · 星河科技有限公司 · A-1203" and first[11] == "李娟"
    assert any(str(cell).startswith("本期来访共 3 次") for row in rows for cell in row if cell)
    assert PHONE not in repr(rows)


def test_workbook_keeps_what_visitors_typed_as_text(db):
    desk = make_desk()
    visit = register(desk, company="=HYPERLINK(\"http://x.test\",\"点我\")")
    ws = load_workbook(io.BytesIO(register_workbook(desk["site"], [visit], date(2026, 3, 31),
                                                    date(2026, 3, 31)))).active
    assert ws["E3"].data_type == "s" and ws["E3"].value.startswith("=HYPERLINK")


def test_workbook_of_a_quiet_period_says_there_were_no_visits(db):
    desk = make_desk()
    ws = load_workbook(io.BytesIO(register_workbook(desk["site"], [], date(2026, 3, 1), date(2026, 3, 7)))).active
    assert ws["A3"].value == "本期无来访记录"


# --- the endpoints -----------------------------------------------------------------------------

def test_clerk_gets_the_slip_as_a_pdf(db, client, as_user):
    desk = make_desk()
    visit = register(desk)
    db.session.commit()
    as_user(desk["clerk"])
    response = client.get(f"/visitors/visits/{visit.id}/slip.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (text,) = page_texts(response.data)
    assert "FK2026-000001" in text and "137****5678" in text


def test_another_sites_visit_has_no_slip(db, client, as_user):
    desk = make_desk()
    visit = register(desk)
    elsewhere = make_user("clerk", site=make_site("OTHER", name="金桥产业园"))
    db.session.commit()
    as_user(elsewhere)
    assert client.get(f"/visitors/visits/{visit.id}/slip.pdf").status_code == 404


def test_clerk_gets_the_register_as_a_pdf_and_as_a_workbook(db, client, as_user):
    desk = make_desk()
    busy_day(desk, 2)
    db.session.commit()
    as_user(desk["clerk"])
    response = client.get("/visitors/register.pdf?start_on=2026-03-31&end_on=2026-03-31")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "FK2026-000002" in page_texts(response.data)[0]
    response = client.get("/visitors/register.xlsx?start_on=2026-03-31&end_on=2026-03-31")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert 'filename="visitors-2026-03-31-2026-03-31.xlsx"' in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    assert [row[1] for row in ws.iter_rows(min_row=3, max_row=4, values_only=True)] == ["FK2026-000001",
                                                                                       "FK2026-000002"]


def test_register_of_the_day_before_is_empty(db, client, as_user):
    desk = make_desk()
    busy_day(desk, 2)
    db.session.commit()
    as_user(desk["clerk"])
    response = client.get("/visitors/register.pdf?start_on=2026-03-30&end_on=2026-03-30")
    assert response.status_code == 200 and "本期无来访记录" in page_texts(response.data)[0]


@pytest.mark.parametrize("query, message", [
    ("start_on=2026-03-31&end_on=2026-03-01", "The last day is before the first."),
    ("start_on=yesterday&end_on=2026-03-31", "Not a valid date value."),
])
def test_a_bad_date_range_gives_the_form_back_not_a_file(db, client, as_user, query, message):
    desk = make_desk()
    db.session.commit()
    as_user(desk["clerk"])
    for kind in ("xlsx", "pdf"):
        response = client.get(f"/visitors/register.{kind}?{query}")
        assert response.status_code == 422, response.status_code
        assert response.mimetype == "text/html" and message in response.get_data(as_text=True)


def test_documents_show_times_in_shanghai(db):
    desk = make_desk()
    late = register(desk, now=datetime(2026, 3, 31, 16, 30, tzinfo=NOW.tzinfo))  # 00:30 the next day in Shanghai
    assert clock.local(late.arrived_at).day == 1
    (text,) = page_texts(pdf.visitor_slip(late, desk["site"]))
    assert "2026-04-0100:30" in text
