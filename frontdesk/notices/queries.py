"""Read side of notices: the list of notices and what waits for whom, the paper a draft would make,
the boards, what is up on each, the posting log and the take-down list."""
from datetime import date

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, joinedload

from ..auth.models import User
from ..auth.permissions import NOTICES_APPROVE, NOTICES_CHECK
from ..core import clock
from ..core.notify import OutboxMessage
from ..core.numbering import Counter
from ..estate import rules as estate_rules
from ..estate.models import Building, Contact, Customer, Occupancy, Site, Unit
from ..extensions import db
from .models import (
    APPROVE, APPROVED, CHECKED, DRAFT, SUBMITTED, SUPERSEDED, Notice, NoticeBoard, NoticeDecision, NoticeRevision,
    Posting,
)

# the list's filters: by where the latest revision stands, or by the approved revision's dates
WAITING, IN_APPROVAL, CURRENT, EXPIRED = "waiting", "in_approval", "current", "expired"
LIST_FILTERS = (DRAFT, WAITING, IN_APPROVAL, CURRENT, EXPIRED, SUPERSEDED)


def _latest_revision():
    """The latest revision of each notice, as an alias to select and filter on."""
    latest = aliased(NoticeRevision, name="latest")
    # no newer revision: an anti-join the databases run once, not a max() per notice
    newer = (sa.select(NoticeRevision.id).where(NoticeRevision.notice_id == latest.notice_id,
                                                NoticeRevision.no > latest.no).correlate(latest).exists())
    return latest, ~newer


def _waiting_for(user, latest):
    """A condition on a notice and its latest revision: the revision waits for `user`'s approval —
    a submitted one for a supervisor, a checked one for a project manager who did not give the
    first approval; never a notice the user wrote or drafted."""
    steps = []
    if user.can(NOTICES_CHECK):
        steps.append(latest.status == SUBMITTED)
    if user.can(NOTICES_APPROVE):
        approved_by_user = (sa.select(NoticeDecision.id).where(
            NoticeDecision.revision_id == latest.id, NoticeDecision.actor_id == user.id,
            NoticeDecision.decision == APPROVE, NoticeDecision.at >= latest.submitted_at).exists())
        steps.append(sa.and_(latest.status == CHECKED, ~approved_by_user))
    if not steps:
        return sa.false()
    return sa.and_(sa.or_(*steps), Notice.author_id != user.id, latest.drafted_by_id != user.id)


def _has_revision(*conditions):
    return sa.select(NoticeRevision.id).where(NoticeRevision.notice_id == Notice.id, *conditions).exists()


def notices_page(site_id, *, user, today: date, status="", kind="", q="", page=1, per_page=50):
    """The site's notices as their latest revisions, newest first, with those waiting for `user`'s
    approval before the rest. `status` is one of LIST_FILTERS: the latest revision is a draft,
    waits for the user, is in approval; the approved revision is in force on `today` or expired;
    an approved revision was superseded by a newer one. `q` is found in the title or the number."""
    latest, is_latest = _latest_revision()
    waiting = _waiting_for(user, latest)
    # the page's ids first, then its 50 rows: sorting every notice with its text and snapshot along
    # costs 300 ms at 20,000 notices, sorting their ids 20 ms
    query = sa.select(latest.id).join(Notice, Notice.id == latest.notice_id).where(Notice.site_id == site_id, is_latest)
    conditions = {
        DRAFT: latest.status == DRAFT,
        WAITING: waiting,
        IN_APPROVAL: latest.status.in_((SUBMITTED, CHECKED)),
        CURRENT: _has_revision(NoticeRevision.status == APPROVED, NoticeRevision.valid_to >= today),
        EXPIRED: _has_revision(NoticeRevision.status == APPROVED, NoticeRevision.valid_to < today),
        SUPERSEDED: _has_revision(NoticeRevision.status == SUPERSEDED),
    }
    if status in conditions:
        query = query.where(conditions[status])
    if kind:
        query = query.where(Notice.kind == kind)
    text = (q or "").strip()[:100]
    if text:
        query = query.where(sa.or_(latest.title.contains(text, autoescape=True),
                                   Notice.number.contains(text, autoescape=True)))
    found = db.paginate(query.order_by(sa.case((waiting, 0), else_=1), Notice.created_at.desc(), Notice.id.desc()),
                        page=page, per_page=per_page, error_out=False)
    rows = {r.id: r for r in db.session.scalars(
        sa.select(NoticeRevision).where(NoticeRevision.id.in_(found.items))
        .options(joinedload(NoticeRevision.notice).joinedload(Notice.author), joinedload(NoticeRevision.drafted_by)))}
    found.items = [rows[i] for i in found.items]
    return found


