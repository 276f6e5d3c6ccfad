"""The approval of notices: drafted, submitted, approved by the customer-service supervisor and then
the project manager; numbered and frozen at the final approval; rejected with a comment; revised
after approval. Every refusal changes nothing."""
from datetime import date

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.core.numbering import Counter
from frontdesk.notices import services
from frontdesk.notices.models import (
    APPROVE, APPROVED, CHECKED, DRAFT, MANAGER_STEP, REJECT, SUBMITTED, SUPERSEDED, SUPERVISOR_STEP, Notice,
    NoticeRevision,
)
from frontdesk.notices.rules import WordingNote
from tests.factories import english, make_user
from tests.notices.conftest import (
    BODY, T0, T1, T2, T3, approved, at, audit_actions, checked, content, counts, decisions_of, draft, submitted,
)


def refused(error_type, call, *args, **kwargs):
    """Call a service that must refuse; roll back as a page does and return the error."""
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    services.db.session.rollback()
    return caught.value


def fresh(revision) -> NoticeRevision:
    services.db.session.expire_all()
    return services.db.session.get(NoticeRevision, revision.id)


# --- the whole path ----------------------------------------------------------------------------------

def test_draft_submit_check_approve(db, desk):
    notice = draft(desk, building_ids=[desk.other_building.id, desk.building.id])
    revision = notice.revisions[0]
    assert (revision.no, revision.status, notice.number, notice.author_id) == (1, DRAFT, None, desk.clerk.id)
    assert revision.building_ids == sorted([desk.building.id, desk.other_building.id])

    notes = services.submit(revision, actor=desk.clerk, now=T1)
    db.session.commit()
    assert notes == []
    assert (fresh(revision).status, fresh(revision).submitted_at) == (SUBMITTED, T1)

    services.approve(revision, actor=desk.supervisor, now=T2)
    db.session.commit()
    revision = fresh(revision)
    assert (revision.status, revision.notice.number, revision.snapshot) == (CHECKED, None, None)

    services.approve(revision, actor=desk.manager, now=T3)
    db.session.commit()
    revision = fresh(revision)
    assert (revision.status, revision.approved_at, revision.notice.number) == (APPROVED, T3, "TZ2026-0001")
    assert decisions_of(revision) == [(SUPERVISOR_STEP, APPROVE, "", desk.supervisor.id),
                                      (MANAGER_STEP, APPROVE, "", desk.manager.id)]
    assert revision.snapshot == {
        "company": "星河物业服务有限公司", "site": "星河产业园", "number": "TZ2026-0001", "revision": 1,
        "kind": "maintenance", "title": "关于园区临时停水的通知", "body": BODY, "buildings": ["A座", "B座"],
        "valid_from": "2026-04-02", "valid_to": "2026-04-04", "issued_on": "2026-04-01", "sms_text": "",
        "approved_by": {SUPERVISOR_STEP: "周主管", MANAGER_STEP: "郑经理"},
    }
    assert audit_actions(revision.notice) == [
        ("notice.draft", desk.clerk.id), ("notice.submit", desk.clerk.id), ("notice.check", desk.supervisor.id),
        ("notice.approve", desk.manager.id)]


def test_approval_in_one_session_sees_the_first_approval(db, desk):
    """Both approvals in one unit of work (no commit between): the four-eyes rule and the snapshot
    still see the supervisor's approval."""
    both = make_user("supervisor", "project_manager", site=desk.site, full_name="钱经理")
    revision = submitted(desk)
    services.approve(revision, actor=desk.supervisor, now=T2)
    services.approve(revision, actor=desk.manager, now=T3)
    assert revision.snapshot["approved_by"] == {SUPERVISOR_STEP: "周主管", MANAGER_STEP: "郑经理"}
    db.session.rollback()

    revision = submitted(desk)
    services.approve(revision, actor=both, now=T2)
    with pytest.raises(NotAllowed):
        services.approve(revision, actor=both, now=T3)


def test_the_snapshot_of_a_whole_site_notice_with_a_text_message(db, desk):
    revision = approved(desk, to_sms=True, sms_text="【星河物业】4月3日9:00-17:00停水，请您提前储水。", to_boards=False)
    assert revision.snapshot["buildings"] == []
    assert revision.snapshot["sms_text"] == "【星河物业】4月3日9:00-17:00停水，请您提前储水。"


