"""Planning and recording visits (services): the portfolio decides for which companies a manager
plans; a plan is for today or later; a record's follow-up comes after the visit and is not in the
past; a commitment has an owner and a due date not before the visit; only the visit's manager
changes it; every refusal changes nothing. A later visit follows up the earlier one, the
portfolio keeps the last visit day, and numbers are gapless however many managers plan at once."""
from datetime import date

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.auth.models import User
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.core.numbering import Counter
from frontdesk.estate.models import Site
from frontdesk.visits import services
from frontdesk.visits.models import (
    CANCELLED, PLANNED, RECORDED, Commitment, CustomerVisit, Portfolio, VisitItem,
)
from frontdesk.visits.services import CommitmentInput, ItemInput
from tests.factories import THREADS, english, run_together
from tests.visits.conftest import at

DAY = date(2026, 4, 2)  # a Thursday, the day after the park's assignments
NOW = at(2026, 4, 2, 9)


def plan(park, company=None, *, actor=None, visit_on=DAY, now=NOW, **kw):
    fields = {"mode": "on_site", "purpose": "routine_care", "meet": "李总", "preparation": "带上续租条款"} | kw
    return services.plan_visit(park.site, customer_id=(company or park.yunqi).id, visit_on=visit_on,
                               actor=actor or park.chen, now=now, **fields)


def record(park, visit=None, *, actor=None, visited_at=None, now=None, **kw):
    fields = {"attendees": "李总、陈思远", "summary": "一切正常"} | kw
    if visit is None:
        fields.setdefault("customer_id", park.yunqi.id)
        fields.setdefault("mode", "phone")
        fields.setdefault("purpose", "routine_care")
    return services.record_visit(park.site, visit=visit, visited_at=visited_at or at(2026, 4, 2, 10),
                                 actor=actor or park.chen, now=now or at(2026, 4, 2, 12), **fields)


def state(db):
    """Everything a refused call must leave as it was: the rows, the fields of every visit, the
    portfolio, the counters and the audit log."""
    db.session.expire_all()
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    visits = db.session.execute(sa.select(
        CustomerVisit.id, CustomerVisit.number, CustomerVisit.status, CustomerVisit.visit_on, CustomerVisit.mode,
        CustomerVisit.purpose, CustomerVisit.meet, CustomerVisit.preparation, CustomerVisit.attendees,
        CustomerVisit.summary, CustomerVisit.follow_up_on, CustomerVisit.followed_up_by_id,
        CustomerVisit.cancel_reason).order_by(CustomerVisit.id)).all()
    items = db.session.execute(sa.select(VisitItem.id, VisitItem.kind, VisitItem.text, VisitItem.answer)
                               .order_by(VisitItem.id)).all()
    return {"counts": (count(CustomerVisit), count(VisitItem), count(Commitment), count(AuditEntry)),
            "visits": visits, "items": items,
            "portfolio": db.session.execute(sa.select(Portfolio.customer_id, Portfolio.manager_id,
                                                      Portfolio.last_visit_on).order_by(Portfolio.customer_id)).all(),
            "counters": db.session.execute(sa.select(Counter.kind, Counter.scope, Counter.value)).all()}


def refused(db, error_class, call):
    """Call `call`, expect `error_class`, roll back as a page does and check nothing changed."""
    before = state(db)
    with pytest.raises(error_class) as caught:
        call()
    db.session.rollback()
    assert state(db) == before
    return caught.value


def visit_count(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(CustomerVisit))


# --- planning --------------------------------------------------------------------------------------

def test_manager_plans_a_visit_to_a_company_of_their_portfolio(db, park):
    visit = plan(park)
    db.session.commit()

    assert visit.number == "BF2026-00001"
    assert (visit.status, visit.manager_id, visit.customer_id, visit.visit_on) == (PLANNED, park.chen.id,
                                                                                   park.yunqi.id, DAY)
    assert (visit.meet, visit.preparation) == ("李总", "带上续租条款")
    assert db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "customer_visit")) \
        .all() == ["visits.plan"]


@pytest.mark.parametrize("company", ["boyuan", "lvyuan"])
def test_plan_for_a_company_outside_the_portfolio_is_refused_with_a_message_and_no_row(db, park, company):
    customer = getattr(park, company)

    error = refused(db, NotAllowed, lambda: plan(park, customer))

    assert english(error) == f"{customer.name} is not in your portfolio: ask your supervisor to assign it to you."
    assert error.field == "customer_id"
    assert visit_count(db) == 0


