"""The work-order settings page: departments, time limits and callback policies. Bad input is
sent back next to its field (422) and changes nothing; a changed limit applies to orders logged
from then on, not to orders already logged."""
import pytest
import sqlalchemy as sa

from frontdesk.extensions import db
from frontdesk.workorders.models import CallbackPolicy, Department, TimeLimit, WorkOrder
from tests.factories import make_user
from tests.workorders.conftest import at, log

REPAIR_ROW = {"kind": "repair", "category": "", "urgency": "", "complexity": "",
              "response_amount": "10", "response_unit": "minutes", "target_amount": "1",
              "target_unit": "working_days", "hard_amount": "3", "hard_unit": "working_days"}


@pytest.fixture
def admin(desk, db):
    user = make_user("admin", username="admin1", full_name="系统管理员", site=desk.site)
    db.session.commit()
    return user


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_page_shows_the_defaults_of_the_service_standard(desk, admin, client, as_user):
    as_user(admin)
    page = client.get("/workorders/settings").get_data(as_text=True)
    assert "工程部" in page
    assert "These are the defaults of the service standard" in page
    assert 'name="response_amount" type="number" value="10"' in page  # repairs: 10 minutes
    assert "Always call back" in page


def test_only_an_admin_changes_the_settings(desk, client, as_user):
    as_user(desk.clerk)
    assert client.get("/workorders/settings").status_code == 403
    assert client.post("/workorders/settings/time-limits", data=REPAIR_ROW).status_code == 403


