"""A request heard at a visit becomes a work order in one click, linked both ways: the order is the
manager's (first-contact ownership), for the company, come in the way the visit was made; the item
points at it, the order page says which visit it came from and the visit page gives its number.
Once only, for a request or a complaint only, by the visit's manager only."""
import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.visits import queries, services
from frontdesk.visits.models import VisitItem
from frontdesk.visits.services import ItemInput
from frontdesk.workorders.models import WorkOrder
from tests.factories import english
from tests.visits.conftest import at
from tests.visits.pages import error_next_to, flashes, text


def orders(db) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder))


def a_visit(db, park, mode="phone", when=at(2026, 3, 31, 9)):
    """陈思远's visit to 云启科技 (unit A-301): a request, an opinion and a complaint."""
    visit = services.record_visit(
        park.site, customer_id=park.yunqi.id, mode=mode, purpose="routine_care", visited_at=when,
        attendees="李总、陈思远", items=[ItemInput("request", "A-301 空调不制冷", "已记下"),
                                      ItemInput("opinion", "前台服务很好"), ItemInput("complaint", "夜里装修噪音大")],
        actor=park.chen, now=when)
    db.session.commit()
    return visit


def unit_of(park):
    return park.yunqi.occupancies[0].unit


# --- the service ---------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["phone", "on_site"])
def test_a_request_becomes_the_managers_repair_order_for_the_company(db, park, mode):
    visit = a_visit(db, park, mode)
    request = visit.items[0]

    order = services.item_to_work_order(request, category="hvac", unit_id=unit_of(park).id, actor=park.chen,
                                        now=at(2026, 3, 31, 10))
    db.session.commit()

    db.session.expire_all()
    order = db.session.get(WorkOrder, order.id)
    assert (order.kind, order.channel, order.category) == ("repair", mode, "hvac")
    assert (order.customer_id, order.owner_id, order.unit_id) == (park.yunqi.id, park.chen.id, unit_of(park).id)
    assert (order.reporter_name, order.reporter_phone) == ("李总", "13800000001")  # the first attendee, the phone on file
    assert order.description == f"{visit.number}: A-301 空调不制冷"
    assert db.session.get(VisitItem, request.id).work_order_id == order.id
    found = queries.visit_of_work_order(order.id)
    assert (found.id, found.visit.number) == (request.id, visit.number)
    assert {"visits.work_order", "workorder.log"} <= set(db.session.scalars(sa.select(AuditEntry.action)))


def test_a_complaint_becomes_a_complaint_order(db, park):
    visit = a_visit(db, park)

    order = services.item_to_work_order(visit.items[2], category="noise", unit_id=unit_of(park).id, actor=park.chen,
                                        now=at(2026, 3, 31, 10))

    assert order.kind == "complaint"


def test_an_order_logged_at_the_desk_came_from_no_visit(db, park):
    from frontdesk.workorders import services as workorders

    order = workorders.log_order(park.site, kind="repair", channel="phone", category="plumbing", description="漏水",
                                 report=workorders.Report("李总", "13800000001", unit_id=unit_of(park).id),
                                 actor=park.supervisor, now=at(2026, 3, 31, 10))

    assert queries.visit_of_work_order(order.id) is None


def test_doing_it_twice_is_refused_and_makes_no_second_order(db, park):
    visit = a_visit(db, park)
    first = services.item_to_work_order(visit.items[0], category="hvac", unit_id=unit_of(park).id, actor=park.chen,
                                        now=at(2026, 3, 31, 10))
    db.session.commit()

    with pytest.raises(InvalidTransition) as caught:
        services.item_to_work_order(visit.items[0], category="hvac", unit_id=unit_of(park).id, actor=park.chen,
                                    now=at(2026, 3, 31, 11))
    db.session.rollback()

    assert english(caught.value) == f"This item is work order {first.number} already."
    assert orders(db) == 1


