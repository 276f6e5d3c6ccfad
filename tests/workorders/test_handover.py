"""Shift handover (交接班): every unfinished order of the site is handed to the incoming clerk and
frozen with both names and the note; nothing unfinished drops out between two handovers."""
import sqlalchemy as sa

from frontdesk.extensions import db
from frontdesk.workorders import services
from frontdesk.workorders.models import Handover
from tests.factories import make_site, make_user
from tests.workorders.conftest import at, dispatch, log


def test_the_page_lists_every_unfinished_order(desk, client, as_user):
    open_order = log(desk)
    done = dispatch(desk, log(desk, description="卫生间灯不亮", category="electrical"))
    services.complete(done, note="换了灯座", actor=desk.technician, now=at(2026, 3, 31, 11))
    closed = log(desk, kind="enquiry", category="billing", description="物业费标准", answered=True, answer="已告知")
    db.session.commit()
    as_user(desk.clerk)
    page = client.get("/workorders/handover").get_data(as_text=True)
    assert open_order.number in page and done.number in page  # completed, waiting for its callback
    assert closed.number not in page
    assert "2 unfinished orders" in page


def test_the_incoming_clerk_is_a_colleague_who_logs_orders(desk, client, as_user):
    colleague = make_user("clerk", full_name="张敏", site=desk.site)
    make_user("clerk", full_name="别处的人", site=make_site("EAST"))
    db.session.commit()
    as_user(desk.clerk)
    page = client.get("/workorders/handover").get_data(as_text=True)
    select = page[page.index('name="incoming_id"'):page.index("</select>", page.index('name="incoming_id"'))]
    assert "张敏" in select and "周主管" in select
    assert "李娟" not in select and "王师傅" not in select and "别处的人" not in select
    assert colleague.id


def test_handing_over_freezes_the_list_with_both_names(desk, client, as_user):
    order = log(desk)
    colleague = make_user("clerk", full_name="张敏", site=desk.site)
    db.session.commit()
    as_user(desk.clerk)
    response = client.post("/workorders/handover", data={"incoming_id": colleague.id, "note": "3 号楼钥匙借给了工程部"})
    assert response.status_code == 302
    handover = db.session.scalar(sa.select(Handover))
    assert response.headers["Location"].endswith(f"/workorders/handover/{handover.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The shift is handed over to 张敏 with 1 unfinished order." in page
    assert "李娟" in page and "张敏" in page and "3 号楼钥匙借给了工程部" in page
    assert order.number in page and "陈美玲" in page and "A-0801" in page
    assert "data-print-page" in page
    # frozen: closing the order later does not change what was handed over
    services.cancel(order, reason="重复登记", actor=desk.clerk, now=at(2026, 3, 31, 12))
    db.session.commit()
    assert order.number in client.get(f"/workorders/handover/{handover.id}").get_data(as_text=True)
    assert "Recent handovers" in client.get("/workorders/handover").get_data(as_text=True)


def test_nothing_unfinished_disappears_between_two_handovers(desk):
    colleague = make_user("clerk", full_name="张敏", site=desk.site)
    first_orders = [log(desk, description=f"问题 {n}") for n in range(3)]
    dispatch(desk, first_orders[0])
    services.complete(first_orders[0], note="修好了", actor=desk.technician, now=at(2026, 3, 31, 11))
    first = services.hand_over(desk.site, incoming=colleague.id, note="", actor=desk.clerk, now=at(2026, 3, 31, 17))
    services.cancel(first_orders[2], reason="业主自行处理", actor=colleague, now=at(2026, 3, 31, 18))
    later = log(desk, actor=colleague, now=at(2026, 3, 31, 19), description="夜间漏水")
    second = services.hand_over(desk.site, incoming=desk.clerk.id, note="", actor=colleague, now=at(2026, 4, 1, 8))
    handed_first = {item["number"] for item in first.items}
    handed_second = {item["number"] for item in second.items}
    assert handed_first == {o.number for o in first_orders}
    assert handed_first - {first_orders[2].number} <= handed_second
    assert later.number in handed_second and first_orders[2].number not in handed_second


def test_the_shift_is_not_handed_to_oneself(desk, client, as_user):
    log(desk)
    db.session.commit()
    as_user(desk.clerk)
    response = client.post("/workorders/handover", data={"incoming_id": desk.clerk.id, "note": ""})
    assert response.status_code == 422
    assert "The shift is handed to somebody else." in response.get_data(as_text=True)
    nobody = client.post("/workorders/handover", data={"incoming_id": 0})
    assert nobody.status_code == 422 and "Choose the clerk who takes over." in nobody.get_data(as_text=True)
    technician = client.post("/workorders/handover", data={"incoming_id": desk.technician.id})
    assert technician.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Handover)) == 0


def test_a_handover_of_another_site_is_not_found(desk, client, as_user):
    colleague = make_user("clerk", site=desk.site)
    made = services.hand_over(desk.site, incoming=colleague.id, note="", actor=desk.clerk, now=at(2026, 3, 31, 17))
    stranger = make_user("clerk", site=make_site("EAST"))
    db.session.commit()
    as_user(stranger)
    assert client.get(f"/workorders/handover/{made.id}").status_code == 404
    as_user(desk.technician)
    assert client.get("/workorders/handover").status_code == 403
