"""Work orders (工单): repairs, complaints, enquiries, suggestions and praise, logged at the desk,
dispatched to a department or a technician, kept to their time limits, chased, called back and
closed. Also the site's departments, time limits and callback policies, chase notices and shift
handovers."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, Money, UTCDateTime

REPAIR, COMPLAINT, ENQUIRY, SUGGESTION, PRAISE = "repair", "complaint", "enquiry", "suggestion", "praise"
KINDS = (REPAIR, COMPLAINT, ENQUIRY, SUGGESTION, PRAISE)
CHANNELS = ("phone", "walk_in", "on_site", "email")
CATEGORIES = ("plumbing", "electrical", "hvac", "lift", "doors_locks", "cleaning", "security", "noise",
              "billing", "other")
EMERGENCY, NORMAL = "emergency", "normal"
URGENCIES = (EMERGENCY, NORMAL)
# how hard a complaint is to resolve (简单 / 一般 / 复杂); the other kinds are "ordinary"
SIMPLE, ORDINARY, COMPLEX = "simple", "ordinary", "complex"
COMPLEXITIES = (SIMPLE, ORDINARY, COMPLEX)

NEW, DISPATCHED, IN_PROGRESS, ON_HOLD = "new", "dispatched", "in_progress", "on_hold"
COMPLETED, CALLED_BACK, CLOSED, CANCELLED = "completed", "called_back", "closed", "cancelled"
STATUSES = (NEW, DISPATCHED, IN_PROGRESS, ON_HOLD, COMPLETED, CALLED_BACK, CLOSED, CANCELLED)
# not yet completed: the resolution clock runs (unless on hold)
OPEN_STATUSES = (NEW, DISPATCHED, IN_PROGRESS, ON_HOLD)
# still somebody's business: handed over at every shift change
UNFINISHED_STATUSES = OPEN_STATUSES + (COMPLETED, CALLED_BACK)

WAITING_CUSTOMER, WAITING_PARTS = "waiting_customer", "waiting_parts"
HOLD_REASONS = (WAITING_CUSTOMER, WAITING_PARTS)

# time limits: a number of minutes or hours of clock time, or of working days
MINUTES, HOURS, WORKING_DAYS = "minutes", "hours", "working_days"
LIMIT_UNITS = (MINUTES, HOURS, WORKING_DAYS)

# when a completed order is called back (回访)
CALLBACK_REQUIRED, CALLBACK_OPTIONAL, CALLBACK_NONE = "required", "optional", "none"
CALLBACK_POLICIES = (CALLBACK_REQUIRED, CALLBACK_OPTIONAL, CALLBACK_NONE)


class Department(Base):
    """A department work is dispatched to (工程部, 保洁部, 秩序维护部); chase notices are addressed
    to it and sent to its phone and email when it has them."""

    __tablename__ = "department"
    __table_args__ = (sa.UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class CalendarDay(Base):
    """A day the official calendar package does not know yet (a year announced after its release):
    a public holiday (working = False) or a make-up workday (working = True). It overrides the
    package for that day everywhere working days are counted."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    working: Mapped[bool] = mapped_column(sa.Boolean)
    name: Mapped[str] = mapped_column(sa.String(60), default="")  # 元旦, 春节, 春节调休
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))


