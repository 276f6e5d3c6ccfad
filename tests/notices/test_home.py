"""The notices meant for the home page of staff: approved, in force on the day, of the desk's site."""
from datetime import date

from frontdesk.extensions import db
from frontdesk.notices import queries, services
from tests.notices.conftest import approved, at, checked


def test_the_home_page_shows_approved_notices_for_it_while_they_are_in_force(desk):
    shown = approved(desk, title="本周消防演练安排", to_home=True, to_boards=False)
    approved(desk, title="只上信息栏的通知")  # boards only
    checked(desk, title="还在审批的通知", to_home=True)  # not approved yet
    approved(desk, site=desk.other_site, title="别的项目的通知", to_home=True)

    def titles(day):
        return [r.title for r in queries.for_the_home_page(desk.site.id, day)]

    assert titles(date(2026, 4, 1)) == []  # before valid_from (2 April)
    assert titles(date(2026, 4, 2)) == titles(date(2026, 4, 4)) == ["本周消防演练安排"]
    assert titles(date(2026, 4, 5)) == []  # expired after 4 April

    # a new approved revision replaces the old one on the home page
    revision = services.new_revision(shown.notice, actor=desk.clerk, now=at(2026, 4, 2, 9))
    services.change_draft(revision, content=services.Content(
        title="本周消防演练安排（改期）", body=revision.body, valid_from=revision.valid_from, valid_to=revision.valid_to,
        to_home=True, to_boards=False), actor=desk.clerk, now=at(2026, 4, 2, 9))
    services.submit(revision, actor=desk.clerk, now=at(2026, 4, 2, 10))
    services.approve(revision, actor=desk.supervisor, now=at(2026, 4, 2, 11))
    services.approve(revision, actor=desk.manager, now=at(2026, 4, 2, 12))
    db.session.commit()
    assert titles(date(2026, 4, 3)) == ["本周消防演练安排（改期）"]


def test_every_member_of_staff_reads_the_notices_for_the_home_page_on_theirs(db, desk, as_user, monkeypatch):
    from frontdesk.core import clock
    from tests.factories import make_user

    approved(desk, title="本周消防演练安排", to_home=True, to_boards=False, body="周三下午**3点**消防演练，请您配合。")
    approved(desk, title="只上信息栏的通知")
    cashier = make_user("cashier", username="cash1", full_name="钱收费", site=desk.site, locale="en")
    elsewhere = make_user("cashier", username="cash2", full_name="海收费", site=desk.other_site, locale="en")
    db.session.commit()
    monkeypatch.setattr(clock, "now", lambda: at(2026, 4, 3, 9))

    page = as_user(cashier).get("/").get_data(as_text=True)
    assert "本周消防演练安排" in page and "<strong>3点</strong>" in page and "TZ2026-0001" in page
    assert "只上信息栏的通知" not in page
    assert 'href="/notices/' not in page  # a cashier does not work on notices: the text is all they get
    assert 'href="/notices/1"' in as_user(desk.clerk).get("/").get_data(as_text=True)
    assert "本周消防演练安排" not in as_user(elsewhere).get("/").get_data(as_text=True)

    monkeypatch.setattr(clock, "now", lambda: at(2026, 4, 5, 9))  # expired after 4 April
    assert "本周消防演练安排" not in as_user(cashier).get("/").get_data(as_text=True)


def test_an_approver_is_told_on_the_home_page_how_many_notices_wait_for_them(db, desk, as_user):
    from tests.notices.conftest import submitted

    submitted(desk, title="等主管审批的通知")
    checked(desk, title="等经理审批的通知")
    assert "1 notice waits for your approval" in as_user(desk.supervisor).get("/").get_data(as_text=True)
    page = as_user(desk.manager).get("/").get_data(as_text=True)
    assert "1 notice waits for your approval" in page and 'href="/notices/?status=waiting"' in page
    assert "wait for your approval" not in as_user(desk.clerk).get("/").get_data(as_text=True)
    checked(desk, title="又一份等经理审批的通知")
    assert "2 notices wait for your approval" in as_user(desk.manager).get("/").get_data(as_text=True)
