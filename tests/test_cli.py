"""The `frontdesk` commands an operator runs: init-db, create-user, demo and backup."""
import sqlite3
import subprocess
import threading

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from frontdesk import create_app
from frontdesk.auth.models import User
from frontdesk.cli import main
from frontdesk.core.numbering import Counter
from tests.conftest import TEST_CONFIG


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(main, list(args), input=input)


def test_init_db_creates_every_table_in_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})

    result = run(app, "init-db")

    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert {"user", "site", "unit", "charge", "payment", "receipt", "audit_entry", "alembic_version"} <= tables


def test_init_db_on_a_current_database_changes_nothing(app, db):
    before = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    db.session.rollback()

    result = run(app, "init-db")

    assert result.exit_code == 0, result.output
    assert db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == before


def test_create_user_command_makes_a_user_who_can_log_in(app, db, client):
    result = run(app, "create-user", "wangli", "--name", "王丽", "--role", "cashier", "--role", "clerk",
                 input="long-enough-secret\nlong-enough-secret\n")

    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "wangli"))
    assert user.full_name == "王丽"
    assert user.roles == ["clerk", "cashier"]
    response = client.post("/login", data={"username": "wangli", "password": "long-enough-secret"})
    assert response.status_code == 302


def test_create_user_command_refuses_a_short_password(app, db):
    result = run(app, "create-user", "zhaolei", "--role", "clerk", input="short\nshort\n")

    assert result.exit_code != 0
    assert "10" in result.output
    assert db.session.scalar(sa.select(User).where(User.username == "zhaolei")) is None


def _insert_rows_until(url, stop, committed):
    """Commit one counter row at a time until told to stop, noting each committed year."""
    engine = sa.create_engine(url, connect_args={"timeout": 5} if url.startswith("sqlite") else {})
    table = Counter.__table__
    year = 0
    try:
        while not stop.is_set():
            year += 1
            with engine.begin() as conn:
                conn.execute(table.insert().values(kind="backup-test", scope="writer", year=year, value=year))
            committed.append(year)
    finally:
        engine.dispose()


def _years_in_backup(app, path, database_url, tmp_path):
    if database_url.startswith("sqlite"):
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return [y for (y,) in conn.execute(
                "SELECT year FROM counter WHERE kind = 'backup-test' ORDER BY year")]
    # PostgreSQL: restore the archive into a scratch database and read it there
    url = make_url(database_url)
    scratch = f"{url.database}_restore"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    try:
        target = url.set(drivername="postgresql", database=scratch).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", path], check=True,
                       capture_output=True)
        engine = sa.create_engine(url.set(database=scratch))
        with engine.connect() as conn:
            years = conn.execute(sa.text(
                "SELECT year FROM counter WHERE kind = 'backup-test' ORDER BY year")).scalars().all()
        engine.dispose()
        return years
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        admin.dispose()


def test_backup_while_the_desk_writes_holds_every_committed_row(app, db, database_url, tmp_path):
    db.session.remove()
    stop, committed = threading.Event(), []
    writer = threading.Thread(target=_insert_rows_until, args=(database_url, stop, committed))
    writer.start()
    try:
        while len(committed) < 20:
            threading.Event().wait(0.01)
        committed_before = len(committed)
        path = str(tmp_path / "copy.backup")
        result = run(app, "backup", path)
        committed_after = len(committed)
    finally:
        stop.set()
        writer.join()

    assert result.exit_code == 0, result.output
    assert "written to" in result.output
    years = _years_in_backup(app, path, database_url, tmp_path)
    # every row committed before the backup began, no half-written one, nothing made up
    assert committed_before <= len(years) <= committed_after
    assert years == list(range(1, len(years) + 1))


def test_backup_refuses_to_overwrite_a_file(app, tmp_path):
    existing = tmp_path / "old.backup"
    existing.write_text("yesterday")

    result = run(app, "backup", str(existing))

    assert result.exit_code != 0
    assert "exists" in result.output
    assert existing.read_text() == "yesterday"


def test_backup_of_postgresql_says_when_pg_dump_is_missing(tmp_path, monkeypatch):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/frontdesk"})
    monkeypatch.setenv("PATH", str(tmp_path))

    result = run(app, "backup", str(tmp_path / "dump"))

    assert result.exit_code != 0
    assert "pg_dump was not found" in result.output


def _row_counts(db):
    tables = [t for t in sa.inspect(db.engine).get_table_names() if t != "alembic_version"]
    return {t: db.session.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}