def waiting_for(site_id, user) -> set[int]:
    """The ids of the site's notices whose latest revision waits for `user`'s approval."""
    latest, is_latest = _latest_revision()
    return set(db.session.scalars(sa.select(latest.notice_id).join(Notice, Notice.id == latest.notice_id)
                                  .where(Notice.site_id == site_id, is_latest, _waiting_for(user, latest))))


def approvals_of(revision) -> dict:
    """step → the approval (NoticeDecision) a revision has in its current round, since it was last
    submitted: a rejection or a withdrawal and a new submission start the round again."""
    if revision.submitted_at is None or revision.status == DRAFT:
        return {}
    return {d.step: d for d in revision.decisions if d.decision == APPROVE and d.at >= revision.submitted_at}


def approved_revision(notice) -> NoticeRevision | None:
    """The revision of a notice in force: the approved one, if any."""
    return next((r for r in notice.revisions if r.status == APPROVED), None)


def decisions_of(notice) -> list[NoticeDecision]:
    """Every approval and rejection of a notice, oldest first."""
    return db.session.scalars(sa.select(NoticeDecision)
                              .join(NoticeRevision, NoticeRevision.id == NoticeDecision.revision_id)
                              .where(NoticeRevision.notice_id == notice.id)
                              .options(joinedload(NoticeDecision.actor))
                              .order_by(NoticeDecision.at, NoticeDecision.id)).all()


def sheet(site, *, kind, title, body, building_ids, valid_from, valid_to, issued_on=None, number=None,
          revision=1) -> dict:
    """What a notice not approved yet would say on paper, in the shape of an approved revision's
    snapshot: for the previews and the page of a draft. Buildings of another site are left out."""
    ids = [i for i in building_ids or [] if isinstance(i, int)]
    names = db.session.scalars(sa.select(Building.name).where(Building.site_id == site.id, Building.id.in_(ids))
                               .order_by(Building.code)).all() if ids else []
    return {"company": site.company_name, "site": site.name, "number": number, "revision": revision, "kind": kind,
            "title": title or "", "body": body or "", "buildings": list(names),
            "valid_from": valid_from.isoformat() if isinstance(valid_from, date) else "",
            "valid_to": valid_to.isoformat() if isinstance(valid_to, date) else "",
            "issued_on": issued_on.isoformat() if issued_on else ""}


def boards(site_id, *, active_only=True) -> list[NoticeBoard]:
    """The boards of a site by name, with the building each hangs in."""
    query = (sa.select(NoticeBoard).where(NoticeBoard.site_id == site_id).options(joinedload(NoticeBoard.building))
             .order_by(NoticeBoard.name))
    if active_only:
        query = query.where(NoticeBoard.active.is_(True))
    return db.session.scalars(query).all()


def _boards_of(site_id):
    """The ids of a site's boards, as a subquery: what is up is found through the index on (board,
    taken down), not by reading the site's whole posting log."""
    return sa.select(NoticeBoard.id).where(NoticeBoard.site_id == site_id)


def _name_of(user_id):
    """The full name of a user, as a column: a list names who posted and who took down without
    joining the user table twice."""
    return sa.select(User.full_name).where(User.id == user_id).scalar_subquery()


def _up(site_id):
    return (sa.select(Posting).join(NoticeRevision, NoticeRevision.id == Posting.revision_id)
            .where(Posting.board_id.in_(_boards_of(site_id)), Posting.taken_down_at.is_(None))
            .options(joinedload(Posting.notice), joinedload(Posting.revision), joinedload(Posting.board)))


