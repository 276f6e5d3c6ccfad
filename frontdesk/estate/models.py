"""Sites, buildings, units, customers, contacts and who occupies which unit when."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, UTCDateTime

SITE_KINDS = ("estate", "park")
UNIT_USES = ("home", "shop", "office", "factory", "parking")
CUSTOMER_KINDS = ("person", "company")
OCCUPANCY_ROLES = ("owner", "tenant")
RECEIPT_COPIES = ("stub", "customer", "accounting")  # 存根联 / 客户联 / 记账联


class Site(Base):
    """An estate (小区) or an industrial park (产业园), with the settings of its service centre."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(10))
    company_name: Mapped[str] = mapped_column(sa.String(100))  # printed on receipts
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    receipt_prefix: Mapped[str] = mapped_column(sa.String(10), default="SJ")
    # which copies a receipt prints, comma-separated from RECEIPT_COPIES
    receipt_copies: Mapped[str] = mapped_column(sa.String(60), default="stub,customer,accounting")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    buildings: Mapped[list["Building"]] = relationship(back_populates="site", order_by="Building.code")

    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(SITE_KINDS), name="kind_known"),)

    @property
    def copies(self) -> list[str]:
        return [c for c in self.receipt_copies.split(",") if c in RECEIPT_COPIES]


class Building(Base):
    __tablename__ = "building"
    __table_args__ = (sa.UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20))  # A, B, 3#
    name: Mapped[str] = mapped_column(sa.String(100))

    site: Mapped[Site] = relationship(back_populates="buildings")
    units: Mapped[list["Unit"]] = relationship(back_populates="building", order_by="Unit.number")


class Unit(Base):
    """What fees are charged to: A-1203. The number is unique within a site."""

    __tablename__ = "unit"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "number"),
        sa.CheckConstraint(sa.column("use").in_(UNIT_USES), name="use_known"),
        sa.CheckConstraint("area >= 0", name="area_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    building_id: Mapped[int] = mapped_column(sa.ForeignKey("building.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(30))
    floor: Mapped[int | None] = mapped_column(sa.Integer)
    area: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))  # m², building area
    use: Mapped[str] = mapped_column(sa.String(10))

    site: Mapped[Site] = relationship()
    building: Mapped[Building] = relationship(back_populates="units")
    occupancies: Mapped[list["Occupancy"]] = relationship(back_populates="unit", order_by="Occupancy.start_on")


class Customer(Base):
    """Who pays: a person (owner, tenant) or a company with its unified social credit code."""

    __tablename__ = "customer"
    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(CUSTOMER_KINDS), name="kind_known"),
        sa.Index("ix_customer_site_credit_code", "site_id", "credit_code", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # last four digits of the phone, indexed: the cashier's "尾号 5678" lookup
    phone_last4: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    id_number: Mapped[str | None] = mapped_column(sa.String(18))  # persons, optional
    credit_code: Mapped[str | None] = mapped_column(sa.String(18))  # companies
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    contacts: Mapped[list["Contact"]] = relationship(back_populates="customer", order_by="Contact.id")
    occupancies: Mapped[list["Occupancy"]] = relationship(back_populates="customer")


class Contact(Base):
    """A person at a customer company (finance, the boss, the office manager)."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[str] = mapped_column(sa.String(60), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    phone_last4: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(120))

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class Occupancy(Base):
    """A customer holds a unit as owner or tenant from start_on to end_on (open-ended if None)."""

    __tablename__ = "occupancy"
    __table_args__ = (
        sa.CheckConstraint(sa.column("role").in_(OCCUPANCY_ROLES), name="role_known"),
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10))
    start_on: Mapped[date] = mapped_column(sa.Date)
    end_on: Mapped[date | None] = mapped_column(sa.Date)
    # who is billed for this unit while the occupancy runs (the tenant, usually, when there is one)
    billed: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    unit: Mapped[Unit] = relationship(back_populates="occupancies")
    customer: Mapped[Customer] = relationship(back_populates="occupancies")