def test_submission_returns_the_wording_notes_and_still_submits(db, desk):
    revision = draft(desk, title="停水", body="明天停水，不知道什么时候来水。").revisions[0]
    notes = services.submit(revision, actor=desk.clerk, now=T1)
    db.session.commit()
    assert notes == [WordingNote("forbidden", "不知道"), WordingNote("courtesy", "您、请、谢谢")]
    assert fresh(revision).status == SUBMITTED
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "notice.submit")).one()
    assert entry.after["wording"] == ["forbidden:不知道", "courtesy:您、请、谢谢"]


def test_a_notice_that_would_have_expired_is_not_submitted(db, desk):
    revision = draft(desk, valid_from=date(2026, 3, 1), valid_to=date(2026, 3, 31)).revisions[0]
    before = counts()
    error = refused(ValidationFailed, services.submit, revision, actor=desk.clerk, now=at(2026, 4, 1, 0, 30))
    assert error.field == "valid_to"
    assert (fresh(revision).status, counts()) == (DRAFT, before)
    services.submit(revision, actor=desk.clerk, now=at(2026, 3, 31, 23, 30))  # the last day is still in time


# --- approvals refused -------------------------------------------------------------------------------

def assert_refused(error_type, revision, call, *args, **kwargs):
    """The call is refused and nothing changes: status, decisions, audit entries, rows."""
    before = (fresh(revision).status, decisions_of(revision), counts())
    error = refused(error_type, call, *args, **kwargs)
    assert (fresh(revision).status, decisions_of(revision), counts()) == before
    return error


def test_the_project_manager_cannot_approve_first(db, desk):
    revision = submitted(desk)
    error = assert_refused(NotAllowed, revision, services.approve, revision, actor=desk.manager, now=T2)
    assert english(error) == "The first approval of a notice is the customer-service supervisor's."


def test_a_draft_cannot_be_approved(db, desk):
    revision = draft(desk).revisions[0]
    assert_refused(InvalidTransition, revision, services.approve, revision, actor=desk.supervisor, now=T2)
    assert_refused(InvalidTransition, revision, services.approve, revision, actor=desk.manager, now=T2)


def test_a_supervisor_cannot_give_the_final_approval(db, desk):
    revision = checked(desk)
    assert_refused(NotAllowed, revision, services.approve, revision, actor=desk.other_supervisor, now=T3)


def test_the_final_approval_cannot_be_given_twice(db, desk):
    revision = approved(desk)
    other_manager = make_user("project_manager", site=desk.site)
    db.session.commit()
    for actor in (desk.manager, other_manager, desk.supervisor):
        error = assert_refused(InvalidTransition, revision, services.approve, revision, actor=actor, now=T3)
        assert english(error) == "This revision is not waiting for an approval (it is at “Approved”)."
    assert fresh(revision).notice.number == "TZ2026-0001"
    assert db.session.scalar(sa.select(Counter.value)) == 1


def test_the_first_approval_cannot_be_given_twice(db, desk):
    revision = checked(desk)
    assert_refused(NotAllowed, revision, services.approve, revision, actor=desk.other_supervisor, now=T3)
    assert_refused(NotAllowed, revision, services.approve, revision, actor=desk.supervisor, now=T3)


def test_a_supervisor_who_drafted_cannot_approve(db, desk):
    revision = submitted(desk, actor=desk.supervisor)
    error = assert_refused(NotAllowed, revision, services.approve, revision, actor=desk.supervisor, now=T2)
    assert english(error) == "Nobody approves a notice they wrote."
    services.approve(revision, actor=desk.other_supervisor, now=T2)  # another supervisor may
    db.session.commit()
    assert fresh(revision).status == CHECKED


def test_the_author_of_the_notice_cannot_approve_a_later_revision_drafted_by_someone_else(db, desk):
    first = checked(desk, actor=desk.supervisor, by=desk.other_supervisor)
    services.approve(first, actor=desk.manager, now=T3)
    second = services.new_revision(first.notice, actor=desk.clerk, now=at(2026, 4, 2, 9))
    services.submit(second, actor=desk.clerk, now=at(2026, 4, 2, 9, 10))
    db.session.commit()
    assert_refused(NotAllowed, second, services.approve, second, actor=desk.supervisor, now=at(2026, 4, 2, 10))


