"""Boards, postings and the take-down list: only an approved notice that has not expired goes up,
once per board at a time; postings are numbered in sequence; the take-down list of a day holds what
expires that day or earlier and what a newer revision replaced."""
from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.extensions import db
from frontdesk.notices import queries, services
from frontdesk.notices.models import Posting
from tests.factories import make_user
from tests.notices.conftest import T3, approved, at, checked, content, draft

POSTED = at(2026, 4, 2, 9)  # the first valid day


@pytest.fixture
def steward(desk):
    user = make_user("steward", username="steward1", full_name="赵楼管", site=desk.site)
    db.session.commit()
    return user


@pytest.fixture
def boards(desk, steward):
    made = [services.save_board(desk.site, name=name, building_id=building.id, actor=steward, now=T3)
            for name, building in (("A座一楼大堂信息栏", desk.building), ("B座一楼大堂信息栏", desk.other_building))]
    db.session.commit()
    return made


def png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def test_an_approved_notice_is_posted_with_numbers_in_sequence(desk, steward, boards, app, tmp_path):
    app.config["POSTING_PHOTO_DIR"] = str(tmp_path)
    notice = approved(desk).notice
    first = services.post_notice(notice, boards[0], photo=png(), actor=steward, now=POSTED)
    second = services.post_notice(notice, boards[1], actor=steward, now=POSTED + timedelta(minutes=5))
    assert (first.number, second.number) == ("ZT2026-00001", "ZT2026-00002")
    assert first.photo and (tmp_path / first.photo).is_file() and second.photo is None
    assert [p.number for p in queries.on_the_boards(desk.site.id)] == ["ZT2026-00001", "ZT2026-00002"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "posting.create")) == 2


def test_a_notice_is_up_on_a_board_once_at_a_time(desk, steward, boards):
    notice = approved(desk).notice
    posting = services.post_notice(notice, boards[0], actor=steward, now=POSTED)
    with pytest.raises(InvalidTransition):
        services.post_notice(notice, boards[0], actor=steward, now=POSTED)
    services.take_down(posting, actor=steward, now=POSTED + timedelta(hours=1))
    again = services.post_notice(notice, boards[0], actor=steward, now=POSTED + timedelta(hours=2))
    assert again.number == "ZT2026-00002"


@pytest.mark.parametrize("when", ["not approved", "expired"])
def test_only_an_approved_notice_within_its_dates_is_posted(desk, steward, boards, when):
    notice = checked(desk).notice if when == "not approved" else approved(desk).notice
    now = POSTED if when == "not approved" else at(2026, 4, 5, 9)  # valid to 4 April
    with pytest.raises(InvalidTransition):
        services.post_notice(notice, boards[0], actor=steward, now=now)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Posting)) == 0


def test_a_board_of_another_site_a_text_message_only_notice_and_a_bad_photo_are_refused(desk, steward, boards):
    other = services.save_board(desk.other_site, name="海港大厦大堂", actor=make_user("supervisor", site=desk.other_site),
                                now=T3)
    notice = approved(desk).notice
    with pytest.raises(ValidationFailed) as refused:
        services.post_notice(notice, other, actor=steward, now=POSTED)
    assert refused.value.field == "board_id"
    with pytest.raises(ValidationFailed) as refused:
        services.post_notice(notice, boards[0], photo=b"not a picture", actor=steward, now=POSTED)
    assert refused.value.field == "photo"
    sms_only = approved(desk, to_boards=False, to_sms=True, sms_text="【星河物业】4月2日停水，请储水。").notice
    with pytest.raises(ValidationFailed):
        services.post_notice(sms_only, boards[0], actor=steward, now=POSTED)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Posting)) == 0


def test_a_clerk_does_not_post(desk, boards):
    with pytest.raises(NotAllowed):
        services.post_notice(approved(desk).notice, boards[0], actor=desk.clerk, now=POSTED)


def test_taking_down_twice_is_refused(desk, steward, boards):
    posting = services.post_notice(approved(desk).notice, boards[0], actor=steward, now=POSTED)
    services.take_down(posting, actor=steward, now=POSTED + timedelta(days=1))
    with pytest.raises(InvalidTransition):
        services.take_down(posting, actor=steward, now=POSTED + timedelta(days=2))
    assert posting.taken_down_by_id == steward.id


def test_the_take_down_list_of_a_day(desk, steward, boards):
    short = approved(desk, title="短期通知", valid_to=date(2026, 4, 3)).notice
    long = approved(desk, title="长期通知", valid_to=date(2026, 4, 30)).notice
    up_short = services.post_notice(short, boards[0], actor=steward, now=POSTED)
    services.post_notice(long, boards[0], actor=steward, now=POSTED)
    db.session.commit()
    assert queries.to_take_down(desk.site.id, date(2026, 4, 2)) == []
    assert queries.to_take_down(desk.site.id, date(2026, 4, 3)) == [up_short]  # expires today
    assert queries.left_up_after_expiry(desk.site.id, date(2026, 4, 3)) == 0
    assert queries.to_take_down(desk.site.id, date(2026, 4, 6)) == [up_short]  # past expiry, still up
    assert queries.left_up_after_expiry(desk.site.id, date(2026, 4, 6)) == 1
    services.take_down(up_short, actor=steward, now=at(2026, 4, 6, 8))
    assert queries.to_take_down(desk.site.id, date(2026, 4, 6)) == []


def test_a_replaced_revision_is_on_the_take_down_list(desk, steward, boards):
    first = approved(desk, valid_to=date(2026, 4, 30))
    old = services.post_notice(first.notice, boards[0], actor=steward, now=POSTED)
    revision = services.new_revision(first.notice, actor=desk.clerk, now=POSTED)
    services.change_draft(revision, content=content(title="关于园区临时停水的通知（更正）", valid_to=date(2026, 4, 30)),
                          actor=desk.clerk, now=POSTED)
    services.submit(revision, actor=desk.clerk, now=POSTED)
    services.approve(revision, actor=desk.supervisor, now=POSTED)
    assert queries.to_take_down(desk.site.id, date(2026, 4, 2)) == []  # the old one stands until the new is approved
    services.approve(revision, actor=desk.manager, now=POSTED + timedelta(hours=1))
    assert queries.to_take_down(desk.site.id, date(2026, 4, 2)) == [old]
    new = services.post_notice(first.notice, boards[0], actor=steward, now=POSTED + timedelta(hours=2))
    assert new.revision_id == revision.id


def test_board_names_are_unique_per_site(desk, steward, boards):
    with pytest.raises(ValidationFailed) as refused:
        services.save_board(desk.site, name="A座一楼大堂信息栏", actor=steward, now=T3)
    assert refused.value.field == "name"


def test_a_draft_is_never_on_a_board(desk, steward, boards):
    notice = draft(desk)
    with pytest.raises(InvalidTransition):
        services.post_notice(notice, boards[0], actor=steward, now=POSTED)
