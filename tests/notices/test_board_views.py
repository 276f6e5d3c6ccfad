"""The notice-board pages as the steward uses them: the boards, posting an approved notice (one
board after another), what is up on each board now, the posting log and its PDF, the take-down list
of a day and taking down, the text messages of a notice and sending a failed one again, and the
home page's flag. Every refusal says why, next to its field, and changes nothing."""
import html
import re
from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from frontdesk.audit.models import AuditEntry
from frontdesk.core import clock, notify
from frontdesk.core.errors import InvalidTransition
from frontdesk.core.notify import FAILED, QUEUED, SENT, OutboxMessage
from frontdesk.core.uploads import MAX_PHOTO_BYTES
from frontdesk.extensions import db as _db
from frontdesk.notices import pdf, queries, services
from frontdesk.notices.models import NoticeBoard, Posting
from tests.factories import make_user
from tests.notices.conftest import T3, approved, at, content, draft
from tests.notices.test_text_messages import TEXT, audience

POSTED = at(2026, 4, 2, 9)  # the first valid day of the notices of conftest (2 to 4 April)


def text(response) -> str:
    return response.get_data(as_text=True)


def error_next_to(page, field):
    """The error drawn inside the field's own block (its div.field marked has-error)."""
    match = re.search(r'<div class="field[^"]*has-error[^"]*"[^>]*>(?:(?!<div class="field).)*?name="%s"'
                      r'(?:(?!<div class="field).)*?<div class="error" role="alert">(.*?)</div>' % field, page, re.S)
    return html.unescape(match.group(1)) if match else None


def flashes(page) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<div class="flash flash-\w+">(.*?)</div>', page, re.S)]


def png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages).replace(" ", "")


def rows() -> dict:
    """How many boards, postings and audit entries there are."""
    _db.session.expire_all()
    return {model.__name__: _db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (NoticeBoard, Posting, AuditEntry)}


def posting_numbers(page) -> list[str]:
    return re.findall(r"ZT\d{4}-\d{5}", page)


@pytest.fixture
def now(monkeypatch, frozen_clock):
    """Set the app's clock: now(instant). It starts at the first valid day of the notices, 9:00."""
    def set_now(instant):
        monkeypatch.setattr(clock, "now", lambda: instant)
        return instant

    set_now(POSTED)
    return set_now


@pytest.fixture
def steward(desk):
    user = make_user("steward", username="steward1", full_name="赵楼管", site=desk.site)
    _db.session.commit()
    return user


@pytest.fixture
def boards(desk, steward):
    made = [services.save_board(desk.site, name=name, building_id=building.id, actor=steward, now=T3)
            for name, building in (("A座一楼大堂信息栏", desk.building), ("B座一楼大堂信息栏", desk.other_building))]
    _db.session.commit()
    return made


def post(notice, board, steward, when=POSTED, **kwargs) -> Posting:
    posting = services.post_notice(notice, board, actor=steward, now=when, **kwargs)
    _db.session.commit()
    return posting


# --- the boards ----------------------------------------------------------------------------------

def test_the_boards_page_lists_the_boards_and_adds_one(db, as_user, desk, steward, boards, now):
    client = as_user(steward)

    page = text(client.get("/notices/boards"))
    response = client.post("/notices/boards", data={"name": " 东门公告栏 ", "building_id": "0", "active": "y"})

    assert "A座一楼大堂信息栏" in page and "B座一楼大堂信息栏" in page and 'name="name"' in page
    assert response.status_code == 302 and response.headers["Location"].endswith("/notices/boards")
    added = db.session.scalar(sa.select(NoticeBoard).where(NoticeBoard.name == "东门公告栏"))
    assert (added.site_id, added.building_id, added.active) == (desk.site.id, None, True)
    page = text(client.get("/notices/boards"))
    assert "Board 东门公告栏 saved." in flashes(page)
    assert "The whole site" in page.split("<td>东门公告栏</td>")[1].split("</tr>")[0]


