"""Chase notices (催办通知单): issued only for overdue dispatched orders, numbered gapless per site
and year, not repeated while pending, escalation once after the notice runs out; the frozen PDF
and its reprint; the pages and the `frontdesk workorders chase` command."""
import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from frontdesk.core import clock
from frontdesk.core.errors import InvalidTransition, NotAllowed
from frontdesk.extensions import db
from frontdesk.workorders import pdf, services
from frontdesk.workorders.models import ChaseNotice, WorkOrder
from tests.factories import english, make_site, make_user
from tests.workorders.conftest import at, dispatch, events_of, log, make_department

# NOW is Tuesday 2026-03-31 10:00: a normal repair is due on Wednesday 10:00 (1 working day) and
# never later than Friday 2026-04-03 10:00 (3 working days; the Qingming days off start on Saturday)
LATE = at(2026, 4, 1, 12)
AFTER_HARD = at(2026, 4, 3, 10, 30)


def pdf_text(data) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def overdue_order(desk, **kw):
    order = log(desk, **kw)
    dispatch(desk, order)
    db.session.flush()
    return order


@pytest.fixture
def chase_clock(monkeypatch, frozen_clock):
    """set(instant) moves the clock the pages read."""
    def move(instant):
        monkeypatch.setattr(clock, "now", lambda: instant)

    return move


# --- the service ---------------------------------------------------------------------------------

def test_a_notice_is_issued_only_once_the_order_is_overdue(desk):
    order = overdue_order(desk)
    with pytest.raises(InvalidTransition) as refused:
        services.issue_chase_notice(order, actor=desk.supervisor, now=at(2026, 4, 1, 9, 59))
    assert "not overdue" in english(refused.value)
    notice = services.issue_chase_notice(order, actor=desk.supervisor, now=LATE)
    assert notice.number == "CB2026-0001"
    assert notice.department_id == desk.department.id
    assert notice.reply_by == order.hard_due_at == at(2026, 4, 3, 10)
    assert notice.snapshot["order"] == order.number and notice.snapshot["department"] == "工程部"
    assert ("chase", None, None, desk.supervisor.id) in events_of(order)


def test_an_order_not_dispatched_or_completed_is_not_chased(desk):
    waiting = log(desk)
    with pytest.raises(InvalidTransition) as refused:
        services.issue_chase_notice(waiting, actor=desk.supervisor, now=LATE)
    assert "Dispatch" in english(refused.value)
    done = overdue_order(desk)
    services.complete(done, note="换了阀芯", actor=desk.technician, now=at(2026, 4, 1, 11))
    with pytest.raises(InvalidTransition) as refused:
        services.issue_chase_notice(done, actor=desk.supervisor, now=LATE)
    assert "not overdue" in english(refused.value)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChaseNotice)) == 0


def test_a_technician_cannot_chase(desk):
    order = overdue_order(desk)
    with pytest.raises(NotAllowed):
        services.issue_chase_notice(order, actor=desk.technician, now=LATE)


def test_numbers_are_gapless_per_site_and_year(desk):
    first, second = overdue_order(desk), overdue_order(desk, description="卫生间地漏堵塞")
    assert [services.issue_chase_notice(o, actor=desk.supervisor, now=LATE).number for o in (first, second)] == \
        ["CB2026-0001", "CB2026-0002"]
    other = make_site("EAST", name="东区")
    other_order = WorkOrder(**{c.key: getattr(first, c.key) for c in WorkOrder.__table__.columns
                               if c.key not in ("id", "site_id", "number", "department_id")},
                            site_id=other.id, number="GD2026-000001",
                            department_id=make_department(other).id)
    db.session.add(other_order)
    db.session.flush()
    assert services.issue_chase_notice(other_order, actor=None, now=LATE).number == "CB2026-0001"


