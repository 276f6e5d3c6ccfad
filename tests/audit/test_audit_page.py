"""The audit page: search filters, newest first, Shanghai time, readable before/after, paging."""
from datetime import datetime, timedelta, timezone

import pytest

from frontdesk.audit.services import record
from tests.factories import make_user


def _at(shanghai_wall_time):
    """An instant given as Shanghai wall time, e.g. "2026-03-31 08:30"."""
    local = datetime.strptime(shanghai_wall_time, "%Y-%m-%d %H:%M")
    return (local - timedelta(hours=8)).replace(tzinfo=timezone.utc)


@pytest.fixture
def audit_client(db, login):
    supervisor = make_user("supervisor", username="lead", full_name="Supervisor Qian", locale="en")
    cashier = make_user("cashier", username="cash1", full_name="Cashier Sun")
    record("receipt.void", actor=supervisor, now=_at("2026-03-30 23:50"), object_type="receipt", object_id=41,
           summary="SJ2026-000041 void: wrong unit", before={"status": "issued"}, after={"status": "void"},
           remote_addr="10.0.0.7")
    record("payment.take", actor=cashier, now=_at("2026-03-31 00:10"), object_type="payment", object_id=9,
           summary="cash 1,200.00", after={"amount": "1200.00", "lines": ["2026-03 management fee"]})
    record("user.roles", actor=supervisor, now=_at("2026-03-31 09:00"), object_type="user", object_id=cashier.id,
           before={"roles": ["clerk"]}, after={"roles": ["clerk", "cashier"]})
    db.session.commit()
    return login(supervisor)


def _rows(page):
    """The actions of the result rows, in order, leaving out the supervisor's own login."""
    actions = [chunk.split("</code>")[0] for chunk in page.split('<td class="action"><code>')[1:]]
    return [a for a in actions if a != "auth.login"]


def test_newest_entries_come_first_with_shanghai_time_and_address(audit_client):
    page = audit_client.get("/audit/").get_data(as_text=True)

    assert _rows(page) == ["user.roles", "payment.take", "receipt.void"]
    assert "2026-03-30 23:50:00" in page  # Shanghai time, not the UTC 15:50
    assert "10.0.0.7" in page
    assert "Supervisor Qian" in page and "lead" in page


def test_before_and_after_values_are_shown_side_by_side(audit_client):
    page = audit_client.get("/audit/?action=user.roles").get_data(as_text=True)

    assert '<td class="old">clerk</td><td class="new">clerk, cashier</td>' in page


@pytest.mark.parametrize("query, expected", [
    ("actor=cash1", ["payment.take"]),
    ("actor=qian", ["user.roles", "receipt.void"]),  # part of the full name, any case
    ("action=receipt.void", ["receipt.void"]),
    ("object_type=receipt&object_id=41", ["receipt.void"]),
    ("object_type=receipt&object_id=42", []),
    ("text=wrong+unit", ["receipt.void"]),
    ("text=100%25", []),  # a percent sign is a character to find, not a wildcard
    ("day_from=2026-03-31", ["user.roles", "payment.take"]),  # 00:10 Shanghai is still 30 March in UTC
    ("day_to=2026-03-30", ["receipt.void"]),
    ("day_from=2026-03-31&day_to=2026-03-31&actor=lead", ["user.roles"]),
])
def test_search_filters(audit_client, query, expected):
    page = audit_client.get(f"/audit/?{query}").get_data(as_text=True)

    assert _rows(page) == expected


def test_action_select_offers_the_actions_present(audit_client):
    page = audit_client.get("/audit/").get_data(as_text=True)

    assert '<option value="payment.take">payment.take</option>' in page
    assert 'value="user.create"' not in page


def test_malformed_date_is_pointed_out_and_the_rest_still_searches(audit_client):
    response = audit_client.get("/audit/?day_from=31.03.2026&action=payment.take")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Not a valid date value." in page
    assert _rows(page) == ["payment.take"]


def test_results_are_paginated_and_keep_the_filters(app, db, audit_client):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        record("payment.take", actor=None, now=_at(f"2026-04-01 10:0{n}"), summary=f"extra {n}")
    db.session.commit()

    first = audit_client.get("/audit/?action=payment.take").get_data(as_text=True)
    second = audit_client.get("/audit/?action=payment.take&page=2").get_data(as_text=True)

    assert "Page 1 of 2" in first and "page=2" in first and "action=payment.take" in first
    assert "extra 2" in first and "extra 1" in first
    assert "extra 0" in second and "cash 1,200.00" in second


def test_cashier_may_not_see_the_audit_log(db, login):
    client = login(make_user("cashier"))
    assert client.get("/audit/").status_code == 403


def test_admin_sees_the_audit_log(db, login):
    admin = make_user("admin")
    db.session.commit()
    assert login(admin).get("/audit/").status_code == 200
