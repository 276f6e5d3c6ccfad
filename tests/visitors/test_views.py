"""The visitor pages as the desk uses them: register, check in, sign out, passes, the watch list,
the returning-visitor lookup, and who may open what."""
import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from frontdesk.estate.models import Occupancy
from frontdesk.visitors import services
from frontdesk.visitors.models import PassCount, Visit, VisitorPass, WatchEntry
from tests.factories import NOW, make_site, make_user
from tests.visitors.factories import details, host, make_desk, register

GOOD_ID = "11010519491231002X"


@pytest.fixture
def desk(db):
    made = make_desk()
    made["supervisor"] = make_user("supervisor", site=made["site"], full_name="周主管")
    db.session.commit()
    return made


def text(response):
    return response.get_data(as_text=True)


def error_next_to(page, field):
    """The error drawn inside the field's own block (its div.field marked has-error), as the user reads it."""
    match = re.search(r'<div class="field[^"]*has-error[^"]*"[^>]*>(?:(?!<div class="field).)*?name="%s"'
                      r'(?:(?!<div class="field).)*?<div class="error" role="alert">(.*?)</div>' % field, page, re.S)
    return html.unescape(match.group(1)) if match else None


def visit_count(db):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Visit.id)))


def form(desk, **overrides):
    data = {"phone": "13712345678", "name": "张伟", "company": "远景设计", "party_size": "1", "purpose": "business",
            "purpose_note": "", "plate": "", "id_type": "id_card", "id_number": "", "host": "王经理",
            "host_ref": f"contact:{desk['contact'].id}", "pass_id": str(desk["passes"][0].id)}
    data.update(overrides)
    return data


# --- the desk ----------------------------------------------------------------------------------

def test_the_clerk_sees_the_desk_with_who_is_on_site_and_who_is_expected(db, as_user, desk):
    register(desk, name="李雷", phone="13600001111", pass_id=desk["passes"][0].id)
    services.book_visit(desk["site"], details(name="韩梅梅", phone="13600002222"),
                        host(desk["site"], f"contact:{desk['contact'].id}"), date(2026, 3, 31), actor=desk["clerk"],
                        now=NOW)
    db.session.commit()
    client = as_user(desk["clerk"])

    response = client.get("/visitors/")

    assert response.status_code == 200
    page = text(response)
    assert "Register a visitor" in page
    on_site = page.split("On site now")[1]
    assert "李雷" in on_site and "王经理" in on_site and "001" in on_site
    expected = page.split("Expected today")[1].split("On site now")[0]
    assert "韩梅梅" in expected and "李雷" not in expected
    # pass 001 is out: the pass list offers 002 first
    assert '<option selected value="%d">002</option>' % desk["passes"][1].id in page


def test_a_good_registration_goes_to_the_visit_page(db, as_user, desk):
    client = as_user(desk["clerk"])

    response = client.post("/visitors/register", data=form(desk))

    visit = db.session.scalar(sa.select(Visit))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/visitors/visits/{visit.id}")
    assert (visit.number, visit.name, visit.pass_number, visit.host_name) == ("FK2026-000001", "张伟", "001", "王经理")
    page = text(client.get(response.headers["Location"]))
    assert "张伟 registered as visit FK2026-000001; 王经理 is being told." in page
    assert "Waiting for the host" in page


def test_the_host_can_be_typed_when_only_one_matches(db, as_user, desk):
    client = as_user(desk["clerk"])

    response = client.post("/visitors/register", data=form(desk, host="星河科技", host_ref=""))

    assert response.status_code == 302
    assert db.session.scalar(sa.select(Visit.host_contact_id)) == desk["contact"].id


BAD_FORMS = {
    "phone": (dict(phone="12345"), "phone", "'12345' is not a phone number"),
    "letters for a phone": (dict(phone="abc"), "phone", "'abc' is not a phone number"),
    "party of 0": (dict(party_size="0"), "party_size", "The number of people is between 1 and 99."),
    "party of 100": (dict(party_size="100"), "party_size", "The number of people is between 1 and 99."),
    "plate": (dict(plate="12345"), "plate", "'12345' is not a vehicle plate"),
    "unknown host": (dict(host="没有这个人", host_ref=""), "host", "Choose the host from the list"),
    "no name": (dict(name=""), "name", "Enter the visitor's name."),
}


@pytest.mark.parametrize("case", list(BAD_FORMS))
def test_bad_input_is_shown_next_to_its_field_and_registers_nobody(db, as_user, desk, case):
    overrides, field, message = BAD_FORMS[case]
    client = as_user(desk["clerk"])

    response = client.post("/visitors/register", data=form(desk, **overrides))

    assert response.status_code == 422
    assert message in (error_next_to(text(response), field) or "")
    assert visit_count(db) == 0
    assert db.session.get(VisitorPass, desk["passes"][0].id).out_visit_id is None


