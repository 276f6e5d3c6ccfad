"""Clerks and technicians acting on work orders at the same moment, each thread with its own app
context and session against the real database: numbers stay gapless, a paid service is billed once,
no repeated report is lost."""

import sqlalchemy as sa

from frontdesk.auth.models import User
from frontdesk.billing.models import Charge
from frontdesk.core.errors import InvalidTransition
from frontdesk.estate.models import Site
from frontdesk.workorders import services
from frontdesk.workorders.models import COMPLETED, WorkOrder, WorkOrderEvent, WorkOrderReport
from tests.factories import NOW, make_user, run_together
from tests.workorders.conftest import dispatch, log


def test_eight_clerks_logging_at_once_get_gapless_numbers(app, db, desk):
    clerks = [desk.clerk.id] + [make_user("clerk", site=desk.site).id for _ in range(7)]
    site_id, unit_id = desk.site.id, desk.unit.id
    db.session.commit()

    def work(i, tdb):
        order = services.log_order(
            tdb.session.get(Site, site_id), kind="repair", channel="phone", category="plumbing",
            description=f"漏水 {i}", report=services.Report(reporter_name=f"业主{i}", reporter_phone="13812345678",
                                                           unit_id=unit_id),
            actor=tdb.session.get(User, clerks[i]), now=NOW)
        return order.number

    results = run_together(app, work, 8)
    assert sorted(results) == [f"GD2026-{n:06d}" for n in range(1, 9)]
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(WorkOrder.number)).all()) == sorted(results)


def test_four_completions_of_one_paid_service_bill_it_once(app, db, desk):
    order = log(desk)
    services.record_quote(order, amount="120.00", note="更换水泵", agreed_by="陈美玲", agreed=True,
                          fee_item_id=desk.repair_fee.id, actor=desk.clerk, now=NOW)
    dispatch(desk, order, now=NOW)
    workers = [desk.clerk.id, desk.technician.id, desk.supervisor.id, make_user("clerk", site=desk.site).id]
    order_id = order.id
    db.session.commit()

    def work(i, tdb):
        services.complete(tdb.session.get(WorkOrder, order_id), note=f"完成 {i}",
                          actor=tdb.session.get(User, workers[i]), now=NOW)
        return "completed"

    results = run_together(app, work, 4)
    assert results.count("completed") == 1, results
    assert sum(isinstance(r, InvalidTransition) for r in results) == 3, results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Charge)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrderEvent).where(
        WorkOrderEvent.order_id == order_id, WorkOrderEvent.action == "complete")) == 1
    finished = db.session.get(WorkOrder, order_id)
    assert finished.status == COMPLETED and finished.charge_id is not None


def test_four_clerks_linking_reports_at_once_lose_none(app, db, desk):
    order = log(desk, building=desk.building, place_note="电梯厅", category="lift", description="电梯停运")
    clerks = [desk.clerk.id] + [make_user("clerk", site=desk.site).id for _ in range(3)]
    order_id = order.id
    db.session.commit()

    def work(i, tdb):
        services.link_report(tdb.session.get(WorkOrder, order_id),
                             report=services.Report(reporter_name=f"住户{i}", reporter_phone=f"1390000000{i}"),
                             channel="phone", actor=tdb.session.get(User, clerks[i]), now=NOW)
        return "linked"

    assert run_together(app, work, 4) == ["linked"] * 4
    db.session.expire_all()
    linked = db.session.get(WorkOrder, order_id)
    assert (linked.reporters, linked.priority) == (5, 4)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrderReport)) == 4
