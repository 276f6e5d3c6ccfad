"""Read side of notices: the boards, what is up on each, the posting log and the take-down list."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..core.notify import OutboxMessage
from ..estate import rules as estate_rules
from ..estate.models import Contact, Customer, Occupancy, Unit
from ..extensions import db
from .models import APPROVED, SUPERSEDED, Notice, NoticeBoard, NoticeRevision, Posting


def boards(site_id, *, active_only=True) -> list[NoticeBoard]:
    query = sa.select(NoticeBoard).where(NoticeBoard.site_id == site_id).order_by(NoticeBoard.name)
    if active_only:
        query = query.where(NoticeBoard.active.is_(True))
    return db.session.scalars(query).all()


def _up(site_id):
    return (sa.select(Posting).join(NoticeRevision, NoticeRevision.id == Posting.revision_id)
            .where(Posting.site_id == site_id, Posting.taken_down_at.is_(None))
            .options(joinedload(Posting.notice), joinedload(Posting.revision), joinedload(Posting.board)))


def on_the_boards(site_id) -> list[Posting]:
    """What is up on the boards now, board by board in posting order."""
    return db.session.scalars(_up(site_id).join(NoticeBoard, NoticeBoard.id == Posting.board_id)
                              .order_by(NoticeBoard.name, Posting.posted_at)).all()


def to_take_down(site_id, day: date) -> list[Posting]:
    """The take-down list of `day`: notices up whose last valid day is `day` or earlier, and
    revisions a newer approved revision has replaced."""
    return db.session.scalars(_up(site_id).where(sa.or_(NoticeRevision.valid_to <= day,
                                                        NoticeRevision.status == SUPERSEDED))
                              .order_by(NoticeRevision.valid_to, Posting.board_id)).all()


def left_up_after_expiry(site_id, day: date) -> int:
    """How many postings are still up after their notice expired (flagged on the home page)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Posting)
                             .join(NoticeRevision, NoticeRevision.id == Posting.revision_id)
                             .where(Posting.site_id == site_id, Posting.taken_down_at.is_(None),
                                    sa.or_(NoticeRevision.valid_to < day, NoticeRevision.status == SUPERSEDED)))


def posting_log(site_id, *, page=1, per_page=50):
    """The posting log in number order, newest first."""
    return db.paginate(sa.select(Posting).where(Posting.site_id == site_id)
                       .options(joinedload(Posting.notice), joinedload(Posting.board), joinedload(Posting.posted_by))
                       .order_by(Posting.id.desc()), page=page, per_page=per_page, error_out=False)


def sms_audience(site_id, building_ids, day: date) -> list[str]:
    """The mobile numbers a notice's text message goes to: the customers holding a unit of the
    buildings (or of the whole site) on `day`, each once — a household's own phone, a company's
    contacts' phones."""
    holding = (sa.select(Occupancy.customer_id).join(Unit, Unit.id == Occupancy.unit_id)
               .where(Unit.site_id == site_id, Occupancy.start_on <= day,
                      sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= day)))
    if building_ids:
        holding = holding.where(Unit.building_id.in_(building_ids))
    phones = db.session.scalars(sa.select(Customer.phone).where(Customer.id.in_(holding))).all()
    phones += db.session.scalars(sa.select(Contact.phone).where(Contact.customer_id.in_(holding))).all()
    return sorted({p.replace("-", "") for p in phones if p and estate_rules.is_mobile(p)})


def sms_log(revision_id) -> list[OutboxMessage]:
    """The text messages of a revision, one per recipient, with how each fared."""
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.object_type == "notice_revision",
                                                             OutboxMessage.object_id == revision_id)
                              .order_by(OutboxMessage.id)).all()


def for_the_home_page(site_id, day: date, *, limit=5) -> list[NoticeRevision]:
    """The approved notices meant for the home page of staff that are in force on `day`, the
    latest approved first."""
    return db.session.scalars(
        sa.select(NoticeRevision).join(Notice, Notice.id == NoticeRevision.notice_id)
        .where(Notice.site_id == site_id, NoticeRevision.status == APPROVED, NoticeRevision.to_home.is_(True),
               NoticeRevision.valid_from <= day, NoticeRevision.valid_to >= day)
        .options(joinedload(NoticeRevision.notice))
        .order_by(NoticeRevision.approved_at.desc()).limit(limit)).all()