def test_a_pass_already_out_is_shown_next_to_the_pass_list(db, as_user, desk):
    register(desk, name="李雷", phone="13600001111", pass_id=desk["passes"][0].id)
    db.session.commit()
    client = as_user(desk["clerk"])

    response = client.post("/visitors/register", data=form(desk))

    assert response.status_code == 422
    assert error_next_to(text(response), "pass_id") == "Pass 001 is already out: choose another."
    assert visit_count(db) == 1


def test_a_host_who_moved_out_is_shown_next_to_the_host_field(db, as_user, desk):
    occupancy = db.session.scalar(sa.select(Occupancy).where(Occupancy.customer_id == desk["company"].id))
    occupancy.end_on = date(2026, 3, 1)
    db.session.commit()
    client = as_user(desk["clerk"])

    response = client.post("/visitors/register", data=form(desk))

    assert response.status_code == 422
    assert "王经理 has moved out of the site" in error_next_to(text(response), "host")
    assert visit_count(db) == 0


def test_an_id_number_is_asked_for_when_the_site_requires_one(db, as_user, desk):
    services.save_settings(desk["site"], id_required=True, answer_minutes=5, actor=desk["supervisor"], now=NOW)
    db.session.commit()
    client = as_user(desk["clerk"])

    response = client.post("/visitors/register", data=form(desk))

    assert response.status_code == 422
    assert "registers an ID document for every visitor" in error_next_to(text(response), "id_number")
    mistyped = client.post("/visitors/register", data=form(desk, id_number=GOOD_ID[:-1] + "3"))
    assert mistyped.status_code == 422
    assert "its check digit does not match" in error_next_to(text(mistyped), "id_number")
    assert visit_count(db) == 0
    assert client.post("/visitors/register", data=form(desk, id_number=GOOD_ID)).status_code == 302
    assert db.session.scalar(sa.select(Visit.id_number)) == GOOD_ID


def test_a_watch_list_match_is_shown_and_needs_the_clerk_to_confirm(db, as_user, desk):
    services.add_watch_entry(desk["site"], level="flag", phone="13712345678", reason="须受访人下楼接", actor=desk["supervisor"],
                             now=NOW)
    db.session.commit()
    client = as_user(desk["clerk"])

    warned = client.post("/visitors/register", data=form(desk))

    assert warned.status_code == 422
    page = text(warned)
    assert "This visitor is on the watch list." in page and "须受访人下楼接" in page
    assert 'name="confirm_watch"' in page
    assert "13712345678" not in page.split("watch-warning")[1].split("</div>")[0]  # the phone is masked
    assert visit_count(db) == 0

    confirmed = client.post("/visitors/register", data=form(desk, confirm_watch="y"))

    assert confirmed.status_code == 302
    assert db.session.scalar(sa.select(Visit.watch_note)) == "[flag] 须受访人下楼接"


def test_a_barred_visitor_is_admitted_by_a_supervisor_not_a_clerk(db, as_user, desk):
    services.add_watch_entry(desk["site"], level="bar", phone="13712345678", reason="上月盗窃", actor=desk["supervisor"],
                             now=NOW)
    db.session.commit()
    client = as_user(desk["clerk"])

    warned = client.post("/visitors/register", data=form(desk))
    page = text(warned)
    assert "Do not admit: this visitor is barred by the site." in page and "上月盗窃" in page
    assert 'name="confirm_watch"' not in page  # nothing for the clerk to tick
    assert "Only a supervisor can admit a barred visitor." in page
    # a tick sent all the same is refused, next to the warning
    forced = client.post("/visitors/register", data=form(desk, confirm_watch="y"))
    assert forced.status_code == 422
    assert "only a supervisor can admit them" in text(forced)
    assert visit_count(db) == 0

    client = as_user(desk["supervisor"])
    assert 'name="confirm_watch"' in text(client.post("/visitors/register", data=form(desk)))
    admitted = client.post("/visitors/register", data=form(desk, confirm_watch="y"))
    assert admitted.status_code == 302
    assert db.session.scalar(sa.select(Visit.watch_note)) == "[bar] 上月盗窃"


# --- after registering -------------------------------------------------------------------------

def test_signing_out_from_the_desk_collects_the_pass_and_a_second_time_is_refused(db, as_user, desk):
    visit = register(desk, pass_id=desk["passes"][0].id)
    db.session.commit()
    client = as_user(desk["clerk"])

    first = client.post(f"/visitors/visits/{visit.id}/sign-out", data={"back": "desk"}, follow_redirects=True)

    assert "张伟 signed out. Collect pass 001." in text(first)
    assert "No visitors on site." in text(first)
    db.session.expire_all()
    assert db.session.get(VisitorPass, desk["passes"][0].id).out_visit_id is None
    signed_out_at = db.session.get(Visit, visit.id).signed_out_at

    again = client.post(f"/visitors/visits/{visit.id}/sign-out", follow_redirects=True)

    assert "This visitor has already been signed out." in text(again)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).signed_out_at == signed_out_at


