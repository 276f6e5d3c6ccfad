"""Whatever is typed into any form of the desk, the answer is a page, never a 500.

Every POST route is sent the same hostile values in every field name any form of the app knows:
empty, 10,000 characters, markup, non-numbers, out-of-range numbers, impossible dates and a NUL
character (which PostgreSQL refuses in text)."""
import importlib
import inspect

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from frontdesk.estate.models import Contact
from tests.billing.factories import make_charge, make_desk, pay
from frontdesk.visitors import queries, services as visitors
from tests.factories import NOW, PASSWORD, _password_hash, make_customer, make_user
from tests.visitors.factories import make_passes

HOSTILE = [
    "",
    "x" * 10_000,
    "<script>alert(1)</script>",
    "abc",
    "-1",
    "1e3",
    "99999999999999999999",
    "0.001",
    "2026-13-45",
    "A-1203\x00",
]
# routes that end the session or only switch the language: nothing to break there
SKIP = {"auth.logout", "auth.set_locale", "static"}


def form_field_names():
    names = set()
    for package in ("auth", "audit", "billing", "estate", "visitors", "workorders", "notices", "visits"):
        module = importlib.import_module(f"frontdesk.{package}.forms")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__:
                names |= {n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField)}
    return sorted(names)


def url_of(rule):
    path = rule.rule
    for arg in rule.arguments:
        path = path.replace(f"<int:{arg}>", "1")
    return path


@pytest.fixture
def everything(db):
    """One of each record, so that id 1 exists for every route, and a user who holds every role."""
    desk = make_desk()
    charge = make_charge(desk.unit, desk.customer, desk.fee, period="2026-01", amount="100.00")
    make_charge(desk.unit, desk.customer, desk.fee, period="2026-02", amount="100.00")
    pay(desk, [charge], "100.00")
    contact = Contact(customer_id=desk.customer.id, name="李四", position="", phone="13900001111", phone_last4="1111")
    db.session.add(contact)
    db.session.flush()
    make_passes(desk.site, 3)
    visitors.register_visit(desk.site, visitors.VisitorDetails(name="张伟", phone="13712345678"),
                            queries.host_by_ref(desk.site.id, f"contact:{contact.id}", NOW.date()),
                            actor=desk.cashier, now=NOW, pass_id=None, base_url="http://desk.test/")
    boss = make_user("admin", "supervisor", "cashier", "clerk", "steward", "account_manager", "project_manager",
                     site=desk.site, username="boss", locale="en")
    from frontdesk.workorders import services as workorders

    workorders.log_order(desk.site, kind="repair", channel="phone", category="plumbing", description="漏水",
                         report=workorders.Report("张伟", "13712345678", unit_id=desk.unit.id), actor=boss, now=NOW)
    from frontdesk.visits import services as visits

    company = make_customer(desk.site, "云启科技有限公司", kind="company", phone="13800000001", unit=desk.unit,
                            role="tenant")
    visits.assign(desk.site, company, boss.id, actor=boss, now=NOW)
    visit = visits.record_visit(desk.site, customer_id=company.id, mode="on_site", purpose="routine_care",
                                visited_at=NOW, attendees="刘总", items=[visits.ItemInput("request", "空调不制冷")],
                                commitments=[visits.CommitmentInput("回复", boss.id, NOW.date())], actor=boss, now=NOW)
    questionnaire = visits.questionnaire_for(desk.site, now=NOW)
    visits.record_survey(desk.site, customer_id=company.id, questionnaire_id=questionnaire.id,
                         answers=[visits.AnswerInput(questionnaire.questions[0].id, 4)], respondent="刘总",
                         taken_on=NOW.date(), actor=boss, now=NOW)
    visits.save_case(desk.site, title="空调", situation="s", action="a", result="r", lesson="l", visit_id=visit.id,
                     actor=boss, now=NOW)
    db.session.commit()
    return boss


def test_no_form_answers_hostile_input_with_a_server_error(app, db, client, everything):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    fields = form_field_names()
    assert {"amount", "tendered", "name", "number", "password"} <= set(fields)
    failures = []
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in SKIP]
    assert len(rules) > 25
    for rule in sorted(rules, key=lambda r: r.rule):
        for value in HOSTILE:
            # every round starts logged in as the all-roles user, whatever the last round changed
            boss = db.session.get(type(everything), everything.id)
            boss.active, boss.locked_until, boss.failed_logins = True, None, 0
            boss.password_hash = _password_hash()
            db.session.commit()
            client.post("/logout")
            client.post("/login", data={"username": "boss", "password": PASSWORD})
            data = {name: value for name in fields}
            response = client.post(url_of(rule), data=data)
            if response.status_code >= 500:
                failures.append(f"{rule.endpoint} {value[:20]!r}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def test_no_page_answers_hostile_query_parameters_with_a_server_error(app, db, login, everything):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = login(everything)
    failures = []
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in SKIP]
    for rule in sorted(rules, key=lambda r: r.rule):
        for value in HOSTILE:
            params = {name: value for name in ("q", "page", "day", "site", "use", "building", "action", "actor",
                                                "object_type", "object_id", "date_from", "date_to", "text", "kind",
                                                "start_on", "end_on", "status", "phone", "ids", "manager", "from",
                                                "to", "customer_id", "visit_id", "work_order_id")}
            response = client.get(url_of(rule), query_string=params)
            if response.status_code >= 500:
                failures.append(f"{rule.endpoint} {value[:20]!r}: {response.status_code}")
    assert failures == [], "\n".join(failures)



def test_ids_too_large_for_the_database_are_not_found(app, db, login, everything):
    client = login(everything)
    assert client.get("/billing/receipts/99999999999999999999").status_code == 404
    assert client.get(f"/billing/receipts/{2**31}").status_code == 404
