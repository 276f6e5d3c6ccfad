"""Phone help for the clerk: the greeting of the day (festival greetings on their dates, lunar
ones included), the phrases to use and to avoid, the silent-call script and the time limits the
clerk promises; the greeting box of the desk page."""
from datetime import date, datetime

import pytest
from flask import render_template

from frontdesk.core import clock
from frontdesk.extensions import db
from frontdesk.workorders import rules, services
from tests.factories import NOW, make_user

CENTRE = "星河产业园客服中心"


@pytest.mark.parametrize("day, opening", [
    (date(2026, 1, 1), "新年好！星河产业园客服中心，请问有什么可以帮您！"),
    (date(2026, 2, 17), "新年好！星河产业园客服中心，请问有什么可以帮您！"),  # 春节, 正月初一
    (date(2026, 5, 1), "劳动节快乐！星河产业园客服中心，请问有什么可以帮您！"),
    (date(2026, 9, 25), "中秋节快乐！星河产业园客服中心，请问有什么可以帮您！"),  # 八月十五
    (date(2026, 10, 3), "国庆节快乐！星河产业园客服中心，请问有什么可以帮您！"),
    (date(2026, 3, 31), "您好，星河产业园客服中心欢迎您的来电，请问有什么可以帮您？"),
])
def test_the_greeting_of_the_day(day, opening):
    assert rules.greeting(day, CENTRE) == opening


@pytest.fixture
def on_day(monkeypatch, frozen_clock):
    """on_day(date): the pages' clock at 10:00 Shanghai time that day."""
    def move(day):
        instant = datetime(day.year, day.month, day.day, 10, tzinfo=clock.BUSINESS_TZ)
        monkeypatch.setattr(clock, "now", lambda: instant)

    return move


@pytest.mark.parametrize("day, greeting, festival", [
    (date(2026, 1, 1), "新年好！", "New Year&#39;s Day"),
    (date(2026, 2, 17), "新年好！", "Spring Festival"),
    (date(2026, 5, 1), "劳动节快乐！", "Labour Day"),
    (date(2026, 9, 25), "中秋节快乐！", "Mid-Autumn Festival"),
    (date(2026, 10, 3), "国庆节快乐！", "National Day"),
    (date(2026, 3, 31), "您好，星河产业园客服中心欢迎您的来电", None),
])
def test_the_page_shows_the_greeting_of_the_day(desk, client, as_user, on_day, day, greeting, festival):
    as_user(desk.clerk)
    on_day(day)
    page = client.get("/workorders/phone").get_data(as_text=True)
    shown = page[page.index('class="greeting-today"'):]
    assert shown[:shown.index("</p>")].endswith(rules.greeting(day, CENTRE))
    assert greeting in shown
    if festival:
        assert f'<span class="badge ok">{festival}</span>' in page
    else:
        assert "badge ok" not in page


def test_the_page_shows_phrases_silent_call_and_promises(desk, client, as_user):
    as_user(desk.clerk)
    page = client.get("/workorders/phone").get_data(as_text=True)
    for phrase in rules.PHRASES_TO_USE + rules.PHRASES_TO_AVOID + rules.SILENT_CALL:
        assert phrase in page
    assert "Repair: reply within 10 minutes, resolved within 1 working day (at most 3 working days)" in page
    assert "Enquiry: reply within 15 minutes, resolved within 15 minutes" in page
    assert "Complaint (Complex): reply within 2 hours, resolved within 5 working days (at most 7 working days)" in page


def test_the_promises_follow_the_sites_own_limits(desk, client, as_user):
    admin = make_user("admin", site=desk.site)
    services.save_time_limit(desk.site, kind="repair", response=(5, "minutes"), target=(2, "working_days"),
                             hard=(4, "working_days"), actor=admin, now=NOW)
    db.session.commit()
    as_user(desk.clerk)
    page = client.get("/workorders/phone").get_data(as_text=True)
    assert "Repair: reply within 5 minutes, resolved within 2 working days (at most 4 working days)" in page


def test_who_sees_the_phone_help(desk, client, as_user):
    steward = make_user("steward", site=desk.site)
    db.session.commit()
    as_user(steward)
    assert client.get("/workorders/phone").status_code == 200
    as_user(desk.technician)
    assert client.get("/workorders/phone").status_code == 403


def test_the_greeting_box_of_the_desk(app, desk):
    with app.test_request_context("/workorders/"):
        html = render_template("workorders/_greeting.html", greeting=rules.greeting(date(2026, 2, 17), CENTRE))
    assert "新年好！星河产业园客服中心，请问有什么可以帮您！" in html
    assert 'href="/workorders/phone"' in html