def test_the_same_person_cannot_give_both_approvals(db, desk):
    both = make_user("supervisor", "project_manager", site=desk.site, full_name="钱经理")
    db.session.commit()
    revision = checked(desk, by=both)
    error = assert_refused(NotAllowed, revision, services.approve, revision, actor=both, now=T3)
    assert english(error) == "The two approvals are given by two different people."
    services.approve(revision, actor=desk.manager, now=T3)
    db.session.commit()
    assert fresh(revision).snapshot["approved_by"] == {SUPERVISOR_STEP: "钱经理", MANAGER_STEP: "郑经理"}


def test_a_clerk_cannot_approve_or_reject(db, desk):
    revision = submitted(desk, actor=desk.supervisor)
    assert_refused(NotAllowed, revision, services.approve, revision, actor=desk.clerk, now=T2)
    assert_refused(NotAllowed, revision, services.reject, revision, comment="不行", actor=desk.clerk, now=T2)


def test_the_author_cannot_reject_their_own_notice(db, desk):
    revision = submitted(desk, actor=desk.supervisor)
    error = assert_refused(NotAllowed, revision, services.reject, revision, comment="我自己改", actor=desk.supervisor,
                           now=T2)
    assert "wrote" in english(error)


def test_only_the_author_or_a_supervisor_submits_a_draft(db, desk):
    other_clerk = make_user("clerk", username="clerk2", full_name="孙文员", site=desk.site)
    revision = draft(desk).revisions[-1]
    services.db.session.commit()
    before = counts()
    refused(NotAllowed, services.submit, revision, actor=other_clerk, now=T1)
    assert counts() == before and fresh(revision).status == DRAFT
    services.submit(fresh(revision), actor=desk.other_supervisor, now=T1)
    assert fresh(revision).status == SUBMITTED


def test_an_inactive_supervisor_cannot_approve(db, desk):
    revision = submitted(desk)
    desk.supervisor.active = False
    db.session.commit()
    assert_refused(NotAllowed, revision, services.approve, revision, actor=desk.supervisor, now=T2)


def test_a_project_manager_cannot_draft(db, desk):
    before = counts()
    refused(NotAllowed, services.draft_notice, desk.site, kind="general", content=content(), actor=desk.manager,
            now=T0)
    assert counts() == before


# --- rejection ---------------------------------------------------------------------------------------

def test_rejection_needs_a_comment(db, desk):
    revision = submitted(desk)
    for comment in ("", "   ", None):
        error = assert_refused(ValidationFailed, revision, services.reject, revision, comment=comment,
                               actor=desk.supervisor, now=T2)
        assert error.field == "comment"
    assert_refused(ValidationFailed, revision, services.reject, revision, comment="长" * 501, actor=desk.supervisor,
                   now=T2)


def test_the_supervisor_rejects_back_to_draft_and_the_decision_is_kept(db, desk):
    revision = submitted(desk)
    services.reject(revision, comment=" 停水时间写错了 ", actor=desk.supervisor, now=T2)
    db.session.commit()
    revision = fresh(revision)
    assert (revision.status, revision.notice.number) == (DRAFT, None)
    assert decisions_of(revision) == [(SUPERVISOR_STEP, REJECT, "停水时间写错了", desk.supervisor.id)]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "notice.reject")).one()
    assert (entry.before, entry.after["status"], entry.after["comment"]) == ({"status": SUBMITTED}, DRAFT,
                                                                              "停水时间写错了")
    # the author changes the draft in place and submits again
    services.change_draft(revision, content=content(title="关于园区临时停水的通知（更正）"), actor=desk.clerk,
                          now=at(2026, 4, 1, 12))
    services.submit(revision, actor=desk.clerk, now=at(2026, 4, 1, 12, 5))
    db.session.commit()
    assert (fresh(revision).status, fresh(revision).title) == (SUBMITTED, "关于园区临时停水的通知（更正）")


