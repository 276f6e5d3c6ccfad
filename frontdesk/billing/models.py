"""Fee items, charges, meter readings, payments, receipts, prepayments and day closes."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, Money, UTCDateTime

# How a fee item turns into an amount.
PER_AREA_MONTH = "per_area_month"  # area (m²) × price, monthly
FIXED_MONTH = "fixed_month"  # price, monthly
METERED = "metered"  # (this reading − last reading) × multiplier × price
ONE_OFF = "one_off"  # entered by hand (repair fee, deposit)
BASES = (PER_AREA_MONTH, FIXED_MONTH, METERED, ONE_OFF)

UNPAID, PARTIAL, PAID = "unpaid", "partial", "paid"
CHARGE_STATUSES = (UNPAID, PARTIAL, PAID)

CASH, CARD, TRANSFER, WECHAT, ALIPAY = "cash", "card", "transfer", "wechat", "alipay"
METHODS = (CASH, CARD, TRANSFER, WECHAT, ALIPAY)

ISSUED, VOIDED = "issued", "voided"
COMPLETED = "completed"


class FeeItem(Base):
    __tablename__ = "fee_item"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "code"),
        sa.CheckConstraint(sa.column("basis").in_(BASES), name="basis_known"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("multiplier > 0", name="multiplier_positive"),
        sa.CheckConstraint("due_day BETWEEN 1 AND 28", name="due_day_in_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(60))
    basis: Mapped[str] = mapped_column(sa.String(20))
    # a rate, not an amount: may have more places than the fen (1.0500 yuan/kWh, 2.85 yuan/m²)
    price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4))
    multiplier: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("1"))
    unit_label: Mapped[str] = mapped_column(sa.String(20), default="")  # kWh, m³, 车位
    # unit uses it is billed to, comma-separated; empty means every unit
    applies_to: Mapped[str] = mapped_column(sa.String(60), default="")
    due_day: Mapped[int] = mapped_column(sa.Integer, default=15)  # due on this day of the period's month
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    site = relationship("Site")

    def applies_to_use(self, use: str) -> bool:
        uses = [u for u in self.applies_to.split(",") if u]
        return not uses or use in uses


class Charge(Base):
    """What a unit owes for one fee item and billing period (应收)."""

    __tablename__ = "charge"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("paid >= 0 AND paid <= amount", name="paid_within_amount"),
        sa.CheckConstraint(sa.column("status").in_(CHARGE_STATUSES), name="status_known"),
        sa.Index("ix_charge_unit_status", "unit_id", "status"),
        sa.Index("ix_charge_customer_status", "customer_id", "status"),
        sa.Index("ix_charge_site_status_due", "site_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
    fee_item_id: Mapped[int] = mapped_column(sa.ForeignKey("fee_item.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(7))  # billing period, YYYY-MM
    amount: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    status: Mapped[str] = mapped_column(sa.String(10), default=UNPAID)
    due_on: Mapped[date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.String(200), default="")  # 1,203.50 kWh; the repair
    # "unit:fee item:period" for generated charges, so a second run bills nothing twice; NULL for one-off
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    unit = relationship("Unit")
    customer = relationship("Customer")
    fee_item: Mapped[FeeItem] = relationship()

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


class MeterReading(Base):
    """A reading of a unit's water or electricity meter for a period; produces a metered charge."""

    __tablename__ = "meter_reading"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "fee_item_id", "period"),
        sa.CheckConstraint("current_reading >= previous_reading", name="reading_not_backwards"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    fee_item_id: Mapped[int] = mapped_column(sa.ForeignKey("fee_item.id"))
    period: Mapped[str] = mapped_column(sa.String(7))
    previous_reading: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    current_reading: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    read_on: Mapped[date] = mapped_column(sa.Date)
    charge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("charge.id"))
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    unit = relationship("Unit")
    fee_item = relationship("FeeItem")


class Payment(Base):
    """Money received at the counter. `request_token` makes a double-submitted form one payment."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.CheckConstraint(sa.column("method").in_(METHODS), name="method_known"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("change_given >= 0", name="change_not_negative"),
        sa.Index("ix_payment_cashier_day", "cashier_id", "business_on"),
        sa.Index("ix_payment_customer", "customer_id", "paid_at"),
        sa.Index("ix_payment_unit", "unit_id", "paid_at"),
        sa.Index("ix_payment_site_day", "site_id", "business_on"),  # reports as of a past day
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
    cashier_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    method: Mapped[str] = mapped_column(sa.String(10))
    amount: Mapped[Decimal] = mapped_column(Money)  # applied to charges + prepayment
    prepayment: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # of amount, kept on account
    tendered: Mapped[Decimal | None] = mapped_column(Money)  # cash handed over
    change_given: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    reference: Mapped[str] = mapped_column(sa.String(64), default="")  # POS slip / transaction number
    payer_name: Mapped[str] = mapped_column(sa.String(100))
    request_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=COMPLETED)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    business_on: Mapped[date] = mapped_column(sa.Date)

    lines: Mapped[list["PaymentLine"]] = relationship(back_populates="payment", order_by="PaymentLine.id")
    receipt: Mapped["Receipt"] = relationship(back_populates="payment", uselist=False)
    cashier = relationship("User")
    customer = relationship("Customer")
    unit = relationship("Unit")


class PaymentLine(Base):
    __tablename__ = "payment_line"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id"), index=True)
    charge_id: Mapped[int] = mapped_column(sa.ForeignKey("charge.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    payment: Mapped[Payment] = relationship(back_populates="lines")
    charge: Mapped[Charge] = relationship()


class PrepaymentEntry(Base):
    """The prepayment (预存款) ledger of a customer: + money kept on account, − money used."""

    __tablename__ = "prepayment_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment.id"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Receipt(Base):
    """The receipt (收据) of a payment: a gapless number per site and year and a frozen snapshot
    of everything it prints. Voided receipts keep their number; nothing is deleted."""

    __tablename__ = "receipt"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "year", "seq"),
        sa.CheckConstraint(sa.column("status").in_((ISSUED, VOIDED)), name="status_known"),
        sa.Index("ix_receipt_cashier_day", "cashier_id", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id"), unique=True)
    cashier_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    year: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)  # SJ2026-000123
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(10), default=ISSUED)
    reprints: Mapped[int] = mapped_column(sa.Integer, default=0)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the original print; later ones are reprints
    void_reason: Mapped[str | None] = mapped_column(sa.String(200))
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship(back_populates="receipt")
    cashier = relationship("User", foreign_keys=[cashier_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])


class DayClose(Base):
    """A cashier's day close (日结): the frozen day report, the cashier's confirmation of the
    handover and the supervisor's acknowledgement of receiving it."""

    __tablename__ = "day_close"
    __table_args__ = (sa.UniqueConstraint("site_id", "cashier_id", "business_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    cashier_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    business_on: Mapped[date] = mapped_column(sa.Date)
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cashier = relationship("User", foreign_keys=[cashier_id])
    received_by = relationship("User", foreign_keys=[received_by_id])