def test_a_company_of_another_site_cannot_be_visited(db, park):
    error = refused(db, ValidationFailed, lambda: plan(park, park.harbour_company, actor=park.supervisor))

    assert english(error) == "Choose a tenant company of this site."


def test_supervisor_plans_for_any_company_of_the_site(db, park):
    visit = plan(park, park.lvyuan, actor=park.supervisor)

    assert visit.manager_id == park.supervisor.id


def test_plan_in_the_past_is_refused(db, park):
    error = refused(db, ValidationFailed, lambda: plan(park, visit_on=date(2026, 4, 1)))

    assert error.field == "visit_on"
    assert english(error).startswith("A visit is planned for today or later")
    assert plan(park, visit_on=DAY).visit_on == DAY  # today is fine


def test_replan_and_cancel_of_own_planned_visit(db, park):
    visit = plan(park)
    services.replan_visit(visit, visit_on=date(2026, 4, 3), mode="phone", purpose="renewal", meet="王会计",
                          preparation="", actor=park.chen, now=NOW)
    assert (visit.visit_on, visit.mode, visit.purpose, visit.meet) == (date(2026, 4, 3), "phone", "renewal", "王会计")
    db.session.commit()

    error = refused(db, ValidationFailed, lambda: services.cancel_visit(visit, reason=" ", actor=park.chen,
                                                                        now=NOW))
    assert english(error) == "Say why the visit is cancelled."

    services.cancel_visit(visit, reason="客户出差", actor=park.chen, now=NOW)
    assert (visit.status, visit.cancel_reason) == (CANCELLED, "客户出差")
    db.session.commit()
    refused(db, InvalidTransition, lambda: record(park, visit))


# --- recording -------------------------------------------------------------------------------------

def test_record_a_planned_visit_with_items_and_commitments(db, park):
    visit = plan(park)
    db.session.commit()

    record(park, visit, visited_at=at(2026, 4, 2, 10, 30), mode="phone", follow_up_on=date(2026, 4, 16),
           items=[ItemInput("request", "三楼卫生间漏水", "已报修"), ItemInput("opinion", "保安很负责"),
                  ItemInput("complaint", "停车位不够", "向领导反映后答复")],
           commitments=[CommitmentInput("两周内答复停车位", park.chen.id, date(2026, 4, 16)),
                        CommitmentInput("发送续租方案", park.wang.id, date(2026, 4, 2))])
    db.session.commit()

    db.session.expire_all()
    visit = db.session.get(CustomerVisit, visit.id)
    assert (visit.status, visit.mode, visit.purpose, visit.visit_on) == (RECORDED, "phone", "routine_care", DAY)
    assert visit.visited_at == at(2026, 4, 2, 10, 30)
    assert visit.follow_up_on == date(2026, 4, 16)
    assert [(i.kind, i.text, i.answer) for i in visit.items] == [
        ("request", "三楼卫生间漏水", "已报修"), ("opinion", "保安很负责", ""), ("complaint", "停车位不够", "向领导反映后答复")]
    assert [(c.text, c.owner_id, c.due_on, c.customer_id) for c in visit.commitments] == [
        ("两周内答复停车位", park.chen.id, date(2026, 4, 16), park.yunqi.id),
        ("发送续租方案", park.wang.id, date(2026, 4, 2), park.yunqi.id)]


def test_record_a_visit_that_was_not_planned_numbers_it(db, park):
    visit = record(park, items=[ItemInput("suggestion", "增加充电桩")])

    assert (visit.number, visit.status, visit.customer_id, visit.mode) == ("BF2026-00001", RECORDED, park.yunqi.id,
                                                                          "phone")
    db.session.commit()
    refused(db, NotAllowed, lambda: record(park, customer_id=park.boyuan.id))


def test_follow_up_in_the_past_is_refused(db, park):
    visit = plan(park)
    db.session.commit()

    error = refused(db, ValidationFailed, lambda: record(park, visit, follow_up_on=date(2026, 4, 1)))

    assert error.field == "follow_up_on"
    assert english(error) == "The next follow-up is today or later, not in the past."


def test_a_correction_keeps_a_follow_up_day_that_has_passed_since(db, park):
    visit = record(park, follow_up_on=date(2026, 4, 9))
    db.session.commit()
    later = at(2026, 4, 20)

    record(park, visit, summary="补充：客户关心停车位", follow_up_on=date(2026, 4, 9), now=later)
    assert visit.summary == "补充：客户关心停车位"
    db.session.commit()

    error = refused(db, ValidationFailed, lambda: record(park, visit, follow_up_on=date(2026, 4, 10), now=later))
    assert error.field == "follow_up_on"


