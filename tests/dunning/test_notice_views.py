"""Dunning pages by role, the run form with its preview, deliveries, the history link, the CLI."""
from datetime import date
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from frontdesk.dunning.models import DunningNotice, NoticeDelivery, PaymentNotice
from tests.billing.factories import make_charge, make_desk
from tests.dunning.notice_factories import make_rule, run
from tests.factories import make_user


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def desk(db):
    desk = make_desk()
    make_rule(desk.site)
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    db.session.commit()
    return desk


@pytest.fixture
def notice(db, desk):
    notice = run(desk).notices[0]
    db.session.commit()
    return notice


PAGES = {
    "/dunning/notices": {"clerk", "cashier", "supervisor", "project_manager"},
    "/dunning/run": {"supervisor"},
    "/dunning/payment-notices": {"clerk", "cashier", "supervisor", "project_manager"},
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["clerk", "cashier", "steward", "supervisor", "project_manager", "admin"])
def test_pages_open_for_the_roles_that_may_and_403_for_the_rest(as_user, desk, path, role):
    response = as_user(make_user(role, site=desk.site)).get(path)
    assert response.status_code == (200 if role in PAGES[path] else 403)


def test_a_preview_lists_who_is_due_and_issues_nothing(db, as_user, desk):
    page = text(as_user(desk.supervisor).post("/dunning/run", data={
        "as_of": "2026-03-31", "min_amount": "0", "min_days": "1", "deadline_days": "15", "preview": "y"}))
    assert "Preview: 1 customers are due a notice as of 2026-03-31" in page and "张伟" in page and "￥263.25" in page
    assert db.session.scalar(sa.select(sa.func.count(DunningNotice.id))) == 0


def test_issuing_from_the_page_leads_to_the_batch_and_its_pdf(db, as_user, desk):
    client = as_user(desk.supervisor)
    response = client.post("/dunning/run", data={"as_of": "2026-03-31", "min_amount": "", "min_days": "1",
                                                 "deadline_days": "15"})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "CK2026-000001" in page and "1 dunning notices issued" in page
    batch_link = page.split('action="/dunning/batches/')[1].split('"')[0]
    data = client.post(f"/dunning/batches/{batch_link}").data
    assert "CK2026-000001" in PdfReader(BytesIO(data)).pages[0].extract_text()
    again = text(client.post("/dunning/run", data={"as_of": "2026-03-31", "min_days": "1", "deadline_days": "15"}))
    assert "No customer is due a dunning notice as of 2026-03-31." in again


@pytest.mark.parametrize("data, message", [
    ({"as_of": "31/03/2026"}, "Not a valid date value."),
    ({"as_of": "2026-04-30"}, "Notices cannot be dated later than today."),
    ({"min_amount": "lots"}, "Enter the minimum amount as a number"),
    ({"deadline_days": "0"}, "Number must be between 1 and 90."),
])
def test_bad_run_input_is_shown_next_to_the_field(db, as_user, desk, data, message):
    form = {"as_of": "2026-03-31", "min_amount": "0", "min_days": "1", "deadline_days": "15", **data}
    response = as_user(desk.supervisor).post("/dunning/run", data=form)
    assert response.status_code == 422 and message in text(response)
    assert db.session.scalar(sa.select(sa.func.count(DunningNotice.id))) == 0


def test_a_run_with_nothing_overdue_says_so(db, as_user):
    desk = make_desk()
    db.session.commit()
    response = as_user(desk.supervisor).post("/dunning/run", data={"as_of": "2026-03-31", "min_days": "1",
                                                                   "deadline_days": "15"})
    assert response.status_code == 422 and "there is nobody to send a dunning notice to" in text(response)


def test_a_cashier_records_a_delivery_and_a_second_one_gets_a_clear_message(db, as_user, desk, notice):
    client = as_user(desk.cashier)
    form = {"method": "handed_over", "delivered_on": "2026-03-31", "delivered_by": str(desk.cashier.id),
            "recipient": "本人"}
    response = client.post(f"/dunning/notices/{notice.id}/delivery", data=form)
    assert response.status_code == 302
    page = text(client.get(f"/dunning/notices/{notice.id}"))
    assert "Handed over" in page and "Delivered" in page
    db.session.expire_all()
    assert db.session.get(DunningNotice, notice.id).status == "delivered"