def test_the_project_manager_rejects_and_the_supervisor_may_approve_again(db, desk):
    revision = checked(desk)
    assert_refused(NotAllowed, revision, services.reject, revision, comment="不同意", actor=desk.supervisor,
                   now=T3)  # the checked revision waits for the project manager
    services.reject(revision, comment="请补充影响范围", actor=desk.manager, now=T3)
    db.session.commit()
    assert fresh(revision).status == DRAFT
    assert_refused(InvalidTransition, revision, services.reject, revision, comment="再退", actor=desk.manager,
                   now=T3)

    services.submit(revision, actor=desk.clerk, now=at(2026, 4, 1, 15))
    services.approve(revision, actor=desk.supervisor, now=at(2026, 4, 1, 15, 30))
    services.approve(revision, actor=desk.manager, now=at(2026, 4, 1, 16))
    db.session.commit()
    revision = fresh(revision)
    assert (revision.status, revision.notice.number) == (APPROVED, "TZ2026-0001")
    assert decisions_of(revision) == [
        (SUPERVISOR_STEP, APPROVE, "", desk.supervisor.id), (MANAGER_STEP, REJECT, "请补充影响范围", desk.manager.id),
        (SUPERVISOR_STEP, APPROVE, "", desk.supervisor.id), (MANAGER_STEP, APPROVE, "", desk.manager.id)]
    assert revision.snapshot["approved_by"] == {SUPERVISOR_STEP: "周主管", MANAGER_STEP: "郑经理"}


def test_after_a_rejection_the_earlier_first_approval_does_not_count(db, desk):
    """A user with both roles gave the first approval, the project manager rejected; after the
    resubmission that user may give the first approval again, and still not the final one."""
    both = make_user("supervisor", "project_manager", site=desk.site, full_name="钱经理")
    db.session.commit()
    revision = checked(desk, by=both)
    services.reject(revision, comment="日期有误", actor=desk.manager, now=T3)
    services.submit(revision, actor=desk.clerk, now=at(2026, 4, 1, 15))
    db.session.commit()
    services.approve(revision, actor=desk.other_supervisor, now=at(2026, 4, 1, 15, 30))
    db.session.commit()
    services.approve(revision, actor=both, now=at(2026, 4, 1, 16))  # its earlier approval was before the rejection
    db.session.commit()
    assert fresh(revision).status == APPROVED
    assert fresh(revision).snapshot["approved_by"] == {SUPERVISOR_STEP: "吴主管", MANAGER_STEP: "钱经理"}


def test_a_draft_or_an_approved_revision_cannot_be_rejected(db, desk):
    revision = draft(desk).revisions[0]
    assert_refused(InvalidTransition, revision, services.reject, revision, comment="x", actor=desk.supervisor,
                   now=T2)
    revision = approved(desk)
    assert_refused(InvalidTransition, revision, services.reject, revision, comment="x", actor=desk.manager, now=T3)


# --- frozen content and revisions --------------------------------------------------------------------

@pytest.mark.parametrize("stage", [submitted, checked, approved])
def test_a_revision_past_draft_cannot_be_changed_in_place(db, desk, stage):
    revision = stage(desk)
    before = (fresh(revision).title, fresh(revision).snapshot)
    assert_refused(InvalidTransition, revision, services.change_draft, revision, content=content(title="改过的标题"),
                   actor=desk.clerk, now=at(2026, 4, 1, 15))
    assert (fresh(revision).title, fresh(revision).snapshot) == before


