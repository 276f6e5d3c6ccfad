"""Visitors' personal data: phone and ID numbers masked in lists for roles that do not need them,
and ID numbers erased after the retention period by `frontdesk visitors purge`."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.cli import main
from frontdesk.visitors import services
from frontdesk.visitors.models import Visit, Visitor
from tests.factories import NOW, make_user
from tests.visitors.factories import details, host, make_desk, register

OLD_ID = "11010519491231002X"
RECENT_ID = "440304199001011233"
TODAY_ID = "310101198506153217"


@pytest.fixture
def desk(db):
    made = make_desk()
    db.session.commit()
    return made


def require_ids(db, desk, required=True):
    """Whether the site registers an ID document of every visitor (ID numbers are kept only then)."""
    services.save_settings(desk["site"], id_required=required, answer_minutes=5, actor=desk["clerk"], now=NOW)
    db.session.commit()


def purge(app, *args):
    return app.test_cli_runner().invoke(main, ["visitors", "purge", *args])


def visit_named(db, name):
    db.session.expire_all()
    return db.session.scalar(sa.select(Visit).where(Visit.name == name))


def visitor_named(db, name):
    db.session.expire_all()
    return db.session.scalar(sa.select(Visitor).where(Visitor.name == name))


def purge_entries(db):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "visitors.purge")).all()


@pytest.fixture
def visits(db, desk):
    """Three visitors with ID numbers: 181 days ago, 179 days ago and today (as of 2026-03-31)."""
    require_ids(db, desk)
    register(desk, name="老王", phone="13600000001", id_number=OLD_ID, now=NOW - timedelta(days=181))
    register(desk, name="小李", phone="13600000002", id_number=RECENT_ID, now=NOW - timedelta(days=179))
    register(desk, name="今天", phone="13600000003", id_number=TODAY_ID)
    db.session.commit()


# --- the purge ---------------------------------------------------------------------------------

def test_purge_erases_id_numbers_older_than_180_days_only(app, db, visits):
    result = purge(app, "--as-of", "2026-03-31")

    assert result.exit_code == 0, result.output
    assert "ID numbers erased from 1 visits older than 180 days" in result.output
    old = visit_named(db, "老王")
    assert old.id_number is None and old.id_type is None and old.id_erased_at is not None
    assert visit_named(db, "小李").id_number == RECENT_ID
    assert visit_named(db, "今天").id_number == TODAY_ID
    assert visitor_named(db, "老王").id_number is None
    assert visitor_named(db, "小李").id_number == RECENT_ID
    assert visitor_named(db, "今天").id_number == TODAY_ID


def test_purge_keeps_everything_else_about_the_visit(app, db, visits):
    purge(app, "--as-of", "2026-03-31")

    old = visit_named(db, "老王")
    assert (old.number, old.phone, old.host_name, old.status) == ("FK2025-000001", "13600000001", "王经理", "on_site")
    assert visitor_named(db, "老王").phone == "13600000001"


def test_purge_writes_one_audit_entry_with_the_counts(app, db, visits):
    purge(app, "--as-of", "2026-03-31")

    [entry] = purge_entries(db)
    assert entry.actor_id is None and entry.actor_name == "system"
    assert entry.after["visits"] == 1 and entry.after["visitors"] == 1 and entry.after["retention_days"] == 180
    assert "1 visits, 1 visitors" in entry.summary


def test_a_shorter_retention_period_erases_more(app, db, visits):
    result = purge(app, "--as-of", "2026-03-31", "--retention-days", "30")

    assert result.exit_code == 0, result.output
    assert "from 2 visits older than 30 days" in result.output
    assert visit_named(db, "小李").id_number is None
    assert visit_named(db, "今天").id_number == TODAY_ID
    [entry] = purge_entries(db)
    assert (entry.after["visits"], entry.after["visitors"], entry.after["retention_days"]) == (2, 2, 30)


@pytest.mark.parametrize("app_config", [{"VISITOR_ID_RETENTION_DAYS": 90}])
def test_the_retention_period_defaults_to_the_setting(app, db, visits):
    result = purge(app, "--as-of", "2026-03-31")

    assert "older than 90 days" in result.output
    assert visit_named(db, "小李").id_number is None
    assert visit_named(db, "今天").id_number == TODAY_ID


def test_purge_counts_from_the_as_of_date(app, db, visits):
    result = purge(app, "--as-of", "2026-03-29")  # 老王's visit is then 179 days old

    assert "from 0 visits" in result.output
    assert visit_named(db, "老王").id_number == OLD_ID


def test_running_the_purge_again_erases_nothing_more(app, db, visits):
    purge(app, "--as-of", "2026-03-31")
    erased_on = visit_named(db, "老王").id_erased_at

    result = purge(app, "--as-of", "2026-04-01")

    assert "from 0 visits" in result.output
    assert visit_named(db, "老王").id_erased_at == erased_on
    assert [e.after["visits"] for e in purge_entries(db)] == [1, 0]


def test_a_retention_period_under_one_day_is_refused_and_nothing_is_erased(app, db, visits):
    result = purge(app, "--as-of", "2026-03-31", "--retention-days", "0")

    assert result.exit_code != 0
    assert "at least one day" in result.output or "至少" in result.output
    assert visit_named(db, "老王").id_number == OLD_ID
    assert purge_entries(db) == []


def test_a_returning_visitor_does_not_keep_an_id_number_older_than_the_period(app, db, desk):
    """The ID was given 200 days ago; the visitor came back last week without showing one. The
    number on the visitor's record is as old as the visit it came from, and goes with it."""
    require_ids(db, desk)
    register(desk, name="老王", phone="13600000001", id_number=OLD_ID, now=NOW - timedelta(days=200))
    require_ids(db, desk, required=False)  # the site stopped asking for ID documents since
    register(desk, name="老王", phone="13600000001", now=NOW - timedelta(days=7))
    db.session.commit()

    purge(app, "--as-of", "2026-03-31")

    assert visitor_named(db, "老王").id_number is None
    assert visitor_named(db, "老王").visits == 2
    assert purge_entries(db)[0].after["visitors"] == 1


