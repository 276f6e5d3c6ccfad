"""Work-order test data: a park with a building, an occupied unit and its customer, a second
building for common-area reports, a clerk, two technicians, a supervisor, the engineering
department and a one-off REPAIR fee item; `log(...)` logs an order with sensible defaults.

Times are pinned: `at(...)` gives an instant from Shanghai wall time, and every service call
passes its `now` explicitly."""
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.billing.models import ONE_OFF
from frontdesk.core.clock import BUSINESS_TZ
from frontdesk.extensions import db
from frontdesk.workorders import services
from frontdesk.workorders.models import NORMAL, ORDINARY, REPAIR, Department, WorkOrder, WorkOrderEvent
from tests.billing.factories import make_fee_item
from tests.factories import NOW, make_building, make_customer, make_site, make_unit, make_user


def at(year, month, day, hour=10, minute=0) -> datetime:
    """An instant given as Shanghai wall time (UTC-aware, as the services want it)."""
    return datetime(year, month, day, hour, minute, tzinfo=BUSINESS_TZ).astimezone(timezone.utc)


@dataclass
class Desk:
    site: object
    building: object
    unit: object
    customer: object
    other_building: object
    clerk: object
    technician: object
    other_technician: object
    supervisor: object
    department: object
    repair_fee: object


def make_department(site, name="工程部", phone="13900002222", email=""):
    department = Department(site_id=site.id, name=name, phone=phone, email=email, active=True)
    db.session.add(department)
    db.session.flush()
    return department


def make_desk() -> Desk:
    """The 星河产业园 desk: resident 陈美玲 at A-0801, building B for common-area reports, clerk 李娟,
    technicians 王师傅 and 赵师傅, supervisor 周主管, 工程部, and the one-off fee item 维修费."""
    site = make_site("PARK", kind="park", name="星河产业园", company_name="星河物业服务有限公司")
    building = make_building(site, "A")
    unit = make_unit(building, "A-0801", use="home")
    customer = make_customer(site, "陈美玲", phone="13812345678", unit=unit, start_on=date(2020, 1, 1))
    other_building = make_building(site, "B")
    return Desk(
        site=site, building=building, unit=unit, customer=customer, other_building=other_building,
        clerk=make_user("clerk", username="clerk1", full_name="李娟", site=site),
        technician=make_user("technician", username="tech1", full_name="王师傅", site=site),
        other_technician=make_user("technician", username="tech2", full_name="赵师傅", site=site),
        supervisor=make_user("supervisor", username="boss1", full_name="周主管", site=site),
        department=make_department(site),
        repair_fee=make_fee_item(site, name="维修费", basis=ONE_OFF, price="0", code="REPAIR"),
    )


@pytest.fixture
def desk(db):
    """make_desk(), committed."""
    made = make_desk()
    db.session.commit()
    return made


def report(desk, *, unit=None, building=None, place_note="", name="陈美玲", phone="13812345678",
           customer=None) -> services.Report:
    """Who called and where: by default the resident about her own unit. `building=` without `unit=`
    makes it a common-area report."""
    if unit is None and building is None:
        unit = desk.unit
    if customer is None and unit is desk.unit:
        customer = desk.customer
    return services.Report(reporter_name=name, reporter_phone=phone, unit_id=getattr(unit, "id", None),
                           building_id=getattr(building, "id", None), place_note=place_note,
                           customer_id=getattr(customer, "id", None))


def log(desk, *, now=NOW, actor=None, kind=REPAIR, channel="phone", category="plumbing",
        description="厨房水龙头漏水", urgency=NORMAL, complexity=ORDINARY, photos=(), answered=False, answer="",
        caller: services.Report | None = None, **where) -> WorkOrder:
    """services.log_order by the desk's clerk at NOW: a plumbing repair at the resident's unit unless
    told otherwise; `where` goes to report() (unit=, building=, place_note=, name=, phone=, customer=),
    or `caller` is the services.Report to use as it is."""
    return services.log_order(desk.site, kind=kind, channel=channel, category=category, description=description,
                              report=caller or report(desk, **where), urgency=urgency, complexity=complexity,
                              photos=photos, answered=answered, answer=answer, actor=actor or desk.clerk, now=now)


def dispatch(desk, order, *, now=NOW, technician=True, actor=None):
    """Dispatch to 工程部, and to the desk's technician unless technician=False."""
    services.dispatch(order, department_id=desk.department.id,
                      assignee_id=desk.technician.id if technician else None, actor=actor or desk.clerk, now=now)
    return order


def events_of(order) -> list[tuple]:
    """The order's timeline as (action, from_status, to_status, actor_id)."""
    return [tuple(row) for row in db.session.execute(
        sa.select(WorkOrderEvent.action, WorkOrderEvent.from_status, WorkOrderEvent.to_status,
                  WorkOrderEvent.actor_id).where(WorkOrderEvent.order_id == order.id).order_by(WorkOrderEvent.id))]


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def audit_actions(order) -> list[tuple[str, int | None]]:
    """(action, actor id) of the audit entries about the order, oldest first."""
    return [tuple(row) for row in db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.actor_id)
        .where(AuditEntry.object_type == "work_order", AuditEntry.object_id == str(order.id))
        .order_by(AuditEntry.id))]
