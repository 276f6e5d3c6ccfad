"""A repair's whole life in a real browser: the clerk logs the call from the caller search and the
read-back, dispatches it, the technician starts and completes it on their phone, and the clerk
calls the customer back and closes it. Then a second call about the same problem is linked to the
open order instead of being logged twice.

The app runs for real (its own migrated database, CSRF on, a werkzeug server on a free port) and
Debian's Chromium drives it through Playwright. The database is SQLite, and PostgreSQL as well
when FRONTDESK_TEST_DATABASE_URL is set. The clerk and the technician use the English interface."""
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from frontdesk import create_app
from frontdesk.core import clock
from frontdesk.extensions import db
from frontdesk.workorders import rules
from frontdesk.workorders.models import WorkOrder, WorkOrderReport
from tests.conftest import BACKENDS, _truncate_pg
from tests.e2e.conftest import running_desk
from tests.factories import PASSWORD
from tests.workorders.conftest import log, make_desk

CENTRE = "星河产业园客服中心"


@pytest.fixture(params=BACKENDS)
def desk_database(request, tmp_path):
    """Where the running desk keeps its data: a fresh SQLite file, or the emptied PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.db'}"
    url = request.getfixturevalue("pg_migrated")
    _truncate_pg(url)
    return url


def serve(tmp_path, database, extra=None):
    """The desk of tests/workorders (resident 陈美玲 at A-0801, clerk 李娟, technician 王师傅,
    工程部), both of them working in English; `extra(desk)` adds to it."""
    def populate():
        desk = make_desk()
        desk.clerk.locale = desk.technician.locale = "en"
        if extra:
            extra(desk)

    return running_desk(tmp_path, populate, config={"DATABASE_URL": database})


def stored(database, read):
    """`read()` in an app context of its own on the desk's database: what the pages wrote."""
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "e2e-secret"})
    with app.app_context():
        try:
            return read()
        finally:
            db.session.remove()
            db.engine.dispose()


def log_in(page, username):
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/")


def pick_caller(page, typed):
    """Type part of the caller's name into the search and take the first suggestion."""
    page.locator("input[name=caller]").press_sequentially(typed)
    suggestion = page.locator("#caller-suggestions li").first
    expect(suggestion).to_contain_text("陈美玲")
    expect(suggestion).to_contain_text("A-0801")
    suggestion.click()