def test_delivery_recorded_twice_is_refused_with_a_message(db, as_user, desk, notice):
    from frontdesk.dunning import services
    from tests.dunning.notice_factories import at

    services.record_delivery(notice, method="sms", delivered_on=date(2026, 3, 31), delivered_by=desk.cashier,
                             actor=desk.cashier, now=at(date(2026, 3, 31)))
    db.session.commit()
    response = as_user(desk.supervisor).post(f"/dunning/notices/{notice.id}/delivery", data={
        "method": "handed_over", "delivered_on": "2026-03-31", "delivered_by": str(desk.supervisor.id)})
    assert response.status_code == 422 and "already recorded on 2026-03-31" in text(response)
    assert db.session.scalar(sa.select(sa.func.count(NoticeDelivery.id))) == 1


def test_an_uploaded_file_that_is_not_a_picture_is_refused(db, as_user, desk, notice):
    response = as_user(desk.cashier).post(f"/dunning/notices/{notice.id}/delivery", data={
        "method": "under_the_door", "delivered_on": "2026-03-31", "delivered_by": str(desk.cashier.id),
        "photo": (BytesIO(b"MZ\x90\x00 not an image"), "proof.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "The photo must be a JPEG or PNG picture." in text(response)


def test_a_clerk_cannot_run_dunning_and_a_steward_cannot_record_deliveries(db, as_user, desk, notice):
    assert as_user(make_user("clerk", site=desk.site)).post("/dunning/run", data={}).status_code == 403
    steward = as_user(make_user("steward", site=desk.site))
    assert steward.post(f"/dunning/notices/{notice.id}/delivery", data={}).status_code == 403


def test_another_sites_notice_does_not_exist_here(db, as_user, desk, notice):
    other = make_desk()
    db.session.commit()
    assert as_user(other.supervisor).get(f"/dunning/notices/{notice.id}").status_code == 404


def test_the_dunning_history_is_one_click_from_the_fee_lookup(db, as_user, desk, notice):
    client = as_user(desk.cashier)
    account = text(client.get(f"/billing/accounts/{desk.customer.id}"))
    assert f'href="/dunning/customers/{desk.customer.id}"' in account
    history = text(client.get(f"/dunning/customers/{desk.customer.id}"))
    assert "Dunning history of 张伟" in history and "CK2026-000001" in history and "First reminder" in history


def test_the_notice_list_filters_by_status_and_level(db, as_user, desk, notice):
    client = as_user(make_user("clerk", site=desk.site))
    assert "CK2026-000001" in text(client.get("/dunning/notices?status=issued&level=1"))
    assert "CK2026-000001" not in text(client.get("/dunning/notices?status=paid"))
    assert "CK2026-000001" not in text(client.get("/dunning/notices?level=3"))
    assert client.get("/dunning/notices?level=abc&page=99999999999999").status_code == 200


def test_payment_notices_are_issued_from_the_page_and_printed(db, as_user, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "285.00")
    db.session.commit()
    client = as_user(desk.supervisor)
    response = client.post("/dunning/payment-notices", data={"period": "2026-03", "building_id": "0"})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "JK2026-000001" in page
    [notice] = db.session.scalars(sa.select(PaymentNotice)).all()
    pdf_text = PdfReader(BytesIO(client.post(f"/dunning/payment-notices/{notice.id}/pdf").data)).pages[0].extract_text()
    assert "缴款通知书" in pdf_text and "张伟" in pdf_text
    bad = client.post("/dunning/payment-notices", data={"period": "2026/03", "building_id": "0"})
    assert bad.status_code == 422 and "Enter the billing period as YYYY-MM" in text(bad)


def test_the_cli_runs_once_and_a_second_run_issues_nothing(app, db, desk, tmp_path, frozen_clock):
    runner = app.test_cli_runner()
    out = tmp_path / "batch.pdf"
    first = runner.invoke(args=["dunning", "run", "--site", desk.site.code, "--as-of", "2026-03-31",
                                "--pdf", str(out)])
    assert first.exit_code == 0, first.output
    assert "1 dunning notices issued" in first.output and "CK2026-000001" in first.output
    assert "CK2026-000001" in PdfReader(str(out)).pages[0].extract_text()
    second = runner.invoke(args=["dunning", "run", "--site", desk.site.code, "--as-of", "2026-03-31"])
    assert "0 dunning notices issued" in second.output and "deadline of the last notice still running" in second.output
    dry = runner.invoke(args=["dunning", "run", "--site", desk.site.code, "--dry-run", "--min-days", "400"])
    assert dry.exit_code != 0 and "没有逾期 400 天及以上的欠费" in dry.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(DunningNotice.id))) == 1
