"""The posting log's total without a filter is read from the site's posting counters, not counted:
it must still be the number of the site's postings, across years and beside another site's."""
from datetime import date

import pytest
import sqlalchemy as sa

from frontdesk.extensions import db
from frontdesk.notices import queries, services
from frontdesk.notices.models import Posting
from tests.factories import make_user
from tests.notices.conftest import T3, approved, at


@pytest.fixture
def stewards(desk):
    made = (make_user("steward", username="steward1", full_name="赵楼管", site=desk.site),
            make_user("steward", username="steward2", full_name="钱楼管", site=desk.other_site))
    db.session.commit()
    return made


def postings_of(site) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Posting).where(Posting.site_id == site.id))


def test_the_total_of_the_whole_log_is_the_number_of_the_sites_postings_across_years(desk, stewards):
    steward, other_steward = stewards
    boards = [services.save_board(desk.site, name=f"{n}号信息栏", actor=steward, now=T3) for n in range(1, 4)]
    other_board = services.save_board(desk.other_site, name="大堂信息栏", actor=other_steward, now=T3)
    db.session.commit()
    first, second = (approved(desk, title=title, valid_to=date(2027, 1, 10)).notice for title in ("岁末通知", "新年通知"))
    for board, day in zip(boards, (30, 31, 31)):
        services.post_notice(first, board, actor=steward, now=at(2026, 12, day, 16))
    services.post_notice(second, boards[0], actor=steward, now=at(2027, 1, 2, 16))
    other = approved(desk, site=desk.other_site, valid_to=date(2027, 1, 10)).notice
    services.post_notice(other, other_board, actor=other_steward, now=at(2027, 1, 2, 16))
    db.session.commit()

    log = queries.posting_log(desk.site.id)

    assert [r.number for r in log.items] == ["ZT2027-00001", "ZT2026-00003", "ZT2026-00002", "ZT2026-00001"]
    assert log.total == postings_of(desk.site) == 4
    assert queries.posting_log(desk.other_site.id).total == postings_of(desk.other_site) == 1
    # a filter counts the rows it keeps
    assert queries.posting_log(desk.site.id, start_on=date(2026, 12, 31), end_on=date(2026, 12, 31)).total == 2
    assert queries.posting_log(desk.site.id, board_id=boards[0].id).total == 2


def test_a_site_without_postings_has_a_total_of_nothing(desk):
    log = queries.posting_log(desk.site.id)

    assert (log.total, log.items) == (0, [])
