"""Writing the audit log. Every service that changes something that matters calls `record`
in the same transaction as the change."""
from decimal import Decimal
from datetime import date, datetime

import sqlalchemy as sa

from ..extensions import db
from .models import AuditEntry


def _plain(value):
    """JSON-safe copy of before/after values (Decimal and dates as strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def record(action, *, actor, now, obj=None, object_type=None, object_id=None, summary="",
           before=None, after=None, remote_addr=None):
    """Append an audit entry. `actor` may be None for the system (CLI jobs, failed logins).
    The remote address is taken from the request when there is one."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    if remote_addr is None:
        remote_addr = _remote_addr()
    entry = AuditEntry(
        at=now,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or "system",
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=str(summary)[:300],
        remote_addr=remote_addr,
        before=_plain(before),
        after=_plain(after),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _remote_addr():
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


@sa.event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")


@sa.event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")