@pytest.mark.parametrize("data, field, message", [
    ({"name": "A座一楼大堂信息栏"}, "name", "There is a board called A座一楼大堂信息栏 already."),
    ({"name": "  "}, "name", "Name the board where it hangs, in at most 60 characters."),
    ({"name": "长" * 61}, "name", "Name the board where it hangs, in at most 60 characters."),
    ({"name": "C座大堂", "building_id": "foreign"}, "building_id", "Choose buildings of this site."),
])
def test_a_bad_board_is_refused_next_to_the_field_and_nothing_is_saved(db, as_user, desk, steward, boards, now,
                                                                        data, field, message):
    client = as_user(steward)
    if data.get("building_id") == "foreign":
        data = {**data, "building_id": str(desk.foreign_building.id)}
    before = rows()

    response = client.post("/notices/boards", data={"building_id": "0", "active": "y", **data})

    assert response.status_code == 422
    assert error_next_to(text(response), field) == message
    assert rows() == before


def test_a_board_is_renamed_moved_retired_and_brought_back(db, as_user, desk, steward, boards, now):
    client = as_user(steward)
    board = boards[0]
    url = f"/notices/boards/{board.id}/edit"

    form = text(client.get(url))
    retired = client.post(url, data={"name": "A座二楼电梯厅信息栏", "building_id": str(desk.other_building.id)})

    assert 'value="A座一楼大堂信息栏"' in form and 'checked id="active"' in form
    assert retired.status_code == 302
    db.session.refresh(board)
    assert (board.name, board.building_id, board.active) == ("A座二楼电梯厅信息栏", desk.other_building.id, False)
    assert "Out of use" in text(client.get("/notices/boards"))
    assert "A座二楼电梯厅信息栏" not in text(client.get("/notices/boards/now"))  # nothing up on it, out of use
    posting_form = text(client.get(f"/notices/{approved(desk).notice_id}/post"))
    assert "A座二楼电梯厅信息栏" not in posting_form and "B座一楼大堂信息栏" in posting_form

    client.post(url, data={"name": "A座二楼电梯厅信息栏", "building_id": str(desk.other_building.id), "active": "y"})

    db.session.refresh(board)
    assert board.active is True
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.object_type == "notice_board", AuditEntry.object_id == str(board.id)))] == ["notice_board.save"] * 3


def test_renaming_a_board_to_another_boards_name_is_refused(db, as_user, desk, steward, boards, now):
    client = as_user(steward)

    response = client.post(f"/notices/boards/{boards[0].id}/edit", data={"name": "B座一楼大堂信息栏", "active": "y"})

    assert response.status_code == 422
    assert error_next_to(text(response), "name") == "There is a board called B座一楼大堂信息栏 already."
    db.session.refresh(boards[0])
    assert boards[0].name == "A座一楼大堂信息栏"


# --- posting -------------------------------------------------------------------------------------

