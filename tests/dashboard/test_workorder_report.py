"""The work-order report (工单统计): figures worked out by hand from orders logged, answered,
completed and called back through the services at pinned times (Shanghai wall time; March 2026
has no public holiday, and the clock of the pages stands at 2026-03-31 10:00)."""
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from frontdesk.dashboard import queries
from frontdesk.workorders import services
from frontdesk.workorders.models import COMPLAINT, ENQUIRY, KINDS, REPAIR
from tests.factories import NOW, make_user
from tests.workorders.conftest import at, dispatch, log, make_desk

URL = "/reports/workorders"


def reply(desk, order, now):
    services.record_reply(order, note="已告知师傅上门时间", actor=desk.clerk, now=now)


def complete(desk, order, now):
    services.complete(order, note="已修好", actor=desk.clerk, now=now)


def call_back(desk, order, now, satisfaction, resolved=True):
    services.record_callback(order, satisfaction=satisfaction, resolved=resolved, actor=desk.clerk, now=now)


def make_month(db):
    """Ten orders logged in March 2026 at the desk, one cancelled and one in February. Limits are the
    defaults: a repair 10 minutes / 1 working day / 3 working days, an ordinary complaint 2 hours /
    1 / 3 working days, an enquiry 15 minutes for all three. Times in the comments are Shanghai."""
    desk = make_desk()
    orders = {}
    # logged 00:30 on Sunday 1 March (still 28 February in UTC): March. Replied to after 5 minutes,
    # never completed: past its promise (Tue 3 Mar 00:00) and its hard limit (Thu 5 Mar 00:00)
    orders["r0"] = r0 = log(desk, now=at(2026, 3, 1, 0, 30), category="other")
    reply(desk, r0, at(2026, 3, 1, 0, 35))
    # on time throughout: reply after 5 minutes, completed after 23 hours, satisfaction 5
    orders["r1"] = r1 = log(desk, now=at(2026, 3, 2, 10, 0))
    reply(desk, r1, at(2026, 3, 2, 10, 5))
    dispatch(desk, r1, now=at(2026, 3, 2, 10, 6), technician=False)
    complete(desk, r1, at(2026, 3, 3, 9, 0))
    call_back(desk, r1, at(2026, 3, 3, 15, 0), 5)
    # no reply before the completion 48 hours later: the completion is its first response (late);
    # late on the promise (Tue 11:00), on time on the hard limit (Thu 11:00); satisfaction 3
    orders["r2"] = r2 = log(desk, now=at(2026, 3, 2, 11, 0), category="electrical")
    dispatch(desk, r2, now=at(2026, 3, 2, 11, 5), technician=False)
    complete(desk, r2, at(2026, 3, 4, 11, 0))
    call_back(desk, r2, at(2026, 3, 4, 16, 0), 3)
    # replied to after 20 minutes (late), still open: late on both resolution limits
    orders["r3"] = r3 = log(desk, now=at(2026, 3, 10, 9, 0))
    reply(desk, r3, at(2026, 3, 10, 9, 20))
    dispatch(desk, r3, now=at(2026, 3, 10, 9, 30), technician=False)
    # logged this morning, replied to after 8 minutes: its resolution deadlines have not come yet
    orders["r4"] = r4 = log(desk, now=at(2026, 3, 31, 9, 0))
    reply(desk, r4, at(2026, 3, 31, 9, 8))
    # reopened after the first callback: its last completion (Fri 14:00, 28 hours) counts, late on
    # the promise (Fri 10:00), on time on the hard limit (Tue 10 Mar 10:00); satisfaction 2
    orders["r5"] = r5 = log(desk, now=at(2026, 3, 5, 10, 0), category="lift")
    reply(desk, r5, at(2026, 3, 5, 10, 2))
    dispatch(desk, r5, now=at(2026, 3, 5, 10, 3), technician=False)
    complete(desk, r5, at(2026, 3, 5, 15, 0))
    call_back(desk, r5, at(2026, 3, 6, 9, 0), 1, resolved=False)
    complete(desk, r5, at(2026, 3, 6, 14, 0))
    call_back(desk, r5, at(2026, 3, 6, 16, 0), 2)
    # put on hold after its 10-minute reply deadline, never replied to: late on the first response;
    # its resolution deadlines had not run out, so they stand still while it waits: not measured
    orders["r6"] = r6 = log(desk, now=at(2026, 3, 20, 10, 0), category="doors_locks")
    dispatch(desk, r6, now=at(2026, 3, 20, 10, 5), technician=False)
    services.put_on_hold(r6, reason="waiting_parts", actor=desk.clerk, now=at(2026, 3, 20, 10, 30))
    # an ordinary complaint: reply after 90 minutes (on time), completed after 26 hours (late on the
    # promise, on time on the hard limit, Mon 16 Mar 14:00), satisfaction 4
    orders["c1"] = c1 = log(desk, now=at(2026, 3, 11, 14, 0), kind=COMPLAINT, category="noise")
    reply(desk, c1, at(2026, 3, 11, 15, 30))
    dispatch(desk, c1, now=at(2026, 3, 11, 15, 31), technician=False)
    complete(desk, c1, at(2026, 3, 12, 16, 0))
    call_back(desk, c1, at(2026, 3, 13, 10, 0), 4)
    # cancelled: left out of every figure
    cancelled = log(desk, now=at(2026, 3, 16, 10, 0), kind=COMPLAINT, category="billing")
    services.cancel(cancelled, reason="重复登记", actor=desk.clerk, now=at(2026, 3, 16, 10, 5))
    # an enquiry answered on the call (0 minutes), and one answered after 30 minutes and completed
    # after 40 (late on every limit)
    orders["e1"] = log(desk, now=at(2026, 3, 17, 10, 0), kind=ENQUIRY, category="billing", answered=True,
                       answer="物业费可在前台缴纳")
    orders["e2"] = e2 = log(desk, now=at(2026, 3, 18, 10, 0), kind=ENQUIRY, category="other")
    reply(desk, e2, at(2026, 3, 18, 10, 30))
    complete(desk, e2, at(2026, 3, 18, 10, 40))
    # 23:50 on 28 February: February
    orders["feb"] = feb = log(desk, now=at(2026, 2, 28, 23, 50), category="electrical")
    reply(desk, feb, at(2026, 2, 28, 23, 55))
    db.session.commit()
    desk.orders = orders
    return desk


