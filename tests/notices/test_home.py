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
