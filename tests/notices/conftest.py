"""Notice test data: a park with buildings A and B, a clerk, two customer-service supervisors and a
project manager, and a second site with its own building; `content(...)` gives a valid notice text
and `draft(...)`, `submitted(...)`, `checked(...)`, `approved(...)` take a notice to that point.

Every service call passes its `now`: `at(...)` gives an instant from Shanghai wall time. Steps that
succeed are committed, as a page commits them."""
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.core.clock import BUSINESS_TZ
from frontdesk.extensions import db
from frontdesk.notices import services
from frontdesk.notices.models import MAINTENANCE, Notice, NoticeDecision, NoticeRevision
from tests.factories import make_building, make_site, make_user


def at(year, month, day, hour=10, minute=0) -> datetime:
    """An instant given as Shanghai wall time (UTC-aware, as the services want it)."""
    return datetime(year, month, day, hour, minute, tzinfo=BUSINESS_TZ).astimezone(timezone.utc)


T0 = at(2026, 4, 1, 9)  # drafted
T1 = at(2026, 4, 1, 10)  # submitted
T2 = at(2026, 4, 1, 11)  # checked by the supervisor
T3 = at(2026, 4, 1, 14)  # approved by the project manager

BODY = """# 停水通知

尊敬的各位业主、租户：
因市政管网检修，园区将暂停供水。

- 停水时间：4月3日 **9:00至17:00**
- 影响范围：A座、B座

请您提前储水，给您带来不便，敬请谅解，谢谢！"""


@dataclass
class Desk:
    site: object
    building: object
    other_building: object
    clerk: object
    supervisor: object
    other_supervisor: object
    manager: object
    other_site: object
    foreign_building: object


@pytest.fixture
def desk(db):
    """星河产业园 with A座 and B座; clerk 李娟, supervisors 周主管 and 吴主管, project manager 郑经理;
    and 海港大厦, another site with its own A座. Committed."""
    site = make_site("PARK", kind="park", name="星河产业园", company_name="星河物业服务有限公司")
    other_site = make_site("HARB", kind="estate", name="海港大厦", company_name="海港物业服务有限公司")
    made = Desk(
        site=site, building=make_building(site, "A"), other_building=make_building(site, "B"),
        clerk=make_user("clerk", username="clerk1", full_name="李娟", site=site),
        supervisor=make_user("supervisor", username="boss1", full_name="周主管", site=site),
        other_supervisor=make_user("supervisor", username="boss2", full_name="吴主管", site=site),
        manager=make_user("project_manager", username="pm1", full_name="郑经理", site=site),
        other_site=other_site, foreign_building=make_building(other_site, "A"),
    )
    db.session.commit()
    return made


def content(**changes) -> services.Content:
    """A water-cut notice for A座 and B座 from 3 to 4 April 2026, to the boards; `changes` override."""
    values = dict(title="关于园区临时停水的通知", body=BODY, valid_from=date(2026, 4, 2), valid_to=date(2026, 4, 4),
                  building_ids=[], to_boards=True, to_sms=False, to_home=False, sms_text="")
    values.update(changes)
    return services.Content(**values)


def draft(desk, *, actor=None, now=T0, site=None, kind=MAINTENANCE, **changes) -> Notice:
    notice = services.draft_notice(site or desk.site, kind=kind, content=content(**changes),
                                   actor=actor or desk.clerk, now=now)
    db.session.commit()
    return notice


def submitted(desk, *, now=T1, **kw) -> NoticeRevision:
    revision = draft(desk, **kw).revisions[-1]
    services.submit(revision, actor=revision.drafted_by, now=now)
    db.session.commit()
    return revision


def checked(desk, *, now=T2, by=None, **kw) -> NoticeRevision:
    revision = submitted(desk, **kw)
    services.approve(revision, actor=by or desk.supervisor, now=now)
    db.session.commit()
    return revision


def approved(desk, *, now=T3, by=None, **kw) -> NoticeRevision:
    revision = checked(desk, **kw)
    services.approve(revision, actor=by or desk.manager, now=now)
    db.session.commit()
    return revision


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts() -> dict:
    """How many rows of notices, revisions, decisions and audit entries there are."""
    return {model.__name__: count(model) for model in (Notice, NoticeRevision, NoticeDecision, AuditEntry)}


def decisions_of(revision) -> list[tuple]:
    """(step, decision, comment, actor id) of the revision's decisions, oldest first."""
    return [tuple(row) for row in db.session.execute(
        sa.select(NoticeDecision.step, NoticeDecision.decision, NoticeDecision.comment, NoticeDecision.actor_id)
        .where(NoticeDecision.revision_id == revision.id).order_by(NoticeDecision.id))]


def audit_actions(notice) -> list[tuple[str, int | None]]:
    """(action, actor id) of the audit entries about the notice, oldest first."""
    return [tuple(row) for row in db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.actor_id)
        .where(AuditEntry.object_type == "notice", AuditEntry.object_id == str(notice.id))
        .order_by(AuditEntry.id))]
