"""Every write of notices: drafting and changing a draft, submitting it, the two approvals (the
customer-service supervisor's, then the project manager's), rejection and new revisions.

Services take the actor and the clock, flush and never commit, write their audit entry in the same
transaction and raise DomainError subclasses that the views show next to the field or as a flash.
Every change of a revision's status goes through `_move`, which checks rules.ALLOWED."""
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.permissions import NOTICES_APPROVE, NOTICES_CHECK, NOTICES_DRAFT, NOTICES_POST
from ..core import clock
from ..core.errors import InvalidTransition, NotAllowed, ValidationFailed
from ..core import notify
from ..core.notify import SMS_LIMIT
from ..core.numbering import next_number
from ..core.uploads import check_photo
from ..estate.models import Building
from ..extensions import db
from . import queries, rules
from .models import (
    APPROVE, APPROVED, CHECKED, DRAFT, KINDS, MANAGER_STEP, REJECT, SUBMITTED, SUPERSEDED, SUPERVISOR_STEP, Notice,
    NoticeBoard, NoticeDecision, NoticeRevision, Posting,
)


@dataclass
class Content:
    """What the drafter writes, before it is checked."""

    title: str
    body: str
    valid_from: date
    valid_to: date
    building_ids: list = field(default_factory=list)  # empty: the whole site
    to_boards: bool = True
    to_sms: bool = False
    to_home: bool = False
    sms_text: str = ""


def _require(actor, permission, message):
    if not actor.can(permission):
        raise NotAllowed(message)


