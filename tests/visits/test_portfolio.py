"""Who looks after which company: a manager sees their own companies and no other's, supervisors
and project managers see them all; assigning and reassigning keeps the history and the audit, and
every refusal says why and changes nothing."""
from datetime import date
import html
import re

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.core import clock
from frontdesk.core.errors import NotAllowed, ValidationFailed
from frontdesk.extensions import db as _db
from frontdesk.visits import queries, services
from frontdesk.visits.models import Portfolio, PortfolioChange
from tests.factories import english, make_customer, make_user
from tests.visits.conftest import at
from tests.visits.pages import error_next_to, text

T1, T2 = at(2026, 4, 8, 9), at(2026, 5, 6, 15)


def company_names(page) -> list[str]:
    """The companies the portfolio table lists, in order."""
    start = page.index('class="compact portfolio"')
    table = page[start:page.index("</table>", start)]
    return re.findall(r'<a href="/visits/companies/\d+">([^<]+)</a>', table)


def history(customer) -> list[tuple]:
    """(from, to, day, reason) of a company's assignments, oldest first, by manager name."""
    rows = _db.session.scalars(sa.select(PortfolioChange).where(PortfolioChange.customer_id == customer.id)
                               .order_by(PortfolioChange.id))
    return [(getattr(r.from_manager, "full_name", None), getattr(r.to_manager, "full_name", None), r.on.isoformat(),
             r.reason) for r in rows]


def assign_audits(customer) -> list[tuple]:
    return [(e.actor_id, e.before, e.after) for e in _db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "visits.assign", AuditEntry.object_type == "customer",
                                    AuditEntry.object_id == str(customer.id)).order_by(AuditEntry.id))]


@pytest.fixture
def later(monkeypatch):
    """The pages' clock after the park's assignments of 1 April."""
    monkeypatch.setattr(clock, "now", lambda: T1)
    return T1


# --- who sees which company ------------------------------------------------------------------------

def test_a_manager_sees_only_their_own_companies(park, as_user):
    client = as_user(park.chen)

    page = text(client.get("/visits/companies"))

    assert sorted(company_names(page)) == ["云启科技有限公司", "恒通物流有限公司"]
    assert "博远医疗器械有限公司" not in page and "绿源食品有限公司" not in page and "海港贸易有限公司" not in page
    # a manager's portfolio is their own: the manager filter is not there, nor does it widen anything
    assert 'name="manager"' not in page
    assert sorted(company_names(text(client.get("/visits/companies?manager=none")))) == ["云启科技有限公司", "恒通物流有限公司"]
    assert sorted(company_names(text(client.get(f"/visits/companies?manager={park.wang.id}")))) == [
        "云启科技有限公司", "恒通物流有限公司"]


def test_a_manager_gets_404_on_a_company_outside_their_portfolio(park, as_user):
    client = as_user(park.chen)

    assert client.get(f"/visits/companies/{park.yunqi.id}").status_code == 200
    wangs = client.get(f"/visits/companies/{park.boyuan.id}")
    assert wangs.status_code == 404 and "博远医疗器械有限公司" not in text(wangs)
    assert client.get(f"/visits/companies/{park.lvyuan.id}").status_code == 404  # nobody's
    assert client.get(f"/visits/companies/{park.harbour_company.id}").status_code == 404  # another site's


@pytest.mark.parametrize("who", ["supervisor", "project_manager"])
def test_supervisors_and_project_managers_see_every_company_of_the_site(park, as_user, who):
    client = as_user(getattr(park, who))

    page = text(client.get("/visits/companies"))

    assert sorted(company_names(page)) == sorted(["云启科技有限公司", "博远医疗器械有限公司", "恒通物流有限公司", "绿源食品有限公司"])
    assert "海港贸易有限公司" not in page
    assert "陈思远" in page and "王敏" in page and "not assigned" in page
    for company in (park.yunqi, park.boyuan, park.lvyuan):
        assert client.get(f"/visits/companies/{company.id}").status_code == 200
    assert client.get(f"/visits/companies/{park.harbour_company.id}").status_code == 404


