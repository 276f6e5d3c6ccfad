"""Searching the audit log."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.clock import day_bounds
from ..extensions import db
from .models import AuditEntry


@dataclass
class AuditFilter:
    actor: str = ""  # part of the username recorded then or of the user's full name
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    text: str = ""  # part of the summary
    day_from: date | None = None  # business days in Asia/Shanghai, both included
    day_to: date | None = None


def search(f: AuditFilter, *, page: int, per_page: int):
    """The entries matching every given filter, newest first, one page of them."""
    query = sa.select(AuditEntry).options(selectinload(AuditEntry.actor))
    if f.actor:
        names = sa.select(User.id).where(User.full_name.icontains(f.actor, autoescape=True))
        query = query.where(sa.or_(AuditEntry.actor_name.icontains(f.actor, autoescape=True),
                                   AuditEntry.actor_id.in_(names)))
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.object_type:
        query = query.where(AuditEntry.object_type == f.object_type)
    if f.object_id:
        query = query.where(AuditEntry.object_id == f.object_id)
    if f.text:
        query = query.where(AuditEntry.summary.icontains(f.text, autoescape=True))
    if f.day_from:
        query = query.where(AuditEntry.at >= day_bounds(f.day_from)[0])
    if f.day_to:
        query = query.where(AuditEntry.at < day_bounds(f.day_to)[1])
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def actions_present() -> list[str]:
    """The actions that occur in the log, for the action select."""
    return db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()


def object_types_present() -> list[str]:
    return db.session.scalars(
        sa.select(AuditEntry.object_type).where(AuditEntry.object_type.is_not(None)).distinct()
        .order_by(AuditEntry.object_type)
    ).all()