def test_a_booking_that_never_arrived_loses_its_id_number_too(app, db, desk):
    require_ids(db, desk)
    site = desk["site"]
    booked_at = NOW - timedelta(days=200)
    services.book_visit(site, details(name="没来", id_number=OLD_ID), host(site, f"contact:{desk['contact'].id}"),
                        booked_at.date(), actor=desk["clerk"], now=booked_at)
    db.session.commit()

    purge(app, "--as-of", "2026-03-31")

    assert visit_named(db, "没来").id_number is None


# --- masking in lists --------------------------------------------------------------------------

def text(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def on_site(db, desk):
    require_ids(db, desk)
    register(desk, name="张伟", phone="13712345678", id_number=OLD_ID)
    db.session.commit()
    return desk


def test_a_clerk_sees_masked_phone_numbers_on_the_desk_and_in_the_history(as_user, on_site):
    client = as_user(on_site["clerk"])

    for page in (text(client.get("/visitors/")), text(client.get("/visitors/history"))):
        assert "张伟" in page
        assert "137****5678" in page
        assert "13712345678" not in page


def test_a_supervisor_sees_whole_phone_numbers(as_user, on_site):
    client = as_user(make_user("supervisor", site=on_site["site"]))

    for page in (text(client.get("/visitors/")), text(client.get("/visitors/history"))):
        assert "13712345678" in page
        assert "137****5678" not in page


def test_a_clerk_sees_the_id_number_masked_on_the_visit_page(db, as_user, on_site):
    visit = db.session.scalar(sa.select(Visit))
    client = as_user(on_site["clerk"])

    page = text(client.get(f"/visitors/visits/{visit.id}"))

    assert "110***********002X" in page and OLD_ID not in page