@pytest.mark.parametrize("change, field, message", [
    ({"response_amount": "0"}, "response_amount", "A time limit must be more than zero."),
    ({"target_amount": "-2"}, "target_amount", "A time limit must be more than zero."),
    ({"hard_amount": "", }, "hard_amount", "Enter a number."),
    ({"target_amount": "5", "hard_amount": "2"}, "hard_amount",
     "The limit never to pass cannot be shorter than the promised time."),
    ({"hard_amount": "30", "hard_unit": "minutes"}, "hard_amount",
     "The limit never to pass cannot be shorter than the promised time."),
])
def test_bad_limits_are_refused_next_to_the_field(desk, admin, client, as_user, change, field, message):
    as_user(admin)
    response = client.post("/workorders/settings/time-limits", data={**REPAIR_ROW, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    row = page[page.rindex("<tr", 0, page.index(message)):page.index(message)]
    assert f'name="{field}"' in row  # the message sits under the field of the row that was sent
    assert count(TimeLimit) == 0


def test_a_bad_row_added_is_shown_in_the_add_form(desk, admin, client, as_user):
    as_user(admin)
    response = client.post("/workorders/settings/time-limits", data={
        **REPAIR_ROW, "adding": "1", "category": "lift", "urgency": "emergency", "target_amount": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    form = page[page.index("Add limits for some orders of a kind"):]
    assert "A time limit must be more than zero." in form
    assert '<option selected value="lift">' in form
    assert count(TimeLimit) == 0


def test_a_changed_limit_applies_to_new_orders_only(desk, admin, client, as_user):
    before = log(desk, now=at(2026, 3, 31, 9))
    due_before = before.resolve_due_at
    db.session.commit()
    as_user(admin)
    response = client.post("/workorders/settings/time-limits",
                           data={**REPAIR_ROW, "target_amount": "2", "hard_amount": "4"})
    assert response.status_code == 302
    assert "orders already logged keep theirs" in client.get("/workorders/settings").get_data(as_text=True)
    assert count(TimeLimit) >= 9  # the defaults were copied in with the change
    after = log(desk, now=at(2026, 3, 31, 9))
    db.session.expire_all()
    before = db.session.get(WorkOrder, before.id)
    assert (before.target_amount, before.hard_amount, before.resolve_due_at) == (1, 3, due_before)
    assert (after.target_amount, after.hard_amount) == (2, 4)
    assert after.resolve_due_at == at(2026, 4, 2, 9)


def test_a_narrowed_row_is_added_used_and_removed(desk, admin, client, as_user):
    as_user(admin)
    response = client.post("/workorders/settings/time-limits", data={
        **REPAIR_ROW, "adding": "1", "category": "lift", "urgency": "emergency",
        "response_amount": "5", "target_amount": "2", "target_unit": "hours", "hard_amount": "4", "hard_unit": "hours"})
    assert response.status_code == 302
    row = db.session.scalar(sa.select(TimeLimit).where(TimeLimit.category == "lift"))
    assert (row.urgency, row.target_amount, row.target_unit) == ("emergency", 2, "hours")
    order = log(desk, category="lift", urgency="emergency", description="电梯困人", now=at(2026, 3, 31, 9))
    assert order.resolve_due_at == at(2026, 3, 31, 11)
    db.session.commit()
    page = client.get("/workorders/settings").get_data(as_text=True)
    assert f"/workorders/settings/time-limits/{row.id}/delete" in page
    assert client.post(f"/workorders/settings/time-limits/{row.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(TimeLimit).where(TimeLimit.category == "lift")) is None
    whole = db.session.scalar(sa.select(TimeLimit).where(TimeLimit.kind == "repair", TimeLimit.category == "",
                                                         TimeLimit.urgency == ""))
    refused = client.post(f"/workorders/settings/time-limits/{whole.id}/delete", follow_redirects=True)
    assert "can be changed but not removed" in refused.get_data(as_text=True)
    assert db.session.get(TimeLimit, whole.id) is not None


def test_departments_are_added_renamed_and_deactivated(desk, admin, client, as_user):
    as_user(admin)
    response = client.post("/workorders/settings/departments",
                           data={"name": "保洁部", "phone": "13912340002", "email": "clean@example.com", "active": "y"})
    assert response.status_code == 302
    cleaning = db.session.scalar(sa.select(Department).where(Department.name == "保洁部"))
    assert (cleaning.phone, cleaning.email, cleaning.active) == ("13912340002", "clean@example.com", True)
    response = client.post(f"/workorders/settings/departments/{cleaning.id}", data={"name": "环境部", "phone": ""})
    assert response.status_code == 302
    db.session.expire_all()
    cleaning = db.session.get(Department, cleaning.id)
    assert (cleaning.name, cleaning.phone, cleaning.active) == ("环境部", "", False)
    page = client.get("/workorders/settings").get_data(as_text=True)
    assert 'value="环境部"' in page


def test_bad_department_input_changes_nothing(desk, admin, client, as_user):
    as_user(admin)
    empty = client.post(f"/workorders/settings/departments/{desk.department.id}", data={"name": "  ", "active": "y"})
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    row = page[page.rindex("<tr", 0, page.index("Give the department a name.")):]
    assert f'form="dept-{desk.department.id}"' in row
    taken = client.post("/workorders/settings/departments", data={"name": "工程部"})
    assert taken.status_code == 422 and "There is a department called 工程部 already." in taken.get_data(as_text=True)
    phone = client.post("/workorders/settings/departments", data={"name": "保安部", "phone": "12"})
    assert phone.status_code == 422
    db.session.expire_all()
    assert [d.name for d in db.session.scalars(sa.select(Department))] == ["工程部"]


def test_callback_policy(desk, admin, client, as_user):
    as_user(admin)
    assert client.post("/workorders/settings/callbacks",
                       data={"kind": "suggestion", "policy": "required", "within_days": "2"}).status_code == 302
    row = db.session.scalar(sa.select(CallbackPolicy))
    assert (row.kind, row.policy, row.within_days) == ("suggestion", "required", 2)
    bad = client.post("/workorders/settings/callbacks", data={"kind": "repair", "policy": "required", "within_days": "0"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    row_html = page[page.rindex("<tr", 0, page.index("Call back within 1 to 30 working days.")):]
    assert 'form="policy-repair"' in row_html
    assert count(CallbackPolicy) == 1


def test_days_of_a_year_the_official_calendar_does_not_know(desk, admin, client, as_user):
    from frontdesk.workorders.models import CalendarDay

    as_user(admin)
    known = client.post("/workorders/settings/calendar",
                        data={"calendar-day": "2026-10-01", "calendar-working": "0", "calendar-name": "国庆节"})
    assert known.status_code == 422 and "The official calendar already covers 2026-10-01." in known.get_data(as_text=True)
    nameless = client.post("/workorders/settings/calendar", data={"calendar-day": "2031-01-01", "calendar-name": ""})
    assert nameless.status_code == 422 and "Name the holiday or make-up workday." in nameless.get_data(as_text=True)
    assert count(CalendarDay) == 0
    saved = client.post("/workorders/settings/calendar",
                        data={"calendar-day": "2031-01-04", "calendar-working": "1", "calendar-name": "元旦调休"})
    assert saved.status_code == 302
    page = client.get("/workorders/settings").get_data(as_text=True)
    assert "元旦调休" in page and "Make-up workday" in page
    assert client.post("/workorders/settings/calendar/2031-01-04/remove").status_code == 302
    assert count(CalendarDay) == 0
    assert client.post("/workorders/settings/calendar/not-a-day/remove").status_code == 404