def shot(page, name):
    """What the page looked like at the end of a step, saved to the folder FRONTDESK_E2E_SHOTS
    names (nothing is saved without it)."""
    folder = os.environ.get("FRONTDESK_E2E_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"workorders-{name}.png"), full_page=True)


@pytest.fixture
def desk_url(request, tmp_path, desk_database):
    """The running desk; a test marked with `parametrize("desk_url", ["reported"], indirect=True)`
    finds the resident's kitchen leak logged two days ago and still open."""
    def earlier(desk):
        log(desk, description="厨房水龙头漏水", now=clock.now() - timedelta(days=2))

    with serve(tmp_path, desk_database, earlier if getattr(request, "param", None) == "reported" else None) as url:
        yield url


def test_a_repair_is_logged_dispatched_completed_on_the_phone_called_back_and_closed(
        page, desk_url, desk_database):
    clerk = page
    log_in(clerk, "clerk1")

    # 1. the call: the greeting of the day, the caller found by part of her name, the read-back
    clerk.goto("/workorders/")
    expect(clerk.locator(".greeting-box .greeting-line")).to_have_text(
        rules.greeting(clock.business_day(), CENTRE))
    expect(clerk.locator("input[name=caller]")).to_be_focused()
    pick_caller(clerk, "美玲")
    expect(clerk.locator("input[name=reporter_name]")).to_have_value("陈美玲")
    expect(clerk.locator("input[name=place]")).to_have_value("A-0801")
    # a clerk does not see phone numbers whole: the phone on file is named, masked, and used
    expect(clerk.locator("input[name=reporter_phone]")).to_have_attribute("placeholder", "On file: 138****5678")
    clerk.locator("select[name=category]").select_option("plumbing")
    clerk.locator("textarea[name=description]").fill("厨房水龙头漏水，关不上")
    readback = clerk.locator("#readback")
    expect(readback).to_contain_text("陈美玲, you are reporting A-0801: 厨房水龙头漏水，关不上 (repair)")
    expect(readback).to_contain_text("We will get back to you within")
    expect(clerk.locator("#duplicates")).to_be_hidden()
    shot(clerk, "1-call")
    clerk.locator("#log-button").click()

    expect(clerk.locator(".flash-success")).to_contain_text("logged")
    number = re.search(r"GD\d{4}-000001", clerk.locator("h1").inner_text()).group(0)
    expect(clerk.locator(".flash-success")).to_have_text(f"Work order {number} logged.")
    expect(clerk.locator("#order-status")).to_have_text("New")
    expect(clerk.locator(".facts").first).to_contain_text("陈美玲")
    expect(clerk.locator(".facts").first).to_contain_text("A-0801")
    order_url = clerk.url
    shot(clerk, "1-logged")

    # 2. dispatched to the engineering department and its technician
    clerk.locator("select[name=dispatch-department_id]").select_option(label="工程部")
    clerk.locator("select[name=dispatch-assignee_id]").select_option(label="王师傅")
    clerk.locator("form[action$='/dispatch'] button").click()
    expect(clerk.locator("#order-status")).to_have_text("Dispatched")
    expect(clerk.locator(".flash-success")).to_have_text(f"Work order {number} dispatched to 工程部.")
    expect(clerk.locator(".facts").first).to_contain_text("工程部 · 王师傅")
    shot(clerk, "2-dispatched")

    # 3. the technician, on a phone: start, then complete with a note
    phone = clerk.context.browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN",
                                              is_mobile=True, has_touch=True, base_url=desk_url).new_page()
    log_in(phone, "tech1")
    phone.goto("/workorders/mine")
    job = phone.locator("section.job", has_text=number)
    expect(job).to_contain_text("A-0801")
    expect(job).to_contain_text("厨房水龙头漏水，关不上")
    expect(job.locator(".badge").first).to_have_text("Dispatched")
    # the technician calls the customer: the number is whole for them
    expect(job.locator("a.call")).to_have_attribute("href", "tel:13812345678")
    # nothing on the page is wider than the phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, "3-mine")
    job.get_by_role("button", name="Start work").click()
    expect(phone.locator(".flash-success")).to_have_text(f"Work on {number} started.")
    expect(job.locator(".badge").first).to_have_text("In progress")
    job.locator("summary", has_text="Complete").click()
    job.get_by_label("What was done").fill("更换了水龙头阀芯")
    shot(phone, "3-completing")
    job.get_by_role("button", name="The work is done").click()
    expect(phone.locator(".flash-success")).to_have_text(f"Work order {number} completed.")
    expect(phone.locator("section.job")).to_have_count(0)
    expect(phone.locator("body")).to_contain_text("No open work orders for you.")
    shot(phone, "3-done")

    # 4. the clerk sees it completed, calls the customer back and closes it
    clerk.goto(order_url)
    expect(clerk.locator("#order-status")).to_have_text("Completed")
    expect(clerk.locator(".facts").first).to_contain_text("更换了水龙头阀芯")
    shot(clerk, "4-completed")
    callback = clerk.locator("form[action$='/callback']")
    callback.locator("input[name=callback-satisfaction][value='5']").check()
    callback.locator("input[name=callback-note]").fill("很满意，师傅很准时")
    callback.get_by_role("button", name="Record the callback").click()
    expect(clerk.locator(".flash-success")).to_have_text("Callback recorded.")
    expect(clerk.locator("#order-status")).to_have_text("Called back")
    expect(clerk.locator(".facts").first).to_contain_text("satisfaction 5 of 5 · 很满意，师傅很准时")
    shot(clerk, "4-called-back")
    clerk.get_by_role("button", name="Close the work order").click()
    expect(clerk.locator(".flash-success")).to_have_text(f"Work order {number} closed.")
    expect(clerk.locator("#order-status")).to_have_text("Closed")
    expect(clerk.locator(".wo-actions button")).to_have_count(0)

    timeline = clerk.locator("ol.timeline li")
    expect(timeline).to_have_count(6)
    expected = [("Logged", "李娟"), ("Dispatched", "李娟"), ("Work started", "王师傅"), ("Completed", "王师傅"),
                ("Called back", "李娟"), ("Closed", "李娟")]
    expect(timeline.locator("strong")).to_have_text([label for label, _ in expected])
    for n, (label, name) in enumerate(expected):
        expect(timeline.nth(n)).to_contain_text(name)
    expect(timeline.nth(3)).to_contain_text("更换了水龙头阀芯")
    shot(clerk, "4-closed")

    def read():
        order = db.session.scalar(sa.select(WorkOrder))
        return (order.number, order.status, order.reporter_name, order.reporter_phone, order.category,
                order.department.name, order.assignee.full_name, order.satisfaction,
                [(e.action, e.actor.full_name) for e in order.events])

    assert stored(desk_database, read) == (
        number, "closed", "陈美玲", "13812345678", "plumbing", "工程部", "王师傅", 5,
        [("log", "李娟"), ("dispatch", "李娟"), ("start", "王师傅"), ("complete", "王师傅"), ("callback", "李娟"),
         ("close", "李娟")])