def test_a_new_revision_needs_both_approvals_and_supersedes_the_old_one_when_approved(db, desk):
    first = approved(desk)
    notice_id, first_snapshot = first.notice_id, dict(first.snapshot)

    second = services.new_revision(first.notice, actor=desk.clerk, now=at(2026, 4, 2, 9))
    db.session.commit()
    second = fresh(second)
    assert (second.no, second.status, second.drafted_by_id, second.snapshot) == (2, DRAFT, desk.clerk.id, None)
    assert (second.title, second.body, second.valid_from, second.valid_to, second.building_ids) == (
        first.title, first.body, first.valid_from, first.valid_to, first.building_ids)
    assert fresh(first).status == APPROVED  # still in force

    services.change_draft(second, content=content(valid_to=date(2026, 4, 5), body=BODY + "\n延长一天。"),
                          actor=desk.clerk, now=at(2026, 4, 2, 9, 5))
    services.submit(second, actor=desk.clerk, now=at(2026, 4, 2, 9, 10))
    db.session.commit()
    assert_refused(NotAllowed, second, services.approve, second, actor=desk.manager, now=at(2026, 4, 2, 9, 20))
    services.approve(second, actor=desk.supervisor, now=at(2026, 4, 2, 9, 30))
    db.session.commit()
    assert (fresh(first).status, fresh(second).status) == (APPROVED, CHECKED)

    services.approve(second, actor=desk.manager, now=at(2026, 4, 2, 10))
    db.session.commit()
    first, second = fresh(first), fresh(second)
    assert (first.status, second.status) == (SUPERSEDED, APPROVED)
    assert first.snapshot == first_snapshot  # frozen
    assert (second.snapshot["number"], second.snapshot["revision"], second.snapshot["valid_to"]) == (
        "TZ2026-0001", 2, "2026-04-05")
    assert second.snapshot["body"].endswith("延长一天。")
    assert second.snapshot["issued_on"] == "2026-04-02"
    notice = db.session.get(Notice, notice_id)
    assert (notice.number, [r.no for r in notice.revisions]) == ("TZ2026-0001", [1, 2])
    assert db.session.scalar(sa.select(Counter.value)) == 1  # no number taken for the revision
    assert [a for a, _ in audit_actions(notice)] == [
        "notice.draft", "notice.submit", "notice.check", "notice.approve", "notice.revise", "notice.edit",
        "notice.submit", "notice.check", "notice.supersede", "notice.approve"]


def test_a_second_new_revision_while_one_is_in_the_making_is_refused(db, desk):
    first = approved(desk)
    services.new_revision(first.notice, actor=desk.clerk, now=at(2026, 4, 2, 9))
    db.session.commit()
    before = counts()
    error = refused(InvalidTransition, services.new_revision, fresh(first).notice, actor=desk.supervisor,
                    now=at(2026, 4, 2, 9, 5))
    assert english(error) == "Revision 2 of this notice is not approved yet: change that one."
    assert counts() == before


def test_a_second_new_revision_in_the_same_session_is_refused(db, desk):
    first = approved(desk)
    services.new_revision(first.notice, actor=desk.clerk, now=at(2026, 4, 2, 9))
    with pytest.raises(InvalidTransition):
        services.new_revision(first.notice, actor=desk.clerk, now=at(2026, 4, 2, 9, 5))


def test_a_notice_not_yet_approved_gets_no_new_revision(db, desk):
    revision = checked(desk)
    before = counts()
    refused(InvalidTransition, services.new_revision, revision.notice, actor=desk.clerk, now=T3)
    assert counts() == before


def test_a_rejected_new_revision_leaves_the_approved_one_in_force(db, desk):
    first = approved(desk)
    second = services.new_revision(first.notice, actor=desk.clerk, now=at(2026, 4, 2, 9))
    services.submit(second, actor=desk.clerk, now=at(2026, 4, 2, 9, 10))
    services.reject(second, comment="无需修改", actor=desk.supervisor, now=at(2026, 4, 2, 9, 30))
    db.session.commit()
    assert (fresh(first).status, fresh(second).status) == (APPROVED, DRAFT)


# --- validation --------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    (dict(valid_from=date(2026, 4, 4), valid_to=date(2026, 4, 3)), "valid_to"),
    (dict(valid_from=None), "valid_from"),
    (dict(body="请注意<script>alert(1)</script>"), "body"),
    (dict(body="<b>停水</b>"), "body"),
    (dict(body="  "), "body"),
    (dict(body="通" * 5001), "body"),
    (dict(to_sms=True, sms_text="通" * 141), "sms_text"),
    (dict(to_sms=True, sms_text="   "), "sms_text"),
    (dict(to_boards=False, to_sms=False, to_home=False), "to_boards"),
    (dict(title="  "), "title"),
    (dict(title="通" * 101), "title"),
])
def test_bad_content_is_refused_on_its_field_and_writes_nothing(db, desk, changes, field):
    before = counts()
    error = refused(ValidationFailed, services.draft_notice, desk.site, kind="maintenance", content=content(**changes),
                    actor=desk.clerk, now=T0)
    assert error.field == field
    assert counts() == before


