"""Two supervisors assigning the same company at once: the changes come one after the other, the
history is one unbroken chain and nothing fails on the portfolio's key — also the very first
assignment of a company nobody looked after, when there is no row yet to lock. A request sent
twice at once becomes one work order; a planned visit recorded while it is handed over is either
recorded by its manager before or refused after, never recorded under the new manager's name; a
commitment marked kept twice at once is kept once."""
from datetime import date

import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.auth.models import User
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.estate.models import Customer, Site
from frontdesk.visits import services
from frontdesk.visits.models import Commitment, CustomerVisit, Portfolio, PortfolioChange, VisitItem
from frontdesk.visits.services import CommitmentInput, ItemInput
from frontdesk.workorders.models import WorkOrder
from tests.factories import THREADS, run_together
from tests.visits.conftest import at


def test_first_assignments_at_once_make_one_unbroken_history(app, db, park):
    site_id, company_id = park.site.id, park.lvyuan.id
    managers = (park.chen.id, park.wang.id)
    supervisors = (park.supervisor.id, park.project_manager.id)
    db.session.commit()

    def work(i, tdb):
        site = tdb.session.get(Site, site_id)
        done = services.assign(site, tdb.session.get(Customer, company_id), managers[i % 2],
                               actor=tdb.session.get(User, supervisors[i % 2]), now=at(2026, 4, 2, 9))
        return done.portfolio.manager_id

    results = run_together(app, work)

    done = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert done and all(isinstance(e, ValidationFailed) for e in refused)  # "looked after by this manager already"
    assert len(done) + len(refused) == THREADS
    db.session.expire_all()
    history = list(db.session.scalars(sa.select(PortfolioChange).where(PortfolioChange.customer_id == company_id)
                                      .order_by(PortfolioChange.id)))
    assert len(history) == len(done)
    assert history[0].from_manager_id is None
    for before, after in zip(history, history[1:]):
        assert after.from_manager_id == before.to_manager_id != after.to_manager_id
    assert db.session.get(Portfolio, company_id).manager_id == history[-1].to_manager_id


def test_supervisors_handing_over_overlapping_companies_at_once_wait_for_each_other(app, db, park):
    """Each sends the same four companies in another order: the rows are locked in id order, so
    nobody deadlocks, and every company's history stays one chain."""
    site_id = park.site.id
    companies = [park.yunqi.id, park.hengtong.id, park.boyuan.id, park.lvyuan.id]
    managers = (park.chen.id, park.wang.id)
    supervisors = (park.supervisor.id, park.project_manager.id)
    db.session.commit()

    def work(i, tdb):
        done = services.assign_many(tdb.session.get(Site, site_id), companies[::-1] if i % 2 else companies,
                                    managers[i % 2], actor=tdb.session.get(User, supervisors[i % 2]),
                                    now=at(2026, 4, 2, 9))
        return len(done.assigned)

    results = run_together(app, work)

    assert all(isinstance(r, int) for r in results), results  # none failed, none deadlocked
    db.session.expire_all()
    for company_id in companies:
        history = list(db.session.scalars(sa.select(PortfolioChange).where(PortfolioChange.customer_id == company_id)
                                          .order_by(PortfolioChange.id)))
        for before, after in zip(history, history[1:]):
            assert after.from_manager_id == before.to_manager_id != after.to_manager_id
        assert db.session.get(Portfolio, company_id).manager_id == history[-1].to_manager_id
    # the last handover wins for all four: the companies end with one manager, not a mix
    assert len({db.session.get(Portfolio, c).manager_id for c in companies}) == 1