def test_checking_in_a_booking_hands_out_the_first_free_pass(db, as_user, desk):
    visit = services.book_visit(desk["site"], details(), host(desk["site"], f"contact:{desk['contact'].id}"),
                                date(2026, 3, 31), actor=desk["clerk"], now=NOW)
    db.session.commit()
    client = as_user(desk["clerk"])

    page = text(client.post(f"/visitors/visits/{visit.id}/check-in", follow_redirects=True))

    assert "张伟 checked in with pass 001; 王经理 is being told." in page
    again = text(client.post(f"/visitors/visits/{visit.id}/check-in", follow_redirects=True))
    assert "This visitor has already been checked in." in again


def test_a_booking_for_a_past_day_is_refused_next_to_the_date(db, as_user, desk):
    client = as_user(desk["clerk"])
    data = form(desk, expected_on="2026-03-30")
    del data["pass_id"]

    response = client.post("/visitors/book", data=data)

    assert response.status_code == 422
    assert error_next_to(text(response), "expected_on") == "A visit is booked for today or a later day."
    assert visit_count(db) == 0


def test_the_follow_up_page_lists_visitors_never_signed_out(db, as_user, desk):
    register(desk, name="昨日", phone="13600000001", now=NOW - timedelta(days=1))
    left = register(desk, name="已走", phone="13600000002")
    services.sign_out(left, via="desk", actor=desk["clerk"], now=NOW)
    db.session.commit()
    client = as_user(desk["clerk"])

    page = text(client.get("/visitors/follow-up"))

    assert "昨日" in page and "已走" not in page


def test_another_sites_visit_does_not_exist_for_this_desk(db, as_user, desk):
    visit = register(desk)
    other = make_site("EAST")
    db.session.commit()
    client = as_user(make_user("clerk", site=other))

    assert client.get(f"/visitors/visits/{visit.id}").status_code == 404
    assert client.post(f"/visitors/visits/{visit.id}/sign-out").status_code == 404
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).status == "on_site"


# --- the returning visitor ---------------------------------------------------------------------

def test_a_returning_visitor_fills_the_form_from_their_phone(db, as_user, desk):
    register(desk, company="远景设计", purpose="interview", plate="京A12345")
    db.session.commit()
    client = as_user(desk["clerk"])

    data = client.get("/visitors/returning?phone=137 1234 5678").get_json()

    assert data["found"] is True
    assert (data["name"], data["company"], data["plate"], data["visits"]) == ("张伟", "远景设计", "京A12345", 1)
    assert data["purpose"] == "interview"
    assert data["host_ref"] == f"contact:{desk['contact'].id}"
    assert "王经理" in data["host"] and "星河科技有限公司" in data["host"]


def test_a_returning_visitors_host_who_moved_out_is_left_out(db, as_user, desk):
    register(desk)
    occupancy = db.session.scalar(sa.select(Occupancy).where(Occupancy.customer_id == desk["company"].id))
    occupancy.end_on = date(2026, 3, 1)
    db.session.commit()
    client = as_user(desk["clerk"])

    data = client.get("/visitors/returning?phone=13712345678").get_json()

    assert data["found"] is True and data["name"] == "张伟"
    assert "host_ref" not in data and "host" not in data


def test_the_returning_lookup_never_sends_a_clerk_the_whole_id_number(db, as_user, desk):
    services.save_settings(desk["site"], id_required=True, answer_minutes=5, actor=desk["supervisor"], now=NOW)
    register(desk, id_number=GOOD_ID)
    db.session.commit()
    client = as_user(desk["clerk"])

    response = client.get("/visitors/returning?phone=13712345678")

    assert response.get_json()["found"] is True
    assert GOOD_ID not in text(response)


@pytest.mark.parametrize("phone", ["13800000000", "abc", ""])
def test_an_unknown_or_bad_phone_finds_nobody(db, as_user, desk, phone):
    register(desk)
    db.session.commit()
    client = as_user(desk["clerk"])

    assert client.get(f"/visitors/returning?phone={phone}").get_json() == {"found": False}


# --- passes, watch list, settings --------------------------------------------------------------

def test_a_supervisor_adds_passes_and_duplicates_are_refused_next_to_the_numbers(db, as_user, desk):
    client = as_user(desk["supervisor"])

    added = client.post("/visitors/passes", data={"numbers": "006-008"}, follow_redirects=True)

    assert "3 passes added." in text(added)
    refused = client.post("/visitors/passes", data={"numbers": "008, 009"})
    assert refused.status_code == 422
    assert error_next_to(text(refused), "numbers") == "Pass 008 is already in the inventory."
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(VisitorPass.id))) == 8