def test_the_portfolio_filters_by_manager_by_nobody_and_by_name(park, as_user):
    client = as_user(park.supervisor)

    assert company_names(text(client.get(f"/visits/companies?manager={park.wang.id}"))) == ["博远医疗器械有限公司"]
    assert company_names(text(client.get("/visits/companies?manager=none"))) == ["绿源食品有限公司"]
    assert sorted(company_names(text(client.get(f"/visits/companies?manager={park.chen.id}&q=物流")))) == [
        "恒通物流有限公司"]
    assert company_names(text(client.get("/visits/companies?q=医疗"))) == ["博远医疗器械有限公司"]
    bogus = client.get("/visits/companies?manager=999999")
    assert bogus.status_code == 422 and error_next_to(text(bogus), "manager") == "Not a valid choice."


def test_a_person_is_not_a_company_page(park, as_user):
    person = make_customer(park.site, "张三", kind="person")
    _db.session.commit()

    assert as_user(park.supervisor).get(f"/visits/companies/{person.id}").status_code == 404


# --- assigning -----------------------------------------------------------------------------------

def test_assign_then_reassign_keeps_two_history_rows_in_order_and_the_audit(park):
    services.assign(park.site, park.lvyuan, park.chen.id, reason="新入驻", actor=park.supervisor, now=T1)
    services.assign(park.site, park.lvyuan, park.wang.id, reason="调整分工", actor=park.project_manager, now=T2)
    _db.session.commit()

    assert history(park.lvyuan) == [(None, "陈思远", "2026-04-08", "新入驻"), ("陈思远", "王敏", "2026-05-06", "调整分工")]
    # the page reads the history newest first
    assert [(c.to_manager.full_name, c.on.isoformat()) for c in queries.portfolio_history(park.lvyuan.id)] == [
        ("王敏", "2026-05-06"), ("陈思远", "2026-04-08")]
    row = _db.session.get(Portfolio, park.lvyuan.id)
    assert (row.manager_id, row.since.isoformat(), row.site_id) == (park.wang.id, "2026-05-06", park.site.id)
    assert assign_audits(park.lvyuan) == [
        (park.supervisor.id, {"manager_id": None}, {"manager_id": park.chen.id, "reason": "新入驻", "planned_visits": []}),
        (park.project_manager.id, {"manager_id": park.chen.id},
         {"manager_id": park.wang.id, "reason": "调整分工", "planned_visits": []}),
    ]
    assert queries.manager_of(park.lvyuan.id) == park.wang.id


def plan(park, manager, company, day):
    return services.plan_visit(park.site, customer_id=company.id, visit_on=day, mode="on_site",
                               purpose="routine_care", actor=manager, now=T1)


def test_reassigning_hands_the_previous_managers_planned_visits_to_the_new_one(park):
    first = plan(park, park.chen, park.yunqi, date(2026, 4, 20))
    second = plan(park, park.chen, park.yunqi, date(2026, 5, 20))
    elsewhere = plan(park, park.chen, park.hengtong, date(2026, 4, 21))  # another company of his
    cancelled = plan(park, park.chen, park.yunqi, date(2026, 4, 22))
    services.cancel_visit(cancelled, reason="客户出差", actor=park.chen, now=T1)
    recorded = services.record_visit(park.site, customer_id=park.yunqi.id, visited_at=at(2026, 4, 7, 10),
                                     mode="on_site", purpose="routine_care", attendees="李总", actor=park.chen, now=T1)
    covering = plan(park, park.supervisor, park.yunqi, date(2026, 4, 23))  # the supervisor's own plan
    _db.session.commit()

    done = services.assign(park.site, park.yunqi, park.wang.id, reason="陈思远调岗", actor=park.supervisor, now=T2)
    _db.session.commit()

    assert done.handed_over == [first.number, second.number]
    for visit in (first, second, elsewhere, cancelled, recorded, covering):
        _db.session.refresh(visit)
    assert (first.manager_id, second.manager_id) == (park.wang.id, park.wang.id)
    # what he did, what he cancelled and his other company's plan stay his; the supervisor's stays hers
    assert {v.manager_id for v in (elsewhere, cancelled, recorded)} == {park.chen.id}
    assert covering.manager_id == park.supervisor.id
    assert assign_audits(park.yunqi)[-1][2]["planned_visits"] == [first.number, second.number]
    # the plans now make 王敏's week, not his
    assert [v.number for v in queries.visits_between(park.site.id, date(2026, 4, 20), date(2026, 4, 26),
                                                     manager_id=park.wang.id)] == [first.number]


