import pytest

from tests.billing.factories import make_charge, make_desk, pay
from tests.factories import make_user


@pytest.fixture
def desk(db):
    desk = make_desk()
    jan, feb = (make_charge(desk.unit, desk.customer, desk.fee, p, "100.00") for p in ("2026-01", "2026-02"))
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "40.00")
    pay(desk, [jan], "100.00")
    pay(desk, [feb], "100.00", method="alipay", reference="ALI-1")
    colleague = make_user("cashier", site=desk.site, full_name="赵收费")
    pay(desk, [], "55.00", actor=colleague, keep_prepayment=True)
    db.session.commit()
    return desk


def test_cashier_sees_own_takings_by_method_and_the_overdue_total(as_user, desk):
    page = as_user(desk.cashier).get("/").get_data(as_text=True)
    assert "My takings today" in page and "￥200.00" in page and "2 receipts" in page
    assert "Alipay" in page and "Cash" in page
    assert "Overdue at this site" in page and "￥40.00" in page
    assert "Takings of every cashier" not in page
    assert 'action="/billing/"' in page


def test_supervisor_sees_every_cashiers_takings(as_user, desk):
    page = as_user(desk.supervisor).get("/").get_data(as_text=True)
    assert "Takings of every cashier today" in page
    assert "王收费" in page and "赵收费" in page and "￥255.00" in page
    assert "My takings today" not in page


def test_a_steward_sees_no_fee_figures(as_user, desk):
    page = as_user(make_user("steward", site=desk.site)).get("/").get_data(as_text=True)
    assert "Overdue" not in page and "takings" not in page and 'action="/billing/"' not in page


def test_home_works_before_any_site_exists(db, as_user):
    page = as_user(make_user("cashier")).get("/")
    assert page.status_code == 200
