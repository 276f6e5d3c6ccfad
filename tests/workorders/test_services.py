"""The work-order services: the transition table through the services that walk it, the timeline
and audit entries, who may work on an order, paid services, callbacks, repeated reports, chasing,
bad input at the desk and the time-limit settings. Every call passes its `now`."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from frontdesk.billing.models import Charge
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.core.numbering import Counter
from frontdesk.core.uploads import MAX_PHOTO_BYTES
from frontdesk.extensions import db
from frontdesk.workorders import queries, rules, services
from frontdesk.workorders.models import (
    CALLBACK_NONE, CALLED_BACK, CANCELLED, CLOSED, COMPLAINT, COMPLETED, DISPATCHED, EMERGENCY, ENQUIRY, HOURS,
    IN_PROGRESS, MINUTES, NEW, ON_HOLD, REPAIR, SUGGESTION, WORKING_DAYS, ChaseNotice, TimeLimit, WorkOrder,
    WorkOrderReport,
)
from tests.factories import NOW, make_unit, make_user
from tests.workorders.conftest import at, audit_actions, audit_count, dispatch, events_of, log, report


def later(minutes):
    return NOW + timedelta(minutes=minutes)


def order_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrder))


def charges():
    return db.session.scalars(sa.select(Charge)).all()


# --- the transition table --------------------------------------------------------------------------

def _dispatch(desk, order, now):
    services.dispatch(order, department_id=desk.department.id, assignee_id=desk.technician.id, actor=desk.clerk,
                      now=now)


SERVICES = {
    # name: (target status, call)
    "dispatch": (DISPATCHED, _dispatch),
    "start": (IN_PROGRESS, lambda desk, order, now: services.start_work(order, actor=desk.clerk, now=now)),
    "hold": (ON_HOLD, lambda desk, order, now: services.put_on_hold(order, reason="waiting_parts", actor=desk.clerk,
                                                                    now=now)),
    "resume": (IN_PROGRESS, lambda desk, order, now: services.resume(order, actor=desk.clerk, now=now)),
    "complete": (COMPLETED, lambda desk, order, now: services.complete(order, note="已处理", actor=desk.clerk,
                                                                       now=now)),
    "callback": (CALLED_BACK, lambda desk, order, now: services.record_callback(order, satisfaction=5,
                                                                                actor=desk.clerk, now=now)),
    "close": (CLOSED, lambda desk, order, now: services.close(order, actor=desk.clerk, now=now)),
    "cancel": (CANCELLED, lambda desk, order, now: services.cancel(order, reason="重复登记", actor=desk.clerk,
                                                                   now=now)),
}
# the statuses each service moves a repair from (a repair is always called back before it is closed;
# start begins the work of a dispatched order, resume goes on after a hold)
SERVICE_FROM = {
    "dispatch": {NEW, DISPATCHED, IN_PROGRESS, COMPLETED},
    "start": {DISPATCHED},
    "hold": {DISPATCHED, IN_PROGRESS},
    "resume": {ON_HOLD},
    "complete": {NEW, DISPATCHED, IN_PROGRESS},
    "callback": {COMPLETED},
    "close": {CALLED_BACK},
    "cancel": {NEW, DISPATCHED},
}
PATH = {  # how a repair reaches each status from new
    NEW: [], DISPATCHED: ["dispatch"], IN_PROGRESS: ["dispatch", "start"], ON_HOLD: ["dispatch", "start", "hold"],
    COMPLETED: ["dispatch", "start", "complete"], CALLED_BACK: ["dispatch", "start", "complete", "callback"],
    CLOSED: ["dispatch", "start", "complete", "callback", "close"], CANCELLED: ["cancel"],
}


def order_in(desk, status, kind=REPAIR):
    order = log(desk, kind=kind)
    for minutes, step in enumerate(PATH[status], start=1):
        SERVICES[step][1](desk, order, later(minutes))
    assert order.status == status
    return order


def test_services_cover_every_allowed_transition():
    walked = {(source, SERVICES[name][0]) for name, sources in SERVICE_FROM.items() for source in sources}
    walked.add((COMPLETED, CLOSED))  # a kind that needs no callback: test_completed_suggestion_may_be_closed...
    allowed = {(source, target) for source, targets in rules.ALLOWED.items() for target in targets}
    assert walked == allowed


CASES = [(status, name) for status in PATH for name in SERVICES]


@pytest.mark.parametrize("status, name", CASES, ids=[f"{s}-{n}" for s, n in CASES])
def test_transition(desk, status, name):
    order = order_in(desk, status)
    target, call = SERVICES[name]
    before = (order.status, events_of(order), audit_count(), order.reopened, order.completed_at, order.closed_at)
    if status in SERVICE_FROM[name]:
        call(desk, order, later(30))
        assert order.status == target
        assert events_of(order)[-1][1:] == (status, target, desk.clerk.id)
        assert audit_count() > before[2]
    else:
        with pytest.raises(InvalidTransition):
            call(desk, order, later(30))
        assert (order.status, events_of(order), audit_count(), order.reopened, order.completed_at,
                order.closed_at) == before
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(WorkOrder, order.id).status == status


def test_completed_suggestion_may_be_closed_without_callback(desk):
    order = order_in(desk, COMPLETED, kind=SUGGESTION)
    services.close(order, actor=desk.clerk, now=later(30))
    assert order.status == CLOSED and order.closed_at == later(30)


def test_completed_repair_cannot_be_closed_before_its_callback(desk):
    order = order_in(desk, COMPLETED)
    with pytest.raises(InvalidTransition):
        services.close(order, actor=desk.clerk, now=later(30))
    assert order.status == COMPLETED
    services.record_callback(order, satisfaction=4, note="满意", actor=desk.clerk, now=later(40))
    services.close(order, actor=desk.clerk, now=later(50))
    assert order.status == CLOSED


def test_each_transition_writes_a_timeline_entry_and_an_audit_entry_with_its_actor(desk):
    clerk, boss, tech = desk.clerk, desk.supervisor, desk.technician
    order = log(desk)
    dispatch(desk, order, now=later(1), actor=boss)
    services.start_work(order, actor=tech, now=later(2))
    services.put_on_hold(order, reason="waiting_customer", note="业主不在家", actor=tech, now=later(3))
    services.resume(order, actor=tech, now=later(4))
    services.complete(order, note="已更换阀芯", actor=tech, now=later(5))
    services.record_callback(order, satisfaction=5, actor=clerk, now=later(6))
    services.close(order, actor=boss, now=later(7))
    db.session.commit()
    assert events_of(order) == [
        ("log", None, NEW, clerk.id),
        ("dispatch", NEW, DISPATCHED, boss.id),
        ("start", DISPATCHED, IN_PROGRESS, tech.id),
        ("hold", IN_PROGRESS, ON_HOLD, tech.id),
        ("resume", ON_HOLD, IN_PROGRESS, tech.id),
        ("complete", IN_PROGRESS, COMPLETED, tech.id),
        ("callback", COMPLETED, CALLED_BACK, clerk.id),
        ("close", CALLED_BACK, CLOSED, boss.id),
    ]
    assert audit_actions(order) == [
        ("workorder.log", clerk.id), ("workorder.dispatch", boss.id), ("workorder.start", tech.id),
        ("workorder.hold", tech.id), ("workorder.resume", tech.id), ("workorder.complete", tech.id),
        ("workorder.callback", clerk.id), ("workorder.close", boss.id),
    ]
    assert (order.satisfaction, order.started_at, order.completed_at, order.closed_at) == (5, later(2), later(5),
                                                                                            later(7))


def test_hold_stops_the_clock_and_resume_moves_the_deadline_by_the_time_on_hold(desk):
    order = log(desk)  # Tuesday 10:00, a repair: 1 working day, never more than 3
    assert order.resolve_due_at == at(2026, 4, 1, 10)
    assert order.hard_due_at == at(2026, 4, 3, 10)
    dispatch(desk, order, now=later(5))
    services.start_work(order, actor=desk.technician, now=later(20))
    services.put_on_hold(order, reason="waiting_parts", actor=desk.technician, now=at(2026, 3, 31, 11))
    assert order.resolve_due_at is None and order.hard_due_at is None
    assert order.response_due_at == later(10)  # had run out before the hold
    services.resume(order, actor=desk.technician, now=at(2026, 3, 31, 13))
    assert order.resolve_due_at == at(2026, 4, 1, 12)
    assert order.hard_due_at == at(2026, 4, 3, 12)


def test_reopen_counts_and_clears_the_completion(desk):
    order = order_in(desk, COMPLETED)
    services.dispatch(order, department_id=desk.department.id, assignee_id=desk.other_technician.id,
                      actor=desk.clerk, now=later(30))
    assert (order.status, order.reopened, order.completed_at, order.assignee_id) == \
        (DISPATCHED, 1, None, desk.other_technician.id)
    assert events_of(order)[-1][0] == "reopen"
    assert audit_actions(order)[-1] == ("workorder.reopen", desk.clerk.id)


def test_owner_never_changes(desk):
    order = log(desk)
    owner = desk.clerk.id
    dispatch(desk, order, now=later(1), actor=desk.supervisor)
    services.start_work(order, actor=desk.technician, now=later(2))
    services.complete(order, note="已修好", actor=desk.technician, now=later(3))
    services.record_callback(order, satisfaction=2, resolved=False, note="还在漏", actor=desk.supervisor,
                             now=later(4))
    assert order.status == DISPATCHED and order.reopened == 1
    services.dispatch(order, department_id=desk.department.id, assignee_id=desk.other_technician.id,
                      actor=desk.supervisor, now=later(5))
    services.complete(order, note="换了整个龙头", actor=desk.other_technician, now=later(6))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).owner_id == owner


# --- who may work on an order --------------------------------------------------------------------

@pytest.mark.parametrize("step", ["start", "hold", "complete"])
def test_technician_works_only_on_orders_dispatched_to_them(desk, step):
    order = dispatch(desk, log(desk), now=later(1))
    if step != "start":
        services.start_work(order, actor=desk.technician, now=later(2))
    status, audits = order.status, audit_count()
    call = {
        "start": lambda who: services.start_work(order, actor=who, now=later(3)),
        "hold": lambda who: services.put_on_hold(order, reason="waiting_parts", actor=who, now=later(3)),
        "complete": lambda who: services.complete(order, note="好了", actor=who, now=later(3)),
    }[step]
    with pytest.raises(NotAllowed):
        call(desk.other_technician)
    assert (order.status, audit_count()) == (status, audits)
    call(desk.technician)
    assert order.status != status


def test_technician_cannot_touch_an_undispatched_order(desk):
    order = log(desk)
    with pytest.raises(NotAllowed):
        services.start_work(order, actor=desk.technician, now=later(1))
    with pytest.raises(NotAllowed):
        services.complete(order, note="好了", actor=desk.technician, now=later(1))
    assert order.status == NEW


def test_technician_cannot_dispatch_or_log(desk):
    order = log(desk)
    with pytest.raises(NotAllowed):
        dispatch(desk, order, now=later(1), actor=desk.technician)
    with pytest.raises(NotAllowed):
        log(desk, actor=desk.technician)
    assert order.status == NEW and order_count() == 1


def test_clerk_may_work_on_an_order_dispatched_to_a_technician(desk):
    order = dispatch(desk, log(desk), now=later(1))
    services.start_work(order, actor=desk.clerk, now=later(2))
    services.put_on_hold(order, reason="waiting_customer", actor=desk.clerk, now=later(3))
    services.resume(order, actor=desk.clerk, now=later(4))
    services.complete(order, note="已处理", actor=desk.clerk, now=later(5))
    assert order.status == COMPLETED


def test_dispatch_to_a_technician_who_is_not_one_is_refused(desk):
    order = log(desk)
    with pytest.raises(ValidationFailed) as refused:
        services.dispatch(order, department_id=desk.department.id, assignee_id=desk.clerk.id, actor=desk.clerk,
                          now=later(1))
    assert refused.value.field == "assignee_id" and order.status == NEW


# --- paid service ----------------------------------------------------------------------------------

def quote(desk, order, *, agreed=True, amount="80.00", now=None):
    services.record_quote(order, amount=amount, note="更换水龙头（含配件）", agreed_by="陈美玲", agreed=agreed,
                          fee_item_id=desk.repair_fee.id, actor=desk.clerk, now=now or later(1))


def test_quote_without_the_customers_agreement_is_refused_and_changes_nothing(desk):
    order = log(desk)
    events, audits = events_of(order), audit_count()
    with pytest.raises(ValidationFailed) as refused:
        quote(desk, order, agreed=False)
    assert refused.value.field == "agreed"
    assert (order.quote, order.fee_item_id, order.agreed_at) == (None, None, None)
    assert (events_of(order), audit_count()) == (events, audits)


def test_quote_after_dispatch_is_refused(desk):
    order = dispatch(desk, log(desk), now=later(1))
    with pytest.raises(InvalidTransition):
        quote(desk, order, now=later(2))
    assert order.quote is None


def test_quote_for_a_common_area_is_refused(desk):
    order = log(desk, building=desk.building, place_note="电梯厅", category="lift")
    with pytest.raises(ValidationFailed) as refused:
        quote(desk, order)
    assert refused.value.field == "amount" and order.quote is None


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "abc"])
def test_quote_must_be_an_amount_above_zero(desk, amount):
    order = log(desk)
    with pytest.raises(ValidationFailed) as refused:
        quote(desk, order, amount=amount)
    assert refused.value.field == "amount" and order.quote is None


def test_paid_service_is_charged_once_on_completion(desk):
    order = log(desk)
    quote(desk, order)
    dispatch(desk, order, now=later(2))
    services.start_work(order, actor=desk.technician, now=later(3))
    assert charges() == []
    services.complete(order, note="已更换", actor=desk.technician, now=later(4))
    [charge] = charges()
    assert (charge.unit_id, charge.customer_id, charge.fee_item_id, charge.amount) == \
        (desk.unit.id, desk.customer.id, desk.repair_fee.id, Decimal("80.00"))
    assert charge.dedupe_key == f"workorder:{order.id}" and order.charge_id == charge.id
    assert order.number in charge.description

    services.record_callback(order, satisfaction=2, resolved=False, note="还漏", actor=desk.clerk, now=later(60))
    assert order.status == DISPATCHED
    services.complete(order, note="重新密封", actor=desk.technician, now=later(90))
    db.session.commit()
    assert [c.id for c in charges()] == [charge.id]
    assert order.charge_id == charge.id


def test_order_without_a_quote_creates_no_charge(desk):
    order = order_in(desk, COMPLETED)
    assert order.charge_id is None and charges() == []


# --- callback --------------------------------------------------------------------------------------

@pytest.mark.parametrize("satisfaction", [0, 6, None, "5"])
def test_satisfaction_outside_one_to_five_is_refused(desk, satisfaction):
    order = order_in(desk, COMPLETED)
    audits = audit_count()
    with pytest.raises(ValidationFailed) as refused:
        services.record_callback(order, satisfaction=satisfaction, actor=desk.clerk, now=later(30))
    assert refused.value.field == "satisfaction"
    assert (order.status, order.satisfaction, audit_count()) == (COMPLETED, None, audits)


@pytest.mark.parametrize("status", [NEW, DISPATCHED, IN_PROGRESS, ON_HOLD])
def test_callback_on_an_open_order_is_refused(desk, status):
    order = order_in(desk, status)
    with pytest.raises(InvalidTransition):
        services.record_callback(order, satisfaction=5, actor=desk.clerk, now=later(30))
    assert order.status == status


def test_unresolved_callback_reopens_the_order(desk):
    order = order_in(desk, COMPLETED)
    services.record_callback(order, satisfaction=1, resolved=False, note="还是不通", actor=desk.clerk,
                             now=later(30))
    assert (order.status, order.reopened, order.completed_at, order.satisfaction) == (DISPATCHED, 1, None, None)
    assert (order.department_id, order.assignee_id) == (desk.department.id, desk.technician.id)
    assert [e[0] for e in events_of(order)][-2:] == ["callback", "reopen"]


def test_policy_none_closes_at_completion(desk):
    admin = make_user("admin", site=desk.site)
    services.save_callback_policy(desk.site, kind=REPAIR, policy=CALLBACK_NONE, within_days=3, actor=admin, now=NOW)
    order = order_in(desk, IN_PROGRESS)
    services.complete(order, note="已修好", actor=desk.technician, now=later(30))
    assert (order.status, order.closed_at, order.callback_due_at) == (CLOSED, later(30), None)
    assert [e[0] for e in events_of(order)][-2:] == ["complete", "close"]


def test_enquiry_answered_on_the_call_is_closed_at_once(desk):
    order = log(desk, kind=ENQUIRY, category="billing", description="物业费怎么交", answered=True,
                answer="可在前台或线上缴纳")
    assert (order.status, order.first_response_at, order.completed_at, order.closed_at) == (CLOSED, NOW, NOW, NOW)
    assert [e[0] for e in events_of(order)] == ["log", "answer", "close"]


def test_policy_required_sets_the_callback_due_date(desk):
    order = order_in(desk, IN_PROGRESS)
    services.complete(order, note="已修好", actor=desk.technician, now=at(2026, 3, 27, 15))
    assert order.callback_due_at == at(2026, 4, 1, 15)  # 3 working days, over the weekend


# --- repeated reports and duplicates ---------------------------------------------------------------

def test_linking_a_repeated_report_raises_priority_and_reporters(desk):
    order = log(desk, building=desk.building, place_note="电梯厅", category="lift", description="电梯不动")
    assert (order.reporters, order.priority) == (1, 0)
    neighbour = make_unit(desk.building, "A-0902", use="home")
    linked = services.link_report(order, report=report(desk, unit=neighbour, name="李雷", phone="13900003333"),
                                  channel="phone", note="也困在电梯外", actor=desk.clerk, now=later(5))
    assert (order.reporters, order.priority) == (2, 1)
    assert (linked.order_id, linked.reporter_name, linked.place) == (order.id, "李雷", "A-0902")
    services.link_report(order, report=report(desk, name="韩梅梅", phone="13900004444"), channel="walk_in",
                         actor=desk.clerk, now=later(6))
    assert (order.reporters, order.priority) == (3, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkOrderReport)) == 2
    assert [e[0] for e in events_of(order)] == ["log", "link", "link"]
    assert audit_actions(order)[-1] == ("workorder.link", desk.clerk.id)


def test_emergency_keeps_its_lead_when_linked(desk):
    order = log(desk, urgency=EMERGENCY)
    services.link_report(order, report=report(desk), channel="phone", actor=desk.clerk, now=later(1))
    assert order.priority == 11


@pytest.mark.parametrize("status", [COMPLETED, CLOSED, CANCELLED])
def test_linking_to_an_order_no_longer_open_is_refused(desk, status):
    order = order_in(desk, status)
    audits = audit_count()
    with pytest.raises(InvalidTransition):
        services.link_report(order, report=report(desk), channel="phone", actor=desk.clerk, now=later(30))
    assert (order.reporters, audit_count()) == (1, audits)


def test_possible_duplicates_same_unit_and_category_within_three_days_and_the_buildings_common_areas(desk):
    same = log(desk, now=NOW - timedelta(days=1))
    common = log(desk, building=desk.building, place_note="地下车库", now=NOW - timedelta(days=2))
    log(desk, category="electrical")  # another category
    log(desk, now=NOW - timedelta(days=3, minutes=1))  # too old
    neighbour = log(desk, unit=make_unit(desk.building, "A-0902", use="home"))
    log(desk, building=desk.other_building, place_note="大堂")  # another building
    order_in(desk, CANCELLED)  # not open
    found = queries.possible_duplicates(desk.site.id, "plumbing", NOW, building_id=desk.building.id,
                                        unit_id=desk.unit.id)
    assert {o.id for o in found} == {same.id, common.id}
    # a report about a common area: anything of the kind in the building
    found = queries.possible_duplicates(desk.site.id, "plumbing", NOW, building_id=desk.building.id)
    assert {o.id for o in found} == {same.id, common.id, neighbour.id}


def test_a_lift_reported_from_another_unit_of_the_building_is_the_same_problem(desk):
    upstairs = log(desk, category="lift", unit=make_unit(desk.building, "A-1502", use="home"))
    log(desk, category="lift", building=desk.other_building, place_note="2号梯")  # another building
    found = queries.possible_duplicates(desk.site.id, "lift", NOW, building_id=desk.building.id,
                                        unit_id=desk.unit.id)
    assert [o.id for o in found] == [upstairs.id]


# --- chasing and escalation ------------------------------------------------------------------------

def notices():
    return db.session.scalars(sa.select(ChaseNotice).order_by(ChaseNotice.id)).all()


def test_chase_notice_is_refused_before_the_deadline(desk):
    order = dispatch(desk, log(desk), now=later(1))
    with pytest.raises(InvalidTransition):
        services.issue_chase_notice(order, actor=desk.clerk, now=at(2026, 4, 1, 9, 59))
    assert notices() == []


def test_chase_run_issues_once_then_escalates_once_then_does_nothing(desk):
    first = dispatch(desk, log(desk), now=later(1))  # due Wednesday 10:00, never later than Friday 10:00
    second = dispatch(desk, log(desk, category="electrical", now=later(2)), now=later(3))
    log(desk, category="lift")  # overdue too, but not dispatched: nobody to chase
    done = order_in(desk, COMPLETED)
    boss = desk.supervisor

    run = services.chase_overdue(desk.site, actor=boss, now=at(2026, 4, 1, 11))
    assert [n.order_id for n in run.issued] == [first.id, second.id] and run.escalated == []
    assert [n.number for n in notices()] == ["CB2026-0001", "CB2026-0002"]
    assert notices()[0].reply_by == first.hard_due_at == at(2026, 4, 3, 10)
    assert notices()[0].snapshot["department"] == "工程部"
    with pytest.raises(InvalidTransition):  # chased already and not yet due back
        services.issue_chase_notice(first, actor=desk.clerk, now=at(2026, 4, 1, 12))

    again = services.chase_overdue(desk.site, actor=boss, now=at(2026, 4, 1, 12))
    assert (again.issued, again.escalated) == ([], [])

    run = services.chase_overdue(desk.site, actor=None, now=at(2026, 4, 3, 11))
    assert run.issued == [] and {o.id for o in run.escalated} == {first.id, second.id}
    assert first.escalated_at == second.escalated_at == at(2026, 4, 3, 11)
    assert done.escalated_at is None
    assert audit_actions(first)[-1] == ("workorder.escalate", None)
    db.session.commit()

    state = (len(notices()), audit_count(), len(events_of(first)), len(events_of(second)))
    third = services.chase_overdue(desk.site, actor=boss, now=at(2026, 4, 3, 12))
    assert (third.issued, third.escalated) == ([], [])
    assert (len(notices()), audit_count(), len(events_of(first)), len(events_of(second))) == state
    assert first.escalated_at == at(2026, 4, 3, 11)
    assert [o.id for o in queries.escalated_orders(desk.site.id)] == [first.id, second.id]


def test_chase_notice_past_the_hard_limit_asks_within_four_hours(desk):
    order = dispatch(desk, log(desk), now=later(1))
    notice = services.issue_chase_notice(order, actor=desk.clerk, now=at(2026, 4, 6, 10))
    assert notice.reply_by == at(2026, 4, 6, 14)


# --- bad input at the desk -------------------------------------------------------------------------

def _no_place(desk):
    return services.Report(reporter_name="陈美玲", reporter_phone="13812345678")


BAD_INPUT = {
    "no reporter name": (dict(name="  "), "reporter_name"),
    "bad phone": (dict(phone="12345"), "reporter_phone"),
    "no place": (dict(caller=_no_place), "place"),
    "building without a place note": (dict(building="desk.building"), "place_note"),
    "empty description": (dict(description="   "), "description"),
    "photo that is not an image": (dict(photos=[b"not an image"]), "photos"),
    "photo over 5 MB": (dict(photos=[b"\x89PNG\r\n\x1a\n" + b"0" * MAX_PHOTO_BYTES]), "photos"),
    "unknown kind": (dict(kind="gossip"), "kind"),
    "unknown category": (dict(category="weather"), "category"),
    "answered without the answer": (dict(kind=ENQUIRY, answered=True, answer=""), "answer"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_on_its_field_and_leaves_no_trace(desk, case):
    overrides, field_name = BAD_INPUT[case]
    overrides = dict(overrides)
    if overrides.get("building") == "desk.building":
        overrides["building"] = desk.building
    if callable(overrides.get("caller")):
        overrides["caller"] = overrides["caller"](desk)
    audits = audit_count()
    with pytest.raises(ValidationFailed) as refused:
        log(desk, **overrides)
    assert refused.value.field == field_name
    assert order_count() == 0 and audit_count() == audits
    assert db.session.scalars(sa.select(Counter)).all() == []
    assert log(desk).number == "GD2026-000001"


def test_a_rolled_back_order_gives_its_number_back(desk):
    assert log(desk).number == "GD2026-000001"
    db.session.rollback()
    assert order_count() == 0
    assert log(desk).number == "GD2026-000001"
    db.session.commit()
    assert log(desk).number == "GD2026-000002"


def test_numbers_start_again_each_year(desk):
    assert log(desk, now=at(2026, 12, 31, 23, 30)).number == "GD2026-000001"
    assert log(desk, now=at(2027, 1, 1, 0, 30)).number == "GD2027-000001"


def test_a_photo_is_kept_with_the_order(desk, app):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    order = log(desk, photos=[buffer.getvalue()])
    [photo] = order.photos
    assert photo.file_name.endswith(".png")
    assert (services.photo_dir() / photo.file_name).read_bytes() == buffer.getvalue()


# --- time-limit settings ---------------------------------------------------------------------------

@pytest.fixture
def admin(desk):
    return make_user("admin", site=desk.site)


def save_limit(desk, admin, **overrides):
    values = dict(kind=REPAIR, category="plumbing", response=(5, MINUTES), target=(4, HOURS),
                  hard=(1, WORKING_DAYS))
    values.update(overrides)
    return services.save_time_limit(desk.site, actor=admin, now=NOW, **values)


@pytest.mark.parametrize("overrides, field_name", [
    (dict(response=(0, MINUTES)), "response_amount"),
    (dict(target=(-2, HOURS)), "target_amount"),
    (dict(hard=(0, WORKING_DAYS)), "hard_amount"),
    (dict(target=(3, WORKING_DAYS), hard=(1, WORKING_DAYS)), "hard_amount"),
    (dict(target=(1, WORKING_DAYS), hard=(2, HOURS)), "hard_amount"),
    (dict(target=(5, HOURS), hard=(4, HOURS)), "hard_amount"),
])
def test_bad_time_limits_are_refused(desk, admin, overrides, field_name):
    with pytest.raises(ValidationFailed) as refused:
        save_limit(desk, admin, **overrides)
    assert refused.value.field == field_name
    assert db.session.scalars(sa.select(TimeLimit)).all() == []


@pytest.mark.parametrize("saved_on", [at(2026, 3, 27, 10), at(2026, 3, 30, 10)])  # a Friday, a Monday
def test_limits_of_different_units_compare_the_same_whatever_the_day(desk, admin, saved_on):
    # a working day counts as a day: 47 hours is shorter than 2 working days, 48 is not
    with pytest.raises(ValidationFailed) as refused:
        services.save_time_limit(desk.site, kind=REPAIR, response=(10, MINUTES), target=(2, WORKING_DAYS),
                                 hard=(47, HOURS), actor=admin, now=saved_on)
    assert refused.value.field == "hard_amount"
    row = services.save_time_limit(desk.site, kind=REPAIR, response=(10, MINUTES), target=(2, WORKING_DAYS),
                                   hard=(48, HOURS), actor=admin, now=saved_on)
    assert (row.hard_amount, row.hard_unit) == (48, HOURS)


def test_time_limits_need_the_settings_permission(desk):
    with pytest.raises(NotAllowed):
        save_limit(desk, desk.clerk)


def test_saved_time_limit_applies_to_new_orders_only(desk, admin):
    before = log(desk)
    save_limit(desk, admin)
    assert len(db.session.scalars(sa.select(TimeLimit)).all()) == len(rules.DEFAULT_TIME_LIMITS) + 1
    plumbing = log(desk, now=later(1))
    electrical = log(desk, category="electrical", now=later(2))
    assert (plumbing.response_due_at, plumbing.resolve_due_at, plumbing.hard_due_at) == \
        (later(6), later(1 + 240), at(2026, 4, 1, 10, 1))
    assert electrical.resolve_due_at == at(2026, 4, 1, 10, 2)  # the defaults copied into the table
    assert (before.target_amount, before.target_unit) == (1, WORKING_DAYS)


def test_complaint_limits_follow_its_complexity(desk):
    ordinary = log(desk, kind=COMPLAINT, category="noise", description="装修噪音")
    complex_ = log(desk, kind=COMPLAINT, category="noise", description="漏水纠纷", complexity="complex")
    assert ordinary.response_due_at == NOW + timedelta(hours=2)
    assert (ordinary.resolve_due_at, ordinary.hard_due_at) == (at(2026, 4, 1, 10), at(2026, 4, 3, 10))
    # 5 working days: Wed 1, Thu 2, Fri 3, (Sat–Mon 6 April off), Tue 7, Wed 8
    assert complex_.resolve_due_at == at(2026, 4, 8, 10)


def test_a_customer_picked_without_a_phone_typed_is_called_back_on_the_phone_on_file(desk):
    assert log(desk, phone="").reporter_phone == "13812345678"
    with pytest.raises(ValidationFailed) as refused:  # somebody not on file must give a phone
        log(desk, phone="", unit=None, building=desk.other_building, place_note="大堂", customer=None)
    assert refused.value.field == "reporter_phone"
