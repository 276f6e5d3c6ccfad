from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, UTCDateTime


class AuditEntry(Base):
    """One thing that mattered: who did what to which object, when, from where, before/after.

    Append-only: the ORM refuses updates and deletes (audit/services.py) and the migration adds
    triggers so the database refuses them too."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(60))  # as it was then
    action: Mapped[str] = mapped_column(sa.String(60), index=True)  # e.g. receipt.void
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    # read-only: the page shows today's full name beside the username recorded then
    actor = relationship("User", viewonly=True, lazy="raise")

    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)
