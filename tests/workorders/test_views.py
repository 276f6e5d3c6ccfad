"""The work-order pages as the desk and a technician use them: logging a call (and what it refuses),
linking a repeated report, the order page's actions, the lists, and who may see which order."""
import html
import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from frontdesk.core.uploads import MAX_PHOTO_BYTES
from frontdesk.workorders import services
from frontdesk.workorders.models import WorkOrder, WorkOrderPhoto, WorkOrderReport
from tests.factories import NOW
from tests.workorders.conftest import dispatch, log


def text(response):
    return response.get_data(as_text=True)


def error_next_to(page, field):
    """The error drawn inside the field's own block (its div.field marked has-error)."""
    match = re.search(r'<(?:div|fieldset) class="field[^"]*has-error[^"]*"[^>]*>(?:(?!<div class="field).)*?name="%s"'
                      r'(?:(?!<div class="field).)*?<div class="error" role="alert">(.*?)</div>' % field, page, re.S)
    return html.unescape(match.group(1)) if match else None


def png(size=(4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "PNG")
    return out.getvalue()


def order_count(db):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(WorkOrder.id)))


def call(desk, photos=(), **overrides):
    """The log form as the clerk sends it: 陈美玲 reports a leak in her kitchen at A-0801."""
    data = {"kind": "repair", "channel": "phone", "caller": "", "customer_id": "", "reporter_name": "陈美玲",
            "reporter_phone": "13812345678", "place": "A-0801", "building_id": "0", "place_note": "厨房",
            "category": "plumbing", "complexity": "ordinary", "description": "厨房水龙头漏水"}
    data.update(overrides)
    data["photos"] = [(io.BytesIO(p), f"photo{n}.png") for n, p in enumerate(photos)]
    return data


def post_call(client, data):
    return client.post("/workorders/log", data=data, content_type="multipart/form-data")


# --- logging a call ----------------------------------------------------------------------------

def test_the_desk_shows_the_log_form_and_the_open_orders(db, as_user, desk):
    order = log(desk, description="客厅灯不亮", category="electrical")
    db.session.commit()
    client = as_user(desk.clerk)

    page = text(client.get("/workorders/"))

    assert "Log a call" in page and 'name="reporter_name"' in page
    open_list = page.split("Open work orders")[1]
    assert order.number in open_list and "客厅灯不亮" in open_list and "left" in open_list