def test_a_notice_is_posted_on_one_board_after_another_through_the_form(db, as_user, desk, steward, boards, now):
    notice = approved(desk).notice
    client = as_user(steward)
    url = f"/notices/{notice.id}/post"

    form = text(client.get(url))
    first = client.post(url, data={"board_id": str(boards[0].id), "photo": (BytesIO(png()), "board.png")},
                        content_type="multipart/form-data")
    again = text(client.get(first.headers["Location"]))

    assert "A座一楼大堂信息栏" in form and "B座一楼大堂信息栏" in form and "关于园区临时停水的通知" in form
    assert first.status_code == 302 and first.headers["Location"].endswith(url)
    assert "Notice TZ2026-0001 is posted on A座一楼大堂信息栏 as ZT2026-00001." in flashes(again)
    choices = again.split('name="board_id"')[1].split("</select>")[0]
    assert "B座一楼大堂信息栏" in choices and "A座一楼大堂信息栏" not in choices  # back to the form, that board done
    assert "ZT2026-00001" in again.split("Up now")[1]

    client.post(url, data={"board_id": str(boards[1].id)})

    postings = db.session.scalars(sa.select(Posting).order_by(Posting.id)).all()
    assert [(p.number, p.board_id, p.posted_by_id, p.revision_id) for p in postings] == [
        ("ZT2026-00001", boards[0].id, steward.id, notice.revisions[-1].id),
        ("ZT2026-00002", boards[1].id, steward.id, notice.revisions[-1].id)]
    assert postings[0].photo and postings[1].photo is None
    photo = client.get(f"/notices/postings/{postings[0].id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data == png()
    assert client.get(f"/notices/postings/{postings[1].id}/photo").status_code == 404
    done = text(client.get(url))
    assert "This notice is up on every board in use already" in done


def _revised(desk):
    """A notice whose revision 1 was replaced by an approved revision 2; returns revision 1."""
    first = approved(desk)
    revision = services.new_revision(first.notice, actor=desk.clerk, now=POSTED)
    services.change_draft(revision, content=content(title="关于园区临时停水的通知（更正）"), actor=desk.clerk, now=POSTED)
    services.submit(revision, actor=desk.clerk, now=POSTED)
    services.approve(revision, actor=desk.supervisor, now=POSTED)
    services.approve(revision, actor=desk.manager, now=POSTED)
    _db.session.commit()
    return first


@pytest.mark.parametrize("case, field, message", [
    ("draft", "board_id", "Only an approved notice is posted."),
    ("expired", "board_id", "Notice TZ2026-0001 expired on 2026-04-04: it is not posted any more."),
    ("superseded", "board_id",
     "Notice TZ2026-0001 was revised: revision 2 is in force now. Print it and post that one."),
    ("not for boards", "board_id", "Notice TZ2026-0001 is not meant for the notice boards."),
    ("no board", "board_id", "Choose a notice board of this site."),
    ("board of another site", "board_id", "Choose a notice board of this site."),
    ("not a picture", "photo", "The photo must be a JPEG or PNG picture."),
    ("too large", "photo", "The photo is larger than 5 MB: send a smaller one."),
])
def test_a_posting_that_cannot_be_is_refused_next_to_the_field_and_nothing_changes(
        db, as_user, desk, steward, boards, now, case, field, message):
    data = {"board_id": str(boards[0].id)}
    if case == "draft":
        notice = draft(desk)
    elif case == "superseded":
        notice = _revised(desk).notice
        data["revision_id"] = str(notice.revisions[0].id)  # the page showed revision 1: its sheet is in hand
    elif case == "not for boards":
        notice = approved(desk, to_boards=False, to_sms=True, sms_text=TEXT).notice
    else:
        notice = approved(desk).notice
    if case == "expired":
        now(at(2026, 4, 5, 9))
    elif case == "no board":
        data["board_id"] = "0"
    elif case == "board of another site":
        other = services.save_board(desk.other_site, name="海港大厦大堂", actor=make_user("steward", site=desk.other_site),
                                    now=T3)
        _db.session.commit()
        data["board_id"] = str(other.id)
    elif case == "not a picture":
        data["photo"] = (BytesIO(b"%PDF-1.4 not a picture"), "board.png")
    elif case == "too large":
        data["photo"] = (BytesIO(b"\x89PNG" + b"\0" * MAX_PHOTO_BYTES), "board.png")
    client = as_user(steward)
    before = rows()

    response = client.post(f"/notices/{notice.id}/post", data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    assert error_next_to(text(response), field) == message
    assert rows() == before
    photos = services.posting_photo_dir()
    assert not photos.exists() or not any(photos.iterdir())


def test_a_revised_notice_is_posted_as_the_revision_in_force(db, as_user, desk, steward, boards, now):
    notice = _revised(desk).notice
    client = as_user(steward)

    page = text(client.get(f"/notices/{notice.id}/post"))
    client.post(f"/notices/{notice.id}/post", data={"board_id": str(boards[0].id),
                                                    "revision_id": str(notice.revisions[1].id)})

    assert "关于园区临时停水的通知（更正）" in page and f'value="{notice.revisions[1].id}"' in page
    assert db.session.scalar(sa.select(Posting.revision_id)) == notice.revisions[1].id


def test_posting_twice_on_one_board_is_refused(db, as_user, desk, steward, boards, now):
    notice = approved(desk).notice
    client = as_user(steward)
    client.post(f"/notices/{notice.id}/post", data={"board_id": str(boards[0].id)})
    before = rows()

    response = client.post(f"/notices/{notice.id}/post", data={"board_id": str(boards[0].id)})

    assert response.status_code == 422
    assert error_next_to(text(response), "board_id") == \
        "Notice TZ2026-0001 is up on A座一楼大堂信息栏 already (posting ZT2026-00001)."
    assert rows() == before


def test_the_service_refuses_a_revision_that_is_not_the_one_in_force(db, desk, steward, boards):
    first = _revised(desk)

    with pytest.raises(InvalidTransition):
        services.post_notice(first.notice, boards[0], revision_id=first.id, actor=steward, now=POSTED)
    assert services.post_notice(first.notice, boards[0], revision_id=first.notice.revisions[1].id, actor=steward,
                                now=POSTED).number == "ZT2026-00001"


# --- what is up now ------------------------------------------------------------------------------

def test_the_board_view_shows_each_board_with_what_is_up_and_what_should_come_down(
        db, as_user, desk, steward, boards, now):
    short = approved(desk, title="短期通知", valid_to=date(2026, 4, 3)).notice
    long = approved(desk, title="长期通知", valid_to=date(2026, 4, 30)).notice
    gone = approved(desk, title="已撤下的通知", valid_to=date(2026, 4, 30)).notice
    up_short = post(short, boards[0], steward)
    post(long, boards[0], steward, POSTED + timedelta(minutes=5))
    services.take_down(post(gone, boards[1], steward), actor=steward, now=POSTED + timedelta(hours=1))
    _db.session.commit()
    now(at(2026, 4, 5, 9))  # the short one expired on 3 April
    client = as_user(steward)

    page = text(client.get("/notices/boards/now"))

    a, b = page.split("A座一楼大堂信息栏")[1].split("B座一楼大堂信息栏")
    assert a.index("短期通知") < a.index("长期通知")  # in posting order
    assert posting_numbers(a) == ["ZT2026-00001", "ZT2026-00002"]
    assert "TZ2026-0001" in a and "2026-04-03" in a and "赵楼管" in a and "2026-04-02 09:00" in a
    short_row = a.split("短期通知")[1].split("长期通知")[0]
    assert "Expired" in short_row and f"/notices/postings/{up_short.id}/take-down" in short_row
    assert "Expired" not in a.split("长期通知")[1]
    assert "已撤下的通知" not in page and "Nothing is up on this board." in b


def test_the_board_view_marks_a_replaced_revision(db, as_user, desk, steward, boards, now):
    first = approved(desk, valid_to=date(2026, 4, 30))
    post(first.notice, boards[0], steward)
    revision = services.new_revision(first.notice, actor=desk.clerk, now=POSTED)
    services.submit(revision, actor=desk.clerk, now=POSTED)
    services.approve(revision, actor=desk.supervisor, now=POSTED)
    services.approve(revision, actor=desk.manager, now=POSTED)
    _db.session.commit()
    client = as_user(steward)

    page = text(client.get("/notices/boards/now"))

    assert "Replaced" in page.split("A座一楼大堂信息栏")[1].split("B座一楼大堂信息栏")[0]


def test_a_board_out_of_use_is_shown_while_a_sheet_is_still_up_on_it(db, as_user, desk, steward, boards, now):
    post(approved(desk).notice, boards[1], steward)
    services.save_board(desk.site, name="B座一楼大堂信息栏", building_id=desk.other_building.id, active=False,
                        board=boards[1], actor=steward, now=POSTED)
    _db.session.commit()
    client = as_user(steward)

    page = text(client.get("/notices/boards/now"))

    card = page.split("B座一楼大堂信息栏")[1]
    assert "Out of use" in card and "ZT2026-00001" in card


# --- the posting log -----------------------------------------------------------------------------

@pytest.fixture
def history(desk, steward, boards):
    """Five postings over three days: 2 April on A and B, 3 April on A and B, 4 April on A (the
    notices valid from 2 to 30 April); the first is taken down on 3 April, with a photo."""
    notices = [approved(desk, title=f"第{n}号通知", valid_to=date(2026, 4, 30)).notice for n in range(1, 4)]
    made = [post(notices[0], boards[0], steward, at(2026, 4, 2, 9), photo=png()),
            post(notices[0], boards[1], steward, at(2026, 4, 2, 10)),
            post(notices[1], boards[0], steward, at(2026, 4, 3, 9)),
            post(notices[1], boards[1], steward, at(2026, 4, 3, 10)),
            post(notices[2], boards[0], steward, at(2026, 4, 4, 23, 30))]  # late evening, still 4 April in Shanghai
    services.take_down(made[0], actor=steward, now=at(2026, 4, 3, 18))
    _db.session.commit()
    return made


def test_the_posting_log_lists_every_posting_newest_first(db, as_user, desk, steward, history, now):
    client = as_user(steward)

    page = text(client.get("/notices/postings"))

    numbers = posting_numbers(page)
    assert numbers == ["ZT2026-00005", "ZT2026-00004", "ZT2026-00003", "ZT2026-00002", "ZT2026-00001"]
    first = page.split("ZT2026-00001")[1]
    assert "第1号通知" in first and "A座一楼大堂信息栏" in first and "2026-04-03 18:00" in first and "赵楼管" in first
    assert f"/notices/postings/{history[0].id}/photo" in first
    assert "Up now" in page.split("ZT2026-00002")[1].split("ZT2026-00001")[0]


@pytest.mark.parametrize("query, expected", [
    ({"date_from": "2026-04-03", "date_to": "2026-04-03"}, ["ZT2026-00004", "ZT2026-00003"]),
    ({"date_from": "2026-04-04"}, ["ZT2026-00005"]),
    ({"date_to": "2026-04-02"}, ["ZT2026-00002", "ZT2026-00001"]),
    ({"board": "B"}, ["ZT2026-00004", "ZT2026-00002"]),
    ({"board": "A", "date_from": "2026-04-03", "date_to": "2026-04-04"}, ["ZT2026-00005", "ZT2026-00003"]),
])
def test_the_posting_log_narrows_to_days_and_a_board(db, as_user, desk, steward, boards, history, now, query,
                                                      expected):
    client = as_user(steward)
    if "board" in query:
        query = {**query, "board": str(boards[0 if query["board"] == "A" else 1].id)}

    response = client.get("/notices/postings", query_string=query)

    assert response.status_code == 200
    assert posting_numbers(text(response).split("Posting log")[-1]) == expected


def test_the_posting_log_pages_in_the_same_order(db, desk, history):
    pages = [queries.posting_log(desk.site.id, page=n, per_page=2) for n in (1, 2, 3)]

    assert [[r.number for r in p.items] for p in pages] == [
        ["ZT2026-00005", "ZT2026-00004"], ["ZT2026-00003", "ZT2026-00002"], ["ZT2026-00001"]]
    assert (pages[0].total, pages[0].pages) == (5, 3)
    assert queries.posting_log(desk.site.id, board_id=history[0].board_id).total == 3


@pytest.mark.parametrize("query, field, message", [
    ({"date_from": "2026-04-04", "date_to": "2026-04-02"}, "date_to", "The last day is before the first."),
    ({"date_from": "0001-01-01"}, "date_from", "Enter a day between 1970-01-01 and 2999-12-31."),
    ({"board": "999999"}, "board", "There is no such board at this site."),
])
def test_bad_filters_of_the_posting_log_are_said_next_to_the_field(db, as_user, desk, steward, history, now, query,
                                                                   field, message):
    client = as_user(steward)

    response = client.get("/notices/postings", query_string=query)

    assert response.status_code == 422
    assert error_next_to(text(response), field) == message
    assert len(posting_numbers(text(response))) == 5  # the whole log, unfiltered


def test_the_posting_log_pdf_is_in_number_order_with_the_site_and_the_range(db, as_user, desk, steward, boards,
                                                                            history, now):
    client = as_user(steward)

    response = client.get("/notices/postings.pdf", query_string={"date_from": "2026-04-02", "date_to": "2026-04-03"})
    one_board = client.get("/notices/postings.pdf", query_string={"date_from": "2026-04-01", "date_to": "2026-04-30",
                                                                   "board": str(boards[1].id)})

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    words = pdf_text(response.data)
    assert "星河产业园" in words and "信息栏张贴记录" in words and "2026-04-02至2026-04-03" in words
    assert posting_numbers(words) == ["ZT2026-00001", "ZT2026-00002", "ZT2026-00003", "ZT2026-00004"]
    assert "第1页共1页" in words and "本期张贴共4张，已撤下1张，仍张贴3张" in words
    assert "TZ2026-0001" in words and "第1号通知" in words
    assert PdfReader(BytesIO(response.data)).pages[0].mediabox.width == pytest.approx(595.3, abs=1)
    board_words = pdf_text(one_board.data)
    assert "信息栏：B座一楼大堂信息栏" in board_words
    assert posting_numbers(board_words) == ["ZT2026-00002", "ZT2026-00004"]


def test_the_posting_log_pdf_of_this_month_so_far_by_default_and_of_at_most_three_months(
        db, as_user, desk, steward, history, now):
    now(at(2026, 4, 20, 9))
    client = as_user(steward)

    words = pdf_text(client.get("/notices/postings.pdf").data)
    quarter = client.get("/notices/postings.pdf", query_string={"date_from": "2026-02-01", "date_to": "2026-05-03"})
    too_long = client.get("/notices/postings.pdf", query_string={"date_from": "2026-02-01", "date_to": "2026-05-04"})

    assert "2026-04-01至2026-04-20" in words and len(posting_numbers(words)) == 5
    assert quarter.status_code == 200 and len(posting_numbers(pdf_text(quarter.data))) == 5
    assert too_long.status_code == 422
    assert error_next_to(text(too_long), "date_to") == "Print at most three months at a time."


def test_a_long_posting_log_runs_over_pages_with_their_numbers(db, desk, steward, boards):
    notice = approved(desk, valid_to=date(2026, 4, 30)).notice
    for n in range(70):
        posting = services.post_notice(notice, boards[n % 2], actor=steward, now=POSTED + timedelta(minutes=n))
        services.take_down(posting, actor=steward, now=POSTED + timedelta(minutes=n, seconds=30))
    _db.session.commit()

    data = pdf.render_posting_log(desk.site, queries.posting_log_rows(desk.site.id, date(2026, 4, 1),
                                                                      date(2026, 4, 30)), date(2026, 4, 1),
                                  date(2026, 4, 30))

    pages = PdfReader(BytesIO(data)).pages
    assert len(pages) >= 2
    assert f"第1页共{len(pages)}页" in pdf_text(data) and f"第{len(pages)}页共{len(pages)}页" in pdf_text(data)
    assert "信息栏张贴记录" in pages[1].extract_text().replace(" ", "")  # the heading on every page
    assert len(set(posting_numbers(pdf_text(data)))) == 70
    assert "本期无张贴记录" in pdf_text(pdf.render_posting_log(desk.site, [], date(2026, 5, 1), date(2026, 5, 31)))


# --- the take-down list and taking down ----------------------------------------------------------

@pytest.fixture
def up(desk, steward, boards):
    """A notice valid to 3 April on board A, one valid to 30 April on A and B."""
    short = approved(desk, title="短期通知", valid_to=date(2026, 4, 3)).notice
    long = approved(desk, title="长期通知", valid_to=date(2026, 4, 30)).notice
    return {"short": post(short, boards[0], steward), "long_a": post(long, boards[0], steward),
            "long_b": post(long, boards[1], steward)}


@pytest.mark.parametrize("day, listed, badge", [
    ("2026-04-02", [], None),
    ("2026-04-03", ["ZT2026-00001"], "Last day"),
    ("2026-04-06", ["ZT2026-00001"], "Expired"),
    ("2026-04-30", ["ZT2026-00001", "ZT2026-00002", "ZT2026-00003"], "Last day"),
])
def test_the_take_down_list_of_a_day(db, as_user, desk, steward, up, now, day, listed, badge):
    client = as_user(steward)

    page = text(client.get("/notices/take-down", query_string={"day": day}))

    assert posting_numbers(page) == listed
    if listed:
        assert badge in page and "A座一楼大堂信息栏" in page and "print" in page.lower()
    else:
        assert "Nothing to take down" in page


def test_the_take_down_list_is_of_today_unless_a_day_is_given_and_grouped_by_board(db, as_user, desk, steward, up,
                                                                                   now):
    now(at(2026, 5, 1, 8))
    client = as_user(steward)

    page = text(client.get("/notices/take-down"))

    assert "Take-down list of Friday, May 1, 2026" in page
    a, b = page.split("A座一楼大堂信息栏")[1].split("B座一楼大堂信息栏")
    assert posting_numbers(a) == ["ZT2026-00001", "ZT2026-00002"] and posting_numbers(b) == ["ZT2026-00003"]
    assert "Expired" in a and "Expired" in b
    bad = client.get("/notices/take-down", query_string={"day": "2026-13-45"})
    assert bad.status_code == 422 and error_next_to(text(bad), "day") == "Not a valid date value."


def test_a_replaced_revision_is_on_the_take_down_list(db, as_user, desk, steward, boards, now):
    first = approved(desk, valid_to=date(2026, 4, 30))
    post(first.notice, boards[0], steward)
    revision = services.new_revision(first.notice, actor=desk.clerk, now=POSTED)
    services.submit(revision, actor=desk.clerk, now=POSTED)
    services.approve(revision, actor=desk.supervisor, now=POSTED)
    services.approve(revision, actor=desk.manager, now=POSTED)
    _db.session.commit()
    client = as_user(steward)

    page = text(client.get("/notices/take-down", query_string={"day": "2026-04-02"}))

    assert posting_numbers(page) == ["ZT2026-00001"] and "Replaced" in page


def test_taking_down_goes_back_where_it_came_from_and_twice_changes_nothing(db, as_user, desk, steward, up, now):
    now(at(2026, 4, 6, 8))
    client = as_user(steward)
    back = "/notices/take-down?day=2026-04-06"
    url = f"/notices/postings/{up['short'].id}/take-down"

    response = client.post(url, data={"next": back})

    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    page = text(client.get(back))
    assert "Posting ZT2026-00001 (notice TZ2026-0001) is taken down from A座一楼大堂信息栏." in flashes(page)
    assert posting_numbers(page.split("</h1>")[1]) == []
    posting = db.session.get(Posting, up["short"].id)
    assert (posting.taken_down_at, posting.taken_down_by_id) == (at(2026, 4, 6, 8), steward.id)
    before = rows()

    now(at(2026, 4, 6, 9))
    twice = client.post(url, data={"next": "https://evil.example/"})

    assert twice.status_code == 302 and twice.headers["Location"].endswith("/notices/boards/now")
    assert "Posting ZT2026-00001 was taken down already." in flashes(text(client.get("/notices/boards/now")))
    assert rows() == before
    db.session.expire_all()
    assert db.session.get(Posting, up["short"].id).taken_down_at == at(2026, 4, 6, 8)


# --- text messages -------------------------------------------------------------------------------

@pytest.fixture
def texts(desk):
    """The water cut by text message to A座 (13800000001 and 13900000002): the first message sent,
    the second failed."""
    audience(desk)
    revision = approved(desk, building_ids=[desk.building.id], to_sms=True, sms_text=TEXT)
    first, second = queries.sms_log(revision.id)
    first.status, first.attempts, first.sent_at = SENT, 1, at(2026, 4, 1, 14, 1)
    second.status, second.attempts, second.last_error = FAILED, 5, "gateway: number does not exist"
    _db.session.commit()
    return revision, first, second


def test_the_texts_page_counts_and_lists_the_messages_masked_for_the_steward(db, as_user, desk, steward, texts,
                                                                             now):
    revision, sent, failed = texts
    client = as_user(steward)

    page = text(client.get(f"/notices/{revision.notice_id}/texts"))

    assert "138****0001" in page and "139****0002" in page and "13800000001" not in page
    assert "gateway: number does not exist" in page and TEXT in page
    counts = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split('class="text-counts"')[1].split("</nav>")[0]))
    assert "2 All" in counts and "1 Sent" in counts and "1 Failed" in counts and "0 Queued" in counts
    assert page.count("Send again") == 1
    only_failed = text(client.get(f"/notices/{revision.notice_id}/texts", query_string={"status": "failed"}))
    assert "139****0002" in only_failed and "138****0001" not in only_failed