def on_the_boards(site_id) -> list:
    """What is up on the boards now, board by board in posting order, as plain rows of what the board
    view shows: the posting (id, number, board_id, posted_at, photo), its notice (notice_id,
    notice_number), the revision up (title, valid_to, and status: superseded once a newer revision
    is approved) and who posted it (posted_by)."""
    return db.session.execute(
        sa.select(Posting.id, Posting.number, Posting.board_id, Posting.posted_at, Posting.photo, Posting.notice_id,
                  Notice.number.label("notice_number"), NoticeRevision.title, NoticeRevision.valid_to,
                  NoticeRevision.status, _name_of(Posting.posted_by_id).label("posted_by"))
        .join(Notice, Notice.id == Posting.notice_id).join(NoticeRevision, NoticeRevision.id == Posting.revision_id)
        .join(NoticeBoard, NoticeBoard.id == Posting.board_id)
        .where(Posting.board_id.in_(_boards_of(site_id)), Posting.taken_down_at.is_(None))
        .order_by(NoticeBoard.name, Posting.posted_at, Posting.id)).all()


def up_counts(site_id) -> dict:
    """board id → how many notices are up on it now."""
    return dict(db.session.execute(
        sa.select(Posting.board_id, sa.func.count()).where(Posting.board_id.in_(_boards_of(site_id)),
                                                           Posting.taken_down_at.is_(None))
        .group_by(Posting.board_id)).all())


def boards_to_post(site_id, revision_id) -> list[NoticeBoard]:
    """The boards in use of a site where the revision is not up now: where it may be posted."""
    up = sa.select(Posting.board_id).where(Posting.revision_id == revision_id, Posting.taken_down_at.is_(None))
    return db.session.scalars(sa.select(NoticeBoard).where(NoticeBoard.site_id == site_id,
                                                           NoticeBoard.active.is_(True), NoticeBoard.id.not_in(up))
                              .order_by(NoticeBoard.name)).all()


def up_postings(notice_id) -> list[Posting]:
    """Where a notice is up now (any of its revisions), in posting order."""
    return db.session.scalars(sa.select(Posting).where(Posting.notice_id == notice_id, Posting.taken_down_at.is_(None))
                              .options(joinedload(Posting.board), joinedload(Posting.revision))
                              .order_by(Posting.posted_at, Posting.id)).all()


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
                             .where(Posting.board_id.in_(_boards_of(site_id)), Posting.taken_down_at.is_(None),
                                    sa.or_(NoticeRevision.valid_to < day, NoticeRevision.status == SUPERSEDED)))


class _RowsPage(Pagination):
    """A page of plain rows (db.paginate gives the first column of each only): `rows(offset,
    limit)` is the statement of a page, `total` the statement of the count."""

    def _query_items(self):
        return db.session.execute(self._query_args["rows"](self._query_offset, self.per_page)).all()

    def _query_count(self):
        return db.session.scalar(self._query_args["total"])


def _log_rows():
    """The columns of the posting log: the posting, its notice and the revision posted, the board,
    who posted it and who took it down."""
    return (sa.select(Posting.id, Posting.number, Posting.notice_id, Notice.number.label("notice_number"),
                      NoticeRevision.no.label("revision_no"), NoticeRevision.title, NoticeBoard.name.label("board"),
                      Posting.posted_at, _name_of(Posting.posted_by_id).label("posted_by"), Posting.photo,
                      Posting.taken_down_at, _name_of(Posting.taken_down_by_id).label("taken_down_by"))
            .join(Notice, Notice.id == Posting.notice_id).join(NoticeRevision, NoticeRevision.id == Posting.revision_id)
            .join(NoticeBoard, NoticeBoard.id == Posting.board_id))


def _posted_within(start_on, end_on) -> list:
    conditions = []
    if start_on:
        conditions.append(Posting.posted_at >= clock.day_bounds(start_on)[0])
    if end_on:
        conditions.append(Posting.posted_at < clock.day_bounds(end_on)[1])
    return conditions