def test_follow_up_not_after_the_visit_is_refused(db, park):
    visit = plan(park)
    db.session.commit()

    error = refused(db, ValidationFailed, lambda: record(park, visit, follow_up_on=DAY))

    assert error.field == "follow_up_on"
    assert english(error) == "The next follow-up comes after the visit."


@pytest.mark.parametrize("commitment, message", [
    (lambda p: CommitmentInput("答复停车位", None, date(2026, 4, 10)), 'Who answers for "答复停车位"? Choose an owner.'),
    (lambda p: CommitmentInput("答复停车位", p.chen.id, None), 'By when is "答复停车位" due? Give a date.'),
    (lambda p: CommitmentInput("答复停车位", p.chen.id, date(2026, 4, 1)),
     "A commitment is due on the day of the visit or later."),
    (lambda p: CommitmentInput("答复停车位", p.harbour_manager.id, date(2026, 4, 10)),
     'Who answers for "答复停车位"? Choose an owner.'),
    (lambda p: CommitmentInput(" ", p.chen.id, date(2026, 4, 10)), "Write down what was promised."),
])
def test_a_commitment_needs_an_owner_of_the_site_and_a_due_date_not_before_the_visit(db, park, commitment, message):
    from tests.factories import make_user

    park.harbour_manager = make_user("account_manager", site=park.other_site)
    visit = plan(park)
    db.session.commit()
    fine = CommitmentInput("发送方案", park.chen.id, date(2026, 4, 3))

    error = refused(db, ValidationFailed, lambda: record(park, visit, commitments=[fine, commitment(park)]))

    assert english(error) == message
    assert error.field == "commitments-1"
    assert db.session.get(CustomerVisit, visit.id).status == PLANNED


def test_an_item_needs_its_words_and_a_known_kind(db, park):
    visit = plan(park)
    db.session.commit()

    error = refused(db, ValidationFailed, lambda: record(park, visit, items=[ItemInput("request", "")]))
    assert (english(error), error.field) == ("Write down what the customer said.", "items-0")
    error = refused(db, ValidationFailed, lambda: record(park, visit, items=[ItemInput("request", "漏水"),
                                                                           ItemInput("praise", "很好")]))
    assert (english(error), error.field) == ("Choose what kind of item this is.", "items-1")


def test_a_visit_is_recorded_once_it_took_place(db, park):
    visit = plan(park)
    db.session.commit()

    error = refused(db, ValidationFailed, lambda: record(park, visit, visited_at=at(2026, 4, 2, 15)))

    assert error.field == "visited_at"
    refused(db, ValidationFailed, lambda: record(park, visit, attendees=""))


def test_correcting_a_record_keeps_the_items_that_became_work_orders(db, park):
    visit = plan(park)
    record(park, visit, items=[ItemInput("request", "空调不制冷"), ItemInput("opinion", "满意")])
    db.session.commit()
    request, opinion = visit.items
    order = services.item_to_work_order(request, category="hvac", unit_id=_unit_of(db, park.yunqi), actor=park.chen,
                                        now=at(2026, 4, 2, 13))
    db.session.commit()

    error = refused(db, ValidationFailed, lambda: record(park, visit, items=[ItemInput("opinion", "满意",
                                                                                     id=opinion.id)]))
    assert english(error) == f"The item that became work order {order.number} stays on the visit."
    error = refused(db, ValidationFailed, lambda: record(park, visit, items=[
        ItemInput("opinion", "空调不制冷", id=request.id), ItemInput("opinion", "满意", id=opinion.id)]))
    assert english(error) == f"The item that became work order {order.number} stays a Request."

    record(park, visit, items=[ItemInput("request", "空调不制冷", id=request.id)], now=at(2026, 4, 2, 14))
    db.session.commit()
    db.session.expire_all()
    assert [(i.id, i.work_order_id) for i in db.session.get(CustomerVisit, visit.id).items] == [(request.id, order.id)]


def _unit_of(db, company):
    from frontdesk.estate.models import Occupancy

    return db.session.scalar(sa.select(Occupancy.unit_id).where(Occupancy.customer_id == company.id))


# --- only the visit's manager changes it ---------------------------------------------------------