def _locked(revision) -> NoticeRevision:
    return db.session.scalars(sa.select(NoticeRevision).where(NoticeRevision.id == revision.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _move(revision, target, action, *, actor, now, audit=None):
    if not rules.can_move(revision.status, target):
        raise InvalidTransition(_l("This revision of the notice is at “%(status)s”: that cannot be done now."),
                                status=rules.STATUS_LABELS[revision.status])
    before = revision.status
    revision.status = target
    record(f"notice.{action}", actor=actor, now=now, obj=revision.notice,
           summary=f"{revision.notice.number or revision.notice_id} r{revision.no} {before}→{target}",
           before={"status": before}, after={"status": target, "revision": revision.no, **(audit or {})})


def _checked_content(site, content: Content) -> Content:
    """The content cleaned up, or ValidationFailed on the field at fault."""
    title = (content.title or "").strip()
    if not title:
        raise ValidationFailed(_l("Give the notice a title."), field="title")
    if len(title) > 100:
        raise ValidationFailed(_l("Keep the title under 100 characters."), field="title")
    problem = rules.body_problem(content.body)
    if problem:
        raise ValidationFailed(problem, field="body")
    if not isinstance(content.valid_from, date) or not isinstance(content.valid_to, date):
        raise ValidationFailed(_l("Give the dates the notice is valid."), field="valid_from")
    if content.valid_to < content.valid_from:
        raise ValidationFailed(_l("The notice cannot end before it starts."), field="valid_to")
    try:
        ids = sorted({int(i) for i in content.building_ids or []})
    except (TypeError, ValueError):
        raise ValidationFailed(_l("Choose buildings of this site."), field="building_ids") from None
    if ids:
        found = set(db.session.scalars(sa.select(Building.id).where(Building.site_id == site.id,
                                                                    Building.id.in_(ids))))
        if found != set(ids):
            raise ValidationFailed(_l("Choose buildings of this site."), field="building_ids")
    if not (content.to_boards or content.to_sms or content.to_home):
        raise ValidationFailed(_l("Choose where the notice goes: notice boards, text message or the home page."),
                               field="to_boards")
    sms_text = (content.sms_text or "").strip()
    if content.to_sms and not sms_text:
        raise ValidationFailed(_l("Write the text message."), field="sms_text")
    if len(sms_text) > SMS_LIMIT:
        raise ValidationFailed(_l("The text message has %(count)s characters: keep it to %(limit)s."),
                               field="sms_text", count=len(sms_text), limit=SMS_LIMIT)
    return Content(title=title, body=content.body.replace("\r\n", "\n").strip(), valid_from=content.valid_from,
                   valid_to=content.valid_to, building_ids=ids, to_boards=bool(content.to_boards),
                   to_sms=bool(content.to_sms), to_home=bool(content.to_home),
                   sms_text=sms_text if content.to_sms else "")


def _fill(revision, content: Content):
    for name in ("title", "body", "valid_from", "valid_to", "building_ids", "to_boards", "to_sms", "to_home",
                 "sms_text"):
        setattr(revision, name, getattr(content, name))


def draft_notice(site, *, kind, content: Content, actor, now) -> Notice:
    """Start a notice with its first revision as a draft. Raises NotAllowed or ValidationFailed (kind
    and content). Audited as notice.draft."""
    _require(actor, NOTICES_DRAFT, _l("Your roles do not allow drafting notices."))
    if kind not in KINDS:
        raise ValidationFailed(_l("Choose the kind of notice."), field="kind")
    content = _checked_content(site, content)
    notice = Notice(site_id=site.id, kind=kind, author_id=actor.id, created_at=now)
    db.session.add(notice)
    db.session.flush()
    revision = NoticeRevision(notice_id=notice.id, no=1, status=DRAFT, drafted_by_id=actor.id, drafted_at=now)
    _fill(revision, content)
    db.session.add(revision)
    db.session.flush()
    record("notice.draft", actor=actor, now=now, obj=notice, summary=f"{kind} {content.title}",
           after={"title": content.title, "valid_from": content.valid_from, "valid_to": content.valid_to})
    return notice


def change_draft(revision, *, content: Content, actor, now):
    """Change a draft in place; anything past draft is frozen. Raises NotAllowed (not the author or a
    supervisor), InvalidTransition (not a draft) or ValidationFailed. Audited as notice.edit."""
    _require(actor, NOTICES_DRAFT, _l("Your roles do not allow drafting notices."))
    revision = _locked(revision)
    if revision.status != DRAFT:
        raise InvalidTransition(_l("Only a draft can be changed; start a new revision of an approved notice."))
    _require_author_or_supervisor(revision, actor)
    content = _checked_content(revision.notice.site, content)
    before = {"title": revision.title, "valid_from": revision.valid_from, "valid_to": revision.valid_to}
    _fill(revision, content)
    record("notice.edit", actor=actor, now=now, obj=revision.notice, summary=f"r{revision.no} {content.title}",
           before=before, after={"title": content.title, "valid_from": content.valid_from,
                                 "valid_to": content.valid_to})


def _require_author_or_supervisor(revision, actor):
    if actor.id not in (revision.drafted_by_id, revision.notice.author_id) and not actor.can(NOTICES_CHECK):
        raise NotAllowed(_l("Only the author or a supervisor changes a draft."))


def submit(revision, *, actor, now) -> list[rules.WordingNote]:
    """Send a draft for approval, as its author or a supervisor. Returns the wording notes (the
    drafter has seen them on the form; they do not stop the submission). Raises NotAllowed or
    InvalidTransition. Audited as notice.submit."""
    _require(actor, NOTICES_DRAFT, _l("Your roles do not allow drafting notices."))
    revision = _locked(revision)
    _require_author_or_supervisor(revision, actor)
    if revision.valid_to < clock.business_day(now):
        raise ValidationFailed(_l("The notice would have expired already: change its dates."), field="valid_to")
    notes = rules.wording_notes(revision.title, revision.body)
    _move(revision, SUBMITTED, "submit", actor=actor, now=now,
          audit={"wording": [f"{n.kind}:{n.phrase}" for n in notes]})
    revision.submitted_at = now
    return notes


def approve(revision, *, actor, now):
    """Approve a revision at the step it has reached: a submitted one by the supervisor (checked),
    a checked one by the project manager (approved). Nobody approves a notice they wrote or drafted,
    and the two approvals are by two people. The final approval freezes the content into the
    snapshot, gives the notice its number (gapless per site and year, at its first approval) and
    supersedes the revision approved before; a notice by text message is queued in the outbox for
    every mobile number of its audience (queries.sms_audience) in the same transaction. Raises
    NotAllowed or InvalidTransition (out of order, twice). Audited as notice.check / notice.approve."""
    revision = _locked(revision)
    notice = revision.notice
    if revision.status == SUBMITTED:
        step, target, permission = SUPERVISOR_STEP, CHECKED, NOTICES_CHECK
        message = _l("The first approval of a notice is the customer-service supervisor's.")
    elif revision.status == CHECKED:
        step, target, permission = MANAGER_STEP, APPROVED, NOTICES_APPROVE
        message = _l("The final approval of a notice is the project manager's, after the supervisor's.")
    else:
        raise InvalidTransition(_l("This revision is not waiting for an approval (it is at “%(status)s”)."),
                                status=rules.STATUS_LABELS[revision.status])
    _require(actor, permission, message)
    if actor.id in (notice.author_id, revision.drafted_by_id):
        raise NotAllowed(_l("Nobody approves a notice they wrote."))
    if any(d.actor_id == actor.id for d in _approvals(revision)):
        raise NotAllowed(_l("The two approvals are given by two different people."))
    db.session.add(NoticeDecision(revision_id=revision.id, step=step, decision=APPROVE, comment="", actor_id=actor.id,
                                  at=now))
    db.session.flush()
    sent = 0
    if target == APPROVED:
        _freeze(revision, actor=actor, now=now)
        if revision.to_sms:
            sent = notify.enqueue_many(db.session, notify.SMS, queries.sms_audience(
                notice.site_id, revision.building_ids, clock.business_day(now)), revision.sms_text, now=now,
                site_id=notice.site_id, obj=revision)
    _move(revision, target, "check" if target == CHECKED else "approve", actor=actor, now=now,
          audit={"number": notice.number, "text_messages": sent} if target == APPROVED else None)


def _approvals(revision) -> list[NoticeDecision]:
    """The approvals since the revision was last submitted (a rejection starts them again)."""
    return [d for d in revision.decisions if d.decision == APPROVE and d.at >= revision.submitted_at]


def _freeze(revision, *, actor, now):
    notice = revision.notice
    if notice.number is None:
        year = clock.local(now).year
        notice.number = f"TZ{year}-{next_number(db.session, 'notice', notice.site.code, year):04d}"
    previous = db.session.scalars(sa.select(NoticeRevision).where(
        NoticeRevision.notice_id == notice.id, NoticeRevision.status == APPROVED)).all()
    for old in previous:
        _move(old, SUPERSEDED, "supersede", actor=actor, now=now, audit={"by": revision.no})
    site = notice.site
    buildings = db.session.scalars(sa.select(Building).where(Building.id.in_(revision.building_ids or [0]))
                                   .order_by(Building.code)).all()
    decisions = {d.step: d for d in _approvals(revision)}
    revision.approved_at = now
    revision.snapshot = {
        "company": site.company_name, "site": site.name, "number": notice.number, "revision": revision.no,
        "kind": notice.kind, "title": revision.title, "body": revision.body,
        "buildings": [b.name for b in buildings],
        "valid_from": revision.valid_from.isoformat(), "valid_to": revision.valid_to.isoformat(),
        "issued_on": clock.business_day(now).isoformat(), "sms_text": revision.sms_text,
        "approved_by": {step: d.actor.full_name for step, d in decisions.items()} | {MANAGER_STEP: actor.full_name},
    }


def reject(revision, *, comment, actor, now):
    """Send a submitted or checked revision back to its author as a draft, with a comment; not by
    its author (who takes it back with `withdraw`). Raises ValidationFailed (no comment), NotAllowed
    or InvalidTransition. Audited as notice.reject."""
    revision = _locked(revision)
    step = {SUBMITTED: SUPERVISOR_STEP, CHECKED: MANAGER_STEP}.get(revision.status)
    if step is None:
        raise InvalidTransition(_l("This revision is not waiting for an approval (it is at “%(status)s”)."),
                                status=rules.STATUS_LABELS[revision.status])
    _require(actor, NOTICES_CHECK if step == SUPERVISOR_STEP else NOTICES_APPROVE,
             _l("Your roles do not allow deciding on this notice now."))
    if actor.id in (revision.notice.author_id, revision.drafted_by_id):
        raise NotAllowed(_l("Nobody decides on a notice they wrote: take it back to change it."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(_l("Say why the notice is sent back."), field="comment")
    if len(comment) > 500:
        raise ValidationFailed(_l("Keep the comment under 500 characters."), field="comment")
    db.session.add(NoticeDecision(revision_id=revision.id, step=step, decision=REJECT, comment=comment,
                                  actor_id=actor.id, at=now))
    _move(revision, DRAFT, "reject", actor=actor, now=now, audit={"comment": comment})
    db.session.flush()


def new_revision(notice, *, actor, now) -> NoticeRevision:
    """Start a new revision of an approved notice, as a draft with the approved content, to change
    and put through both approvals again; the approved revision stays in force until then. Raises
    InvalidTransition when a revision is already in the making. Audited as notice.revise."""
    _require(actor, NOTICES_DRAFT, _l("Your roles do not allow drafting notices."))
    notice = db.session.scalars(sa.select(Notice).where(Notice.id == notice.id).with_for_update()
                                .execution_options(populate_existing=True)).one()
    latest = notice.revisions[-1]
    if latest.status != APPROVED:
        raise InvalidTransition(_l("Revision %(no)s of this notice is not approved yet: change that one."),
                                no=latest.no)
    revision = NoticeRevision(notice_id=notice.id, no=latest.no + 1, status=DRAFT, drafted_by_id=actor.id,
                              drafted_at=now)
    _fill(revision, Content(title=latest.title, body=latest.body, valid_from=latest.valid_from,
                            valid_to=latest.valid_to, building_ids=list(latest.building_ids or []),
                            to_boards=latest.to_boards, to_sms=latest.to_sms, to_home=latest.to_home,
                            sms_text=latest.sms_text))
    db.session.add(revision)
    db.session.flush()
    record("notice.revise", actor=actor, now=now, obj=notice, summary=f"{notice.number} r{revision.no}",
           after={"revision": revision.no})
    return revision


def withdraw(revision, *, actor, now):
    """Take a revision waiting for an approval (submitted or checked) back to draft, to change it:
    only its author or its drafter may, and the approvals given so far lapse (the next submission
    starts them again). Raises NotAllowed or InvalidTransition (not waiting for an approval).
    Audited as notice.withdraw."""
    _require(actor, NOTICES_DRAFT, _l("Your roles do not allow drafting notices."))
    revision = _locked(revision)
    if revision.status not in (SUBMITTED, CHECKED):
        raise InvalidTransition(_l("This revision is not waiting for an approval (it is at “%(status)s”)."),
                                status=rules.STATUS_LABELS[revision.status])
    if actor.id not in (revision.drafted_by_id, revision.notice.author_id):
        raise NotAllowed(_l("Only the author of a notice takes it back."))
    _move(revision, DRAFT, "withdraw", actor=actor, now=now)


def preview_snapshot(site, *, kind, content: Content, now) -> dict:
    """What the content would say on paper if it were approved today, in the shape of an approved
    revision's snapshot but without a number or approvals: the preview PDF draws it. Writes
    nothing. Raises ValidationFailed as draft_notice does."""
    if kind not in KINDS:
        raise ValidationFailed(_l("Choose the kind of notice."), field="kind")
    content = _checked_content(site, content)
    return queries.sheet(site, kind=kind, title=content.title, body=content.body, building_ids=content.building_ids,
                         valid_from=content.valid_from, valid_to=content.valid_to,
                         issued_on=clock.business_day(now)) | {"sms_text": content.sms_text}


def record_reprint(revision, *, actor, now):
    """Count a further paper copy of an approved revision (its PDF marked 补打). Raises
    InvalidTransition when the revision is not approved. Audited as notice.reprint."""
    if revision.status != APPROVED or revision.snapshot is None:
        raise InvalidTransition(_l("Only an approved notice is printed."))
    record("notice.reprint", actor=actor, now=now, obj=revision.notice,
           summary=f"{revision.notice.number} r{revision.no}", after={"revision": revision.no})


# --- boards and postings -----------------------------------------------------------------------

def save_board(site, *, name, building_id=None, active=True, board=None, actor, now) -> NoticeBoard:
    """Add a notice board or change one. Raises ValidationFailed (name empty or taken, a building of
    another site). Audited as notice_board.save."""
    _require(actor, NOTICES_POST, _l("Your roles do not allow keeping the notice boards."))
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed(_l("Name the board where it hangs, in at most 60 characters."), field="name")
    building = db.session.get(Building, building_id) if building_id else None
    if building_id and (building is None or building.site_id != site.id):
        raise ValidationFailed(_l("Choose buildings of this site."), field="building_id")
    clash = db.session.scalar(sa.select(NoticeBoard).where(NoticeBoard.site_id == site.id, NoticeBoard.name == name))
    if clash is not None and clash is not board:
        raise ValidationFailed(_l("There is a board called %(name)s already."), field="name", name=name)
    before = None if board is None else {"name": board.name, "active": board.active}
    if board is None:
        board = NoticeBoard(site_id=site.id)
        db.session.add(board)
    board.name, board.building_id, board.active = name, getattr(building, "id", None), bool(active)
    db.session.flush()
    record("notice_board.save", actor=actor, now=now, obj=board, summary=name, before=before,
           after={"name": name, "active": bool(active)})
    return board


def post_notice(notice, board, *, photo=None, revision_id=None, actor, now) -> Posting:
    """Record that the approved notice is up on `board`: a posting numbered ZT<year>-NNNNN per site
    from the locked counter, with an optional photo (JPEG or PNG, checked by decoding). Raises
    NotAllowed, InvalidTransition (no approved revision, expired, up on that board already) or
    ValidationFailed (a board of another site or out of use, a notice not for the boards, the photo).
    `revision_id`, when given, is the revision the steward holds on paper: refused (InvalidTransition)
    when a newer revision has replaced it, so the log never records a sheet that is not on the board.
    Audited as posting.create."""
    _require(actor, NOTICES_POST, _l("Your roles do not allow posting notices."))
    revision = db.session.scalar(sa.select(NoticeRevision).where(
        NoticeRevision.notice_id == notice.id, NoticeRevision.status == APPROVED).with_for_update())
    if revision is None:
        raise InvalidTransition(_l("Only an approved notice is posted."))
    if revision_id is not None and revision_id != revision.id:
        raise InvalidTransition(_l("Notice %(number)s was revised: revision %(no)s is in force now. Print it and post "
                                   "that one."), number=notice.number, no=revision.no)
    if revision.valid_to < clock.business_day(now):
        raise InvalidTransition(_l("Notice %(number)s expired on %(day)s: it is not posted any more."),
                                number=notice.number, day=revision.valid_to.isoformat())
    if not revision.to_boards:
        raise ValidationFailed(_l("Notice %(number)s is not meant for the notice boards."), field="board_id",
                               number=notice.number)
    if board is None or board.site_id != notice.site_id or not board.active:
        raise ValidationFailed(_l("Choose a notice board of this site."), field="board_id")
    up = db.session.scalar(sa.select(Posting).where(Posting.revision_id == revision.id, Posting.board_id == board.id,
                                                    Posting.taken_down_at.is_(None)))
    if up is not None:
        raise InvalidTransition(_l("Notice %(number)s is up on %(board)s already (posting %(posting)s)."),
                                number=notice.number, board=board.name, posting=up.number)
    extension = check_photo(photo) if photo else None
    year = clock.local(now).year
    number = f"ZT{year}-{next_number(db.session, 'posting', notice.site.code, year):05d}"
    posting = Posting(site_id=notice.site_id, number=number, notice_id=notice.id, revision_id=revision.id,
                      board_id=board.id, posted_at=now, posted_by_id=actor.id)
    db.session.add(posting)
    db.session.flush()
    if extension:
        posting.photo = f"{posting.id}-{number}.{extension}"
        folder = posting_photo_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / posting.photo).write_bytes(photo)
    record("posting.create", actor=actor, now=now, obj=posting, summary=f"{number} {notice.number} {board.name}",
           after={"notice": notice.number, "revision": revision.no, "board": board.name, "photo": posting.photo})
    return posting


def posting_photo_dir() -> Path:
    return Path(current_app.config.get("POSTING_PHOTO_DIR") or Path(current_app.instance_path) / "posting-photos")


def take_down(posting, *, actor, now):
    """Record that a posted notice was taken down. Raises InvalidTransition when it was already.
    Audited as posting.take_down."""
    _require(actor, NOTICES_POST, _l("Your roles do not allow posting notices."))
    posting = db.session.scalars(sa.select(Posting).where(Posting.id == posting.id).with_for_update()
                                 .execution_options(populate_existing=True)).one()
    if posting.taken_down_at is not None:
        raise InvalidTransition(_l("Posting %(number)s was taken down already."), number=posting.number)
    posting.taken_down_at, posting.taken_down_by_id = now, actor.id
    record("posting.take_down", actor=actor, now=now, obj=posting,
           summary=f"{posting.number} {posting.notice.number} {posting.board.name}")