def test_releasing_a_company_to_nobody_leaves_its_plans_with_their_manager(park):
    planned = plan(park, park.chen, park.yunqi, date(2026, 4, 20))
    _db.session.commit()

    done = services.assign(park.site, park.yunqi, None, reason="调整", actor=park.supervisor, now=T2)

    assert done.handed_over == []
    _db.session.refresh(planned)
    assert planned.manager_id == park.chen.id  # someone still has to make or cancel it


def test_releasing_a_company_leaves_it_to_nobody_with_the_history(park):
    services.assign(park.site, park.boyuan, None, reason="王敏离职", actor=park.supervisor, now=T1)
    _db.session.commit()

    assert history(park.boyuan)[-1] == ("王敏", None, "2026-04-08", "王敏离职")
    assert queries.manager_of(park.boyuan.id) is None
    assert sorted(r.name for r in queries.companies(park.site.id, unassigned=True)) == ["博远医疗器械有限公司", "绿源食品有限公司"]


def _unchanged(park, customer, manager_id, changes):
    _db.session.rollback()
    assert queries.manager_of(customer.id) == manager_id
    assert len(history(customer)) == changes
    assert len(assign_audits(customer)) == changes


@pytest.mark.parametrize("who, message", [
    ("clerk", "Choose an active account manager of this site."),
    ("supervisor", "Choose an active account manager of this site."),
    ("inactive", "Choose an active account manager of this site."),
    ("elsewhere", "Choose an active account manager of this site."),
    ("bogus", "Choose an active account manager of this site."),
])
def test_only_an_active_account_manager_of_the_site_can_be_given_a_company(park, who, message):
    targets = {"clerk": park.clerk.id, "supervisor": park.supervisor.id, "bogus": 987654}
    if who == "inactive":
        user = make_user("account_manager", site=park.site, full_name="离职经理")
        user.active = False
        targets[who] = user.id
    if who == "elsewhere":
        targets[who] = make_user("account_manager", site=park.other_site, full_name="海港经理").id
    _db.session.commit()

    with pytest.raises(ValidationFailed) as refused:
        services.assign(park.site, park.yunqi, targets[who], actor=park.supervisor, now=T1)

    assert english(refused.value) == message and refused.value.field == "manager_id"
    _unchanged(park, park.yunqi, park.chen.id, 1)


def test_assigning_to_the_manager_who_has_it_already_is_refused(park):
    with pytest.raises(ValidationFailed) as refused:
        services.assign(park.site, park.yunqi, park.chen.id, actor=park.supervisor, now=T1)

    assert english(refused.value) == "云启科技有限公司 is looked after by this manager already."
    _unchanged(park, park.yunqi, park.chen.id, 1)
    with pytest.raises(ValidationFailed):  # nobody's company to nobody, likewise
        services.assign(park.site, park.lvyuan, None, actor=park.supervisor, now=T1)
    _unchanged(park, park.lvyuan, None, 0)


def test_a_person_or_another_sites_company_cannot_be_assigned(park):
    person = make_customer(park.site, "张三", kind="person")
    _db.session.commit()

    for customer in (person, park.harbour_company):
        with pytest.raises(ValidationFailed) as refused:
            services.assign(park.site, customer, park.chen.id, actor=park.supervisor, now=T1)
        assert english(refused.value) == "Choose a tenant company of this site."
        _unchanged(park, customer, None, 0)


@pytest.mark.parametrize("who", ["chen", "clerk", "admin"])
def test_only_supervisors_and_project_managers_assign(park, who):
    with pytest.raises(NotAllowed):
        services.assign(park.site, park.lvyuan, park.chen.id, actor=getattr(park, who), now=T1)
    _unchanged(park, park.lvyuan, None, 0)


# --- assigning through the company page ------------------------------------------------------------