def test_a_request_sent_twice_at_once_becomes_one_work_order(app, db, park):
    visit = services.record_visit(park.site, customer_id=park.yunqi.id, mode="phone", purpose="routine_care",
                                  visited_at=at(2026, 3, 31, 9), attendees="李总",
                                  items=[ItemInput("request", "A-301 空调不制冷")], actor=park.chen,
                                  now=at(2026, 3, 31, 9))
    item_id, chen_id, unit_id = visit.items[0].id, park.chen.id, park.yunqi.occupancies[0].unit.id
    db.session.commit()  # the test's own session lets go of the database before the threads start

    def work(i, tdb):
        return services.item_to_work_order(tdb.session.get(VisitItem, item_id), category="hvac", unit_id=unit_id,
                                           actor=tdb.session.get(User, chen_id), now=at(2026, 3, 31, 10)).number

    results = run_together(app, work)

    made = [r for r in results if isinstance(r, str)]
    assert len(made) == 1, results
    assert all(isinstance(r, InvalidTransition) for r in results if not isinstance(r, str)), results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder)) == 1
    assert db.session.get(VisitItem, item_id).work_order.number == made[0]


def test_a_plan_recorded_while_it_is_handed_over_stays_with_who_made_the_visit(app, db, park):
    plan = services.plan_visit(park.site, customer_id=park.yunqi.id, visit_on=date(2026, 4, 2), mode="on_site",
                               purpose="routine_care", actor=park.chen, now=at(2026, 4, 1, 9))
    site_id, company_id, plan_id = park.site.id, park.yunqi.id, plan.id
    chen_id, wang_id, supervisor_id = park.chen.id, park.wang.id, park.supervisor.id
    db.session.commit()

    def work(i, tdb):
        if i == 0:
            return services.assign(tdb.session.get(Site, site_id), tdb.session.get(Customer, company_id), wang_id,
                                   actor=tdb.session.get(User, supervisor_id), now=at(2026, 4, 2, 15)).handed_over
        return services.record_visit(tdb.session.get(Site, site_id), visit=tdb.session.get(CustomerVisit, plan_id),
                                     visited_at=at(2026, 4, 2, 14), attendees="李总",
                                     actor=tdb.session.get(User, chen_id), now=at(2026, 4, 2, 15)).status

    results = run_together(app, work)

    db.session.expire_all()
    visit = db.session.get(CustomerVisit, plan_id)
    recorded = [r for r in results[1:] if r == "recorded"]
    refused = [r for r in results[1:] if isinstance(r, (NotAllowed, InvalidTransition))]
    assert len(recorded) + len(refused) == len(results) - 1, results  # no deadlock, no other failure
    if results[0]:  # the handover came first: the plan went to 王敏, and 陈思远 could not record it
        assert results[0] == [visit.number] and not recorded
        assert (visit.status, visit.manager_id) == ("planned", wang_id)
    else:  # 陈思远 recorded it first: a visit made is his, and nothing was handed over
        assert recorded and (visit.status, visit.manager_id) == ("recorded", chen_id)


def test_a_commitment_marked_kept_twice_at_once_is_kept_once(app, db, park):
    visit = services.record_visit(park.site, customer_id=park.yunqi.id, mode="phone", purpose="routine_care",
                                  visited_at=at(2026, 3, 31, 9), attendees="李总", actor=park.chen,
                                  now=at(2026, 3, 31, 9),
                                  commitments=[CommitmentInput("三个工作日内书面答复", park.chen.id, date(2026, 4, 3))])
    commitment_id, chen_id, supervisor_id = visit.commitments[0].id, park.chen.id, park.supervisor.id
    db.session.commit()

    def work(i, tdb):
        services.complete_commitment(tdb.session.get(Commitment, commitment_id), note=f"已答复 {i}",
                                     actor=tdb.session.get(User, (chen_id, supervisor_id)[i % 2]),
                                     now=at(2026, 4, 2, 9))
        return i

    results = run_together(app, work)

    kept = [r for r in results if isinstance(r, int)]
    assert len(kept) == 1 and all(isinstance(r, InvalidTransition) for r in results if r not in kept), results
    db.session.expire_all()
    assert db.session.get(Commitment, commitment_id).done_note == f"已答复 {kept[0]}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "visits.commitment_done")) == 1
