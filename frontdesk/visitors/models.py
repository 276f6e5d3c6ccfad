"""Visitors, their visits (registered at the desk or booked ahead by the host), visitor passes and
their shift counts, the watch list and each site's visitor settings."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, UTCDateTime

PURPOSES = ("business", "interview", "delivery", "contractor", "other")
ID_TYPES = ("id_card", "passport", "hk_macao_permit", "taiwan_permit", "other")
ID_CARD = "id_card"

# A visit: booked ahead (expected) → on site → signed out; a booking can be cancelled.
EXPECTED, ON_SITE, SIGNED_OUT, CANCELLED = "expected", "on_site", "signed_out", "cancelled"
VISIT_STATUSES = (EXPECTED, ON_SITE, SIGNED_OUT, CANCELLED)

# The host's answer (依指示行事): receive in the lobby, send the visitor up, or decline politely.
LOBBY, SEND_UP, DECLINE = "lobby", "send_up", "decline"
ANSWERS = (LOBBY, SEND_UP, DECLINE)
# how the answer or the sign-out reached the desk
BY_LINK, BY_APP, BY_PHONE, BY_DESK = "link", "app", "phone", "desk"
ANSWER_WAYS = (BY_LINK, BY_APP, BY_PHONE)
SIGN_OUT_WAYS = (BY_DESK, BY_LINK, BY_APP)

HOST_CONTACT, HOST_CUSTOMER, HOST_STAFF = "contact", "customer", "user"
HOST_KINDS = (HOST_CONTACT, HOST_CUSTOMER, HOST_STAFF)

FLAG, BAR = "flag", "bar"
WATCH_LEVELS = (FLAG, BAR)


class VisitorSettings(Base):
    """How one site's desk registers visitors."""

    __tablename__ = "visitor_settings"
    __table_args__ = (sa.CheckConstraint("answer_minutes BETWEEN 1 AND 120", name="answer_minutes_range"),)

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), primary_key=True)
    # ask for an ID document (type and number) of every visitor
    id_required: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # minutes to wait for the host's answer before the desk is prompted to phone
    answer_minutes: Mapped[int] = mapped_column(sa.Integer, default=5)


