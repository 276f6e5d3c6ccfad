"""The printed visit record (拜访客户登记记录表): A4 in the paper form's layout with what was said,
promised and planned next; long records run onto further pages under the repeated heading; a
planned visit prints as the blank form to take along; only whom may see the visit prints it."""
import subprocess
from datetime import date
from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfReader

from frontdesk.extensions import db
from frontdesk.visits import services
from tests.factories import make_user
from tests.visits.conftest import at


def record(park, *, items, commitments=(), follow_up_on=None):
    visit = services.record_visit(
        park.site, customer_id=park.yunqi.id, visited_at=at(2026, 4, 2, 10, 30), mode="on_site", purpose="complaint",
        attendees="王经理（行政）、李会计；我方：陈思远", summary="客户对空调维修时效不满", items=items,
        commitments=commitments, follow_up_on=follow_up_on, actor=park.chen, now=at(2026, 4, 2, 11))
    db.session.commit()
    return visit


def text_pages(data: bytes, tmp_path) -> list[str]:
    """The text of each page as pdftotext lays it out, without the spaces."""
    path = tmp_path / "visit.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return ["".join(page.split()) for page in text.split("\f") if page.strip()]


@pytest.fixture
def recorded(park):
    visit = record(park, items=[
        services.ItemInput("request", "会议室空调不制冷，请尽快派人检修"),
        services.ItemInput("complaint", "保洁打扫不及时", answer="已当场联系保洁主管，今天下午补扫"),
        services.ItemInput("suggestion", "建议在园区增设快递柜"),
    ], commitments=[services.CommitmentInput("三天内答复快递柜方案", park.chen.id, date(2026, 4, 5))],
        follow_up_on=date(2026, 4, 20))
    request = visit.items[0]
    services.item_to_work_order(request, category="hvac", building_id=park.building_a.id, place_note="三楼会议室",
                                actor=park.chen, now=at(2026, 4, 2, 11, 5))
    db.session.commit()
    return visit


def test_the_record_says_who_when_what_was_said_promised_and_next(park, recorded, as_user, client, tmp_path):
    as_user(park.chen)
    response = client.get(f"/visits/{recorded.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{recorded.number}.pdf"' in response.headers["Content-Disposition"]
    page = PdfReader(BytesIO(response.data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    [text] = text_pages(response.data, tmp_path)
    order = recorded.items[0].work_order.number
    for expected in ("星河物业服务有限公司", "拜访客户登记记录表", f"编号：{recorded.number}", "云启科技有限公司", "A-301",
                     "陈思远", "王经理（行政）、李会计；我方：陈思远", "2026年4月2日10:30", "上门拜访", "投诉处理",
                     "客户对空调维修时效不满",
                     "1要求会议室空调不制冷，请尽快派人检修", f"已转工单：{order}",
                     "2投诉保洁打扫不及时已当场联系保洁主管，今天下午补扫", "3建议建议在园区增设快递柜",
                     "三天内答复快递柜方案陈思远2026-04-05", "下次跟进日期2026年4月20日",
                     "客户经理签字：", "客户签字：", "日期：", "第1页共1页"):
        assert expected in text, expected


def test_forty_items_run_onto_more_pages_each_with_the_heading(park, as_user, client, tmp_path):
    items = [services.ItemInput("opinion", f"第{n}条意见：园区绿化需要加强养护，草坪有多处枯黄。" * (1 + n % 3))
             for n in range(1, 41)]
    visit = record(park, items=items, commitments=[services.CommitmentInput("一周内完成草坪补种", park.chen.id,
                                                                             date(2026, 4, 9))])
    as_user(park.chen)
    data = client.get(f"/visits/{visit.id}/pdf").data
    pages = text_pages(data, tmp_path)
    assert len(pages) >= 2 and len(PdfReader(BytesIO(data)).pages) == len(pages)
    for n, text in enumerate(pages, 1):
        assert "拜访客户登记记录表" in text and visit.number in text
        assert f"第{n}页共{len(pages)}页" in text
    assert all("序号" in text and "客户意见、要求、建议及投诉内容" in text for text in pages[1:-1])
    whole = "".join(pages)
    for n in (1, 20, 40):  # nothing is cut: every item is there, long ones whole
        assert f"第{n}条意见" in whole
    assert whole.count("草坪有多处枯黄") == sum(1 + n % 3 for n in range(1, 41))
    assert "一周内完成草坪补种" in pages[-1] and "客户签字：" in pages[-1]

    (tmp_path / "long.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "long.pdf"),
                    str(tmp_path / "page")], check=True)
    [png] = list(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    assert image.size[1] > image.size[0]  # portrait
    dark = sum(image.histogram()[:100])  # pixels darker than 100 of 255
    assert dark > 0.01 * image.size[0] * image.size[1]  # the ruled table and the text, not a blank page


def test_a_planned_visit_prints_as_the_blank_form_with_the_plan(park, as_user, client, tmp_path):
    planned = services.plan_visit(park.site, customer_id=park.hengtong.id, visit_on=date(2026, 4, 8),
                                  mode="phone", purpose="renewal", meet="赵总", preparation="带上续租合同草稿",
                                  actor=park.chen, now=at(2026, 4, 1))
    db.session.commit()
    as_user(park.chen)
    [text] = text_pages(client.get(f"/visits/{planned.id}/pdf").data, tmp_path)
    for expected in ("恒通物流有限公司", "B-101", "拟见：赵总", "2026年4月8日", "带上续租合同草稿", "计划拜访",
                     "下次跟进日期20年月日", "客户经理签字："):
        assert expected in text, expected
    items = text[text.index("客户意见、要求、建议及投诉内容"):text.index("二、承诺事项")]
    assert "12345678" in items  # numbered empty rows to write on
    assert "未安排" not in text and "无" not in items


def test_only_whom_may_see_the_visit_prints_it(park, recorded, as_user, client):
    as_user(park.wang)
    assert client.get(f"/visits/{recorded.id}/pdf").status_code == 404
    as_user(park.supervisor)
    assert client.get(f"/visits/{recorded.id}/pdf").status_code == 200
    as_user(park.technician)
    assert client.get(f"/visits/{recorded.id}/pdf").status_code == 403
    as_user(make_user("account_manager", site=park.other_site))
    assert client.get(f"/visits/{recorded.id}/pdf").status_code == 404


def test_a_cancelled_visit_prints_marked_cancelled(park, as_user, client, tmp_path):
    planned = services.plan_visit(park.site, customer_id=park.yunqi.id, visit_on=date(2026, 4, 8), mode="on_site",
                                  purpose="routine_care", actor=park.chen, now=at(2026, 4, 1))
    services.cancel_visit(planned, reason="客户出差", actor=park.chen, now=at(2026, 4, 2))
    db.session.commit()
    as_user(park.chen)
    [text] = text_pages(client.get(f"/visits/{planned.id}/pdf").data, tmp_path)
    assert "状态：已取消" in text and "取消原因客户出差" in text