def test_a_second_notice_waits_until_the_first_has_run_out(desk):
    order = overdue_order(desk)
    services.issue_chase_notice(order, actor=desk.supervisor, now=LATE)
    with pytest.raises(InvalidTransition) as refused:
        services.issue_chase_notice(order, actor=desk.supervisor, now=at(2026, 4, 2, 16))
    assert "CB2026-0001" in english(refused.value)
    again = services.issue_chase_notice(order, actor=desk.supervisor, now=AFTER_HARD)
    assert again.number == "CB2026-0002" and again.snapshot["chases"] == 2
    # the hard limit has passed as well: the department gets a few hours
    assert again.reply_by == AFTER_HARD + timedelta(hours=services.CHASE_HOURS)


def test_a_chase_run_is_idempotent_and_escalates_once(desk):
    late, waiting = overdue_order(desk), overdue_order(desk, description="楼道灯不亮")
    services.put_on_hold(waiting, reason="waiting_parts", actor=desk.technician, now=at(2026, 3, 31, 11))
    undispatched = log(desk, description="门禁刷卡无反应")

    run = services.chase_overdue(desk.site, actor=None, now=LATE)
    assert [n.order_id for n in run.issued] == [late.id] and run.escalated == []
    again = services.chase_overdue(desk.site, actor=None, now=LATE)
    assert again.issued == [] and again.escalated == []

    before_reply_by = services.chase_overdue(desk.site, actor=None, now=at(2026, 4, 3, 9))
    assert before_reply_by.issued == [] and before_reply_by.escalated == []
    escalation = services.chase_overdue(desk.site, actor=None, now=AFTER_HARD)
    assert escalation.escalated == [late] and escalation.issued == []
    assert late.escalated_at == AFTER_HARD
    assert services.chase_overdue(desk.site, actor=None, now=at(2026, 4, 7, 10)).escalated == []
    assert [e[0] for e in events_of(late)].count("escalate") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChaseNotice)) == 1
    assert undispatched.escalated_at is None and waiting.escalated_at is None


def test_an_order_completed_after_its_notice_is_not_escalated(desk):
    order = overdue_order(desk)
    services.chase_overdue(desk.site, actor=None, now=LATE)
    services.complete(order, note="已修好", actor=desk.technician, now=at(2026, 4, 2, 9))
    run = services.chase_overdue(desk.site, actor=None, now=AFTER_HARD)
    assert run.escalated == [] and order.escalated_at is None


# --- the document --------------------------------------------------------------------------------

def test_the_pdf_says_what_the_notice_said_when_issued(desk):
    order = overdue_order(desk)
    notice = services.issue_chase_notice(order, actor=desk.supervisor, now=LATE)
    original = pdf.render_chase_notice(notice.snapshot)
    desk.department.name = "工程维修部"
    order.place = "A-0801 厨房"
    db.session.flush()
    text = pdf_text(original)
    for expected in ("催办通知单", "CB2026-0001", "致：工程部", order.number, "报修", "给排水", "厨房水龙头漏水",
                     "2026年03月31日 10:00", "2026年04月01日 10:00", "请于 2026年04月03日 10:00 前办结并反馈",
                     "签发人：周主管", "签收人", "星河物业服务有限公司"):
        assert expected in text, expected
    assert "补打" not in text
    again = pdf.render_chase_notice(notice.snapshot)
    assert again == original  # drawn from the snapshot alone, whatever changed since
    reprint = pdf_text(pdf.render_chase_notice(notice.snapshot, reprint=True))
    assert "补打" in reprint and "工程部" in reprint and "工程维修部" not in reprint


def test_the_pdf_renders_as_an_a4_page(desk, tmp_path):
    notice = services.issue_chase_notice(overdue_order(desk), actor=desk.supervisor, now=LATE)
    path = tmp_path / "chase.pdf"
    path.write_bytes(pdf.render_chase_notice(notice.snapshot, reprint=True))
    reader = PdfReader(str(path))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "chase")], check=True)
    png = next(tmp_path.glob("chase*.png"))
    assert png.stat().st_size > 10_000  # the page has something drawn on it (looked at by eye: A4, CJK text)


# --- the pages -----------------------------------------------------------------------------------