def test_a_repair_logged_through_the_form_goes_to_its_page_with_the_number(db, as_user, desk, app):
    client = as_user(desk.clerk)

    response = post_call(client, call(desk, photos=[png()], emergency="y"))

    order = db.session.scalar(sa.select(WorkOrder))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/workorders/orders/{order.id}")
    assert (order.kind, order.unit_id, order.customer_id, order.urgency) == ("repair", desk.unit.id, None, "emergency")
    assert order.place == "A-0801 厨房" and order.owner_id == desk.clerk.id
    page = text(client.get(response.headers["Location"]))
    assert f"Work order {order.number} logged." in page
    assert "厨房水龙头漏水" in page and "Emergency" in page
    photo = db.session.scalar(sa.select(WorkOrderPhoto))
    assert f"/workorders/orders/{order.id}/photos/{photo.id}" in page
    served = client.get(f"/workorders/orders/{order.id}/photos/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png()


def test_a_caller_picked_from_the_suggestions_is_called_back_on_the_phone_on_file(db, as_user, desk):
    client = as_user(desk.clerk)

    suggestions = client.get("/workorders/callers", query_string={"q": "A-0801"}).get_json()
    post_call(client, call(desk, customer_id=str(desk.customer.id), reporter_phone=""))

    # the clerk sees the number masked in the suggestion; the order has it whole
    assert suggestions[0]["name"] == "陈美玲" and suggestions[0]["unit"] == "A-0801"
    assert suggestions[0]["phone"] == "" and suggestions[0]["phone_shown"] == "138****5678"
    order = db.session.scalar(sa.select(WorkOrder))
    assert (order.customer_id, order.reporter_phone) == (desk.customer.id, "13812345678")


def test_a_common_area_of_a_building_is_a_place_too(db, as_user, desk):
    client = as_user(desk.clerk)

    post_call(client, call(desk, place="", building_id=str(desk.other_building.id), place_note="电梯厅",
                           category="lift", description="电梯按钮失灵"))

    order = db.session.scalar(sa.select(WorkOrder))
    assert (order.unit_id, order.building_id) == (None, desk.other_building.id)
    assert order.place.startswith("B ") and order.place.endswith("电梯厅")


@pytest.mark.parametrize("overrides, photos, field, message", [
    ({"reporter_name": ""}, [], "reporter_name", "Who reported it? Give a name."),
    ({"reporter_phone": ""}, [], "reporter_phone", "Enter a phone number to call the caller back."),
    ({"place": "", "place_note": ""}, [], "place", "Say where the problem is: a unit, or a building and the common area."),
    ({"place": "Z-9999"}, [], "place", "Say where the problem is: a unit, or a building and the common area."),
    ({"description": " "}, [], "description", "Describe the problem in the caller's words."),
    ({}, [b"%PDF-1.4 not a picture"], "photos", "The photo must be a JPEG or PNG picture."),
    ({}, [b"\x89PNG" + b"\0" * MAX_PHOTO_BYTES], "photos", "The photo is larger than 5 MB: send a smaller one."),
])
def test_a_bad_call_comes_back_with_the_message_next_to_the_field_and_nothing_is_written(
        db, as_user, desk, app, overrides, photos, field, message):
    client = as_user(desk.clerk)

    response = post_call(client, call(desk, photos=photos, **overrides))

    assert response.status_code == 422
    assert error_next_to(text(response), field) == message
    assert order_count(db) == 0
    assert db.session.scalar(sa.select(sa.func.count(WorkOrderPhoto.id))) == 0


def test_an_enquiry_answered_on_the_call_is_done_at_once(db, as_user, desk):
    client = as_user(desk.clerk)

    post_call(client, call(desk, kind="enquiry", category="billing", description="物业费怎么交",
                           answered="y", answer="可在服务中心或线上缴纳"))

    order = db.session.scalar(sa.select(WorkOrder))
    assert order.status == "closed" and order.completion_note == "可在服务中心或线上缴纳"


def test_answered_on_the_call_is_ignored_for_a_repair(db, as_user, desk):
    client = as_user(desk.clerk)

    post_call(client, call(desk, answered="y", answer="x"))

    assert db.session.scalar(sa.select(WorkOrder)).status == "new"


# --- a repeated report -------------------------------------------------------------------------

def test_a_second_caller_is_offered_the_open_order_and_linked_to_it(db, as_user, desk):
    first = log(desk)
    db.session.commit()
    client = as_user(desk.clerk)

    offered = client.get("/workorders/duplicates", query_string={"unit": "a0801", "category": "plumbing"}).get_json()
    response = post_call(client, call(desk, reporter_name="陈先生", reporter_phone="13900007777",
                                      description="楼下也在漏", link_to=str(first.id)))

    assert [o["number"] for o in offered["orders"]] == [first.number] and offered["unit"] == "A-0801"
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{first.id}")
    assert order_count(db) == 1
    db.session.refresh(first)
    assert first.reporters == 2
    linked = db.session.scalar(sa.select(WorkOrderReport))
    assert (linked.reporter_name, linked.note) == ("陈先生", "楼下也在漏")
    page = text(client.get(f"/workorders/orders/{first.id}"))
    assert "2 callers have reported it" in page and "陈先生" in page


def test_linking_to_an_order_of_another_site_is_not_found(db, as_user, desk):
    from tests.factories import make_building, make_site, make_unit

    other = make_site("OTHER")
    unit = make_unit(make_building(other, "C"), "C-0101")
    clerk = desk.clerk
    elsewhere = services.log_order(other, kind="repair", channel="phone", category="plumbing", description="漏水",
                                   report=services.Report("某人", "13900001234", unit_id=unit.id),
                                   actor=clerk, now=NOW)
    db.session.commit()
    client = as_user(clerk)

    assert post_call(client, call(desk, link_to=str(elsewhere.id))).status_code == 404
    assert order_count(db) == 1


# --- the order page ----------------------------------------------------------------------------

def test_an_order_goes_from_dispatch_to_closed_through_its_page(db, as_user, desk):
    order = log(desk)
    db.session.commit()
    client = as_user(desk.clerk)
    url = f"/workorders/orders/{order.id}"

    steps = [
        ("dispatch", {"dispatch-department_id": desk.department.id, "dispatch-assignee_id": desk.technician.id}),
        ("reply", {"reply-note": "师傅半小时内上门"}),
        ("start", {}),
        ("hold", {"hold-reason": "waiting_parts", "hold-note": "等配件"}),
        ("resume", {}),
        ("complete", {"complete-note": "更换了阀芯"}),
        ("callback", {"callback-satisfaction": "5", "callback-resolved": "yes", "callback-note": "满意"}),
        ("close", {}),
    ]
    statuses = []
    for action, data in steps:
        response = client.post(f"{url}/{action}", data=data)
        assert response.status_code == 302, (action, text(response))
        db.session.expire_all()
        statuses.append(db.session.get(WorkOrder, order.id).status)

    assert statuses == ["dispatched", "dispatched", "in_progress", "on_hold", "in_progress", "completed",
                        "called_back", "closed"]
    page = text(client.get(url))
    assert "Work order %s closed." % order.number in page
    timeline = page.split("Timeline")[1]
    for label in ("Logged", "Dispatched", "Replied to the customer", "Work started", "Put on hold", "Resumed",
                  "Completed", "Called back", "Closed"):
        assert label in timeline
    assert "satisfaction 5 of 5" in page


def test_the_page_offers_only_what_the_order_can_do_next(db, as_user, desk):
    order = log(desk)
    db.session.commit()
    client = as_user(desk.clerk)

    page = text(client.get(f"/workorders/orders/{order.id}"))

    assert f"/orders/{order.id}/dispatch" in page and f"/orders/{order.id}/cancel" in page
    assert f"/orders/{order.id}/close" not in page and f"/orders/{order.id}/callback" not in page
    assert f"/orders/{order.id}/start" not in page


def test_closing_a_new_order_is_refused_and_changes_nothing(db, as_user, desk):
    order = log(desk)
    db.session.commit()
    client = as_user(desk.clerk)

    response = client.post(f"/workorders/orders/{order.id}/close")

    assert response.status_code == 422
    assert f"Work order {order.number} is New: it cannot be Closed now." in text(response)
    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).status == "new"