def test_demo_loads_both_sites_and_a_second_run_adds_nothing(app, db, client):
    from frontdesk.auth.permissions import ROLES
    from frontdesk.billing.models import Charge, Receipt
    from frontdesk.estate.models import Customer, Site, Unit
    from frontdesk.estate.rules import normalise_credit_code

    first = run(app, "demo", "--months", "2")
    assert first.exit_code == 0, first.output
    counts = _row_counts(db)
    db.session.rollback()

    second = run(app, "demo", "--months", "2")

    assert second.exit_code == 0, second.output
    assert "left alone" in second.output
    assert _row_counts(db) == counts
    assert {s.code: s.name for s in db.session.scalars(sa.select(Site))} == {"PARK": "星河产业园", "ESTATE": "锦绣花园"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) >= 300
    codes = db.session.scalars(sa.select(Customer.credit_code).where(Customer.kind == "company")).all()
    assert len(codes) > 50 and all(normalise_credit_code(c) == c for c in codes)
    statuses = set(db.session.scalars(sa.select(Charge.status).distinct()))
    assert {"paid", "unpaid"} <= statuses
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) > 100
    users = db.session.scalars(sa.select(User).where(User.username.in_(ROLES))).all()
    assert sorted((u.username, tuple(u.roles)) for u in users) == sorted((r, (r,)) for r in ROLES)
    response = client.post("/login", data={"username": "cashier", "password": "frontdesk-demo"})
    assert response.status_code == 302
    # notices at every stage; the autumn event that ended yesterday is still up on one board
    from frontdesk.core import clock
    from frontdesk.notices import queries as notice_queries
    from frontdesk.notices.models import NoticeRevision

    estate = db.session.scalar(sa.select(Site).where(Site.code == "ESTATE"))
    statuses = sorted(db.session.scalars(sa.select(NoticeRevision.status)))
    assert statuses == ["approved", "approved", "approved", "checked", "draft", "submitted"]
    assert len(notice_queries.on_the_boards(estate.id)) == 7
    assert notice_queries.left_up_after_expiry(estate.id, clock.business_day()) == 1

    # customer visits at the park: two portfolios, the stories behind the manager's lists, and
    # six months of surveys for the report's chart
    from datetime import timedelta

    from frontdesk.visits import queries as visit_queries, rules as visit_rules
    from frontdesk.visits.models import Commitment, CustomerVisit, VisitItem
    from frontdesk.workorders.models import WorkOrder

    park = db.session.scalar(sa.select(Site).where(Site.code == "PARK"))
    chen = db.session.scalar(sa.select(User).where(User.username == "account_manager"))
    today = clock.business_day()
    figures = {f.name: f for f in visit_queries.manager_figures(park.id, today, today, today, 90)}
    assert sorted(figures) == ["王敏", "陈思远"] and all(f.companies > 10 for f in figures.values())
    assert len(visit_queries.companies(park.id, unassigned=True)) == 3
    assert [c.text for c in visit_queries.open_commitments(park.id, today=today, user_id=chen.id)] == [
        "核对二季度电费分表读数并书面答复"]
    assert db.session.scalars(sa.select(Commitment.text).where(Commitment.done_at.is_not(None))).all() == [
        "两周内提交电梯高峰运行调整方案"]
    assert len(visit_queries.overdue_follow_ups(park.id, today, manager_id=chen.id)) == 1
    monday, sunday = visit_rules.week_of(today)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerVisit).where(
        CustomerVisit.follow_up_on.between(max(monday, today), sunday), CustomerVisit.followed_up_by_id.is_(None))) == 1
    planned = [v for v in visit_queries.visits_between(park.id, monday, sunday) if v.status == "planned"]
    assert len(planned) == 3 and {v.manager.full_name for v in planned} == {"陈思远", "王敏"}
    request = db.session.scalars(sa.select(VisitItem).where(VisitItem.work_order_id.is_not(None))).one()
    order = db.session.get(WorkOrder, request.work_order_id)
    assert order.site_id == park.id and order.customer_id == request.visit.customer_id
    assert visit_queries.visit_of_work_order(order.id).id == request.id
    answered = db.session.scalars(sa.select(VisitItem).where(VisitItem.kind == "complaint")).one()
    assert answered.answer and answered.work_order_id is None
    never = [c for c in visit_queries.not_visited(park.id, today, 90) if c.last_visit_on is None]
    assert len(never) == 4
    report = visit_queries.survey_report(park.id, today - timedelta(days=183), today)
    assert report.responses == 20 and len(report.months) >= 5
    assert set(report.overall) == set(visit_rules.DIMENSION_LABELS)
    assert all(3 <= cell.average <= 5 for cell in report.overall.values())
    cases = visit_queries.case_studies(park.id)
    assert cases.total == 1 and cases.items[0].visit_id == answered.visit_id