class Visitor(Base):
    """Someone who has visited the site, recognised by their phone number when they come back."""

    __tablename__ = "visitor"
    __table_args__ = (sa.UniqueConstraint("site_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    phone: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(60))
    company: Mapped[str] = mapped_column(sa.String(100), default="")
    id_type: Mapped[str | None] = mapped_column(sa.String(20))
    id_number: Mapped[str | None] = mapped_column(sa.String(30))
    plate: Mapped[str] = mapped_column(sa.String(12), default="")
    last_visit_id: Mapped[int | None] = mapped_column(sa.Integer)  # the host and purpose of last time
    visits: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VisitorPass(Base):
    """A numbered visitor pass (访客卡) of the site's inventory. `out_visit_id` is the visit holding
    it now; the unique constraint, and the conditional UPDATE that hands it out, make sure a pass
    is never out twice."""

    __tablename__ = "visitor_pass"
    __table_args__ = (sa.UniqueConstraint("site_id", "number"), sa.UniqueConstraint("out_visit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)  # retired passes stay for the record
    # the visit's id, without a foreign key: visit.pass_id points the other way, and a cycle of
    # foreign keys cannot be created in one migration on both databases
    out_visit_id: Mapped[int | None] = mapped_column(sa.Integer)
    missing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # not found at a shift count


class Visit(Base):
    """One visit: who came, for whom, why, the host's answer, the pass held and when they left.
    The visitor's and the host's details are copied onto the visit, so the register and the slip
    say what was true that day."""

    __tablename__ = "visit"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "number"),
        sa.CheckConstraint(sa.column("status").in_(VISIT_STATUSES), name="status_known"),
        sa.CheckConstraint(sa.column("purpose").in_(PURPOSES), name="purpose_known"),
        sa.CheckConstraint("answer IS NULL OR answer IN ('lobby', 'send_up', 'decline')", name="answer_known"),
        sa.CheckConstraint("party_size BETWEEN 1 AND 99", name="party_size_range"),
        # arrived_at too, so "on site now, latest first" is read in order from this index: with
        # (site_id, status) alone SQLite walked every visit of the site backwards by
        # ix_visit_site_arrived to skip the sort (190 ms at 200,000 visits instead of 0.5 ms)
        sa.Index("ix_visit_site_status_arrived", "site_id", "status", "arrived_at"),
        sa.Index("ix_visit_site_arrived", "site_id", "arrived_at"),
        sa.Index("ix_visit_site_expected", "site_id", "expected_on"),
        sa.Index("ix_visit_host_user", "host_user_id", "status"),
        sa.Index("ix_visit_id_kept", "arrived_at", postgresql_where=sa.text("id_number IS NOT NULL"),
                 sqlite_where=sa.text("id_number IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    number: Mapped[str] = mapped_column(sa.String(20))  # FK2026-000123, gapless per site and year
    status: Mapped[str] = mapped_column(sa.String(12))
    visitor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visitor.id"), index=True)

    name: Mapped[str] = mapped_column(sa.String(60))
    phone: Mapped[str] = mapped_column(sa.String(20))
    company: Mapped[str] = mapped_column(sa.String(100), default="")
    party_size: Mapped[int] = mapped_column(sa.Integer, default=1)
    purpose: Mapped[str] = mapped_column(sa.String(12))
    purpose_note: Mapped[str] = mapped_column(sa.String(200), default="")
    plate: Mapped[str] = mapped_column(sa.String(12), default="")
    id_type: Mapped[str | None] = mapped_column(sa.String(20))
    id_number: Mapped[str | None] = mapped_column(sa.String(30))
    id_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    watch_note: Mapped[str] = mapped_column(sa.String(300), default="")  # the warning the clerk accepted

    host_kind: Mapped[str] = mapped_column(sa.String(10))
    host_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact.id"))
    host_customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"))
    host_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    host_name: Mapped[str] = mapped_column(sa.String(60))
    host_company: Mapped[str] = mapped_column(sa.String(100), default="")
    host_unit: Mapped[str] = mapped_column(sa.String(60), default="")
    host_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    host_email: Mapped[str] = mapped_column(sa.String(120), default="")

    expected_on: Mapped[date | None] = mapped_column(sa.Date)  # booked ahead for that day
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a random value signed into the host's link; a new one makes older links worthless
    link_nonce: Mapped[str] = mapped_column(sa.String(32))

    answer: Mapped[str | None] = mapped_column(sa.String(10))
    answer_note: Mapped[str] = mapped_column(sa.String(200), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_via: Mapped[str | None] = mapped_column(sa.String(10))
    answer_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    pass_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visitor_pass.id"))
    pass_number: Mapped[str] = mapped_column(sa.String(10), default="")
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_out_via: Mapped[str | None] = mapped_column(sa.String(10))
    signed_out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site = relationship("Site")
    visitor_pass = relationship(VisitorPass, foreign_keys=[pass_id])
    registered_by = relationship("User", foreign_keys=[registered_by_id])
    booked_by = relationship("User", foreign_keys=[booked_by_id])
    signed_out_by = relationship("User", foreign_keys=[signed_out_by_id])
    answer_recorded_by = relationship("User", foreign_keys=[answer_recorded_by_id])


class PassCount(Base):
    """A shift-change count of the visitor passes (交接班清点访客卡), signed by both clerks."""

    __tablename__ = "pass_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outgoing_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    incoming_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    expected: Mapped[int] = mapped_column(sa.Integer)  # passes that should be in the drawer
    counted: Mapped[int] = mapped_column(sa.Integer)
    out: Mapped[int] = mapped_column(sa.Integer)  # with visitors on site at the time
    missing: Mapped[str] = mapped_column(sa.String(500), default="")  # numbers, comma-separated
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    outgoing = relationship("User", foreign_keys=[outgoing_id])
    incoming = relationship("User", foreign_keys=[incoming_id])


class WatchEntry(Base):
    """Someone the site has barred (bar) or wants to know about (flag)."""

    __tablename__ = "watch_entry"
    __table_args__ = (sa.CheckConstraint(sa.column("level").in_(WATCH_LEVELS), name="level_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    level: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(60), default="")
    id_number: Mapped[str | None] = mapped_column(sa.String(30))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    added_by = relationship("User")