def test_a_supervisor_sees_the_numbers_whole(db, as_user, desk, texts, now):
    revision, _sent, _failed = texts

    page = text(as_user(desk.supervisor).get(f"/notices/{revision.notice_id}/texts"))

    assert "13800000001" in page and "13900000002" in page


def test_a_failed_text_message_is_sent_again_and_a_sent_one_is_not(db, as_user, desk, steward, texts, now):
    revision, sent, failed = texts
    client = as_user(steward)
    back = f"/notices/{revision.notice_id}/texts"

    response = client.post(f"/notices/texts/{failed.id}/retry", data={"next": back})

    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    assert "The text message to 139****0002 will be sent again." in flashes(text(client.get(back)))
    db.session.expire_all()
    again = db.session.get(OutboxMessage, failed.id)
    assert (again.status, again.attempts, again.next_attempt_at) == (QUEUED, 0, POSTED)
    assert db.session.scalar(sa.select(AuditEntry.actor_id).where(AuditEntry.action == "outbox.retry")) == steward.id
    before = rows()

    client.post(f"/notices/texts/{sent.id}/retry", data={"next": back})

    assert "Only a failed message can be sent again." in flashes(text(client.get(back)))
    assert rows() == before and db.session.get(OutboxMessage, sent.id).status == SENT


