"""Final approvals at the same moment, each thread with its own app context and session against the
real database: notice numbers stay gapless and unique, and a revision is approved once."""
import sqlalchemy as sa

from frontdesk.auth.models import User
from frontdesk.core.errors import InvalidTransition
from frontdesk.notices import services
from frontdesk.notices.models import APPROVED, MANAGER_STEP, Notice, NoticeDecision, NoticeRevision
from tests.factories import make_user, run_together
from tests.notices.conftest import T3, audit_actions, checked


def test_eight_final_approvals_at_once_get_gapless_numbers(app, db, desk):
    managers = [desk.manager.id] + [make_user("project_manager", site=desk.site).id for _ in range(7)]
    db.session.commit()
    revisions = [checked(desk, title=f"通知{i}").id for i in range(8)]
    db.session.commit()  # reading the ids opened a transaction: end it before the threads write

    def work(i, tdb):
        revision = tdb.session.get(NoticeRevision, revisions[i])
        services.approve(revision, actor=tdb.session.get(User, managers[i]), now=T3)
        return revision.notice.number

    results = run_together(app, work, 8)
    assert sorted(results) == [f"TZ2026-{n:04d}" for n in range(1, 9)], results
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(Notice.number)).all()) == sorted(results)
    assert db.session.scalars(sa.select(NoticeRevision.status).distinct()).all() == [APPROVED]
    for revision_id, number in zip(revisions, results):
        revision = db.session.get(NoticeRevision, revision_id)
        assert revision.snapshot["number"] == number == revision.notice.number


def test_two_final_approvals_of_one_revision_at_once_approve_it_once(app, db, desk):
    other_manager = make_user("project_manager", site=desk.site, full_name="孙经理")
    db.session.commit()
    managers = [desk.manager.id, other_manager.id]
    revision_id = checked(desk).id
    db.session.commit()  # reading the id opened a transaction: end it before the threads write

    def work(i, tdb):
        services.approve(tdb.session.get(NoticeRevision, revision_id), actor=tdb.session.get(User, managers[i]),
                         now=T3)
        return "approved"

    results = run_together(app, work, 2)
    assert results.count("approved") == 1, results
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1, results
    db.session.expire_all()
    revision = db.session.get(NoticeRevision, revision_id)
    assert (revision.status, revision.notice.number) == (APPROVED, "TZ2026-0001")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeDecision).where(
        NoticeDecision.step == MANAGER_STEP)) == 1
    winner = managers[results.index("approved")]
    assert [a for a in audit_actions(revision.notice) if a[0] == "notice.approve"] == [("notice.approve", winner)]
