"""A water-cut notice's whole life in a real browser: the clerk drafts it, watching the preview and
the wording check, and submits it; the customer-service supervisor and then the project manager
approve it; the number and the sealed PDF appear; the steward posts it on a board with a photo,
finds it on the board view and takes it down from the take-down list of its last day.

The app runs for real (its own migrated database, CSRF on, a werkzeug server on a free port) and
Debian's Chromium drives it through Playwright, on SQLite and on PostgreSQL when
FRONTDESK_TEST_DATABASE_URL is set. Everyone works in the English interface; the notice is Chinese."""
import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from frontdesk.core import clock
from frontdesk.extensions import db
from frontdesk.notices import services
from frontdesk.notices.models import NoticeDecision, Posting
from tests.e2e.conftest import running_desk
from tests.e2e.test_workorders import desk_database, log_in, shot, stored  # noqa: F401  (fixture)
from tests.factories import make_building, make_site, make_user

BOARD = "A座一楼大堂信息栏"


def populate():
    """星河产业园 with A座 and B座, two boards, and its clerk, supervisor, project manager and steward."""
    site = make_site("PARK", kind="park", name="星河产业园", company_name="星河物业服务有限公司")
    building = make_building(site, "A")
    make_building(site, "B")
    people = [make_user(role, username=username, full_name=name, site=site, locale="en")
              for role, username, name in (("clerk", "clerk1", "李娟"), ("supervisor", "boss1", "周主管"),
                                           ("project_manager", "pm1", "郑经理"), ("steward", "steward1", "赵楼管"))]
    for name, where in ((BOARD, building.id), ("南门公告栏", None)):
        services.save_board(site, name=name, building_id=where, actor=people[3], now=clock.now())


@pytest.fixture
def desk_url(tmp_path, desk_database):  # noqa: F811
    with running_desk(tmp_path, populate, config={"DATABASE_URL": desk_database}) as url:
        yield url


def tab_of(page, desk_url, username):
    """A browser of its own (as another person at another desk), logged in as `username`."""
    tab = page.context.browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                           base_url=desk_url).new_page()
    log_in(tab, username)
    return tab


def test_a_notice_is_drafted_approved_twice_posted_and_taken_down(page, desk_url, desk_database, tmp_path):
    today = clock.business_day()
    # 1. the clerk drafts the notice; the preview and the wording check follow the typing
    log_in(page, "clerk1")
    page.goto("/notices/new")
    page.get_by_label("Equipment maintenance").check()
    page.locator("input[name=title]").fill("关于A座临时停水的通知")
    body = page.locator("textarea[name=body]")
    body.fill("# 停水通知\n\n因市政管网检修，A座将暂停供水。\n\n- 停水时间：**9:00至17:00**")
    paper = page.locator("#preview-paper")
    expect(paper).to_contain_text("关于A座临时停水的通知")
    expect(paper.locator("strong")).to_have_text("9:00至17:00")
    notes = page.locator("#notes-list")
    expect(notes).to_contain_text("您")  # no courtesy word yet
    body.press("End")
    body.press_sequentially("\n\n请您提前储水，谢谢！")
    expect(notes.locator("li.warn")).to_have_count(0)
    expect(notes.locator("li.ok")).to_have_count(1)
    page.locator("input[name=building_ids]").first.check()
    expect(page.locator("input[name=valid_from]")).to_have_value(today.isoformat())
    page.locator("input[name=valid_to]").fill((today + timedelta(days=2)).isoformat())
    shot(page, "notices-1-draft")
    page.get_by_role("button", name="Save and submit for approval").click()
    expect(page.locator("body")).to_contain_text("Waiting for the supervisor")
    notice_url = page.url
    assert re.search(r"/notices/\d+$", notice_url)
    # the author may not approve: no approval button for them
    expect(page.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
    shot(page, "notices-1-submitted")

    # 2. the supervisor finds it waiting and approves it first
    supervisor = tab_of(page, desk_url, "boss1")
    supervisor.goto("/notices/")
    supervisor.get_by_role("link", name="关于A座临时停水的通知").first.click()
    supervisor.get_by_role("button", name=re.compile("Approve as customer-service supervisor")).click()
    expect(supervisor.locator("body")).to_contain_text("Waiting for the project manager")
    shot(supervisor, "notices-2-checked")

    # 3. the project manager approves it finally: it is numbered and its PDF carries the number
    manager = tab_of(page, desk_url, "pm1")
    manager.goto(notice_url)
    manager.get_by_role("button", name=re.compile("Approve finally as project manager")).click()
    number = f"TZ{today.year}-0001"
    expect(manager.locator("body")).to_contain_text(number)
    expect(manager.locator("body")).to_contain_text("Approved")
    shot(manager, "notices-3-approved")
    pdf = manager.request.get(notice_url + "/pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.body())).pages).replace(" ", "")
    assert number in text and "关于A座临时停水的通知" in text and "星河物业服务有限公司" in text

    # 4. the steward posts it on the A座 board with a photo, and sees it on the board view
    steward = tab_of(page, desk_url, "steward1")
    steward.goto(notice_url)
    steward.get_by_role("link", name="Post it on a board").click()
    steward.locator("select[name=board_id]").select_option(label=BOARD)
    photo = tmp_path / "board.png"
    Image.new("RGB", (64, 48), "white").save(photo)
    steward.locator("input[name=photo]").set_input_files(str(photo))
    shot(steward, "notices-4-posting")
    steward.get_by_role("button", name="Record the posting").click()
    posting_number = f"ZT{today.year}-00001"
    expect(steward.locator(".flash-success")).to_contain_text(posting_number)
    steward.goto("/notices/boards/now")
    board = steward.locator("section", has_text=BOARD).first
    expect(board).to_contain_text("关于A座临时停水的通知")
    expect(board).to_contain_text(number)
    shot(steward, "notices-4-board-view")

    # 5. on its last day it is on the take-down list; the steward takes it down
    last_day = (today + timedelta(days=2)).isoformat()
    steward.goto(f"/notices/take-down?day={last_day}")
    row = steward.locator("tr", has_text=posting_number)
    expect(row).to_contain_text("关于A座临时停水的通知")
    shot(steward, "notices-5-take-down")
    row.get_by_role("button", name="Take down").click()
    expect(steward.locator("tr", has_text=posting_number)).to_have_count(0)
    steward.goto("/notices/boards/now")
    expect(steward.locator("body")).not_to_contain_text("关于A座临时停水的通知")

    def read():
        posting = db.session.scalar(sa.select(Posting))
        steps = db.session.execute(sa.select(NoticeDecision.step, NoticeDecision.decision)
                                   .order_by(NoticeDecision.id)).all()
        return (posting.number, posting.board.name, posting.posted_by.full_name, posting.photo is not None,
                posting.taken_down_by.full_name, [tuple(s) for s in steps])

    assert stored(desk_database, read) == (posting_number, BOARD, "赵楼管", True, "赵楼管",
                                           [("supervisor", "approve"), ("project_manager", "approve")])
