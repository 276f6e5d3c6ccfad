"""The notice pages as the desk uses them: drafting with the live preview and the wording check,
the notice page through both approvals to the number and the PDF, rejection, taking back, new
revisions, the list and its filters. Every refusal says why and changes nothing."""
import html
import re
from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import InvalidTransition, NotAllowed
from frontdesk.extensions import db as _db
from frontdesk.notices import services
from frontdesk.notices.models import APPROVED, CHECKED, DRAFT, SUBMITTED, Notice, NoticeRevision
from tests.factories import english, make_user
from tests.notices.conftest import (
    BODY, T1, T2, T3, approved, at, audit_actions, checked, content, counts, draft, submitted,
)

SMS = "【星河物业】尊敬的业主：4月3日9:00至17:00园区停水，请您提前储水，谢谢！"


def text(response) -> str:
    return response.get_data(as_text=True)


def error_next_to(page, field):
    """The error drawn inside the field's own block (its div.field or fieldset marked has-error)."""
    match = re.search(r'<(?:div|fieldset) class="field[^"]*has-error[^"]*"[^>]*>(?:(?!<div class="field).)*?'
                      r'name="%s"(?:(?!<div class="field).)*?<div class="error" role="alert">(.*?)</div>' % field,
                      page, re.S)
    return html.unescape(match.group(1)) if match else None


def flashes(page) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<div class="flash flash-\w+">(.*?)</div>', page, re.S)]


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages).replace(" ", "")


