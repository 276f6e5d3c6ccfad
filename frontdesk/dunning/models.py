"""Late-fee rules, payment notices, dunning notices and their deliveries, collection visits."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, Money, UTCDateTime


# --- payment notices and dunning notices ---------------------------------------------------------

# Dunning levels, in the order they escalate. Their wording and minimum intervals are in rules.py.
FIRST_REMINDER, SECOND_REMINDER, FINAL_DEMAND = 1, 2, 3
DUNNING_LEVELS = (FIRST_REMINDER, SECOND_REMINDER, FINAL_DEMAND)

NOTICE_ISSUED, NOTICE_DELIVERED, NOTICE_PAID, NOTICE_EXPIRED = "issued", "delivered", "paid", "expired"
NOTICE_STATUSES = (NOTICE_ISSUED, NOTICE_DELIVERED, NOTICE_PAID, NOTICE_EXPIRED)
# Only what happened to the paper is stored; paid and expired follow the money and the calendar and
# are derived when read (rules.notice_status), so a voided receipt reopens a notice by itself.
NOTICE_RECORDED_STATUSES = (NOTICE_ISSUED, NOTICE_DELIVERED)

HANDED_OVER, UNDER_THE_DOOR, REGISTERED_MAIL, BY_SMS, BY_EMAIL = (
    "handed_over", "under_the_door", "registered_mail", "sms", "email")
DELIVERY_METHODS = (HANDED_OVER, UNDER_THE_DOOR, REGISTERED_MAIL, BY_SMS, BY_EMAIL)


class PaymentNotice(Base):
    """A payment notice (缴款通知书): what a customer owes for one billing period, by when and how
    to pay. Numbered gaplessly per site and year, one per customer and period, frozen when issued."""

    __tablename__ = "payment_notice"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "year", "seq"),
        sa.UniqueConstraint("site_id", "number"),
        sa.UniqueConstraint("customer_id", "period"),
        sa.CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(7))
    year: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    number: Mapped[str] = mapped_column(sa.String(30))  # JK2026-000012
    total: Mapped[Decimal] = mapped_column(Money)
    due_on: Mapped[date] = mapped_column(sa.Date)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    batch: Mapped[str] = mapped_column(sa.String(32), index=True)  # the run that issued it: printed together
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the original print; later ones are reprints
    reprints: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    customer = relationship("Customer")
    issued_by = relationship("User")


class DunningNotice(Base):
    """A dunning notice (催款通知书): the formal demand with the frozen arrears, the late fee as of
    the issue date and the rule that produced it, the total and a deadline. Status: issued →
    delivered → paid / expired, the last two derived when read (queries.notice_statuses). A
    voided or changed charge never changes what the notice says."""

    __tablename__ = "dunning_notice"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "year", "seq"),
        sa.UniqueConstraint("site_id", "number"),
        sa.CheckConstraint(sa.column("status").in_(NOTICE_RECORDED_STATUSES), name="status_known"),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name="level_known"),
        sa.CheckConstraint("deadline_on > issued_on", name="deadline_after_issue"),
        sa.CheckConstraint("principal > 0 AND late_fee >= 0 AND total = principal + late_fee", name="total_adds_up"),
        sa.Index("ix_dunning_notice_customer", "customer_id", "issued_on"),
        sa.Index("ix_dunning_notice_site_status", "site_id", "status", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
    year: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    number: Mapped[str] = mapped_column(sa.String(30))  # CK2026-000007
    level: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(10), default=NOTICE_ISSUED)  # issued or delivered
    principal: Mapped[Decimal] = mapped_column(Money)  # what the listed charges still owed on the issue date
    late_fee: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    issued_on: Mapped[date] = mapped_column(sa.Date)  # the as-of date of the arrears and the late fee
    deadline_on: Mapped[date] = mapped_column(sa.Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))  # None: the scheduled run
    batch: Mapped[str] = mapped_column(sa.String(32), index=True)  # the run that issued it: printed together
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the original print; later ones are reprints
    reprints: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    customer = relationship("Customer")
    issued_by = relationship("User")
    charges: Mapped[list["DunningNoticeCharge"]] = relationship(back_populates="notice",
                                                                order_by="DunningNoticeCharge.id")
    delivery: Mapped["NoticeDelivery"] = relationship(back_populates="notice", uselist=False)


class DunningNoticeCharge(Base):
    """A charge a dunning notice demands. (charge, level) is unique: the database itself refuses a
    second notice of the same level for the same arrears, whatever runs at the same time."""

    __tablename__ = "dunning_notice_charge"
    __table_args__ = (sa.UniqueConstraint("charge_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("dunning_notice.id"), index=True)
    charge_id: Mapped[int] = mapped_column(sa.ForeignKey("charge.id"))
    level: Mapped[int] = mapped_column(sa.Integer)
    outstanding: Mapped[Decimal] = mapped_column(Money)
    late_fee: Mapped[Decimal] = mapped_column(Money)

    notice: Mapped[DunningNotice] = relationship(back_populates="charges")
    charge = relationship("Charge")


class NoticeDelivery(Base):
    """How a dunning notice went out: by whom, when, how, with an optional photo as proof (a file
    under the instance folder; only its name is stored). One per notice."""

    __tablename__ = "notice_delivery"
    __table_args__ = (sa.CheckConstraint(sa.column("method").in_(DELIVERY_METHODS), name="method_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("dunning_notice.id"), unique=True)
    method: Mapped[str] = mapped_column(sa.String(20))
    delivered_on: Mapped[date] = mapped_column(sa.Date)
    delivered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    recipient: Mapped[str] = mapped_column(sa.String(60), default="")  # who took it, the mail's tracking number
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    photo: Mapped[str | None] = mapped_column(sa.String(80))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    notice: Mapped[DunningNotice] = relationship(back_populates="delivery")
    delivered_by = relationship("User", foreign_keys=[delivered_by_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])


# --- late fees -----------------------------------------------------------------------------------

LATE_FEE_LABELS = ("违约金", "滞纳金")  # contracts differ in the word; the amount follows the same rule


class LateFeeRule(Base):
    """How late fees accrue: per fee item, or the site's default when fee_item_id is NULL.

    A site created through the desk starts with a default rule with the column defaults below. A
    charge whose fee item has no rule, at a site with no default (a site's default removed, or a site
    that existed before late fees), carries no late fee."""

    __tablename__ = "late_fee_rule"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "fee_item_id"),
        # NULLs never collide in a unique constraint: one default per site needs its own index
        sa.Index("uq_late_fee_rule_site_default", "site_id", unique=True,
                 sqlite_where=sa.text("fee_item_id IS NULL"), postgresql_where=sa.text("fee_item_id IS NULL")),
        sa.CheckConstraint(sa.column("label").in_(LATE_FEE_LABELS), name="label_known"),
        sa.CheckConstraint("daily_rate >= 0 AND daily_rate <= 0.01", name="rate_within_one_percent"),
        sa.CheckConstraint("grace_days >= 0 AND grace_days <= 365", name="grace_days_in_range"),
        sa.CheckConstraint("cap_percent >= 0 AND cap_percent <= 100", name="cap_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    fee_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fee_item.id"))
    label: Mapped[str] = mapped_column(sa.String(10), default="违约金")
    daily_rate: Mapped[Decimal] = mapped_column(sa.Numeric(8, 6), default=Decimal("0.0005"))  # 万分之五 a day
    grace_days: Mapped[int] = mapped_column(sa.Integer, default=0)
    cap_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("100"))  # of the unpaid principal
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    fee_item = relationship("FeeItem")


class LateFeeSettlement(Base):
    """The late fee of a charge paid on a receipt, as of the payment's business day. A voided
    receipt's payment no longer counts, so its late fee is owed again."""

    __tablename__ = "late_fee_settlement"
    __table_args__ = (
        sa.UniqueConstraint("payment_id", "charge_id"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_id: Mapped[int] = mapped_column(sa.ForeignKey("charge.id"), index=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    as_of: Mapped[date] = mapped_column(sa.Date)  # the late fee was worked out to this day
    days: Mapped[int] = mapped_column(sa.Integer)
    description: Mapped[str] = mapped_column(sa.String(200))  # as printed on the receipt

    charge = relationship("Charge")
    payment = relationship("Payment")


class LateFeeWaiver(Base):
    """A supervisor's waiver (减免) of all or part of a charge's late fee, with the reason."""

    __tablename__ = "late_fee_waiver"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_id: Mapped[int] = mapped_column(sa.ForeignKey("charge.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(sa.String(200))
    waived_on: Mapped[date] = mapped_column(sa.Date)  # the business day: the fee as of it was waived
    waived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    waived_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))

    charge = relationship("Charge")
    waived_by = relationship("User")


# --- collection visits ---------------------------------------------------------------------------

# booked → out (the receipt left with the collector) → paid | unused; a booked visit may be cancelled
VISIT_BOOKED, VISIT_OUT, VISIT_PAID, VISIT_UNUSED, VISIT_CANCELLED = "booked", "out", "paid", "unused", "cancelled"
VISIT_STATUSES = (VISIT_BOOKED, VISIT_OUT, VISIT_PAID, VISIT_UNUSED, VISIT_CANCELLED)


class CollectionVisit(Base):
    """A collection visit (预约上门收费): a collector takes a customer's receipt to them on a booked day.

    The receipt is numbered from the fee desk's receipt counter when it leaves the office and frozen
    then; the collector's signature is recorded. It comes back paid (the payment and its receipt, under
    the same number, are the receiving cashier's) or unused (voided here, the number kept)."""

    __tablename__ = "collection_visit"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "receipt_year", "receipt_seq"),
        sa.CheckConstraint(sa.column("status").in_(VISIT_STATUSES), name="status_known"),
        sa.CheckConstraint("total > 0", name="total_positive"),
        sa.Index("ix_collection_visit_site_status", "site_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    collector_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    visit_at: Mapped[datetime] = mapped_column(UTCDateTime)
    visit_on: Mapped[date] = mapped_column(sa.Date)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    total: Mapped[Decimal] = mapped_column(Money)  # principal and late fees as of the visit day
    status: Mapped[str] = mapped_column(sa.String(10), default=VISIT_BOOKED)
    booked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    receipt_year: Mapped[int | None] = mapped_column(sa.Integer)
    receipt_seq: Mapped[int | None] = mapped_column(sa.Integer)
    receipt_number: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    snapshot: Mapped[dict | None] = mapped_column(sa.JSON)
    signed_by: Mapped[str | None] = mapped_column(sa.String(60))  # the name the collector signed with
    handed_over_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id"), unique=True)
    void_reason: Mapped[str | None] = mapped_column(sa.String(200))
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first print: the original
    reprints: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    customer = relationship("Customer")
    collector = relationship("User", foreign_keys=[collector_id])
    booked_by = relationship("User", foreign_keys=[booked_by_id])
    handed_over_by = relationship("User", foreign_keys=[handed_over_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    lines: Mapped[list["CollectionVisitCharge"]] = relationship(order_by="CollectionVisitCharge.id")


class CollectionVisitCharge(Base):
    """A charge a collection visit collects: what it owed and its late fee as of the visit day."""

    __tablename__ = "collection_visit_charge"
    __table_args__ = (sa.UniqueConstraint("visit_id", "charge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("collection_visit.id"), index=True)
    charge_id: Mapped[int] = mapped_column(sa.ForeignKey("charge.id"), index=True)
    principal: Mapped[Decimal] = mapped_column(Money)
    late_fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    late_fee_label: Mapped[str] = mapped_column(sa.String(10), default="")  # 违约金 or 滞纳金, as the rule says

    charge = relationship("Charge")