def test_the_shift_count_on_the_page_reports_the_missing_pass(db, as_user, desk):
    relief = make_user("clerk", site=desk["site"], full_name="王芳")
    db.session.commit()
    client = as_user(desk["clerk"])
    present = [str(p.id) for p in desk["passes"] if p.number != "004"]

    page = text(client.post("/visitors/passes/count", data={"incoming": str(relief.id), "present": present},
                            follow_redirects=True))

    assert "Count recorded. MISSING: pass 004. Tell the supervisor." in page
    assert db.session.scalar(sa.select(PassCount.missing)) == "004"


def test_the_shift_count_without_a_relief_clerk_is_refused(db, as_user, desk):
    client = as_user(desk["clerk"])

    response = client.post("/visitors/passes/count", data={"incoming": "0",
                                                          "present": [str(p.id) for p in desk["passes"]]})

    assert response.status_code == 422
    assert "Choose the clerk taking over the desk" in error_next_to(text(response), "incoming")
    assert db.session.scalar(sa.select(sa.func.count(PassCount.id))) == 0


def test_a_supervisor_adds_and_removes_someone_on_the_watch_list(db, as_user, desk):
    client = as_user(desk["supervisor"])

    client.post("/visitors/watch-list", data={"level": "flag", "name": "张伟", "reason": "需陪同"})
    entry = db.session.scalar(sa.select(WatchEntry))
    assert "需陪同" in text(client.get("/visitors/watch-list"))
    client.post(f"/visitors/watch-list/{entry.id}/remove")

    assert "需陪同" not in text(client.get("/visitors/watch-list"))
    db.session.expire_all()
    assert db.session.get(WatchEntry, entry.id).active is False


# --- who may open what -------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/visitors/", "/visitors/history", "/visitors/follow-up", "/visitors/passes",
                                 "/visitors/returning?phone=13712345678"])
def test_a_cashier_may_not_open_the_visitor_desk(db, as_user, desk, url):
    client = as_user(make_user("cashier", site=desk["site"]))

    assert client.get(url).status_code == 403


def test_a_cashier_may_not_register_a_visitor(db, as_user, desk):
    client = as_user(make_user("cashier", site=desk["site"]))

    assert client.post("/visitors/register", data=form(desk)).status_code == 403
    assert visit_count(db) == 0


@pytest.mark.parametrize("url", ["/visitors/watch-list", "/visitors/settings", "/visitors/messages"])
def test_the_watch_list_and_settings_need_visitors_manage(db, as_user, desk, url):
    assert as_user(desk["clerk"]).get(url).status_code == 403
    assert as_user(desk["supervisor"]).get(url).status_code == 200


@pytest.mark.parametrize("method, url, data", [
    ("post", "/visitors/passes", {"numbers": "009"}),
    ("post", "/visitors/watch-list", {"level": "bar", "name": "张伟", "reason": "x"}),
    ("post", "/visitors/settings", {"id_required": "y", "answer_minutes": "5"}),
])
def test_a_clerk_may_not_change_passes_the_watch_list_or_settings(db, as_user, desk, method, url, data):
    client = as_user(desk["clerk"])

    assert getattr(client, method)(url, data=data).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(VisitorPass.id))) == 5
    assert db.session.scalar(sa.select(sa.func.count(WatchEntry.id))) == 0


def test_a_clerk_may_retire_no_pass(db, as_user, desk):
    client = as_user(desk["clerk"])

    assert client.post(f"/visitors/passes/{desk['passes'][0].id}/retire").status_code == 403
    db.session.expire_all()
    assert db.session.get(VisitorPass, desk["passes"][0].id).active is True


def test_someone_not_logged_in_is_sent_to_the_login_page(client, desk):
    response = client.get("/visitors/")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_on_site_list_to_print_counts_people_and_leaves_signing_out_to_the_desk(db, as_user, desk):
    register(desk, name="李雷", phone="13600001111", party_size=3, pass_id=desk["passes"][0].id)
    gone = register(desk, name="已走", phone="13600003333")
    services.sign_out(gone, via="desk", actor=desk["clerk"], now=NOW)
    db.session.commit()

    page = text(as_user(desk["clerk"]).get("/visitors/on-site"))
    assert "李雷" in page and "136****1111" in page and "3 people" in page and "已走" not in page
    assert "4 visitors" not in page and "3 visitors" in page  # people, not visits
    assert "/sign-out" in page

    viewer = make_user("project_manager", site=desk["site"])
    db.session.commit()
    response = as_user(viewer).get("/visitors/on-site")
    assert response.status_code == 200
    assert "李雷" in text(response) and "/sign-out" not in response.get_data(as_text=True)