def form(**changes) -> dict:
    """The draft form as the clerk sends it: the water cut of 3 April for the whole park, to the boards."""
    data = {"kind": "maintenance", "title": "关于园区临时停水的通知", "body": BODY, "valid_from": "2026-04-02",
            "valid_to": "2026-04-04", "to_boards": "y", "sms_text": "", "action": "save"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def fresh(revision) -> NoticeRevision:
    _db.session.expire_all()
    return _db.session.get(NoticeRevision, revision.id)


def decide(client, revision, action, **data):
    return client.post(f"/notices/{revision.notice_id}/{action}", data={"revision_id": revision.id, **data})


@pytest.fixture
def steward(desk):
    user = make_user("steward", username="steward1", full_name="赵楼管", site=desk.site)
    _db.session.commit()
    return user


# --- the draft form ------------------------------------------------------------------------------

def test_the_form_opens_for_a_week_from_today_with_the_sites_buildings(db, as_user, desk):
    client = as_user(desk.clerk)

    page = text(client.get("/notices/new"))

    assert 'name="valid_from" type="date" value="2026-03-31"' in page
    assert 'name="valid_to" type="date" value="2026-04-07"' in page
    buildings = set(re.findall(r'name="building_ids" type="checkbox" value="(\d+)"', page))
    assert buildings == {str(desk.building.id), str(desk.other_building.id)}
    assert "# Heading" in page and "**bold**" in page  # the markup is explained next to the text
    assert "0 / 140" in page and "Preview: the notice as it will be printed" in page
    assert 'data-preview-url="/notices/preview"' in page and "js/notices.js" in page


def test_save_draft_makes_a_draft_and_goes_to_its_page(db, as_user, desk):
    client = as_user(desk.clerk)

    response = client.post("/notices/new", data=form(building_ids=[str(desk.building.id)]))

    notice = db.session.scalar(sa.select(Notice))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/notices/{notice.id}")
    revision = notice.revisions[0]
    assert (revision.status, revision.title, revision.building_ids, notice.author_id) == (
        DRAFT, "关于园区临时停水的通知", [desk.building.id], desk.clerk.id)
    page = text(client.get(response.headers["Location"]))
    assert "Draft saved. Submit it for approval when it is ready." in flashes(page)
    assert "尊敬的A座各位业主、租户" in page and "Not numbered yet" in page


def test_save_and_submit_submits_and_warns_of_the_wording(db, as_user, desk):
    client = as_user(desk.clerk)

    response = client.post("/notices/new", data=form(action="submit", body="停水期间有问题不知道就别问了。"))

    revision = db.session.scalar(sa.select(NoticeRevision))
    assert response.status_code == 302 and revision.status == SUBMITTED
    said = flashes(text(client.get(response.headers["Location"])))
    assert "The notice is submitted: it waits for the customer-service supervisor's approval." in said
    assert any("“不知道” is a phrase the service standards forbid." in s and "No word of courtesy" in s for s in said)


def test_the_preview_button_shows_the_wording_notes_before_anything_is_saved(db, as_user, desk):
    client = as_user(desk.clerk)

    response = client.post("/notices/new", data=form(action="preview", body="喂，你自己看墙上的通知。"))

    page = text(response)
    assert response.status_code == 200
    assert "“喂” is a phrase the service standards forbid." in page
    assert "“你自己看” is a phrase the service standards forbid." in page
    assert "No word of courtesy (您、请、谢谢): address the customers politely." in page
    assert "喂，你自己看墙上的通知。" in page.split("notice-sheet")[1]  # drawn on the preview's paper
    assert counts()["Notice"] == 0


@pytest.mark.parametrize("changes, field, message", [
    ({"valid_to": "2026-04-01"}, "valid_to", "The notice cannot end before it starts."),
    ({"body": "停水通知<script>alert(1)</script>"}, "body",
     "The text may not contain HTML or script. Use # for a heading, - for a list and **…** for bold."),
    ({"body": '<img src=x onerror="alert(1)">'}, "body",
     "The text may not contain HTML or script. Use # for a heading, - for a list and **…** for bold."),
    ({"title": "  "}, "title", "Give the notice a title."),
    ({"to_sms": "y", "sms_text": "停" * 141}, "sms_text",
     "The text message has 141 characters: keep it to 140."),
    ({"to_sms": "y", "sms_text": ""}, "sms_text", "Write the text message."),
    ({"to_boards": None}, "to_boards",
     "Choose where the notice goes: notice boards, text message or the home page."),
    ({"kind": "gossip"}, "kind", "Choose the kind of notice."),
])
def test_a_bad_draft_comes_back_with_the_message_next_to_the_field_and_nothing_is_saved(
        db, as_user, desk, changes, field, message):
    client = as_user(desk.clerk)
    before = counts()

    response = client.post("/notices/new", data=form(action="submit", **changes))

    assert response.status_code == 422
    assert error_next_to(text(response), field) == message
    assert counts() == before


def test_buildings_of_another_site_are_refused(db, as_user, desk):
    client = as_user(desk.clerk)
    before = counts()

    response = client.post("/notices/new", data=form(building_ids=[str(desk.foreign_building.id)]))

    assert response.status_code == 422
    assert error_next_to(text(response), "building_ids") == "Choose buildings of this site."
    assert counts() == before


def test_a_draft_that_would_have_expired_is_not_saved_by_save_and_submit(db, as_user, desk):
    client = as_user(desk.clerk)
    before = counts()

    response = client.post("/notices/new", data=form(action="submit", valid_from="2026-03-20", valid_to="2026-03-30"))

    assert response.status_code == 422
    assert error_next_to(text(response), "valid_to") == "The notice would have expired already: change its dates."
    assert counts() == before


def test_the_sms_count_is_shown_and_turns_red_over_the_limit(db, as_user, desk):
    client = as_user(desk.clerk)

    page = text(client.post("/notices/new", data=form(action="preview", to_sms="y", sms_text=SMS)))
    over = text(client.post("/notices/new", data=form(action="preview", to_sms="y", sms_text="停" * 141)))

    assert f'<span class="sms-count" id="sms-count" aria-live="polite">{len(SMS)} / 140</span>' in page
    assert '<span class="sms-count over" id="sms-count" aria-live="polite">141 / 140</span>' in over


# --- the live preview ----------------------------------------------------------------------------

def test_the_preview_draws_the_markup_and_counts_the_text_message(db, as_user, desk):
    client = as_user(desk.clerk)

    response = client.post("/notices/preview", data=form(
        body="# 停水时间\n4月3日 **9:00至17:00**\n\n- 请您提前储水\n1. 谢谢配合", to_sms="y", sms_text=f"  {SMS}\r\n ",
        building_ids=[str(desk.other_building.id)]))

    found = response.get_json()
    assert response.status_code == 200
    assert "<h3>停水时间</h3>" in found["html"] and "<strong>9:00至17:00</strong>" in found["html"]
    assert "<ul><li>请您提前储水</li></ul>" in found["html"] and "<ol><li>谢谢配合</li></ol>" in found["html"]
    assert "尊敬的B座各位业主、租户" in found["html"] and "（审批后编号）" in found["html"]
    assert "样稿" in found["html"] and "**" not in found["html"]
    assert (found["sms_count"], found["sms_limit"], found["notes"], found["problem"]) == (len(SMS), 140, [], None)


def test_the_preview_refuses_html_in_the_body_and_never_echoes_it(db, as_user, desk):
    client = as_user(desk.clerk)

    response = client.post("/notices/preview", data=form(body="请注意<b>储水</b>"))

    found = response.get_json()
    assert response.status_code == 422
    assert found["problem"] == ("The text may not contain HTML or script. Use # for a heading, - for a list and "
                                "**…** for bold.")
    assert "<b>" not in found["html"] and "储水" not in found["html"]
    assert counts()["Notice"] == 0


def test_the_preview_escapes_the_title_and_points_out_the_wording(db, as_user, desk):
    client = as_user(desk.clerk)

    found = client.post("/notices/preview", data=form(title="<i>停水</i>", body="不知道找谁就打电话")).get_json()

    assert "&lt;i&gt;停水&lt;/i&gt;" in found["html"] and "<i>" not in found["html"]
    assert found["notes"] == ["“不知道” is a phrase the service standards forbid.",
                              "No word of courtesy (您、请、谢谢): address the customers politely."]


def test_the_preview_pdf_is_the_printed_page_without_number_or_seal(db, as_user, desk):
    approved(desk)  # a numbered notice exists: the preview still has no number
    client = as_user(desk.clerk)

    response = client.post("/notices/preview.pdf", data=form(building_ids=[str(desk.building.id)]))

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    words = pdf_text(response.data)
    assert "编号：（审批后编号）" in words and "样稿" in words and "TZ2026" not in words
    assert "尊敬的A座各位业主、租户" in words and "本通知有效期：2026年4月2日至2026年4月4日" in words
    assert counts()["Notice"] == 1


def test_the_previews_of_a_new_revision_keep_the_notices_number(db, as_user, desk):
    revision = approved(desk)
    client = as_user(desk.clerk)
    client.post(f"/notices/{revision.notice_id}/revise", data={"revision_id": revision.id})
    draft_id = fresh(revision).notice.revisions[-1].id

    page = text(client.get(f"/notices/{revision.notice_id}/edit"))
    assert "编号：TZ2026-0001（第2版）" in page and "（审批后编号）" not in page
    answer = client.post("/notices/preview", data=form(revision_id=str(draft_id))).get_json()
    assert "编号：TZ2026-0001（第2版）" in answer["html"]
    words = pdf_text(client.post("/notices/preview.pdf", data=form(revision_id=str(draft_id))).data)
    assert "编号：TZ2026-0001（第2版）" in words and "样稿" in words


def test_a_preview_pdf_of_a_form_that_cannot_be_saved_shows_the_form_with_its_errors(db, as_user, desk):
    client = as_user(desk.clerk)

    response = client.post("/notices/preview.pdf", data=form(valid_to="2026-04-01"))

    assert response.status_code == 422 and response.mimetype == "text/html"
    assert error_next_to(text(response), "valid_to") == "The notice cannot end before it starts."


# --- through both approvals ------------------------------------------------------------------------

def test_draft_submit_supervisor_project_manager_then_the_number_and_the_pdf(db, client, as_user, desk):
    as_user(desk.clerk)
    client.post("/notices/new", data=form(action="submit"))
    revision = db.session.scalar(sa.select(NoticeRevision))

    as_user(desk.supervisor)
    page = text(client.get(f"/notices/{revision.notice_id}"))
    assert "Approve as customer-service supervisor" in page and "Send it back to the author" in page
    response = decide(client, revision, "approve")
    assert response.status_code == 302 and fresh(revision).status == CHECKED
    page = text(client.get(f"/notices/{revision.notice_id}"))
    assert "Approved. The notice now waits for the project manager's approval." in flashes(page)
    assert "Approve" not in page.split("What you can do")[1].split("Details")[0]  # the supervisor is done
    assert "周主管" in page.split("approval-steps")[1].split("</ol>")[0]

    as_user(desk.manager)
    assert "Approve finally as project manager" in text(client.get(f"/notices/{revision.notice_id}"))
    response = decide(client, revision, "approve")
    assert response.status_code == 302 and fresh(revision).status == APPROVED
    page = text(client.get(f"/notices/{revision.notice_id}"))
    assert "Notice TZ2026-0001 is approved: print it and post it." in flashes(page)
    assert "编号：TZ2026-0001" in page and "sheet-seal" in page
    steps = page.split("approval-steps")[1].split("</ol>")[0]
    assert "周主管" in steps and "郑经理" in steps

    pdf = client.get(f"/notices/{revision.notice_id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "编号：TZ2026-0001" in pdf_text(pdf.data) and "补打" not in pdf_text(pdf.data)
    assert [a for a, _ in audit_actions(revision.notice)] == ["notice.draft", "notice.submit", "notice.check",
                                                              "notice.approve"]


def test_a_reprint_is_marked_and_counted(db, as_user, desk, steward):
    revision = approved(desk)
    client = as_user(steward)

    first = client.get(f"/notices/{revision.notice_id}/pdf")
    assert first.status_code == 200 and "补打" not in pdf_text(first.data)
    assert ("notice.reprint", steward.id) not in audit_actions(revision.notice)  # looking at it writes nothing

    response = client.post(f"/notices/{revision.notice_id}/reprint")

    assert response.status_code == 200 and "补打" in pdf_text(response.data)
    assert ("notice.reprint", steward.id) in audit_actions(revision.notice)


def test_a_notice_never_approved_has_no_pdf(db, as_user, desk):
    revision = checked(desk)
    client = as_user(desk.clerk)

    assert client.get(f"/notices/{revision.notice_id}/pdf").status_code == 404
    assert "PDF to print" not in text(client.get(f"/notices/{revision.notice_id}"))


def test_approving_out_of_order_is_refused(db, as_user, desk):
    revision = submitted(desk)
    client = as_user(desk.manager)
    before = counts()

    response = decide(client, revision, "approve")

    assert response.status_code == 422
    assert "The first approval of a notice is the customer-service supervisor's." in flashes(text(response))
    assert (fresh(revision).status, counts()) == (SUBMITTED, before)


def test_approving_twice_is_refused(db, as_user, desk):
    revision = checked(desk)
    client = as_user(desk.supervisor)
    before = counts()

    response = decide(client, revision, "approve")
    assert response.status_code == 422
    assert "The final approval of a notice is the project manager's, after the supervisor's." in flashes(
        text(response))
    assert (fresh(revision).status, counts()) == (CHECKED, before)

    client = as_user(desk.manager)
    decide(client, revision, "approve")
    before = counts()
    response = decide(client, revision, "approve")
    assert response.status_code == 422
    assert "This revision is not waiting for an approval (it is at “Approved”)." in flashes(text(response))
    assert (fresh(revision).status, counts()) == (APPROVED, before)


def test_nobody_approves_their_own_notice(db, as_user, desk):
    revision = submitted(desk, actor=desk.supervisor)
    client = as_user(desk.supervisor)
    before = counts()

    page = text(client.get(f"/notices/{revision.notice_id}"))
    response = decide(client, revision, "approve")

    assert "Approve as customer-service supervisor" not in page and "Send it back" not in page
    assert response.status_code == 422 and "Nobody approves a notice they wrote." in flashes(text(response))
    assert (fresh(revision).status, counts()) == (SUBMITTED, before)


def test_a_stale_page_acts_on_nothing(db, as_user, desk):
    first = approved(desk)
    second = services.new_revision(first.notice, actor=desk.clerk, now=T3)
    services.submit(second, actor=desk.clerk, now=T3)
    db.session.commit()
    client = as_user(desk.other_supervisor)
    before = counts()

    response = decide(client, first, "approve")  # the page showed revision 1
    missing = client.post(f"/notices/{first.notice_id}/approve", data={})

    stale = "The notice has changed since this page was opened, so nothing was done. Look at it again below."
    assert response.status_code == 422 and stale in flashes(text(response))
    assert missing.status_code == 422 and stale in flashes(text(missing))
    assert (fresh(second).status, counts()) == (SUBMITTED, before)


# --- sent back, taken back, changed, revised ------------------------------------------------------

def test_rejecting_without_a_comment_is_refused_next_to_the_comment(db, as_user, desk):
    revision = submitted(desk)
    client = as_user(desk.supervisor)
    before = counts()

    response = decide(client, revision, "reject", comment="  ")

    assert response.status_code == 422
    assert error_next_to(text(response), "comment") == "Say why the notice is sent back."
    assert (fresh(revision).status, counts()) == (SUBMITTED, before)


def test_a_rejection_sends_the_notice_back_with_the_comment_for_the_author(db, client, as_user, desk):
    revision = checked(desk)
    as_user(desk.manager)

    response = decide(client, revision, "reject", comment="请写明停水期间的临时供水点。")

    assert response.status_code == 302 and fresh(revision).status == DRAFT
    as_user(desk.clerk)
    page = text(client.get(f"/notices/{revision.notice_id}"))
    assert "Sent back by 郑经理 (Project manager)" in page and "请写明停水期间的临时供水点。" in page
    assert "Submit for approval" in page and "Change the draft" in page
    edit = text(client.get(f"/notices/{revision.notice_id}/edit"))
    assert "请写明停水期间的临时供水点。" in edit.split("sent-back")[1]


def test_the_author_changes_the_draft_and_submits_it_again(db, as_user, desk):
    revision = draft(desk).revisions[0]
    client = as_user(desk.clerk)

    page = text(client.get(f"/notices/{revision.notice_id}/edit"))
    response = client.post(f"/notices/{revision.notice_id}/edit", data=form(
        title="关于园区临时停水的通知（更正）", revision_id=revision.id, action="submit", kind="official"))

    assert 'value="关于园区临时停水的通知"' in page and f'name="revision_id" value="{revision.id}"' in page
    assert response.status_code == 302
    revision = fresh(revision)
    assert (revision.title, revision.status, revision.notice.kind) == ("关于园区临时停水的通知（更正）", SUBMITTED,
                                                                       "maintenance")


def test_a_colleague_may_not_change_someone_elses_draft(db, as_user, desk):
    revision = draft(desk).revisions[0]
    colleague = make_user("clerk", site=desk.site)
    db.session.commit()
    client = as_user(colleague)
    before = counts()

    opened = client.get(f"/notices/{revision.notice_id}/edit")
    response = client.post(f"/notices/{revision.notice_id}/edit", data=form(title="改", revision_id=revision.id))

    assert opened.status_code == 302
    assert response.status_code == 422 and "Only the author or a supervisor changes a draft." in flashes(
        text(response))
    assert (fresh(revision).title, counts()) == ("关于园区临时停水的通知", before)


def test_an_approved_notice_is_not_edited_in_place(db, client, as_user, desk):
    revision = approved(desk)
    as_user(desk.clerk)
    before = counts()

    opened = client.get(f"/notices/{revision.notice_id}/edit")
    response = client.post(f"/notices/{revision.notice_id}/edit", data=form(title="改", revision_id=revision.id))

    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/notices/{revision.notice_id}")
    assert response.status_code == 422
    assert "Only a draft can be changed; start a new revision of an approved notice." in flashes(text(response))
    assert (fresh(revision).title, fresh(revision).snapshot["title"], counts()) == (
        "关于园区临时停水的通知", "关于园区临时停水的通知", before)
    assert "Change the draft" not in text(client.get(f"/notices/{revision.notice_id}"))


def test_a_new_revision_starts_from_the_approved_text_and_the_old_one_stays_in_force(db, client, as_user, desk):
    revision = approved(desk)
    as_user(desk.clerk)

    response = client.post(f"/notices/{revision.notice_id}/revise", data={"revision_id": revision.id})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/notices/{revision.notice_id}/edit")
    latest = db.session.scalars(sa.select(NoticeRevision).order_by(NoticeRevision.no.desc())).first()
    assert (latest.no, latest.status, latest.title) == (2, DRAFT, "关于园区临时停水的通知")
    page = text(client.get(f"/notices/{revision.notice_id}"))
    assert "Revision 1 is in force" in page and "PDF to print" in page
    assert client.get(f"/notices/{revision.notice_id}/pdf").status_code == 200


def test_the_author_takes_a_submitted_notice_back(db, client, as_user, desk):
    revision = checked(desk)
    as_user(desk.clerk)

    page = text(client.get(f"/notices/{revision.notice_id}"))
    response = decide(client, revision, "withdraw")

    assert "Take it back to change it" in page
    assert response.status_code == 302 and fresh(revision).status == DRAFT
    assert ("notice.withdraw", desk.clerk.id) in audit_actions(revision.notice)


def test_only_the_author_takes_a_notice_back(db, as_user, desk):
    revision = submitted(desk)
    client = as_user(desk.other_supervisor)
    before = counts()

    response = decide(client, revision, "withdraw")

    assert response.status_code == 422 and "Only the author of a notice takes it back." in flashes(text(response))
    assert (fresh(revision).status, counts()) == (SUBMITTED, before)


def test_withdraw_needs_a_revision_waiting_for_approval_and_the_approvals_lapse(db, desk):
    revision = draft(desk).revisions[0]
    with pytest.raises(InvalidTransition):
        services.withdraw(revision, actor=desk.clerk, now=T1)
    db.session.rollback()

    revision = checked(desk, title="另一份通知")
    with pytest.raises(NotAllowed):
        services.withdraw(revision, actor=desk.supervisor, now=T3)
    db.session.rollback()
    services.withdraw(revision, actor=desk.clerk, now=T3)
    services.submit(revision, actor=desk.clerk, now=T3)
    db.session.commit()
    # the supervisor's approval of before does not count for the new round
    with pytest.raises(NotAllowed) as refused:
        services.approve(revision, actor=desk.manager, now=T3)
    db.session.rollback()
    assert english(refused.value) == "The first approval of a notice is the customer-service supervisor's."
    services.approve(revision, actor=desk.supervisor, now=T3)
    assert fresh(revision).status == CHECKED


# --- who sees what -------------------------------------------------------------------------------

def test_a_notice_of_another_site_does_not_exist_here(db, as_user, desk):
    foreign = approved(desk, site=desk.other_site, building_ids=[])
    client = as_user(desk.supervisor)
    before = counts()

    for response in (client.get(f"/notices/{foreign.notice_id}"), client.get(f"/notices/{foreign.notice_id}/edit"),
                     client.get(f"/notices/{foreign.notice_id}/pdf"),
                     decide(client, foreign, "reject", comment="不行")):
        assert response.status_code == 404
    assert counts() == before


def test_the_list_puts_what_waits_for_the_user_first(db, as_user, desk):
    waiting = submitted(desk, title="等主管审批的通知", now=T1)
    with_manager = checked(desk, title="等项目经理审批的通知", now=T2)
    own = submitted(desk, actor=desk.supervisor, title="主管自己起草的通知")
    done = approved(desk, title="已批准的通知")
    client = as_user(desk.supervisor)

    page = text(client.get("/notices/"))

    rows = re.findall(r"<tr class=\"([^\"]*)\">.*?<a href=\"/notices/(\d+)\">", page, re.S)
    assert rows[0] == ("is-waiting", str(waiting.notice_id))
    assert {n for c, n in rows[1:]} == {str(r.notice_id) for r in (with_manager, own, done)}
    assert "Waiting for your approval" in page and "TZ2026-0001" in page

    client = as_user(desk.manager)
    page = text(client.get("/notices/?status=waiting"))
    assert "等项目经理审批的通知" in page and "等主管审批的通知" not in page and "已批准的通知" not in page


@pytest.mark.parametrize("status, titles", [
    ("draft", {"草稿"}),
    ("in_approval", {"审批中"}),
    ("current", {"现行", "修订过"}),
    ("expired", {"已过期"}),
    ("superseded", {"修订过"}),
    ("", {"草稿", "审批中", "现行", "已过期", "修订过"}),
])
def test_the_list_filters_by_status(db, as_user, desk, status, titles):
    draft(desk, title="草稿")
    submitted(desk, title="审批中")
    approved(desk, title="现行")
    expired = services.draft_notice(desk.site, kind="general", content=content(
        title="已过期", valid_from=date(2026, 3, 20), valid_to=date(2026, 3, 30)), actor=desk.clerk, now=at(2026, 3, 19))
    for service, actor, hour in ((services.submit, desk.clerk, 11), (services.approve, desk.supervisor, 12),
                                 (services.approve, desk.manager, 14)):
        service(expired.revisions[0], actor=actor, now=at(2026, 3, 19, hour))
    revised = approved(desk, title="修订过")
    again = services.new_revision(revised.notice, actor=desk.clerk, now=T3)
    for service, actor in ((services.submit, desk.clerk), (services.approve, desk.supervisor),
                           (services.approve, desk.manager)):
        service(again, actor=actor, now=T3)
    db.session.commit()
    client = as_user(desk.clerk)

    page = text(client.get("/notices/", query_string={"status": status}))

    shown = set(re.findall(r'<a href="/notices/\d+">(.*?)</a>', page))
    assert shown == titles


def test_the_list_finds_by_title_or_number_and_by_kind(db, as_user, desk):
    water = approved(desk)
    draft(desk, title="园区春季促销活动", kind="promotion")
    client = as_user(desk.clerk)

    by_number = text(client.get("/notices/?q=TZ2026-0001"))
    by_title = text(client.get("/notices/?q=春季"))
    by_kind = text(client.get("/notices/?kind=promotion"))

    assert "关于园区临时停水的通知" in by_number and "园区春季促销活动" not in by_number
    assert "园区春季促销活动" in by_title and water.title not in by_title
    assert "园区春季促销活动" in by_kind and water.title not in by_kind
    assert client.get("/notices/?status=nonsense").status_code == 422


def test_a_steward_sees_the_notices_but_drafts_none(db, as_user, desk, steward):
    revision = approved(desk)
    client = as_user(steward)

    listing = text(client.get("/notices/"))
    page = text(client.get(f"/notices/{revision.notice_id}"))

    assert "关于园区临时停水的通知" in listing and "Draft a notice" not in listing
    assert "PDF to print" in page and "Start a new revision" not in page
    assert f'href="/notices/{revision.notice_id}/post">Post it on a board</a>' in page
    assert client.get("/notices/new").status_code == 403


def test_a_cashier_does_not_see_notices(db, as_user, desk):
    cashier = make_user("cashier", site=desk.site)
    db.session.commit()
    client = as_user(cashier)

    assert client.get("/notices/").status_code == 403


def test_the_history_lists_revisions_and_decisions(db, as_user, desk):
    revision = submitted(desk)
    services.reject(revision, comment="请补充联系电话", actor=desk.supervisor, now=T2)
    services.submit(revision, actor=desk.clerk, now=T2)
    services.approve(revision, actor=desk.other_supervisor, now=T3)
    db.session.commit()
    client = as_user(desk.clerk)

    history = text(client.get(f"/notices/{revision.notice_id}")).split("<h2>History</h2>")[1]

    assert "请补充联系电话" in history and "周主管" in history and "吴主管" in history
    assert history.index("吴主管") < history.index("周主管")  # newest first
    assert "Sent back" in history and "Approved" in history
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "notice.reject")) == 1
