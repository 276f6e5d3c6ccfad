"""Two supervisors assigning the same company at once: the changes come one after the other, the
history is one unbroken chain and nothing fails on the portfolio's key — also the very first
assignment of a company nobody looked after, when there is no row yet to lock."""
import sqlalchemy as sa

from frontdesk.auth.models import User
from frontdesk.core.errors import ValidationFailed
from frontdesk.estate.models import Customer, Site
from frontdesk.visits import services
from frontdesk.visits.models import Portfolio, PortfolioChange
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