def by_kind(report):
    return {k.kind: k for k in report.by_kind}


def test_orders_are_counted_by_kind_and_category_in_the_month_they_were_logged(db):
    desk = make_month(db)
    report = queries.workorder_figures(desk.site.id, ["2026-03"], now=NOW)
    assert report.kinds == KINDS
    counts = {line.category: dict(zip(KINDS, line.by_kind)) for line in report.by_category}
    assert counts["plumbing"] == {REPAIR: 3, COMPLAINT: 0, ENQUIRY: 0, "suggestion": 0, "praise": 0}
    assert counts["electrical"][REPAIR] == 1  # the February one is left out
    assert counts["other"][REPAIR] == 1 and counts["other"][ENQUIRY] == 1
    assert counts["billing"] == {REPAIR: 0, COMPLAINT: 0, ENQUIRY: 1, "suggestion": 0, "praise": 0}  # not the cancelled
    assert [(k.kind, k.orders) for k in report.by_kind] == [
        (REPAIR, 7), (COMPLAINT, 1), (ENQUIRY, 2), ("suggestion", 0), ("praise", 0)]
    assert report.total.orders == 10 and sum(line.total for line in report.by_category) == 10
    assert by_kind(report)[REPAIR].reopened == 1


def test_on_time_rates_against_each_limit(db):
    desk = make_month(db)
    report = queries.workorder_figures(desk.site.id, ["2026-03"], now=NOW)
    figures = by_kind(report)

    def limits(k):
        return [(x.on_time, x.judged, x.open_late, x.rate) for x in (k.response, k.promise, k.hard)]

    # repairs: response r0 r1 r4 r5 on time, r2 r3 late, r6 open and late; promise r1 on time, r2 r5
    # late, r0 r3 open and late, r4 not yet due, r6 on hold; hard r1 r2 r5 on time, r0 r3 open and late
    assert limits(figures[REPAIR]) == [(4, 7, 1, D("57.1")), (1, 5, 2, D("20.0")), (3, 5, 2, D("60.0"))]
    assert limits(figures[COMPLAINT]) == [(1, 1, 0, D("100.0")), (0, 1, 0, D("0.0")), (1, 1, 0, D("100.0"))]
    assert limits(figures[ENQUIRY]) == [(1, 2, 0, D("50.0")), (1, 2, 0, D("50.0")), (1, 2, 0, D("50.0"))]
    assert limits(figures["praise"]) == [(0, 0, 0, None)] * 3
    assert limits(report.total) == [(6, 10, 1, D("60.0")), (2, 8, 2, D("25.0")), (5, 8, 2, D("62.5"))]


def test_an_order_past_its_deadline_at_report_time_counts_as_late(db):
    desk = make_month(db)
    before = queries.workorder_figures(desk.site.id, ["2026-03"], now=at(2026, 3, 31, 9, 5))
    after = queries.workorder_figures(desk.site.id, ["2026-03"], now=at(2026, 4, 2, 9, 0))
    # on 1 April at 09:00 the promise of r4 ran out, unanswered
    assert (before.total.promise.judged, before.total.promise.open_late) == (8, 2)
    assert (after.total.promise.judged, after.total.promise.open_late) == (9, 3)
    assert after.total.promise.rate == D("22.2")


