"""Notices (通知 / 公告): drafted, approved by the customer-service supervisor and then the project
manager, numbered, sealed and posted. A notice keeps every revision: the content of a revision is
edited only while it is a draft and frozen (a snapshot) once both approvals are in; a change after
that is a new revision that needs both approvals again."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, UTCDateTime

PROMOTION, MAINTENANCE, OFFICIAL, GENERAL = "promotion", "maintenance", "official", "general"
KINDS = (PROMOTION, MAINTENANCE, OFFICIAL, GENERAL)

# a revision: draft → submitted → checked (the supervisor approved) → approved (the project manager
# approved); a rejection sends it back to draft; an approved revision is superseded by the next one
DRAFT, SUBMITTED, CHECKED, APPROVED, SUPERSEDED = "draft", "submitted", "checked", "approved", "superseded"
REVISION_STATUSES = (DRAFT, SUBMITTED, CHECKED, APPROVED, SUPERSEDED)

SUPERVISOR_STEP, MANAGER_STEP = "supervisor", "project_manager"
APPROVE, REJECT = "approve", "reject"


class Notice(Base):
    """One notice through all its revisions. The number is given at the first approval (gapless per
    site and year) and kept by later revisions."""

    __tablename__ = "notice"
    __table_args__ = (sa.UniqueConstraint("site_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    number: Mapped[str | None] = mapped_column(sa.String(20))  # TZ2026-0001
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    site = relationship("Site")
    author = relationship("User")
    revisions: Mapped[list["NoticeRevision"]] = relationship(back_populates="notice", order_by="NoticeRevision.no")


class NoticeRevision(Base):
    """The content of one revision and where it stands. `body` is the drafter's text in the notice
    markup (rules.parse_body: headings, lists, bold), never HTML. `snapshot` is what the approved
    revision says, frozen: the PDF and every later page are drawn from it."""

    __tablename__ = "notice_revision"
    __table_args__ = (
        sa.UniqueConstraint("notice_id", "no"),
        sa.CheckConstraint(sa.column("status").in_(REVISION_STATUSES), name="status_known"),
        sa.CheckConstraint("valid_to >= valid_from", name="valid_period"),
        sa.Index("ix_notice_revision_status", "status", "valid_to"),
        # "the approved revision of this notice" (approval, posting): SQLite, without statistics,
        # would otherwise read every approved revision through the index above
        sa.Index("ix_notice_revision_notice_status", "notice_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notice.id"))
    no: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(12), default=DRAFT)
    title: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text)
    # the buildings the notice is for; empty: the whole site
    building_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date] = mapped_column(sa.Date)
    to_boards: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    to_sms: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    to_home: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # the home page of staff
    sms_text: Mapped[str] = mapped_column(sa.String(300), default="")
    drafted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snapshot: Mapped[dict | None] = mapped_column(sa.JSON)

    notice: Mapped[Notice] = relationship(back_populates="revisions")
    drafted_by = relationship("User")
    decisions: Mapped[list["NoticeDecision"]] = relationship(order_by="NoticeDecision.id")


class NoticeDecision(Base):
    """An approval or a rejection (with its comment) of a revision, at one step of the two."""

    __tablename__ = "notice_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("notice_revision.id"), index=True)
    step: Mapped[str] = mapped_column(sa.String(20))
    decision: Mapped[str] = mapped_column(sa.String(10))
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor = relationship("User")


class NoticeBoard(Base):
    """A notice board of a site (信息栏), where the stewards post approved notices."""

    __tablename__ = "notice_board"
    __table_args__ = (sa.UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))  # A座一楼大堂信息栏
    building_id: Mapped[int | None] = mapped_column(sa.ForeignKey("building.id"))  # none: the site's own
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    building = relationship("Building")


class Posting(Base):
    """A notice posted on a board (张贴记录), numbered in sequence per site and year, until it is taken
    down. A revision is up on a board at most once at a time."""

    __tablename__ = "posting"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "number"),
        sa.Index("ix_posting_up", "revision_id", "board_id", unique=True,
                 sqlite_where=sa.text("taken_down_at IS NULL"), postgresql_where=sa.text("taken_down_at IS NULL")),
        sa.Index("ix_posting_board_up", "board_id", "taken_down_at"),
        sa.Index("ix_posting_site_posted", "site_id", "posted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    number: Mapped[str] = mapped_column(sa.String(20))  # ZT2026-00001
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notice.id"), index=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("notice_revision.id"))
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("notice_board.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    photo: Mapped[str | None] = mapped_column(sa.String(80))
    taken_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_down_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    notice = relationship(Notice)
    revision = relationship(NoticeRevision)
    board = relationship(NoticeBoard)
    posted_by = relationship("User", foreign_keys=[posted_by_id])
    taken_down_by = relationship("User", foreign_keys=[taken_down_by_id])