def test_a_message_of_another_site_or_of_no_notice_is_not_found(db, as_user, desk, texts, now):
    revision, _sent, failed = texts
    other = make_user("steward", site=desk.other_site)
    visitor_message = notify.enqueue(_db.session, notify.SMS, "13700000009", "访客到达", now=POSTED,
                                     site_id=desk.site.id)
    visitor_message.status = FAILED
    _db.session.commit()
    steward_here = make_user("steward", site=desk.site)
    _db.session.commit()

    assert as_user(other).post(f"/notices/texts/{failed.id}/retry").status_code == 404
    client = as_user(steward_here)
    assert client.post(f"/notices/texts/{visitor_message.id}/retry").status_code == 404
    assert client.post("/notices/texts/999999/retry").status_code == 404
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).status == FAILED


# --- who may -------------------------------------------------------------------------------------

def test_a_steward_of_another_site_finds_nothing_of_this_one(db, as_user, desk, steward, boards, texts, now):
    revision = texts[0]
    notice = approved(desk).notice
    posting = post(notice, boards[0], steward, photo=png())
    other = make_user("steward", site=desk.other_site)
    _db.session.commit()
    client = as_user(other)

    for url in (f"/notices/{notice.id}/post", f"/notices/boards/{boards[0].id}/edit",
                f"/notices/postings/{posting.id}/photo", f"/notices/{revision.notice_id}/texts"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/notices/postings/{posting.id}/take-down").status_code == 404
    assert client.post(f"/notices/{notice.id}/post", data={"board_id": str(boards[1].id)}).status_code == 404
    assert client.post(f"/notices/boards/{boards[0].id}/edit", data={"name": "x", "active": "y"}).status_code == 404
    assert "A座一楼大堂信息栏" not in text(client.get("/notices/boards/now"))
    assert posting_numbers(text(client.get("/notices/postings"))) == []
    db.session.expire_all()
    assert db.session.get(Posting, posting.id).taken_down_at is None


def test_roles_without_notice_permissions_get_403_and_readers_do_not_write(db, as_user, desk, steward, boards, up,
                                                                           now):
    cashier = make_user("cashier", site=desk.site)
    _db.session.commit()
    reads = ["/notices/boards", "/notices/boards/now", "/notices/postings", "/notices/postings.pdf",
             "/notices/take-down", f"/notices/postings/{up['short'].id}/photo"]
    client = as_user(cashier)
    assert {url: client.get(url).status_code for url in reads} == {url: 403 for url in reads}
    assert client.post("/notices/boards", data={"name": "x", "active": "y"}).status_code == 403

    client = as_user(desk.clerk)  # drafts notices: reads the boards, posts nothing
    before = rows()
    assert client.get("/notices/boards/now").status_code == 200
    assert client.post("/notices/boards", data={"name": "C座大堂", "active": "y"}).status_code == 403
    assert client.post(f"/notices/postings/{up['short'].id}/take-down").status_code == 403
    assert client.get(f"/notices/{up['short'].notice_id}/post").status_code == 403
    assert client.get(f"/notices/boards/{boards[0].id}/edit").status_code == 403
    assert rows() == before
    assert f"/notices/postings/{up['short'].id}/take-down" not in text(client.get("/notices/boards/now"))


# --- the home page -------------------------------------------------------------------------------

def test_the_home_page_flags_notices_left_up_after_they_expired(db, as_user, desk, steward, up, now):
    now(at(2026, 4, 3, 9))
    client = as_user(steward)
    assert "still up after" not in text(client.get("/"))  # the short one's last day is today

    now(at(2026, 4, 4, 9))
    page = text(client.get("/"))
    assert "1 notice is still up after it expired" in page
    assert re.search(r'href="/notices/take-down"[^>]*>\s*1 notice is still up after it expired', page)
    assert "still up after" in text(as_user(desk.supervisor).get("/"))
    assert "still up after" not in text(as_user(desk.clerk).get("/"))  # drafts notices, posts none

    now(at(2026, 5, 1, 9))
    assert "3 notices are still up after they expired" in text(as_user(steward).get("/"))