def test_average_times_to_first_response_and_to_resolution(db):
    desk = make_month(db)
    figures = by_kind(queries.workorder_figures(desk.site.id, ["2026-03"], now=NOW))
    repair, complaint, enquiry = figures[REPAIR], figures[COMPLAINT], figures[ENQUIRY]
    # repairs: 5 + 5 + 2880 + 20 + 8 + 2 minutes over 6 responses; 23 + 48 + 28 hours over 3
    assert (repair.responses, repair.response_seconds) == (6, 175_200)
    assert repair.average_response_minutes == D("486.7")
    assert (repair.completed, repair.resolution_seconds, repair.average_resolution_hours) == (3, 356_400, D("33.0"))
    assert (complaint.average_response_minutes, complaint.average_resolution_hours) == (D("90.0"), D("26.0"))
    assert (enquiry.average_response_minutes, enquiry.average_resolution_hours) == (D("15.0"), D("0.3"))
    assert figures["praise"].average_response_minutes is None
    total = queries.workorder_figures(desk.site.id, ["2026-03"], now=NOW).total
    # 182,400 s over 9 responses; 452,400 s over 6 completions
    assert (total.average_response_minutes, total.average_resolution_hours) == (D("337.8"), D("20.9"))


def test_callback_satisfaction_average_and_distribution(db):
    desk = make_month(db)
    report = queries.workorder_figures(desk.site.id, ["2026-03"], now=NOW)
    repair = by_kind(report)[REPAIR]
    # the unresolved first callback of r5 leaves no score: its second one (2) counts
    assert (repair.callbacks, repair.average_satisfaction, repair.scores) == (3, D("3.3"), [0, 1, 1, 0, 1])
    assert by_kind(report)[COMPLAINT].scores == [0, 0, 0, 1, 0]
    assert by_kind(report)[ENQUIRY].callbacks == 0 and by_kind(report)[ENQUIRY].average_satisfaction is None
    assert (report.total.callbacks, report.total.average_satisfaction, report.total.scores) == (
        4, D("3.5"), [0, 1, 1, 1, 1])


def test_a_range_of_months_adds_them_up(db):
    desk = make_month(db)
    february = queries.workorder_figures(desk.site.id, ["2026-02"], now=NOW)
    assert february.total.orders == 1 and february.total.response.on_time == 1
    both = queries.workorder_figures(desk.site.id, ["2026-02", "2026-03"], now=NOW)
    assert both.total.orders == 11 and both.by_category[1].by_kind[0] == 2  # electrical repairs
    assert queries.workorder_figures(desk.site.id, ["2026-04"], now=NOW).total.orders == 0


def test_seconds_between_rounds_to_whole_seconds_on_both_databases(db):
    import sqlalchemy as sa

    from frontdesk.workorders.models import WorkOrder

    desk = make_month(db)
    r2 = desk.orders["r2"]
    r2.first_response_at = r2.logged_at.replace(microsecond=600_000)
    db.session.flush()
    seconds = db.session.scalar(sa.select(queries.seconds_between(WorkOrder.first_response_at, WorkOrder.logged_at))
                                .where(WorkOrder.id == r2.id))
    assert seconds == 1


# --- the page and the export -----------------------------------------------------------------------

def test_the_page_shows_the_figures_charts_and_definitions(db, client, as_user):
    desk = make_month(db)
    as_user(desk.supervisor)
    page = client.get(URL)  # this month by default
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="2026-03"' in text
    assert "Work orders logged in 2026-03 by category and kind" in text
    assert text.count('<svg class="chart"') == 3
    for figure in ("57.1%", "20.0%", "60.0%", "25.0%", "62.5%", "486.7", "33.0", "337.8", "20.9", "3.3", "3.5",
                   "4 / 7", "6 / 10", "2 late, not done"):
        assert figure in text, figure
    assert "How these figures are worked out" in text
    assert "cancelled orders are left out" in text


def test_a_month_without_orders_says_so(db, client, as_user):
    desk = make_month(db)
    as_user(desk.supervisor)
    page = client.get(URL, query_string={"month": "2025-12"})
    assert page.status_code == 200
    assert "No work orders were logged in this period." in page.get_data(as_text=True)


def test_the_navigation_links_the_report_for_those_who_may_see_it(db, client, as_user):
    desk = make_month(db)
    as_user(desk.supervisor)
    assert "/reports/workorders" in client.get("/").get_data(as_text=True)
    assert "/reports/workorders" in client.get("/reports/arrears").get_data(as_text=True)
    as_user(desk.clerk)
    assert "/reports/workorders" not in client.get("/").get_data(as_text=True)
    assert client.get(URL).status_code == 403
    assert client.get(URL + ".xlsx").status_code == 403