def test_a_building_of_another_site_is_refused(db, desk):
    before = counts()
    error = refused(ValidationFailed, services.draft_notice, desk.site, kind="maintenance",
                    content=content(building_ids=[desk.building.id, desk.foreign_building.id]), actor=desk.clerk,
                    now=T0)
    assert (error.field, counts()) == ("building_ids", before)


def test_a_building_that_is_not_a_number_is_refused(db, desk):
    before = counts()
    error = refused(ValidationFailed, services.draft_notice, desk.site, kind="maintenance",
                    content=content(building_ids=["A座"]), actor=desk.clerk, now=T0)
    assert (error.field, counts()) == ("building_ids", before)


def test_an_unknown_kind_is_refused(db, desk):
    error = refused(ValidationFailed, services.draft_notice, desk.site, kind="gossip", content=content(),
                    actor=desk.clerk, now=T0)
    assert error.field == "kind"


def test_an_sms_at_the_limit_is_kept_and_sms_text_without_the_channel_is_dropped(db, desk):
    revision = draft(desk, to_sms=True, sms_text="通" * 140).revisions[0]
    assert revision.sms_text == "通" * 140
    revision = draft(desk, to_sms=False, sms_text="不发短信").revisions[0]
    assert revision.sms_text == ""


def test_changing_a_draft_is_validated_and_changes_nothing_when_refused(db, desk):
    revision = draft(desk).revisions[0]
    for changes, field in ((dict(body="<script>x</script>"), "body"),
                           (dict(valid_from=date(2026, 4, 5), valid_to=date(2026, 4, 1)), "valid_to"),
                           (dict(building_ids=[desk.foreign_building.id]), "building_ids")):
        error = assert_refused(ValidationFailed, revision, services.change_draft, revision,
                               content=content(**changes), actor=desk.clerk, now=T1)
        assert error.field == field
        assert (fresh(revision).body, fresh(revision).building_ids) == (BODY, [])


def test_only_the_author_or_a_supervisor_changes_a_draft(db, desk):
    revision = draft(desk, actor=desk.supervisor).revisions[0]
    assert_refused(NotAllowed, revision, services.change_draft, revision, content=content(title="新标题"),
                   actor=desk.clerk, now=T1)
    services.change_draft(revision, content=content(title="新标题"), actor=desk.other_supervisor, now=T1)
    db.session.commit()
    assert fresh(revision).title == "新标题"


# --- numbers -----------------------------------------------------------------------------------------

def test_numbers_are_gapless_per_site_and_year_and_given_at_the_final_approval(db, desk):
    other_clerk = make_user("clerk", site=desk.other_site)
    other_supervisor = make_user("supervisor", site=desk.other_site)
    other_manager = make_user("project_manager", site=desk.other_site)
    db.session.commit()
    first = checked(desk)
    second = approved(desk)  # approved before the first: it takes the first number
    services.approve(first, actor=desk.manager, now=at(2026, 4, 1, 15))
    rejected = submitted(desk)
    services.reject(rejected, comment="重写", actor=desk.supervisor, now=T2)
    third = approved(desk)
    harbour = submitted(desk, site=desk.other_site, actor=other_clerk)
    services.approve(harbour, actor=other_supervisor, now=T2)
    services.approve(harbour, actor=other_manager, now=T3)
    next_year = approved(desk, valid_from=date(2027, 1, 2), valid_to=date(2027, 1, 9), now=at(2027, 1, 1, 0, 30))
    db.session.commit()
    numbers = [fresh(r).notice.number for r in (second, first, third, harbour, next_year)]
    assert numbers == ["TZ2026-0001", "TZ2026-0002", "TZ2026-0003", "TZ2026-0001", "TZ2027-0001"]
    assert fresh(rejected).notice.number is None


def test_the_year_of_the_number_is_the_year_in_shanghai(db, desk):
    # 2026-12-31 17:00 UTC is 1 January 2027 in Shanghai
    revision = approved(desk, valid_from=date(2026, 12, 31), valid_to=date(2027, 1, 5),
                        now=at(2027, 1, 1, 1))
    assert revision.notice.number == "TZ2027-0001"
