"""The front desk's visitor round in a real browser: register a visitor, the host is told by email
(a real SMTP server receives it), the host answers through the link in it without logging in, the
desk sees the answer appear without reloading, and signs the visitor out. Then a returning visitor
is registered from their phone number alone, and an expected one checked in with one click.

The app runs for real (its own migrated SQLite database, CSRF on, a werkzeug server on a free
port, the outbox worker beside it) and Debian's Chromium drives it through Playwright."""
import re
import socket
import time
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from frontdesk.core import clock
from frontdesk.visitors import queries, services
from tests.e2e.conftest import running_desk
from tests.factories import PASSWORD, make_building, make_customer, make_site, make_unit, make_user
from tests.visitors.factories import make_contact, make_passes


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count, seconds=30):
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.messages) >= count, f"{len(self.messages)} emails arrived, expected {count}"
        return self.messages[count - 1]


@pytest.fixture
def inbox():
    box = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def desk_url(tmp_path, inbox):
    """A park with tenant 星河科技 at A-1203 (contact 王经理, who reads email), ten passes, a clerk,
    and one visitor expected today."""
    def populate():
        site = make_site("PARK", kind="park", name="星河产业园", company_name="星河物业服务有限公司")
        unit = make_unit(make_building(site, "A"), "A-1203")
        company = make_customer(site, "星河科技有限公司", kind="company", unit=unit, role="tenant", start_on=date(2024, 1, 1))
        contact = make_contact(company, name="王经理", phone="13900001111", email="wang@xinghe.example")
        clerk = make_user("clerk", username="linxw", full_name="林晓雯", site=site)
        make_passes(site, 10)
        host = queries.host_by_ref(site.id, f"contact:{contact.id}", clock.business_day())
        services.book_visit(site, services.VisitorDetails(name="周秀英", phone="13600002222", company="京东物流"),
                            host, clock.business_day(), actor=clerk, now=clock.now())

    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": inbox.port, "SMTP_TIMEOUT": 10, "MAIL_FROM": "desk@xinghe.example"}
    with running_desk(tmp_path, populate, config=config, outbox=True) as url:
        yield url


def test_register_announce_host_answers_by_link_and_desk_signs_out(page, inbox, desk_url):
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/login")
    page.locator("input[name=username]").fill("linxw")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/")
    page.goto("/visitors/")

    # the cursor starts in the phone field
    expect(page.locator("input[name=phone]")).to_be_focused()
    page.keyboard.type("13712345678")
    page.keyboard.press("Enter")  # nobody known by this number: the cursor moves on to the name
    expect(page.locator("input[name=name]")).to_be_focused()
    page.keyboard.type("张伟")
    page.locator("input[name=company]").fill("远景设计")
    page.locator("input[name=host]").fill("1203")
    suggestion = page.locator("#host-suggestions li").first
    expect(suggestion).to_have_text("王经理 · 星河科技有限公司 · A-1203")
    suggestion.click()
    expect(page.locator("#readback")).to_contain_text("张伟（远景设计） → 王经理")
    expect(page.locator("select[name=pass_id] option:checked")).to_have_text("001")
    page.locator("#register-button").click()

    expect(page.locator("h1")).to_contain_text("张伟")
    number = page.locator("h1 .muted").inner_text()
    assert re.fullmatch(r"FK\d{4}-000002", number)  # the booking took 000001
    expect(page.locator("[data-answer-for]")).to_contain_text("等待受访人答复")
    expect(page.locator("#visit-pass")).to_have_text("001")

    # the host's email arrives through the outbox, with the link
    email = inbox.wait_for(1)
    assert email["To"] == "wang@xinghe.example"
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert "张伟" in body and "远景设计" in body and number in body
    link = re.search(r"http://\S+/visitors/h/\S+", body).group(0)

    # the host answers without logging in, in a browser of their own
    host_page = page.context.browser.new_context(locale="zh-CN").new_page()
    host_page.goto(link)
    expect(host_page.locator("h1")).to_contain_text("张伟")
    host_page.locator("input[name=note]").fill("请稍等，我马上下来")
    host_page.locator("button[value=send_up]").click()
    expect(host_page.locator(".answered")).to_contain_text("请他上楼")

    # the desk sees the answer appear on the page it has open, without reloading
    expect(page.locator("[data-answer-for]")).to_contain_text("请他上楼", timeout=30_000)
    expect(page.locator("[data-answer-for]")).to_contain_text("请稍等，我马上下来")

    page.locator("form[action$='/sign-out'] button").click()
    expect(page.locator("#visit-status")).to_have_text("已离开")
    expect(page.locator(".flash-success")).to_contain_text("001")  # collect the pass

    # the host's link now says the visitor has left, and answering again is not offered
    host_page.reload()
    expect(host_page.locator("body")).to_contain_text("离开")
    expect(host_page.locator("button[value=lobby]")).to_have_count(0)

    # a returning visitor: the phone number and two presses of Enter register them (3 interactions)
    page.goto("/visitors/")
    expect(page.locator("input[name=phone]")).to_be_focused()  # autofocus lands after the load event
    page.keyboard.type("13712345678")
    page.keyboard.press("Enter")
    expect(page.locator("input[name=name]")).to_have_value("张伟")
    expect(page.locator("input[name=host]")).to_have_value("王经理 · 星河科技有限公司 · A-1203")
    expect(page.locator("#register-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("FK")
    expect(page.locator("#visit-pass")).to_have_text("001")  # returned by the sign-out, out again
    inbox.wait_for(2)

    # the expected visitor: one click on the desk page
    page.goto("/visitors/")
    expected = page.locator(".expected", has_text="周秀英")
    expected.locator("button").click()
    expect(page.locator("h1")).to_contain_text("周秀英")
    expect(page.locator("#visit-status")).to_have_text("在场")
    expect(page.locator("#visit-pass")).to_have_text("002")
    inbox.wait_for(3)