def test_the_supervisor_reassigns_a_company_from_its_page(park, as_user, later):
    client = as_user(park.supervisor)
    page = text(client.get(f"/visits/companies/{park.yunqi.id}"))
    assert f'<option selected value="{park.chen.id}">陈思远</option>' in page
    assert '<option value="0">Nobody</option>' in page

    response = client.post(f"/visits/companies/{park.yunqi.id}/assign",
                           data={"manager_id": park.wang.id, "reason": "陈思远调岗"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/visits/companies/{park.yunqi.id}")
    page = text(client.get(response.headers["Location"]))
    assert "云启科技有限公司 is looked after by 王敏 from today on." in page
    assert "planned visits" not in page  # he had none
    assert history(park.yunqi) == [(None, "陈思远", "2026-04-01", ""), ("陈思远", "王敏", "2026-04-08", "陈思远调岗")]
    assert assign_audits(park.yunqi)[-1][0] == park.supervisor.id
    # the company has left 陈思远's portfolio: his page of it is gone, 王敏's is there
    assert as_user(park.chen).get(f"/visits/companies/{park.yunqi.id}").status_code == 404
    assert as_user(park.wang).get(f"/visits/companies/{park.yunqi.id}").status_code == 200


def test_the_page_says_which_planned_visits_went_with_the_company(park, as_user, later):
    planned = plan(park, park.chen, park.yunqi, date(2026, 4, 20))
    _db.session.commit()
    client = as_user(park.supervisor)
    assert "陈思远's visits to this company still planned go to the new manager." in text(
        client.get(f"/visits/companies/{park.yunqi.id}"))

    response = client.post(f"/visits/companies/{park.yunqi.id}/assign", data={"manager_id": park.wang.id})

    page = text(client.get(response.headers["Location"]))
    assert f"The planned visits {planned.number} are 王敏's now." in html.unescape(page)


def test_the_project_manager_releases_a_company_to_nobody(park, as_user, later):
    client = as_user(park.project_manager)

    response = client.post(f"/visits/companies/{park.boyuan.id}/assign", data={"manager_id": "0", "reason": ""})

    assert response.status_code == 302
    assert "Nobody looks after 博远医疗器械有限公司 now." in text(client.get(response.headers["Location"]))
    assert queries.manager_of(park.boyuan.id) is None


@pytest.mark.parametrize("manager_id, message", [
    ("same", "云启科技有限公司 is looked after by this manager already."),
    ("clerk", "Choose an active account manager of this site."),
    ("987654", "Choose an active account manager of this site."),
    ("abc", "Choose an active account manager of this site."),
    ("99999999999999999999", "Choose an active account manager of this site."),
    ("", "Choose an account manager, or nobody."),
])
def test_a_refused_assignment_is_shown_next_to_the_field_and_changes_nothing(park, as_user, later, manager_id,
                                                                             message):
    client = as_user(park.supervisor)
    value = {"same": park.chen.id, "clerk": park.clerk.id}.get(manager_id, manager_id)

    response = client.post(f"/visits/companies/{park.yunqi.id}/assign", data={"manager_id": value, "reason": "试试"})

    assert response.status_code == 422
    page = text(response)
    assert error_next_to(page, "manager_id") == message
    assert "云启科技有限公司" in page and "Assignment history" in page  # the company page, with the form
    _unchanged(park, park.yunqi, park.chen.id, 1)


def test_a_reason_too_long_is_refused_next_to_its_field(park, as_user, later):
    response = as_user(park.supervisor).post(f"/visits/companies/{park.yunqi.id}/assign",
                                             data={"manager_id": park.wang.id, "reason": "理" * 201})

    assert response.status_code == 422 and error_next_to(text(response), "reason")
    _unchanged(park, park.yunqi, park.chen.id, 1)


def test_assigning_a_person_or_another_sites_company_through_the_page_finds_nothing(park, as_user, later):
    person = make_customer(park.site, "张三", kind="person")
    _db.session.commit()
    client = as_user(park.supervisor)

    for customer in (person, park.harbour_company):
        assert client.post(f"/visits/companies/{customer.id}/assign",
                           data={"manager_id": park.chen.id}).status_code == 404
        _unchanged(park, customer, None, 0)


@pytest.mark.parametrize("who", ["clerk", "chen", "admin"])
def test_who_may_not_assign_gets_403_and_no_form(park, as_user, later, who):
    client = as_user(getattr(park, who))

    response = client.post(f"/visits/companies/{park.lvyuan.id}/assign", data={"manager_id": park.chen.id})

    assert response.status_code == 403
    _unchanged(park, park.lvyuan, None, 0)
    if who == "chen":
        page = text(client.get(f"/visits/companies/{park.yunqi.id}"))
        assert "/assign" not in page and 'name="manager_id"' not in page


# --- several companies at once ---------------------------------------------------------------------

def managers_of(*companies) -> list:
    return [getattr(_db.session.get(Portfolio, c.id), "manager_id", None) for c in companies]


def test_assign_many_gives_each_company_its_history_audit_and_plans(park):
    planned = plan(park, park.chen, park.hengtong, date(2026, 5, 20))
    _db.session.commit()

    done = services.assign_many(park.site, [park.yunqi.id, park.hengtong.id, park.boyuan.id, park.lvyuan.id],
                                park.wang.id, reason="陈思远离职", actor=park.supervisor, now=T2)
    _db.session.commit()

    assert done.manager == park.wang
    assert [c.name for c in done.assigned] == ["云启科技有限公司", "恒通物流有限公司", "绿源食品有限公司"]  # in id order
    assert [c.name for c in done.unchanged] == ["博远医疗器械有限公司"]  # 王敏's already: left as it was
    assert done.handed_over == [planned.number]
    assert managers_of(park.yunqi, park.hengtong, park.boyuan, park.lvyuan) == [park.wang.id] * 4
    assert history(park.hengtong)[-1] == ("陈思远", "王敏", "2026-05-06", "陈思远离职")
    assert history(park.lvyuan) == [(None, "王敏", "2026-05-06", "陈思远离职")]
    assert len(history(park.boyuan)) == 1 and len(assign_audits(park.boyuan)) == 1
    assert assign_audits(park.hengtong)[-1][2]["planned_visits"] == [planned.number]


def test_assign_many_to_nobody_releases_the_companies(park):
    done = services.assign_many(park.site, [park.yunqi.id, park.hengtong.id], None, reason="调整",
                                actor=park.project_manager, now=T2)

    assert done.manager is None and len(done.assigned) == 2
    assert managers_of(park.yunqi, park.hengtong) == [None, None]


@pytest.mark.parametrize("ids, manager, field, message", [
    ([], "wang", "customer_ids", "Tick the companies to assign."),
    (["yunqi", "harbour_company"], "wang", "customer_ids", "Tick tenant companies of this site only."),
    (["yunqi", "person"], "wang", "customer_ids", "Tick tenant companies of this site only."),
    (["yunqi", -1], "wang", "customer_ids", "Tick tenant companies of this site only."),
    (["yunqi"], "clerk", "manager_id", "Choose an active account manager of this site."),
    (list(range(1, 202)), "wang", "customer_ids", "Assign at most 200 companies at a time."),
])
def test_assign_many_refuses_the_lot_and_changes_nothing(park, ids, manager, field, message):
    person = make_customer(park.site, "张三", kind="person")
    chosen = [i if isinstance(i, int) else (person if i == "person" else getattr(park, i)).id for i in ids]

    with pytest.raises(ValidationFailed) as refused:
        services.assign_many(park.site, chosen, getattr(park, manager).id, actor=park.supervisor, now=T2)

    assert (refused.value.field, english(refused.value)) == (field, message)
    _db.session.rollback()
    assert managers_of(park.yunqi, park.hengtong, park.lvyuan) == [park.chen.id, park.chen.id, None]


def test_only_supervisors_and_project_managers_assign_many(park):
    with pytest.raises(NotAllowed):
        services.assign_many(park.site, [park.lvyuan.id], park.chen.id, actor=park.chen, now=T2)
    assert managers_of(park.lvyuan) == [None]


def assign_many_form(page) -> str:
    start = page.index('<form id="assign-many"')
    return page[start:page.index("</form>", start)]


def test_the_supervisor_ticks_companies_on_the_list_and_gives_them_to_a_manager(park, as_user, later):
    client = as_user(park.supervisor)
    page = text(client.get(f"/visits/companies?manager={park.chen.id}"))
    form = assign_many_form(page)
    assert f'action="/visits/companies/assign?page=1&amp;manager={park.chen.id}"' in form
    # no manager is chosen to begin with: pressing the button with a page ticked releases nothing
    assert '<option value="">Choose…</option><option value="0">Nobody</option>' in form and "selected" not in form
    assert page.count('name="customer_ids"') == 2  # 陈思远's two companies, a box each

    response = client.post(f"/visits/companies/assign?page=1&manager={park.chen.id}", data={
        "customer_ids": [park.yunqi.id, park.hengtong.id], "manager_id": park.wang.id, "reason": "陈思远调岗"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/visits/companies?page=1&manager={park.chen.id}")
    page = html.unescape(text(client.get(response.headers["Location"])))
    assert "2 companies are looked after by 王敏 from today on." in page
    assert managers_of(park.yunqi, park.hengtong) == [park.wang.id, park.wang.id]


def test_ticking_nothing_or_choosing_no_manager_is_said_and_keeps_the_ticks(park, as_user, later):
    client = as_user(park.supervisor)

    response = client.post("/visits/companies/assign", data={"manager_id": park.wang.id})
    assert response.status_code == 422
    assert '<div class="error" role="alert">Tick the companies to assign.</div>' in assign_many_form(text(response))

    response = client.post("/visits/companies/assign", data={"customer_ids": [park.yunqi.id], "manager_id": ""})
    assert response.status_code == 422
    page = text(response)
    assert error_next_to(page, "manager_id") == "Choose an account manager, or nobody."
    assert f'name="customer_ids" value="{park.yunqi.id}" form="assign-many" checked' in page
    assert f'name="customer_ids" value="{park.hengtong.id}" form="assign-many" aria' in page  # not ticked
    assert managers_of(park.yunqi) == [park.chen.id]


def test_the_list_of_a_manager_or_a_clerk_has_no_ticks_and_the_post_is_forbidden(park, as_user, later):
    client = as_user(park.chen)
    page = text(client.get("/visits/companies"))
    assert 'name="customer_ids"' not in page and "assign-many" not in page
    assert client.post("/visits/companies/assign", data={"customer_ids": [park.lvyuan.id],
                                                         "manager_id": park.chen.id}).status_code == 403
    assert managers_of(park.lvyuan) == [None]


def test_a_deactivated_managers_companies_can_still_be_found_and_handed_over(park, as_user, later):
    park.wang.active = False  # 王敏 left; the admin deactivated her before her companies were handed over
    _db.session.commit()
    client = as_user(park.supervisor)

    page = html.unescape(text(client.get("/visits/companies")))
    assert f'<option value="{park.wang.id}">王敏 (deactivated)</option>' in page  # still in the filter
    page = html.unescape(text(client.get(f"/visits/companies?manager={park.wang.id}")))
    assert company_names(page) == ["博远医疗器械有限公司"]
    assert '王敏 <span class="badge warn">Deactivated</span>' in page
    assert client.get(f"/visits/?manager={park.wang.id}").status_code == 200  # her lists too
    assert '<span class="badge warn">Deactivated</span>' in text(client.get(f"/visits/companies/{park.boyuan.id}"))
    assert '王敏</a> <span class="badge warn">Deactivated</span>' in text(client.get("/visits/managers"))
    # she is no one to give a company to
    assert f'<option value="{park.wang.id}">' not in assign_many_form(page)

    response = client.post(f"/visits/companies/assign?manager={park.wang.id}",
                           data={"customer_ids": [park.boyuan.id], "manager_id": park.chen.id, "reason": "王敏离职"})

    assert response.status_code == 302
    assert managers_of(park.boyuan) == [park.chen.id]
    # with nothing left to hand over, she leaves the filter
    assert "王敏 (deactivated)" not in html.unescape(text(client.get("/visits/companies")))