def posting_log(site_id, *, start_on: date | None = None, end_on: date | None = None, board_id=None, page=1,
                per_page=50):
    """The posting log, newest first, as plain rows (see _log_rows), narrowed to the Shanghai days
    posted and a board of the site. Postings are numbered as they are posted, so the order of
    posting is the order of the numbers; sorting by the time lets the index on (site, posted at)
    serve both the order and the days. One statement for the page (the page's ids first, then
    their columns, so a later page does not join the rows it skips) and one for the count."""
    within = _posted_within(start_on, end_on)
    conditions = [Posting.site_id == site_id, *within]
    # the count of a board reads the index on (board, taken down) alone
    counted = [Posting.board_id.in_(_boards_of(site_id).where(NoticeBoard.id == board_id)), *within] if board_id \
        else conditions
    if board_id:
        conditions.append(Posting.board_id == board_id)
    newest_first = (Posting.posted_at.desc(), Posting.id.desc())

    def rows(offset, limit):
        ids = sa.select(Posting.id).where(*conditions).order_by(*newest_first).limit(limit).offset(offset)
        return _log_rows().where(Posting.id.in_(ids)).order_by(*newest_first)

    total = (sa.select(sa.func.count()).select_from(Posting).where(*counted) if within or board_id
             else _postings_numbered(site_id))
    return _RowsPage(page=page, per_page=per_page, max_per_page=None, error_out=False, rows=rows, total=total)


def _postings_numbered(site_id):
    """How many postings a site has, from its posting counters: every posting takes the next number
    of its year in the transaction that adds it, and none is ever deleted, so the counters add up
    to the postings — read from a row a year instead of counting them all (100,000 after five
    years cost the whole log 5–15 ms a page)."""
    return (sa.select(sa.func.coalesce(sa.func.sum(Counter.value), 0)).join(Site, Site.code == Counter.scope)
            .where(Site.id == site_id, Counter.kind == "posting"))


def posting_log_rows(site_id, start_on: date, end_on: date, *, board_id=None) -> list:
    """Every posting of the Shanghai days from `start_on` to `end_on`, in number order, as the rows
    of posting_log: the log printed for filing."""
    conditions = [Posting.site_id == site_id, *_posted_within(start_on, end_on)]
    if board_id:
        conditions.append(Posting.board_id == board_id)
    return db.session.execute(_log_rows().where(*conditions).order_by(Posting.id)).all()


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

def _texts_of(revision_ids):
    return (OutboxMessage.object_type == "notice_revision", OutboxMessage.object_id.in_(list(revision_ids)))


def sms_log_page(revision_ids, *, status="", page=1, per_page=100):
    """The text messages of a notice's revisions, the latest revision's first, one per recipient,
    optionally only those at `status` (queued, sending, sent, failed)."""
    query = sa.select(OutboxMessage).where(*_texts_of(revision_ids))
    if status:
        query = query.where(OutboxMessage.status == status)
    return db.paginate(query.order_by(OutboxMessage.object_id.desc(), OutboxMessage.id), page=page,
                       per_page=per_page, error_out=False)


def sms_counts(revision_ids) -> dict:
    """status → how many text messages of the revisions are at it."""
    return dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).where(*_texts_of(revision_ids))
                                   .group_by(OutboxMessage.status)).all())


def for_the_home_page(site_id, day: date, *, limit=5) -> list[NoticeRevision]:
    """The approved notices meant for the home page of staff that are in force on `day`, the
    latest approved first."""
    return db.session.scalars(
        sa.select(NoticeRevision).join(Notice, Notice.id == NoticeRevision.notice_id)
        .where(Notice.site_id == site_id, NoticeRevision.status == APPROVED, NoticeRevision.to_home.is_(True),
               NoticeRevision.valid_from <= day, NoticeRevision.valid_to >= day)
        .options(joinedload(NoticeRevision.notice))
        .order_by(NoticeRevision.approved_at.desc()).limit(limit)).all()