@pytest.mark.parametrize("args, message", [
    ({"month": "2026-3"}, "Enter the month as YYYY-MM, for example 2026-03."),
    ({"month": "March"}, "Enter the month as YYYY-MM, for example 2026-03."),
    ({"month": "2026-13"}, "Enter the month as YYYY-MM, for example 2026-03."),
    ({"month": "2026-04"}, "That month has not begun yet."),
    ({"month": "2026-01", "to": "2026-05"}, "That month has not begun yet."),
    ({"month": "2026-03", "to": "2026-01"}, "The first month comes after the last one: swap them."),
    ({"month": "2020-01", "to": "2026-03"}, "Choose at most 60 months at a time."),
    ({"to": "x" * 300}, "Enter the month as YYYY-MM, for example 2026-03."),
])
def test_a_bad_month_gets_a_clear_message(db, client, as_user, args, message):
    desk = make_month(db)
    as_user(desk.supervisor)
    page = client.get(URL, query_string=args)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert message in text
    assert "by category and kind" not in text
    assert client.get(URL + ".xlsx", query_string=args).status_code == 422


def test_the_export_holds_the_same_numbers(db, client, as_user):
    desk = make_month(db)
    desk.site.name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    as_user(desk.supervisor)
    response = client.get(URL + ".xlsx", query_string={"month": "2026-03"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="workorders-2026-03.xlsx"'
    book = load_workbook(io.BytesIO(response.data))
    categories, limits, times, satisfaction, definitions = book.worksheets
    assert categories["A1"].data_type == "s" and categories["A1"].value.startswith("=HYPERLINK")
    rows = {r[0]: r[1:] for r in categories.iter_rows(min_row=3, values_only=True)}
    assert rows["Plumbing"] == (3, 0, 0, 0, 0, 3)
    assert rows["Other"] == (1, 0, 1, 0, 0, 2)
    assert rows["Total"] == (7, 1, 2, 0, 0, 10)
    assert len(rows) == 11  # every category, then the total

    lines = [(kind, limit, judged, on_time, late, open_late, D(str(rate)) if rate != "" and rate is not None else None)
             for kind, limit, judged, on_time, late, open_late, rate in limits.iter_rows(min_row=3, values_only=True)]
    assert lines[:3] == [("Repair", "First response", 7, 4, 3, 1, D("57.1")),
                         ("Repair", "Resolution, as promised", 5, 1, 4, 2, D("20")),
                         ("Repair", "Resolution, limit never to pass", 5, 3, 2, 2, D("60"))]
    assert lines[-2][:6] == ("Total", "Resolution, as promised", 8, 2, 6, 2) and lines[-2][6] == D("25")
    assert lines[-1][6] == D("62.5")
    assert ("Praise", "First response", 0, 0, 0, 0, None) in lines

    times_rows = {r[0]: r[1:] for r in times.iter_rows(min_row=3, values_only=True)}
    assert times_rows["Repair"][:5] == (7, 6, 486.7, 3, 33)
    assert times_rows["Repair"][5] == 1
    assert times_rows["Total"][:5] == (10, 9, 337.8, 6, 20.9)

    scores = {r[0]: r[1:] for r in satisfaction.iter_rows(min_row=3, values_only=True)}
    assert scores["Repair"] == (3, 3.3, 0, 1, 1, 0, 1)
    assert scores["Total"] == (4, 3.5, 0, 1, 1, 1, 1)
    assert "cancelled orders are left out" in definitions["A1"].value


def test_the_export_of_a_range_is_named_for_it(db, client, as_user):
    desk = make_month(db)
    as_user(desk.supervisor)
    response = client.get(URL + ".xlsx", query_string={"month": "2026-02", "to": "2026-03"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="workorders-2026-02-2026-03.xlsx"'
    rows = {r[0]: r[1:] for r in load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(
        min_row=3, values_only=True)}
    assert rows["Total"][-1] == 11


def test_a_project_manager_may_look(db, client, as_user):
    desk = make_month(db)
    as_user(make_user("project_manager", site=desk.site))
    assert client.get(URL, query_string={"month": "2026-03"}).status_code == 200


def test_hostile_month_parameters_get_an_answer_not_a_server_error(db, client, as_user):
    from tests.test_bad_input import HOSTILE

    desk = make_month(db)
    as_user(desk.supervisor)
    for value in HOSTILE:
        for args in ({"month": value}, {"to": value}, {"month": "2026-01", "to": value}):
            for url in (URL, URL + ".xlsx"):
                assert client.get(url, query_string=args).status_code < 500, (url, args)