def test_a_callback_without_satisfaction_is_refused_next_to_the_field(db, as_user, desk):
    order = dispatch(desk, log(desk))
    services.complete(order, note="修好了", actor=desk.clerk, now=NOW)
    db.session.commit()
    client = as_user(desk.clerk)

    response = client.post(f"/workorders/orders/{order.id}/callback", data={"callback-note": "x"})

    assert response.status_code == 422
    assert error_next_to(text(response), "callback-satisfaction") == "Give the customer's satisfaction from 1 to 5."
    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).status == "completed"


def test_a_quote_without_the_customers_agreement_is_refused(db, as_user, desk):
    order = log(desk)
    db.session.commit()
    client = as_user(desk.clerk)

    response = client.post(f"/workorders/orders/{order.id}/quote", data={
        "quote-amount": "85.00", "quote-note": "更换锁芯", "quote-fee_item_id": desk.repair_fee.id,
        "quote-agreed_by": "陈美玲"})

    assert response.status_code == 422
    assert error_next_to(text(response), "quote-agreed") == \
        "The customer must agree to the quote before the work is dispatched."
    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).quote is None


def test_the_clerk_sees_the_callers_phone_masked(db, as_user, desk):
    order = log(desk)
    db.session.commit()

    page = text(as_user(desk.clerk).get(f"/workorders/orders/{order.id}"))

    assert "138****5678" in page and "13812345678" not in page


# --- technicians -------------------------------------------------------------------------------

