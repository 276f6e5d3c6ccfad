"""Case studies (经典案例): written up from a visit or a work order with the record filled in from it,
found by every word of a search, revised only by their author or visits.all, and out of reach of
the roles that do not write them."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from frontdesk.extensions import db
from frontdesk.visits import services
from frontdesk.visits.models import CaseStudy
from frontdesk.workorders import services as workorders
from tests.factories import make_user
from tests.visits.conftest import T0, at

CASE = {"title": "空调投诉的处理", "situation": "客户反映空调不制冷", "action": "当天安排工程部上门",
        "result": "两小时内修好，客户满意", "lesson": "先到现场再解释\n第二行不在列表里"}


@pytest.fixture
def visit(park):
    """陈思远's recorded visit to 云启科技 with a request and a complaint."""
    done = services.record_visit(
        park.site, customer_id=park.yunqi.id, visited_at=at(2026, 4, 2, 10), mode="on_site", purpose="complaint",
        attendees="王经理、陈思远", summary="客户情绪平稳",
        items=[services.ItemInput("request", "会议室空调不制冷"),
               services.ItemInput("complaint", "保洁打扫不及时", answer="已当场联系保洁主管")],
        actor=park.chen, now=at(2026, 4, 2, 11))
    db.session.commit()
    return done


@pytest.fixture
def order(park):
    """A repair the clerk logged and answered: completed with its note."""
    logged = workorders.log_order(park.site, kind="repair", channel="phone", category="plumbing",
                                  description="卫生间水管漏水", report=workorders.Report("王经理", "13800000001",
                                                                                  building_id=park.building_a.id,
                                                                                  place_note="三楼卫生间"),
                                  answered=True, answer="更换了三通接头，已不漏", actor=park.clerk, now=T0)
    db.session.commit()
    return logged


def case(park, author, **fields):
    written = services.save_case(park.site, **(CASE | fields), actor=author, now=T0)
    db.session.commit()
    return written


def other_site_visit(park):
    manager = make_user("account_manager", site=park.other_site, full_name="海港经理")
    services.assign(park.other_site, park.harbour_company, manager.id, actor=park.supervisor, now=T0)
    planned = services.plan_visit(park.other_site, customer_id=park.harbour_company.id, visit_on=date(2026, 4, 3),
                                  mode="phone", purpose="routine_care", actor=manager, now=T0)
    db.session.commit()
    return planned


def error_after(html, name) -> str:
    """The error shown in the field `name` (the text of its first alert), or ""."""
    found = re.search(rf'name="{name}".*?(?:<div class="error" role="alert">(.*?)</div>|<div class="field)', html,
                      re.S)
    return (found.group(1) or "") if found else ""


# --- writing up ----------------------------------------------------------------------------------

