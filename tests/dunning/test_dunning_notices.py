"""Dunning runs: who is due which notice, frozen contents, numbering, statuses, deliveries."""
import threading
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa

from frontdesk.auth.models import User
from frontdesk.core.errors import DomainError, InvalidTransition, NotAllowed, ValidationFailed
from frontdesk.dunning import queries, services
from frontdesk.dunning.models import DunningNotice, DunningNoticeCharge, NoticeDelivery
from frontdesk.estate.models import Site
from tests.billing.factories import make_charge, make_desk, pay
from tests.dunning.notice_factories import at, make_rule, run
from tests.factories import make_customer, make_unit, make_user

MARCH_31 = date(2026, 3, 31)


@pytest.fixture
def desk(db):
    desk = make_desk()
    make_rule(desk.site)
    db.session.commit()
    return desk


def notices(db):
    return list(db.session.scalars(sa.select(DunningNotice).order_by(DunningNotice.seq)))


# --- what a notice says --------------------------------------------------------------------------

def test_a_run_issues_a_first_reminder_with_the_frozen_arrears_late_fee_and_deadline(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")  # due 2025-12-15
    make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00")  # due 2026-01-15

    result = run(desk)

    [notice] = result.notices
    assert notice.number == "CK2026-000001" and notice.level == 1 and notice.status == "issued"
    # 250.00 × 0.05% × 106 days = 13.25; 100.00 × 0.05% × 75 days = 3.75
    assert (notice.principal, notice.late_fee, notice.total) == (Decimal("350.00"), Decimal("17.00"),
                                                                 Decimal("367.00"))
    assert notice.issued_on == MARCH_31 and notice.deadline_on == date(2026, 4, 15)
    s = notice.snapshot
    assert [(ln["period"], ln["amount"], ln["days"], ln["late_fee"]) for ln in s["lines"]] == [
        ("2025-12", "250.00", 106, "13.25"), ("2026-01", "100.00", 75, "3.75")]
    assert s["lines"][0]["rule"].startswith("250.00×0.05%×106天")
    assert s["total_capitals"] == "人民币叁佰陆拾柒元整"
    assert s["customer"] == "张伟" and s["company_name"] == "示例物业服务有限公司"
    assert "2026年4月15日" in s["wording"]
    assert "违约金按未缴本金每日0.05%计算，宽限0天，以未缴本金的100%为限" in s["fee_rules"][0]


def test_the_notice_stays_as_issued_when_the_customer_is_renamed(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    [notice] = run(desk).notices
    db.session.commit()
    desk.customer.name = "张伟伟"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(DunningNotice, notice.id).snapshot["customer"] == "张伟"


def test_a_charge_not_yet_overdue_is_not_demanded(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "100.00", due_on=MARCH_31)
    with pytest.raises(ValidationFailed) as e:
        run(desk)
    assert "无需发出催款通知书" in str(e.value)
    assert notices(db) == []


def test_a_site_with_nothing_overdue_gets_a_clear_message_and_nothing_changes(db, desk):
    with pytest.raises(ValidationFailed) as e:
        run(desk)
    assert "金桥产业园 没有逾期 1 天及以上的欠费" in str(e.value)


# --- the rules -----------------------------------------------------------------------------------

def test_running_twice_issues_each_notice_once(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    assert len(run(desk).notices) == 1
    db.session.commit()
    again = run(desk)
    assert again.notices == [] and again.skipped == [("张伟", "deadline_running")]
    assert len(notices(db)) == 1


def test_no_new_notice_while_the_previous_deadline_runs_even_for_new_arrears(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    run(desk)
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "100.00", due_on=date(2026, 4, 1))
    db.session.commit()
    assert run(desk, date(2026, 4, 15)).notices == []  # the deadline day itself still runs
    assert len(notices(db)) == 1


def test_levels_escalate_only_after_their_minimum_interval_and_stop_at_the_final_demand(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    first = run(desk).notices[0]
    assert run(desk, date(2026, 4, 16)).skipped == [("张伟", "too_soon")]  # deadline over, 16 days < 30
    db.session.commit()
    second = run(desk, date(2026, 4, 30)).notices[0]
    assert (second.level, second.number) == (2, "CK2026-000002")
    db.session.commit()
    final = run(desk, date(2026, 5, 30)).notices[0]
    assert final.level == 3 and "提起诉讼" in final.snapshot["wording"]
    db.session.commit()
    later = run(desk, date(2026, 8, 1))
    assert later.notices == [] and later.skipped == [("张伟", "final_given")]
    assert queries.notice_statuses([first], date(2026, 8, 1)) == {first.id: "expired"}
    assert [n.level for n in notices(db)] == [1, 2, 3]


def test_a_charge_never_gets_the_same_level_twice(db, desk):
    old = make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    run(desk)
    new = make_charge(desk.unit, desk.customer, desk.fee, "2026-04", "100.00", due_on=date(2026, 4, 20))
    db.session.commit()
    second = run(desk, date(2026, 5, 1)).notices[0]
    # the new charge joins the old arrears' second reminder rather than restarting at the first
    assert second.level == 2 and {c.charge_id for c in second.charges} == {old.id, new.id}
    pairs = db.session.execute(sa.select(DunningNoticeCharge.charge_id, DunningNoticeCharge.level)).all()
    assert len(pairs) == len(set(pairs))


def test_new_arrears_after_the_old_ones_were_paid_start_again_at_the_first_reminder(db, desk):
    old = make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    first = run(desk).notices[0]
    pay(desk, [old], "400.00", now=at(date(2026, 4, 2)), keep_prepayment=True)
    new = make_charge(desk.unit, desk.customer, desk.fee, "2026-04", "100.00", due_on=date(2026, 4, 20))
    db.session.commit()
    result = run(desk, date(2026, 5, 1))
    assert [(n.level, [c.charge_id for c in n.charges]) for n in result.notices] == [(1, [new.id])]
    assert queries.notice_statuses([first], date(2026, 5, 1)) == {first.id: "paid"}


def test_minimum_amount_and_minimum_days_leave_small_and_recent_arrears_alone(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "50.00")  # 44 days overdue
    unit = make_unit(desk.building, "A-0808")
    other = make_customer(desk.site, "李娜", unit=unit)
    make_charge(unit, other, desk.fee, "2026-03", "900.00", due_on=date(2026, 3, 25))  # 6 days overdue
    db.session.commit()
    preview = run(desk, min_amount="100", dry_run=True)
    assert [c.customer for c in preview.due] == ["李娜"] and ("张伟", "below_minimum") in preview.skipped
    preview = run(desk, min_days=30, dry_run=True)
    assert [c.customer for c in preview.due] == ["张伟"]


def test_a_dry_run_shows_who_is_due_and_issues_nothing(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    preview = run(desk, dry_run=True)
    assert [(c.customer, c.level, c.principal, c.late_fee) for c in preview.due] == [
        ("张伟", 1, Decimal("250.00"), Decimal("13.25"))]
    db.session.commit()
    assert notices(db) == []


@pytest.mark.parametrize("options, message", [
    ({"as_of": date(2026, 4, 1)}, "不能晚于今天"),
    ({"min_amount": "abc"}, "最低金额"),
    ({"min_amount": "-5"}, "最低金额"),
    ({"min_days": 0}, "逾期天数须在 1 到 3650 之间"),
    ({"deadline_days": 0}, "1 到 90 天之间"),
    ({"deadline_days": 91}, "1 到 90 天之间"),
])
def test_bad_run_options_are_refused_with_a_clear_message(db, desk, options, message):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    db.session.commit()
    kw = {"as_of": MARCH_31, **options}
    with pytest.raises(ValidationFailed) as e:
        services.run_dunning(desk.site, actor=desk.supervisor, now=at(MARCH_31), **kw)
    assert message in str(e.value)
    assert notices(db) == []


def test_a_run_dated_before_the_last_one_is_refused(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    run(desk)
    with pytest.raises(ValidationFailed) as e:
        services.run_dunning(desk.site, as_of=date(2026, 3, 30), actor=desk.supervisor, now=at(MARCH_31))
    assert "2026-03-31" in str(e.value)


def test_only_a_supervisor_may_run(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    with pytest.raises(NotAllowed):
        run(desk, actor=desk.cashier)


# --- numbering -----------------------------------------------------------------------------------

def test_numbers_are_gapless_per_site_and_year(db, desk):
    for i in range(3):
        unit = make_unit(desk.building, f"A-20{i}")
        make_charge(unit, make_customer(desk.site, f"客户{i}", unit=unit), desk.fee, "2025-12", "100.00")
    other = make_desk()
    make_charge(other.unit, other.customer, other.fee, "2025-12", "100.00")
    db.session.commit()
    assert [n.number for n in run(desk).notices] == ["CK2026-000001", "CK2026-000002", "CK2026-000003"]
    assert [n.number for n in run(other).notices] == ["CK2026-000001"]
    db.session.commit()
    unit = make_unit(desk.building, "A-999")
    make_charge(unit, make_customer(desk.site, "新客户", unit=unit), desk.fee, "2026-11", "100.00")
    db.session.commit()
    next_year = run(desk, date(2027, 1, 5)).notices
    assert [(n.number, n.level) for n in next_year] == [
        ("CK2027-000001", 2), ("CK2027-000002", 2), ("CK2027-000003", 2), ("CK2027-000004", 1)]


def test_concurrent_runs_issue_each_notice_once(app, db, desk):
    for i in range(4):
        unit = make_unit(desk.building, f"A-30{i}")
        make_charge(unit, make_customer(desk.site, f"客户{i}", unit=unit), desk.fee, "2025-12", "100.00")
    ids = (desk.site.id, desk.supervisor.id)
    db.session.commit()
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    results = [None] * threads_count

    def work(i):
        with app.app_context():
            from frontdesk.extensions import db as tdb

            barrier.wait()
            try:
                result = services.run_dunning(tdb.session.get(Site, ids[0]), as_of=MARCH_31,
                                              actor=tdb.session.get(User, ids[1]), now=at(MARCH_31))
                results[i] = [n.number for n in result.notices]
                tdb.session.commit()
            except DomainError as e:
                tdb.session.rollback()
                results[i] = e
            finally:
                tdb.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    issued = sorted(n for r in results if isinstance(r, list) for n in r)
    assert issued == [f"CK2026-{n:06d}" for n in range(1, 5)]
    db.session.expire_all()
    assert len(notices(db)) == 4


# --- statuses and deliveries ---------------------------------------------------------------------

@pytest.fixture
def notice(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    notice = run(desk).notices[0]
    db.session.commit()
    return notice


def deliver(desk, notice, **kw):
    args = dict(method="under_the_door", delivered_on=MARCH_31, delivered_by=desk.cashier, actor=desk.cashier,
                now=at(MARCH_31))
    args.update(kw)
    return services.record_delivery(notice, **args)


def png_bytes():
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def test_recording_a_delivery_marks_the_notice_delivered_and_keeps_the_photo(app, db, desk, notice):
    delivery = deliver(desk, notice, photo=png_bytes(), recipient="家属")
    db.session.commit()
    assert notice.status == "delivered" and delivery.photo.endswith(".png")
    assert services.delivery_photo_path(delivery).read_bytes() == png_bytes()
    assert services.delivery_photo_path(delivery).is_relative_to(app.instance_path)


def test_a_delivery_recorded_twice_gets_a_clear_message(db, desk, notice):
    deliver(desk, notice)
    db.session.commit()
    with pytest.raises(InvalidTransition) as e:
        deliver(desk, notice, method="sms")
    assert "已于 2026-03-31 登记过送达" in str(e.value)
    assert db.session.scalar(sa.select(sa.func.count(NoticeDelivery.id))) == 1


@pytest.mark.parametrize("kw, message", [
    ({"method": "pigeon"}, "请选择通知书的送达方式"),
    ({"delivered_on": date(2026, 3, 30)}, "不能早于通知书开具日期 2026-03-31"),
    ({"delivered_on": date(2026, 4, 1)}, "送达日期不能晚于今天"),
    ({"photo": b"GIF89a not a picture"}, "JPEG 或 PNG"),
    ({"photo": b"\x89PNG" + b"0" * (5 * 1024 * 1024)}, "超过 5 MB"),
])
def test_bad_deliveries_are_refused_and_change_nothing(db, desk, notice, kw, message):
    with pytest.raises(ValidationFailed) as e:
        deliver(desk, notice, **kw)
    assert message in str(e.value)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(NoticeDelivery.id))) == 0


def test_a_steward_cannot_record_a_delivery(db, desk, notice):
    steward = make_user("steward", site=desk.site)
    with pytest.raises(NotAllowed):
        deliver(desk, notice, actor=steward)
