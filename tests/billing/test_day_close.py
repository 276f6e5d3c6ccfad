from datetime import date, timedelta
from decimal import Decimal

import pytest

from frontdesk.billing import queries, services
from frontdesk.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tests.billing.factories import make_charge, make_desk, pay
from tests.factories import NOW, make_user

DAY = date(2026, 3, 31)


def busy_day(desk):
    """Four receipts by the cashier (one voided), one by a colleague and one the day before."""
    charges = [make_charge(desk.unit, desk.customer, desk.fee, f"2025-{m:02d}", "100.00") for m in range(1, 8)]
    pay(desk, [charges[0]], "100.00", now=NOW - timedelta(days=1))                       # 000001, yesterday
    pay(desk, [charges[1]], "100.00", tendered=Decimal("200"))                            # 000002 cash
    pay(desk, [charges[2]], "60.00", method="wechat", reference="WX1")                    # 000003 wechat (partial)
    voided = pay(desk, [charges[3]], "100.00", method="card", reference="POS7").receipt  # 000004 card, voided
    colleague = make_user("cashier", site=desk.site, full_name="赵收费")
    pay(desk, [charges[4]], "100.00", actor=colleague)                                    # 000005 colleague
    pay(desk, [charges[5]], "150.00", keep_prepayment=True)                               # 000006 cash 150
    services.void_receipt(voided, "刷卡重复", actor=desk.supervisor, now=NOW)
    return colleague


def test_day_close_figures_match_a_hand_count(db):
    desk = make_desk()
    busy_day(desk)
    s = queries.day_figures(desk.site, desk.cashier, DAY)
    # by hand: receipts 2, 3, 4, 6 are the cashier's today; 4 is voided
    assert (s["count"], s["first_number"], s["last_number"]) == (4, "SJ2026-000002", "SJ2026-000006")
    assert s["totals_by_method"] == [
        {"method": "cash", "label": "现金", "count": 2, "amount": "250.00"},
        {"method": "wechat", "label": "微信支付", "count": 1, "amount": "60.00"},
    ]
    assert s["total"] == "310.00"
    assert s["voids"] == [{"number": "SJ2026-000004", "amount": "100.00", "reason": "刷卡重复"}]
    assert [r["status"] for r in s["receipts"]] == ["issued", "issued", "voided", "issued"]
    assert s["receipts"][0] == {"number": "SJ2026-000002", "payer": "张伟", "units": "A-1203", "method_label": "现金",
                                "amount": "100.00", "status": "issued"}
    assert (s["cashier"], s["business_on"], s["confirmed_at"]) == ("王收费", "2026-03-31", None)


def test_closing_the_day_freezes_the_report(db):
    desk = make_desk()
    busy_day(desk)
    close = services.close_day(site=desk.site, cashier=desk.cashier, day=DAY, actor=desk.cashier, now=NOW)
    assert close.snapshot["total"] == "310.00"
    assert close.snapshot["confirmed_at"] == "2026-03-31 10:00"
    with pytest.raises(InvalidTransition):
        services.close_day(site=desk.site, cashier=desk.cashier, day=DAY, actor=desk.cashier, now=NOW)


def test_only_the_cashier_closes_their_day_and_not_in_advance(db):
    desk = make_desk()
    with pytest.raises(NotAllowed):
        services.close_day(site=desk.site, cashier=desk.cashier, day=DAY, actor=desk.supervisor, now=NOW)
    with pytest.raises(ValidationFailed):
        services.close_day(site=desk.site, cashier=desk.cashier, day=DAY + timedelta(days=1), actor=desk.cashier, now=NOW)


def test_supervisor_acknowledges_receiving_the_takings_once(db):
    desk = make_desk()
    close = services.close_day(site=desk.site, cashier=desk.cashier, day=DAY, actor=desk.cashier, now=NOW)
    with pytest.raises(NotAllowed):
        services.acknowledge_day_close(close, actor=desk.cashier, now=NOW)
    services.acknowledge_day_close(close, actor=desk.supervisor, now=NOW)
    assert (close.received_by_id, close.received_at) == (desk.supervisor.id, NOW)
    with pytest.raises(InvalidTransition):
        services.acknowledge_day_close(close, actor=desk.supervisor, now=NOW)


def test_takings_per_cashier_leave_out_voided_receipts(db):
    desk = make_desk()
    colleague = busy_day(desk)
    days = {d.cashier_id: d for d in queries.takings(desk.site.id, DAY)}
    assert (days[desk.cashier.id].count, days[desk.cashier.id].total) == (3, Decimal("310.00"))
    assert days[desk.cashier.id].by_method["cash"] == (2, Decimal("250.00"))
    assert (days[colleague.id].count, days[colleague.id].total) == (1, Decimal("100.00"))


def test_overdue_total_counts_what_is_still_owed_past_due(db):
    desk = make_desk()
    make_charge(desk.unit, desk.customer, desk.fee, "2026-01", "100.00", paid="30.00")
    make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "200.00")
    make_charge(desk.unit, desk.customer, desk.fee, "2026-04", "300.00")  # due 2026-04-15: not yet
    assert queries.overdue_total(desk.site.id, DAY) == (2, Decimal("270.00"))