def test_an_opinion_cannot_become_a_work_order(db, park):
    visit = a_visit(db, park)

    with pytest.raises(ValidationFailed) as caught:
        services.item_to_work_order(visit.items[1], category="other", unit_id=unit_of(park).id, actor=park.chen,
                                    now=at(2026, 3, 31, 10))
    db.session.rollback()

    assert english(caught.value) == "Only a request or a complaint becomes a work order."
    assert orders(db) == 0 and db.session.get(VisitItem, visit.items[1].id).work_order_id is None


@pytest.mark.parametrize("other", ["wang", "supervisor"])
def test_another_manager_cannot_do_it(db, park, other):
    visit = a_visit(db, park)

    with pytest.raises(NotAllowed) as caught:
        services.item_to_work_order(visit.items[0], category="hvac", unit_id=unit_of(park).id,
                                    actor=getattr(park, other), now=at(2026, 3, 31, 10))
    db.session.rollback()

    assert english(caught.value) == f"Visit {visit.number} is 陈思远's: only they change it."
    assert orders(db) == 0


# --- the pages -----------------------------------------------------------------------------------

def test_one_click_from_the_visit_to_the_work_order_and_back(db, park, as_user):
    visit = a_visit(db, park)
    request = visit.items[0]
    client = as_user(park.chen)

    page = text(client.get(f"/visits/{visit.id}"))
    assert f"/visits/items/{request.id}/work-order" in page
    form = text(client.get(f"/visits/items/{request.id}/work-order"))
    assert "A-301 空调不制冷" in form
    assert '<option selected value="hvac">' in form  # the words of the request say which trade
    assert f'<option selected value="{unit_of(park).id}">A-301</option>' in form
    assert 'value="13800000001"' in form

    response = client.post(f"/visits/items/{request.id}/work-order",
                           data={"category": "hvac", "unit_id": unit_of(park).id, "building_id": "0",
                                 "place_note": "", "phone": "13800000001"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/visits/{visit.id}")
    order = db.session.scalars(sa.select(WorkOrder)).one()
    page = text(client.get(f"/visits/{visit.id}"))
    assert f"Work order {order.number} is logged for 云启科技有限公司; you follow it to the end." in flashes(page)
    assert order.number in page
    assert f"/visits/items/{request.id}/work-order" not in page  # nothing more to make

    # the supervisor, who follows work orders, goes from the visit to the order and back
    supervisor = as_user(park.supervisor)
    page = text(supervisor.get(f"/visits/{visit.id}"))
    assert f'<a href="/workorders/orders/{order.id}">{order.number}</a>' in page
    page = text(supervisor.get(f"/workorders/orders/{order.id}"))
    assert (f'<a href="/visits/{visit.id}">From visit {visit.number} (云启科技有限公司)</a>') in page
    assert f"/visits/cases/new?work_order_id={order.id}" in page


def test_a_clerk_reads_where_the_order_came_from_and_may_write_it_up(db, park, as_user):
    visit = a_visit(db, park)
    order = services.item_to_work_order(visit.items[0], category="hvac", unit_id=unit_of(park).id, actor=park.chen,
                                        now=at(2026, 3, 31, 10))
    db.session.commit()

    page = text(as_user(park.clerk).get(f"/workorders/orders/{order.id}"))

    assert f"From visit {visit.number} (云启科技有限公司)" in page
    assert f'href="/visits/{visit.id}"' not in page  # a clerk does not see visits
    assert f"/visits/cases/new?work_order_id={order.id}" in page


def test_an_order_from_the_desk_says_nothing_of_a_visit(db, park, as_user):
    from frontdesk.workorders import services as workorders

    order = workorders.log_order(park.site, kind="repair", channel="phone", category="plumbing", description="漏水",
                                 report=workorders.Report("李总", "13800000001", unit_id=unit_of(park).id),
                                 actor=park.supervisor, now=at(2026, 3, 31, 9))
    db.session.commit()

    page = text(as_user(park.supervisor).get(f"/workorders/orders/{order.id}"))

    assert "From visit" not in page


def test_the_second_click_is_told_and_changes_nothing(db, park, as_user):
    visit = a_visit(db, park)
    request = visit.items[0]
    order = services.item_to_work_order(request, category="hvac", unit_id=unit_of(park).id, actor=park.chen,
                                        now=at(2026, 3, 31, 9, 30))
    db.session.commit()
    client = as_user(park.chen)

    response = client.get(f"/visits/items/{request.id}/work-order", follow_redirects=True)
    assert f"This item is work order {order.number} already." in flashes(text(response))
    response = client.post(f"/visits/items/{request.id}/work-order", data={"category": "hvac", "unit_id": "0",
                                                                             "building_id": "0", "phone": ""})
    assert response.status_code == 302
    assert f"This item is work order {order.number} already." in flashes(text(client.get(f"/visits/{visit.id}")))
    assert orders(db) == 1


def test_an_opinion_is_not_offered_as_a_work_order(db, park, as_user):
    visit = a_visit(db, park)
    client = as_user(park.chen)

    response = client.get(f"/visits/items/{visit.items[1].id}/work-order", follow_redirects=True)
    assert "Only a request or a complaint of a recorded visit becomes a work order." in flashes(text(response))
    response = client.post(f"/visits/items/{visit.items[1].id}/work-order",
                           data={"category": "other", "unit_id": unit_of(park).id, "building_id": "0", "phone": ""})
    assert response.status_code == 422
    assert "Only a request or a complaint becomes a work order." in flashes(text(response))
    assert orders(db) == 0


def test_another_manager_gets_nowhere(db, park, as_user):
    visit = a_visit(db, park)
    url = f"/visits/items/{visit.items[0].id}/work-order"
    data = {"category": "hvac", "unit_id": unit_of(park).id, "building_id": "0", "phone": ""}

    assert as_user(park.wang).get(url).status_code == 404
    assert as_user(park.wang).post(url, data=data).status_code == 404
    supervisor = as_user(park.supervisor)
    response = supervisor.post(url, data=data, follow_redirects=True)
    assert f"Visit {visit.number} is 陈思远's: only they change it." in flashes(text(response))
    assert as_user(park.clerk).get(url).status_code == 403
    assert orders(db) == 0


@pytest.mark.parametrize("data, field, message", [
    ({"unit_id": "0"}, "unit_id", "Say where the problem is: a unit, or a building and the common area."),
    ({"phone": "12345"}, "phone", "'12345' is not a phone number: give a mobile number (11 digits starting with 1) "
                                  "or a landline with its area code, such as 0571-88886666."),
    ({"category": "gardening"}, "category", "Choose a category."),
])
def test_a_bad_work_order_form_comes_back_with_the_error_next_to_the_field(db, park, as_user, data, field, message):
    visit = a_visit(db, park)
    sent = {"category": "hvac", "unit_id": unit_of(park).id, "building_id": "0", "place_note": "", "phone": ""} | data

    response = as_user(park.chen).post(f"/visits/items/{visit.items[0].id}/work-order", data=sent)

    assert response.status_code == 422
    assert error_next_to(text(response), field) == message
    assert orders(db) == 0
    assert db.session.get(VisitItem, visit.items[0].id).work_order_id is None


def test_a_common_area_instead_of_the_unit(db, park, as_user):
    visit = a_visit(db, park)

    response = as_user(park.chen).post(f"/visits/items/{visit.items[0].id}/work-order",
                                       data={"category": "lift", "unit_id": "0", "building_id": park.building_a.id,
                                             "place_note": "2号电梯", "phone": ""})

    assert response.status_code == 302
    order = db.session.scalars(sa.select(WorkOrder)).one()
    assert (order.unit_id, order.building_id, order.category) == (None, park.building_a.id, "lift")
    assert "2号电梯" in order.place and order.reporter_phone == "13800000001"