def test_a_technician_sees_their_own_orders_only(db, as_user, desk):
    mine = dispatch(desk, log(desk))
    theirs = log(desk, description="门锁坏了", category="doors_locks")
    services.dispatch(theirs, department_id=desk.department.id, assignee_id=desk.other_technician.id,
                      actor=desk.clerk, now=NOW)
    db.session.commit()
    client = as_user(desk.technician)

    own = client.get(f"/workorders/orders/{mine.id}")
    other = client.get(f"/workorders/orders/{theirs.id}")

    assert own.status_code == 200 and "13812345678" in text(own)  # the assignee calls the customer
    assert other.status_code == 404
    assert client.post(f"/workorders/orders/{theirs.id}/start").status_code == 404
    assert client.get("/workorders/").status_code == 403
    assert client.post(f"/workorders/orders/{mine.id}/close").status_code == 403


def test_the_technicians_phone_page_lists_their_open_orders_with_buttons(db, as_user, desk):
    mine = dispatch(desk, log(desk))
    theirs = log(desk, description="门锁坏了", category="doors_locks")
    db.session.commit()
    client = as_user(desk.technician)

    page = text(client.get("/workorders/mine"))

    assert mine.number in page and theirs.number not in page
    assert 'href="tel:13812345678"' in page
    assert f"/orders/{mine.id}/start" in page and f"/orders/{mine.id}/complete" in page
    assert 'name="viewport"' in page


def test_the_technician_starts_and_completes_from_the_phone_page(db, as_user, desk):
    order = dispatch(desk, log(desk))
    db.session.commit()
    client = as_user(desk.technician)

    started = client.post(f"/workorders/orders/{order.id}/start", data={"back": "mine"})
    refused = client.post(f"/workorders/orders/{order.id}/complete", data={"back": "mine", "complete-note": ""})
    refused_page = text(client.get("/workorders/mine"))
    done = client.post(f"/workorders/orders/{order.id}/complete", data={"back": "mine", "complete-note": "换了水龙头"})

    assert started.headers["Location"].endswith("/workorders/mine")
    assert refused.headers["Location"].endswith("/workorders/mine") and "Say what was done." in refused_page
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).status == "completed"
    after = text(client.get("/workorders/mine"))
    assert f"Work order {order.number} completed." in after and "No open work orders for you." in after


def test_only_staff_who_log_or_see_orders_reach_the_desk_lists(db, as_user, desk):
    from tests.factories import make_user

    cashier = make_user("cashier", site=desk.site)
    db.session.commit()
    client = as_user(cashier)

    assert client.get("/workorders/").status_code == 403
    assert client.get("/workorders/overdue").status_code == 403
    assert client.get("/workorders/mine").status_code == 403


# --- lists -------------------------------------------------------------------------------------

def test_the_search_finds_orders_by_caller_and_kind(db, as_user, desk):
    leak = log(desk)
    noise = log(desk, kind="complaint", category="noise", description="楼上装修噪音", name="李先生",
                phone="13911112222")
    db.session.commit()
    client = as_user(desk.clerk)

    by_name = text(client.get("/workorders/orders", query_string={"q": "李先生"}))
    by_kind = text(client.get("/workorders/orders", query_string={"kind": "repair", "status": "open"}))
    bad = client.get("/workorders/orders", query_string={"start_on": "2026-13-45"})

    assert noise.number in by_name and leak.number not in by_name
    assert leak.number in by_kind and noise.number not in by_kind
    assert bad.status_code == 422


def test_the_overdue_list_shows_how_late_and_has_room_for_chasing(db, as_user, desk):
    from datetime import timedelta

    late = dispatch(desk, log(desk, now=NOW - timedelta(days=5)), now=NOW - timedelta(days=5))
    fresh = log(desk, description="新的报修")
    db.session.commit()
    client = as_user(desk.supervisor)

    page = text(client.get("/workorders/overdue"))

    assert late.number in page and fresh.number not in page
    assert "late" in page.split(late.number)[1] and "工程部" in page


def test_the_home_page_shows_the_work_order_figures(db, as_user, desk):
    dispatch(desk, log(desk))
    db.session.commit()

    clerk_home = text(as_user(desk.clerk).get("/"))
    technician_home = text(as_user(desk.technician).get("/"))

    assert "Work order desk" in clerk_home
    assert "My work orders" in technician_home and "/workorders/mine" in technician_home