def test_a_case_from_a_visit_starts_from_what_the_customer_said(park, visit, as_user, client):
    as_user(park.chen)
    page = client.get(f"/visits/cases/new?visit_id={visit.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Visit {visit.number}" in html  # the source
    for said in ("云启科技有限公司", "会议室空调不制冷", "保洁打扫不及时", "已当场联系保洁主管", "客户情绪平稳"):
        assert said in html
    assert f'name="visit_id" type="hidden" value="{visit.id}"' in html
    response = client.post("/visits/cases/new", data=CASE | {"visit_id": visit.id})
    saved = db.session.scalars(sa.select(CaseStudy)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/visits/cases/{saved.id}")
    assert (saved.visit_id, saved.work_order_id, saved.author_id, saved.title) == (visit.id, None, park.chen.id,
                                                                                  "空调投诉的处理")
    shown = client.get(f"/visits/cases/{saved.id}").get_data(as_text=True)
    assert f'href="/visits/{visit.id}"' in shown and "先到现场再解释" in shown


def test_a_clerk_writes_up_a_work_order_with_its_description_and_completion_note(park, order, as_user, client):
    as_user(park.clerk)
    html = client.get(f"/visits/cases/new?work_order_id={order.id}").get_data(as_text=True)
    assert f"Work order {order.number}" in html
    situation = re.search(r'<textarea[^>]*name="situation"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    action = re.search(r'<textarea[^>]*name="action"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert order.number in situation and "卫生间水管漏水" in situation and "Plumbing" in situation
    assert "更换了三通接头，已不漏" in action
    response = client.post("/visits/cases/new", data=CASE | {"work_order_id": order.id})
    assert response.status_code == 302
    saved = db.session.scalars(sa.select(CaseStudy)).one()
    assert (saved.work_order_id, saved.visit_id, saved.author_id) == (order.id, None, park.clerk.id)
    listed = client.get("/visits/cases").get_data(as_text=True)
    assert f"Work order {order.number}" in listed and "先到现场再解释" in listed
    assert "第二行不在列表里" not in listed  # the list shows the lesson's first line


def test_a_visit_of_another_site_is_refused_and_nothing_is_written(park, as_user, client):
    foreign = other_site_visit(park)
    as_user(park.supervisor)
    page = client.get(f"/visits/cases/new?visit_id={foreign.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "No such visit at this site." in html
    assert "海港贸易有限公司" not in html and foreign.number not in html
    response = client.post("/visits/cases/new", data=CASE | {"visit_id": foreign.id})
    assert response.status_code == 422
    assert "No such visit at this site." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseStudy)) == 0


def test_missing_parts_come_back_with_a_message_next_to_each(park, as_user, client):
    as_user(park.chen)
    response = client.post("/visits/cases/new", data={"title": "只有标题", "situation": "  ", "action": "",
                                                      "result": "", "lesson": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_after(html, "title") == ""
    assert error_after(html, "situation") == "Describe the situation."
    assert error_after(html, "action") == "Say what was done."
    assert error_after(html, "result") == "Say what came of it."
    assert error_after(html, "lesson") == "Say what others should learn from it."
    assert "只有标题" in html  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseStudy)) == 0


def test_a_title_over_the_limit_is_said_by_the_service(park, as_user, client):
    as_user(park.chen)
    response = client.post("/visits/cases/new", data=CASE | {"title": "长" * 101})
    assert response.status_code == 422
    assert error_after(response.get_data(as_text=True), "title") == "Keep this under 100 characters."


# --- the list and its search ---------------------------------------------------------------------

def test_the_search_needs_every_word_somewhere_in_the_case(park, as_user, client):
    case(park, park.chen, title="电梯困人", lesson="先安抚被困人员\n再联系维保单位")
    case(park, park.wang, title="欠费催缴", situation="企业连续三月未缴物业费", lesson="先核对账单再上门")
    case(park, park.chen, title="噪音投诉", result="夜间施工已停止", lesson="提前张贴施工通知")
    as_user(park.clerk)

    def titles(q):
        html = client.get("/visits/cases", query_string={"q": q}).get_data(as_text=True)
        return sorted(re.findall(r'<a href="/visits/cases/\d+">(.*?)</a>', html))

    assert titles("") == ["噪音投诉", "欠费催缴", "电梯困人"]
    assert titles("维保单位") == ["电梯困人"]  # a word of the lesson's second line
    assert titles("海鲜市场") == []
    assert titles("夜间 张贴") == ["噪音投诉"]  # both words, in different parts of the case
    assert titles("账单 施工") == []
    assert titles("先") == ["欠费催缴", "电梯困人"]


def test_the_list_is_newest_first_thirty_a_page(park, as_user, client):
    for n in range(32):
        services.save_case(park.site, **(CASE | {"title": f"案例{n:02d}"}), actor=park.chen,
                           now=at(2026, 3, 1) + timedelta(hours=n))
    db.session.commit()
    as_user(park.chen)
    first = client.get("/visits/cases").get_data(as_text=True)
    assert len(re.findall(r'<a href="/visits/cases/\d+">', first)) == 30
    assert first.index("案例31") < first.index("案例30") < first.index("案例02") and "案例01" not in first
    second = client.get("/visits/cases?page=2").get_data(as_text=True)
    assert len(re.findall(r'<a href="/visits/cases/\d+">', second)) == 2
    assert second.index("案例01") < second.index("案例00")


# --- who revises ---------------------------------------------------------------------------------

def test_only_the_author_or_visits_all_revise_a_case(park, as_user, client):
    written = case(park, park.chen)
    as_user(park.wang)
    page = client.get(f"/visits/cases/{written.id}").get_data(as_text=True)
    assert "空调投诉的处理" in page and f"/visits/cases/{written.id}/edit" not in page
    refused = client.get(f"/visits/cases/{written.id}/edit")
    assert refused.status_code == 403 and "This case study is 陈思远&#39;s." in refused.get_data(as_text=True)
    refused = client.post(f"/visits/cases/{written.id}/edit", data=CASE | {"title": "改掉"})
    assert refused.status_code == 403 and "This case study is 陈思远&#39;s." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CaseStudy, written.id).title == "空调投诉的处理"

    as_user(park.chen)
    assert f"/visits/cases/{written.id}/edit" in client.get(f"/visits/cases/{written.id}").get_data(as_text=True)
    assert client.post(f"/visits/cases/{written.id}/edit", data=CASE | {"title": "作者改的"}).status_code == 302
    as_user(park.project_manager)
    form = client.get(f"/visits/cases/{written.id}/edit").get_data(as_text=True)
    assert "作者改的" in form
    assert client.post(f"/visits/cases/{written.id}/edit", data=CASE | {"title": "经理改的"}).status_code == 302
    db.session.expire_all()
    revised = db.session.get(CaseStudy, written.id)
    assert (revised.title, revised.author_id) == ("经理改的", park.chen.id)


def test_a_revision_with_a_part_left_empty_is_sent_back(park, as_user, client):
    written = case(park, park.chen)
    as_user(park.chen)
    response = client.post(f"/visits/cases/{written.id}/edit", data=CASE | {"lesson": ""})
    assert response.status_code == 422
    assert error_after(response.get_data(as_text=True), "lesson") == "Say what others should learn from it."


def test_a_case_of_another_site_is_not_found(park, as_user, client):
    foreign = services.save_case(park.other_site, **CASE, actor=park.supervisor, now=T0)
    db.session.commit()
    as_user(park.supervisor)
    assert client.get(f"/visits/cases/{foreign.id}").status_code == 404
    assert client.post(f"/visits/cases/{foreign.id}/edit", data=CASE).status_code == 404


@pytest.mark.parametrize("role", ["technician", "cashier"])
def test_roles_that_do_not_write_cases_are_refused(park, as_user, client, role):
    written = case(park, park.chen)
    user = park.technician if role == "technician" else make_user("cashier", site=park.site)
    as_user(user)
    for url in ("/visits/cases", "/visits/cases/new", f"/visits/cases/{written.id}",
                f"/visits/cases/{written.id}/edit"):
        assert client.get(url).status_code == 403, url
    assert client.post("/visits/cases/new", data=CASE).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseStudy)) == 1


def test_a_case_page_links_the_visit_only_for_whom_may_open_it(park, visit, as_user, client):
    written = case(park, park.chen, visit_id=visit.id)
    as_user(park.clerk)
    html = client.get(f"/visits/cases/{written.id}").get_data(as_text=True)
    assert f"Visit {visit.number}" in html and f'href="/visits/{visit.id}"' not in html
    as_user(park.supervisor)
    assert f'href="/visits/{visit.id}"' in client.get(f"/visits/cases/{written.id}").get_data(as_text=True)


@pytest.mark.parametrize("value", ["abc", "-1", "0", "99999999999999999999", "1e3", "x" * 5000])
def test_a_hostile_source_id_is_a_page_not_an_error(park, as_user, client, value):
    as_user(park.chen)
    for name in ("visit_id", "work_order_id"):
        assert client.get("/visits/cases/new", query_string={name: value}).status_code == 200
        response = client.post("/visits/cases/new", data=CASE | {name: value})
        assert response.status_code == 422, (name, value)
    assert client.get("/visits/cases", query_string={"q": value, "page": value}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseStudy)) == 0