@pytest.mark.parametrize("other", ["wang", "supervisor"])
def test_another_manager_cannot_change_a_visit(db, park, other):
    planned = plan(park)
    recorded = record(park, plan(park, visit_on=DAY))
    db.session.commit()
    actor = getattr(park, other)
    message = "Visit {} is 陈思远's: only they change it."

    error = refused(db, NotAllowed, lambda: record(park, recorded, actor=actor, summary="改过了"))
    assert english(error) == message.format(recorded.number)
    error = refused(db, NotAllowed, lambda: record(park, planned, actor=actor))
    assert english(error) == message.format(planned.number)
    error = refused(db, NotAllowed, lambda: services.replan_visit(
        planned, visit_on=date(2026, 4, 5), mode="phone", purpose="renewal", actor=actor, now=NOW))
    assert english(error) == message.format(planned.number)
    error = refused(db, NotAllowed, lambda: services.cancel_visit(planned, reason="不去了", actor=actor, now=NOW))
    assert english(error) == message.format(planned.number)


def test_roles_without_visits_record_plan_nothing(db, park):
    for user in (park.clerk, park.project_manager, park.admin):
        refused(db, NotAllowed, lambda: plan(park, actor=user))


# --- follow-ups and the last visit ---------------------------------------------------------------

def test_a_later_recorded_visit_closes_the_earlier_follow_up(db, park):
    first = record(park, follow_up_on=date(2026, 4, 9))
    other_company = record(park, customer_id=park.hengtong.id, follow_up_on=date(2026, 4, 9))
    db.session.commit()
    assert first.followed_up_by_id is None

    second = record(park, visited_at=at(2026, 4, 8, 15), now=at(2026, 4, 8, 16))
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(CustomerVisit, first.id).followed_up_by_id == second.id
    assert db.session.get(CustomerVisit, other_company.id).followed_up_by_id is None  # another company's
    assert db.session.get(CustomerVisit, second.id).followed_up_by_id is None


def test_a_planned_visit_does_not_close_a_follow_up(db, park):
    first = record(park, follow_up_on=date(2026, 4, 9))
    plan(park, visit_on=date(2026, 4, 8), now=at(2026, 4, 3))
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(CustomerVisit, first.id).followed_up_by_id is None


def test_portfolio_keeps_the_day_of_the_last_recorded_visit(db, park):
    def last_visit_on():
        db.session.expire_all()
        return db.session.get(Portfolio, park.yunqi.id).last_visit_on

    assert last_visit_on() is None
    planned = plan(park, visit_on=date(2026, 4, 20))
    db.session.commit()
    assert last_visit_on() is None  # a plan is not a visit

    later = record(park, visited_at=at(2026, 4, 9, 10), now=at(2026, 4, 9, 11))
    db.session.commit()
    assert last_visit_on() == date(2026, 4, 9)

    record(park, planned, visited_at=at(2026, 4, 7, 10), now=at(2026, 4, 9, 12))  # recorded late
    db.session.commit()
    assert last_visit_on() == date(2026, 4, 9)

    record(park, later, visited_at=at(2026, 4, 8, 10), now=at(2026, 4, 9, 13))  # the day corrected
    db.session.commit()
    assert last_visit_on() == date(2026, 4, 8)


# --- numbers ---------------------------------------------------------------------------------------

def test_numbers_run_per_site_and_year(db, park):
    assert plan(park).number == "BF2026-00001"
    assert plan(park).number == "BF2026-00002"
    other = services.plan_visit(park.other_site, customer_id=park.harbour_company.id, visit_on=DAY, mode="phone",
                                purpose="survey", actor=_harbour_supervisor(park), now=NOW)
    assert other.number == "BF2026-00001"
    assert plan(park, visit_on=date(2027, 1, 4), now=at(2027, 1, 4, 9)).number == "BF2027-00001"


def _harbour_supervisor(park):
    from tests.factories import make_user

    return make_user("supervisor", site=park.other_site)


def test_numbers_are_gapless_when_eight_managers_plan_at_once(app, db, park):
    site_id, company_id, chen_id = park.site.id, park.yunqi.id, park.chen.id
    db.session.commit()  # and nothing more on this thread's session until the threads are done

    def work(i, tdb):
        visit = services.plan_visit(tdb.session.get(Site, site_id), customer_id=company_id, visit_on=DAY,
                                    mode="phone", purpose="routine_care", actor=tdb.session.get(User, chen_id),
                                    now=NOW)
        if i % 3 == 0:
            raise RuntimeError("the page failed after the number was taken")  # rolled back: no gap
        return visit.number

    results = run_together(app, work)

    numbers = sorted(r for r in results if isinstance(r, str))
    failed = [r for r in results if not isinstance(r, str)]
    assert all(isinstance(e, RuntimeError) for e in failed) and len(failed) == len(range(0, THREADS, 3))
    assert numbers == [f"BF2026-{n:05d}" for n in range(1, len(numbers) + 1)]
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(CustomerVisit.number))) == numbers