@pytest.mark.parametrize("desk_url", ["reported"], indirect=True)
def test_a_second_call_about_the_same_problem_is_linked_to_the_open_order(page, desk_url, desk_database):
    earlier = stored(desk_database, lambda: db.session.scalar(sa.select(WorkOrder.number)))
    log_in(page, "clerk1")
    page.goto("/workorders/")
    pick_caller(page, "陈美")
    page.locator("select[name=category]").select_option("plumbing")
    page.locator("textarea[name=description]").fill("还在漏，水流到楼下了")

    duplicates = page.locator("#duplicates")
    expect(duplicates).to_be_visible()
    expect(duplicates).to_contain_text("Possibly the same problem, reported in the last days:")
    offered = duplicates.locator("li", has_text=earlier)
    expect(offered).to_contain_text("A-0801 · 厨房水龙头漏水 · New")
    shot(page, "5-duplicate")
    offered.get_by_role("button", name=f"Link this call to {earlier}").click()

    expect(page.locator(".flash-success")).to_have_text(
        f"The call is linked to work order {earlier}: 2 callers have reported it.")
    expect(page.locator("h1")).to_contain_text(earlier)
    facts = page.locator(".facts").first
    expect(facts).to_contain_text("2 callers")
    expect(facts.locator("dt", has_text="Priority").locator("xpath=following-sibling::dd[1]")).to_have_text("1")
    again = page.locator("section.card", has=page.locator("h2", has_text="Reported again"))
    expect(again).to_contain_text("陈美玲")
    expect(again).to_contain_text("还在漏，水流到楼下了")
    expect(page.locator("ol.timeline li strong")).to_have_text(["Logged", "Reported again"])
    shot(page, "5-linked")

    def read():
        orders = db.session.execute(sa.select(WorkOrder.number, WorkOrder.reporters, WorkOrder.priority)).all()
        reports = db.session.execute(sa.select(WorkOrderReport.reporter_name, WorkOrderReport.reporter_phone,
                                               WorkOrderReport.note)).all()
        return [tuple(r) for r in orders], [tuple(r) for r in reports]

    assert stored(desk_database, read) == ([(earlier, 2, 1)], [("陈美玲", "13812345678", "还在漏，水流到楼下了")])
