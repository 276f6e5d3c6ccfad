from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, UTCDateTime
from .permissions import ROLES, permissions_for


class User(UserMixin, Base):
    """A member of staff. Deactivated, never deleted: documents and the audit log point here."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(60))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh_CN")
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id"))  # the desk they work at
    failed_logins: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # bumped on password change and deactivation, so other sessions of the user end
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    site = relationship("Site")

    @property
    def roles(self) -> list[str]:
        return sorted((r.role for r in self.role_rows), key=ROLES.index)

    @property
    def permissions(self) -> set[str]:
        return permissions_for(self.roles)

    def can(self, permission: str) -> bool:
        return self.active and permission in self.permissions

    def is_locked(self, now: datetime) -> bool:
        """Locked by failed logins until `locked_until`."""
        return self.locked_until is not None and self.locked_until > now

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_version}"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role"),
        sa.CheckConstraint(sa.column("role").in_(ROLES), name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    role: Mapped[str] = mapped_column(sa.String(30))
    user: Mapped[User] = relationship(back_populates="role_rows")