def test_chasing_from_the_overdue_list(desk, client, as_user, chase_clock):
    order = overdue_order(desk)
    db.session.commit()
    as_user(desk.clerk)
    chase_clock(LATE)
    response = client.post(f"/workorders/orders/{order.id}/chase", data={"next": "/workorders/overdue"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/workorders/overdue")
    page = client.get("/workorders/chase").get_data(as_text=True)
    assert "Chase notice CB2026-0001 issued to 工程部" in page
    assert "CB2026-0001" in page and order.number in page and "工程部" in page
    refused = client.post(f"/workorders/orders/{order.id}/chase", follow_redirects=True)
    assert "was chased by notice CB2026-0001" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChaseNotice)) == 1


def test_a_chase_run_from_the_page_says_what_it_did(desk, client, as_user, chase_clock):
    overdue_order(desk)
    overdue_order(desk, description="楼道灯不亮")
    db.session.commit()
    as_user(desk.supervisor)
    chase_clock(LATE)
    page = client.post("/workorders/chase-run", follow_redirects=True).get_data(as_text=True)
    assert "2 chase notices issued, 0 orders escalated" in page
    chase_clock(AFTER_HARD)
    page = client.post("/workorders/chase-run", follow_redirects=True).get_data(as_text=True)
    assert "0 chase notices issued, 2 orders escalated" in page
    assert page.count("Escalated") >= 2


def test_the_pdf_and_its_counted_reprint(desk, client, as_user):
    notice = services.issue_chase_notice(overdue_order(desk), actor=desk.supervisor, now=LATE)
    db.session.commit()
    as_user(desk.clerk)
    response = client.get(f"/workorders/chase/{notice.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "CB2026-0001" in pdf_text(response.data) and "补打" not in pdf_text(response.data)
    reprint = client.post(f"/workorders/chase/{notice.id}/reprint")
    assert reprint.status_code == 200 and "补打" in pdf_text(reprint.data)
    client.post(f"/workorders/chase/{notice.id}/reprint")
    db.session.expire_all()
    assert db.session.get(ChaseNotice, notice.id).reprints == 2


def test_who_may_see_and_chase(desk, client, as_user):
    order = overdue_order(desk)
    notice = services.issue_chase_notice(order, actor=desk.supervisor, now=LATE)
    steward = make_user("steward", site=desk.site)
    db.session.commit()
    as_user(desk.technician)
    assert client.get("/workorders/chase").status_code == 403
    assert client.get(f"/workorders/chase/{notice.id}.pdf").status_code == 403
    assert client.post(f"/workorders/orders/{order.id}/chase").status_code == 403
    as_user(steward)  # sees work orders, does not chase
    assert client.get(f"/workorders/chase/{notice.id}.pdf").status_code == 200
    assert client.post("/workorders/chase-run").status_code == 403


def test_another_sites_notice_is_not_found(desk, client, as_user):
    notice = services.issue_chase_notice(overdue_order(desk), actor=desk.supervisor, now=LATE)
    other = make_site("EAST", name="东区")
    stranger = make_user("clerk", site=other)
    db.session.commit()
    as_user(stranger)
    assert client.get(f"/workorders/chase/{notice.id}.pdf").status_code == 404


# --- the command ---------------------------------------------------------------------------------

def test_the_chase_command(app, desk):
    order = overdue_order(desk)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["workorders", "chase", "--site", "PARK", "--as-of", "2026-04-01 12:00"])
    assert result.exit_code == 0, result.output
    assert "1 chase notices issued, 0 orders escalated" in result.output
    assert f"CB2026-0001  order {order.number}  to 工程部" in result.output
    again = runner.invoke(args=["workorders", "chase", "--site", "PARK", "--as-of", "2026-04-01 12:00"])
    assert "0 chase notices issued, 0 orders escalated" in again.output
    later = runner.invoke(args=["workorders", "chase", "--site", "PARK", "--as-of", "2026-04-03 10:30"])
    assert "0 chase notices issued, 1 orders escalated" in later.output
    db.session.expire_all()
    notice = db.session.scalar(sa.select(ChaseNotice))
    assert notice.issued_by_id is None and notice.snapshot["issued_by"] == ""
    assert db.session.get(WorkOrder, order.id).escalated_at == AFTER_HARD
    unknown = runner.invoke(args=["workorders", "chase", "--site", "NOPE"])
    assert unknown.exit_code != 0 and "no site with code NOPE" in unknown.output
