"""Visitor passes: handing them out, getting them back at sign-out, the inventory and the count at
each shift change."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.auth.models import User
from frontdesk.core.errors import DomainError, InvalidTransition, ValidationFailed
from frontdesk.core.numbering import Counter
from frontdesk.estate.models import Site
from frontdesk.visitors import queries, rules, services
from frontdesk.visitors.models import PassCount, Visit, VisitorPass
from tests.factories import NOW, THREADS, english, make_site, make_user, run_together
from tests.visitors.factories import details, register

TODAY = date(2026, 3, 31)




def audit(db, action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def card(db, number):
    """The pass as the database has it now."""
    db.session.expire_all()
    return db.session.scalar(sa.select(VisitorPass).where(VisitorPass.number == number))


def free_numbers(site):
    return [p.number for p in queries.free_passes(site.id)]


# --- out and back ------------------------------------------------------------------------------

def test_a_pass_cannot_be_out_with_two_visitors(db, desk):
    first = register(desk, pass_id=desk["passes"][0].id)
    db.session.commit()

    with pytest.raises(ValidationFailed) as refused:
        register(desk, name="李雷", phone="13600001111", pass_id=desk["passes"][0].id)
    db.session.rollback()

    assert english(refused.value) == "Pass 001 is already out: choose another."
    assert card(db, "001").out_visit_id == first.id
    assert db.session.scalars(sa.select(Visit.name)).all() == ["张伟"]


def test_signing_out_returns_the_pass_for_the_next_visitor(db, desk):
    visit = register(desk, pass_id=desk["passes"][0].id)
    db.session.commit()

    services.sign_out(visit, via="desk", actor=desk["clerk"], now=NOW + timedelta(hours=1))
    db.session.commit()

    assert (visit.status, visit.signed_out_at, visit.signed_out_via, visit.signed_out_by_id) == (
        "signed_out", NOW + timedelta(hours=1), "desk", desk["clerk"].id)
    assert card(db, "001").out_visit_id is None
    assert free_numbers(desk["site"])[0] == "001"
    [entry] = audit(db, "visit.signed_out")
    assert (entry.object_id, entry.before, entry.after) == (str(visit.id), {"status": "on_site"},
                                                            {"status": "signed_out"})
    assert queries.on_site(desk["site"].id) == []
    nxt = register(desk, name="李雷", phone="13600001111", pass_id=desk["passes"][0].id)
    assert nxt.pass_number == "001"


def test_signing_out_twice_is_refused_and_does_not_take_the_pass_from_the_next_visitor(db, desk):
    visit = register(desk, pass_id=desk["passes"][0].id)
    services.sign_out(visit, via="desk", actor=desk["clerk"], now=NOW + timedelta(hours=1))
    nxt = register(desk, name="李雷", phone="13600001111", pass_id=desk["passes"][0].id, now=NOW + timedelta(hours=2))
    db.session.commit()

    with pytest.raises(InvalidTransition) as refused:
        services.sign_out(visit, via="desk", actor=make_user("clerk", site=desk["site"]), now=NOW + timedelta(hours=3))
    db.session.rollback()

    assert english(refused.value) == "This visitor has already been signed out."
    db.session.expire_all()
    assert visit.signed_out_at == NOW + timedelta(hours=1) and visit.signed_out_by_id == desk["clerk"].id
    assert card(db, "001").out_visit_id == nxt.id
    assert len(audit(db, "visit.signed_out")) == 1


def test_a_visitor_who_was_only_booked_cannot_be_signed_out(db, desk):
    visit = services.book_visit(desk["site"], details(), queries.host_by_ref(
        desk["site"].id, f"contact:{desk['contact'].id}", TODAY), TODAY, actor=desk["clerk"], now=NOW)

    with pytest.raises(InvalidTransition) as refused:
        services.sign_out(visit, via="desk", actor=desk["clerk"], now=NOW)

    assert english(refused.value) == "This visitor has not arrived yet."
    assert visit.status == "expected"


def test_a_pass_can_be_given_later_to_a_visitor_on_site_without_one(db, desk):
    visit = register(desk)

    services.issue_pass(visit, desk["passes"][3].id, actor=desk["clerk"], now=NOW)
    db.session.commit()

    assert visit.pass_number == "004" and card(db, "004").out_visit_id == visit.id
    assert audit(db, "visit.pass")[0].after == {"pass": "004"}
    with pytest.raises(InvalidTransition) as again:
        services.issue_pass(visit, desk["passes"][4].id, actor=desk["clerk"], now=NOW)
    assert english(again.value) == "This visitor already holds pass 004."


# --- the inventory -----------------------------------------------------------------------------

def test_a_pass_out_with_a_visitor_cannot_be_retired(db, desk):
    visit = register(desk, pass_id=desk["passes"][0].id)
    db.session.commit()

    with pytest.raises(InvalidTransition) as refused:
        services.retire_pass(card(db, "001"), actor=desk["clerk"], now=NOW)
    db.session.rollback()

    assert english(refused.value) == "Pass 001 is out with a visitor: sign them out first."
    assert card(db, "001").active is True and audit(db, "visitor_pass.retire") == []

    services.sign_out(visit, via="desk", actor=desk["clerk"], now=NOW)
    db.session.commit()
    services.retire_pass(card(db, "001"), actor=desk["clerk"], now=NOW)
    db.session.commit()
    assert card(db, "001").active is False
    assert "001" not in free_numbers(desk["site"])
    assert [e.summary for e in audit(db, "visitor_pass.retire")] == ["001"]


def test_a_retired_pass_cannot_be_handed_out(db, desk):
    services.retire_pass(desk["passes"][0], actor=desk["clerk"], now=NOW)
    db.session.commit()

    with pytest.raises(ValidationFailed) as refused:
        register(desk, pass_id=desk["passes"][0].id)

    assert refused.value.field == "pass_id"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


def test_new_passes_are_added_to_the_inventory_and_audited(db, desk):
    added = services.add_passes(desk["site"], rules.expand_pass_numbers("006-008, a10"), actor=desk["clerk"], now=NOW)
    db.session.commit()

    assert [c.number for c in added] == ["006", "007", "008", "A10"]
    assert free_numbers(desk["site"]) == ["001", "002", "003", "004", "005", "006", "007", "008", "A10"]
    [entry] = audit(db, "visitor_pass.add")
    assert entry.after == {"numbers": ["006", "007", "008", "A10"]}


@pytest.mark.parametrize("numbers, duplicate", [
    (["006", "003"], "003"),  # 003 is in the drawer already
    (["006", "007", "006"], "006"),  # typed twice
], ids=["already there", "typed twice"])
def test_duplicate_pass_numbers_are_refused_and_nothing_is_added(db, desk, numbers, duplicate):
    with pytest.raises(ValidationFailed) as refused:
        services.add_passes(desk["site"], numbers, actor=desk["clerk"], now=NOW)

    assert refused.value.field == "numbers"
    assert english(refused.value) == f"Pass {duplicate} is already in the inventory."
    assert db.session.scalar(sa.select(sa.func.count(VisitorPass.id))) == 5
    assert audit(db, "visitor_pass.add") == []


def test_another_site_may_use_the_same_pass_numbers(db, desk):
    other = make_site("EAST")

    services.add_passes(other, ["001", "002"], actor=desk["clerk"], now=NOW)

    assert free_numbers(other) == ["001", "002"]


def test_pass_numbers_are_expanded_from_ranges_and_lists():
    assert rules.expand_pass_numbers("001-005, 010") == ["001", "002", "003", "004", "005", "010"]
    assert rules.expand_pass_numbers("8-11，A1、A2") == ["8", "9", "10", "11", "A1", "A2"]
    assert rules.expand_pass_numbers("  ") == []


@pytest.mark.parametrize("text", ["005-001", "1-2000"])
def test_a_backwards_or_huge_range_of_pass_numbers_is_refused(text):
    with pytest.raises(ValidationFailed) as refused:
        rules.expand_pass_numbers(text)
    assert refused.value.field == "numbers"


# --- counting at the shift change --------------------------------------------------------------

@pytest.fixture
def relief(db, desk):
    """The clerk taking over the desk."""
    user = make_user("clerk", site=desk["site"], full_name="王芳")
    db.session.commit()
    return user


def count(desk, incoming, present, *, now=NOW, outgoing=None):
    ids = [p.id for p in desk["passes"] if p.number in present]
    return services.record_pass_count(desk["site"], outgoing=outgoing or desk["clerk"], incoming=incoming,
                                      present_ids=ids, actor=desk["clerk"], now=now)


def test_a_pass_missing_at_the_count_is_flagged(db, desk, relief):
    register(desk, pass_id=desk["passes"][0].id)  # 001 is with a visitor

    result = count(desk, relief, ["002", "003", "005"])
    db.session.commit()

    assert (result.expected, result.counted, result.out, result.missing) == (4, 3, 1, "004")
    assert (result.outgoing_id, result.incoming_id) == (desk["clerk"].id, relief.id)
    assert card(db, "004").missing_since == NOW
    assert [c.number for c in db.session.scalars(sa.select(VisitorPass).where(
        VisitorPass.missing_since.is_not(None)))] == ["004"]
    [entry] = audit(db, "pass_count.record")
    assert entry.after == {"outgoing": "clerk1", "incoming": relief.username, "missing": "004"}
    assert "missing 004" in entry.summary


def test_a_pass_still_missing_keeps_the_time_it_went_missing_and_is_cleared_when_found(db, desk, relief):
    count(desk, relief, ["001", "002", "003", "005"])
    count(desk, desk["clerk"], ["001", "002", "003", "005"], now=NOW + timedelta(hours=8), outgoing=relief)
    db.session.commit()
    assert card(db, "004").missing_since == NOW

    found = count(desk, relief, ["001", "002", "003", "004", "005"], now=NOW + timedelta(hours=16))
    db.session.commit()

    assert (found.expected, found.counted, found.missing) == (5, 5, "")
    assert card(db, "004").missing_since is None


def test_a_missing_pass_is_not_handed_out_until_it_is_found(db, desk, relief):
    count(desk, relief, ["002", "003", "004", "005"])
    booking = services.book_visit(desk["site"], details(), queries.host_by_ref(
        desk["site"].id, f"contact:{desk['contact'].id}", TODAY), TODAY, actor=desk["clerk"], now=NOW)
    db.session.commit()

    assert "001" not in free_numbers(desk["site"])
    services.check_in(booking, site=desk["site"], actor=desk["clerk"], now=NOW)
    assert booking.pass_number == "002"


@pytest.mark.parametrize("who", ["nobody", "the same clerk", "a clerk of another site", "a clerk who left"])
def test_the_count_needs_another_active_clerk_of_the_site(db, desk, who):
    incoming = {
        "nobody": lambda: None,
        "the same clerk": lambda: desk["clerk"],
        "a clerk of another site": lambda: make_user("clerk", site=make_site("EAST")),
        "a clerk who left": lambda: _left(make_user("clerk", site=desk["site"])),
    }[who]()

    with pytest.raises(ValidationFailed) as refused:
        count(desk, incoming, ["002", "003"])

    assert refused.value.field == "incoming"
    assert "another active member of staff of this site" in english(refused.value)
    assert db.session.scalar(sa.select(sa.func.count(PassCount.id))) == 0
    assert card(db, "001").missing_since is None


def _left(user):
    user.active = False
    return user


# --- clerks at the same moment -----------------------------------------------------------------

def _prepare(db, desk):
    """Eight clerks, and the ids the threads need, read before the commit: this thread's session
    must not start another transaction (on SQLite: hold the write lock) while the threads run."""
    clerks = [make_user("clerk", site=desk["site"]).id for _ in range(THREADS)]
    ids = desk["site"].id, desk["contact"].id, desk["passes"][0].id
    db.session.commit()
    return clerks, ids


def _register_in_thread(tdb, site_id, contact_id, clerk_id, i, pass_id):
    site = tdb.session.get(Site, site_id)
    visit = services.register_visit(site, details(phone=f"136000000{i:02d}"),
                                    queries.host_by_ref(site_id, f"contact:{contact_id}", TODAY),
                                    actor=tdb.session.get(User, clerk_id), now=NOW, pass_id=pass_id)
    return visit.number, visit.pass_number


def test_eight_clerks_handing_out_the_same_pass_at_once_give_it_to_one_visitor(app, db, desk):
    clerks, (site_id, contact_id, pass_id) = _prepare(db, desk)

    results = run_together(app, lambda i, tdb: _register_in_thread(tdb, site_id, contact_id, clerks[i], i, pass_id))

    done = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert done == [("FK2026-000001", "001")]
    assert len(refused) == THREADS - 1
    assert all(isinstance(e, ValidationFailed) and english(e) == "Pass 001 is already out: choose another."
               for e in refused), refused
    db.session.expire_all()
    assert db.session.scalars(sa.select(Visit.number)).all() == ["FK2026-000001"]
    holder = db.session.scalar(sa.select(Visit.id))
    assert card(db, "001").out_visit_id == holder
    assert db.session.scalar(sa.select(Counter.value).where(Counter.kind == "visit")) == 1


def test_clerks_at_once_with_and_without_the_same_pass_get_gapless_numbers(app, db, desk):
    clerks, (site_id, contact_id, pass_id) = _prepare(db, desk)

    # even threads all ask for pass 001, odd ones register without a pass
    results = run_together(app, lambda i, tdb: _register_in_thread(tdb, site_id, contact_id, clerks[i], i,
                                                                   pass_id if i % 2 == 0 else None))

    done = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert sorted(number for number, _ in done) == [f"FK2026-{n:06d}" for n in range(1, THREADS // 2 + 2)]
    assert sorted(p for _, p in done) == [""] * (THREADS // 2) + ["001"]
    assert len(refused) == THREADS // 2 - 1 and all(isinstance(e, ValidationFailed) for e in refused), refused
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == THREADS // 2 + 1
    assert db.session.scalar(sa.select(sa.func.count(VisitorPass.id)).where(VisitorPass.out_visit_id.is_not(None))) == 1


def test_eight_desks_signing_out_the_same_visitor_at_once_sign_out_once(app, db, desk):
    clerks = [make_user("clerk", site=desk["site"]).id for _ in range(THREADS)]
    visit_id = register(desk, pass_id=desk["passes"][0].id).id
    db.session.commit()

    def work(i, tdb):
        services.sign_out(tdb.session.get(Visit, visit_id), via="desk", actor=tdb.session.get(User, clerks[i]),
                          now=NOW + timedelta(minutes=i))
        return "signed out"

    results = run_together(app, work)

    assert results.count("signed out") == 1, results
    assert all(isinstance(r, DomainError) for r in results if r != "signed out"), results
    db.session.expire_all()
    assert len(audit(db, "visit.signed_out")) == 1
    assert card(db, "001").out_visit_id is None