class TimeLimit(Base):
    """A site's time limits for orders of one kind, optionally narrowed to a category, an urgency
    and a complexity (empty = any). The most specific matching row applies. `target` is the promise
    (an ordinary complaint within 1 working day), `hard` the limit never to pass (3 working days)."""

    __tablename__ = "time_limit"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "kind", "category", "urgency", "complexity"),
        sa.CheckConstraint("response_amount > 0 AND target_amount > 0 AND hard_amount > 0", name="limits_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    category: Mapped[str] = mapped_column(sa.String(12), default="")
    urgency: Mapped[str] = mapped_column(sa.String(10), default="")
    complexity: Mapped[str] = mapped_column(sa.String(10), default="")
    response_amount: Mapped[int] = mapped_column(sa.Integer)
    response_unit: Mapped[str] = mapped_column(sa.String(12))
    target_amount: Mapped[int] = mapped_column(sa.Integer)
    target_unit: Mapped[str] = mapped_column(sa.String(12))
    hard_amount: Mapped[int] = mapped_column(sa.Integer)
    hard_unit: Mapped[str] = mapped_column(sa.String(12))


class CallbackPolicy(Base):
    """Whether completed orders of a kind are called back before they are closed, and within how
    many working days of completion."""

    __tablename__ = "callback_policy"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "kind"),
        sa.CheckConstraint("within_days BETWEEN 1 AND 30", name="within_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    policy: Mapped[str] = mapped_column(sa.String(10))
    within_days: Mapped[int] = mapped_column(sa.Integer, default=3)


class WorkOrder(Base):
    """One work order. The reporter and the place are copied onto the order, so the register says
    what was true that day. The time limits that applied when it was logged are frozen on the order
    and its deadlines kept as columns (recomputed when a pause ends), so the overdue list is one
    indexed query."""

    __tablename__ = "work_order"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "number"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status_known"),
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="kind_known"),
        sa.CheckConstraint(sa.column("category").in_(CATEGORIES), name="category_known"),
        sa.CheckConstraint("unit_id IS NOT NULL OR building_id IS NOT NULL", name="place_given"),
        sa.CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        sa.CheckConstraint("quote IS NULL OR quote > 0", name="quote_positive"),
        sa.Index("ix_work_order_site_status_due", "site_id", "status", "resolve_due_at"),
        sa.Index("ix_work_order_site_logged", "site_id", "logged_at"),
        sa.Index("ix_work_order_assignee", "assignee_id", "status"),
        sa.Index("ix_work_order_place", "site_id", "category", "building_id", "logged_at"),
        # a company's open orders, on the account manager's company page
        sa.Index("ix_work_order_customer", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    number: Mapped[str] = mapped_column(sa.String(20))  # GD2026-000123, gapless per site and year
    kind: Mapped[str] = mapped_column(sa.String(12))
    channel: Mapped[str] = mapped_column(sa.String(10))
    category: Mapped[str] = mapped_column(sa.String(12))
    urgency: Mapped[str] = mapped_column(sa.String(10), default=NORMAL)
    complexity: Mapped[str] = mapped_column(sa.String(10), default=ORDINARY)
    status: Mapped[str] = mapped_column(sa.String(12), default=NEW)
    # higher first: an emergency, and each further customer reporting the same problem, raise it
    priority: Mapped[int] = mapped_column(sa.Integer, default=0)
    reporters: Mapped[int] = mapped_column(sa.Integer, default=1)

    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"))
    reporter_name: Mapped[str] = mapped_column(sa.String(60))
    reporter_phone: Mapped[str] = mapped_column(sa.String(20))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(sa.ForeignKey("building.id"))
    place: Mapped[str] = mapped_column(sa.String(120))  # "A-1201" or "A 公共区域：电梯厅"
    description: Mapped[str] = mapped_column(sa.String(1000))

    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))  # took the call (首问责任人)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)

    response_amount: Mapped[int] = mapped_column(sa.Integer)
    response_unit: Mapped[str] = mapped_column(sa.String(12))
    target_amount: Mapped[int] = mapped_column(sa.Integer)
    target_unit: Mapped[str] = mapped_column(sa.String(12))
    hard_amount: Mapped[int] = mapped_column(sa.Integer)
    hard_unit: Mapped[str] = mapped_column(sa.String(12))
    # None while the order is on hold: the clock is stopped
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hard_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_note: Mapped[str] = mapped_column(sa.String(500), default="")
    reopened: Mapped[int] = mapped_column(sa.Integer, default=0)

    # paid service (有偿服务): quoted, and agreed by the customer, before dispatch
    quote: Mapped[Decimal | None] = mapped_column(Money)
    quote_note: Mapped[str] = mapped_column(sa.String(200), default="")
    fee_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fee_item.id"))  # what the charge is billed as
    agreed_by: Mapped[str] = mapped_column(sa.String(60), default="")
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    charge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("charge.id"), unique=True)

    callback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction: Mapped[int | None] = mapped_column(sa.Integer)
    callback_note: Mapped[str] = mapped_column(sa.String(300), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site = relationship("Site")
    unit = relationship("Unit")
    building = relationship("Building")
    customer = relationship("Customer")
    owner = relationship("User", foreign_keys=[owner_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    department = relationship(Department)
    events: Mapped[list["WorkOrderEvent"]] = relationship(back_populates="order", order_by="WorkOrderEvent.id")
    photos: Mapped[list["WorkOrderPhoto"]] = relationship(order_by="WorkOrderPhoto.id")
    pauses: Mapped[list["WorkOrderPause"]] = relationship(order_by="WorkOrderPause.id")


class WorkOrderReport(Base):
    """A further customer reporting the same problem, linked to the order instead of a duplicate."""

    __tablename__ = "work_order_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"))
    reporter_name: Mapped[str] = mapped_column(sa.String(60))
    reporter_phone: Mapped[str] = mapped_column(sa.String(20))
    place: Mapped[str] = mapped_column(sa.String(120))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    channel: Mapped[str] = mapped_column(sa.String(10))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))


class WorkOrderEvent(Base):
    """The order's timeline: every transition and note, with who and when (the audit log has the
    same changes; this is what the order's page shows)."""

    __tablename__ = "work_order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(sa.String(20))
    from_status: Mapped[str | None] = mapped_column(sa.String(12))
    to_status: Mapped[str | None] = mapped_column(sa.String(12))
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    order: Mapped[WorkOrder] = relationship(back_populates="events")
    actor = relationship("User")


class WorkOrderPause(Base):
    """A stop of the clock while the order waits for the customer or for parts."""

    __tablename__ = "work_order_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkOrderPhoto(Base):
    """A photo of the problem, kept under the instance folder."""

    __tablename__ = "work_order_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    file_name: Mapped[str] = mapped_column(sa.String(80))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))


class ChaseNotice(Base):
    """A chase notice (催办通知单) to the department of an order past its time limit: numbered per
    site and year, frozen when issued. If the order is still not completed by `reply_by`, it is
    escalated to the supervisor."""

    __tablename__ = "chase_notice"
    __table_args__ = (sa.UniqueConstraint("site_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    number: Mapped[str] = mapped_column(sa.String(20))  # CB2026-0007
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reply_by: Mapped[datetime] = mapped_column(UTCDateTime)
    snapshot: Mapped[dict] = mapped_column(sa.JSON)  # what the notice says
    reprints: Mapped[int] = mapped_column(sa.Integer, default=0)

    order = relationship(WorkOrder)
    department = relationship(Department)


class Handover(Base):
    """A shift handover (交接班): the outgoing clerk hands every unfinished order of the site to the
    incoming one; the list as it stood is frozen in `items`."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outgoing_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    incoming_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    items: Mapped[list] = mapped_column(sa.JSON)

    outgoing = relationship("User", foreign_keys=[outgoing_id])
    incoming = relationship("User", foreign_keys=[incoming_id])
