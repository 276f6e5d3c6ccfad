from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.permissions import REPORTS_VIEW, permission_required
from ..billing import queries as billing_queries
from ..billing.forms import METHOD_CHOICES
from ..core import clock
from . import bp, queries, rules
from .forms import ReportForm, WorkOrderReportForm

INVALID = 422  # the filters sent back with their errors
CUSTOMER_LIMIT = 200  # customers listed on the page; the export has them all


@bp.get("/")
@login_required
def home():
    from ..auth.permissions import VISITORS_REGISTER, VISITORS_VIEW
    from ..visitors import queries as visitor_queries

    today = clock.business_day()
    figures = billing_queries.home_figures(current_user, today)
    visitors = None
    if figures.site and (current_user.can(VISITORS_REGISTER) or current_user.can(VISITORS_VIEW)):
        visitors = visitor_queries.desk_figures(figures.site.id, today)
    return render_template("dashboard/home.html", f=figures, method_labels=dict(METHOD_CHOICES), visitors=visitors,
                           my_visitors=visitor_queries.visits_for_host(current_user.id, today),
                           **_notice_figures(figures.site, today), **_workorder_figures(figures.site),
                           visit_week=_visit_week(figures.site, today))


def _notice_figures(site, today) -> dict:
    """The notices on the home page: for every member of the site's staff the approved notices
    meant for it that are in force today (number, title, last day, text as blocks of the notice
    markup, from the approved snapshot); for an approver how many wait for their approval; for
    whoever posts notices how many are still up after they expired or were replaced."""
    from ..auth.permissions import NOTICES_APPROVE, NOTICES_CHECK, NOTICES_POST, SUPERVISOR
    from ..notices import queries as notice_queries, rules as notice_rules

    found = {"staff_notices": [], "notices_waiting": 0, "notices_left_up": 0}
    if site is None:
        return found
    found["staff_notices"] = [
        {"id": r.notice_id, "number": r.snapshot["number"], "title": r.snapshot["title"], "valid_to": r.valid_to,
         "blocks": notice_rules.parse_body(r.snapshot["body"])}
        for r in notice_queries.for_the_home_page(site.id, today)]
    if current_user.can(NOTICES_CHECK) or current_user.can(NOTICES_APPROVE):
        found["notices_waiting"] = len(notice_queries.waiting_for(site.id, current_user))
    if current_user.can(NOTICES_POST) or SUPERVISOR in current_user.roles:
        found["notices_left_up"] = notice_queries.left_up_after_expiry(site.id, today)
    return found


def _workorder_figures(site) -> dict:
    """The work-order panel of the home page: the desk's open and overdue orders, escalated ones
    for whoever chases them, a technician's own open orders."""
    from ..auth.permissions import SUPERVISOR, WORKORDERS_LOG, WORKORDERS_VIEW, WORKORDERS_WORK
    from ..workorders import queries as workorder_queries

    found = {"workorders": None, "escalated": [], "my_orders": None}
    if site is not None and (current_user.can(WORKORDERS_LOG) or current_user.can(WORKORDERS_VIEW)):
        found["workorders"] = workorder_queries.desk_figures(site.id, clock.now())
        # an order still late after its chase notice is the supervisor's to hear of (services.escalate)
        if SUPERVISOR in current_user.roles:
            found["escalated"] = workorder_queries.escalated_orders(site.id)
    if current_user.can(WORKORDERS_WORK):
        found["my_orders"] = workorder_queries.technician_open_count(current_user.id)
    return found


def _visit_week(site, today):
    """The customer-visits card of an account manager: their week and what is overdue, in one statement."""
    from ..auth.permissions import VISITS_RECORD
    from ..visits import queries as visit_queries

    if site is None or not current_user.can(VISITS_RECORD):
        return None
    return visit_queries.week_card(site.id, current_user.id, today)


def _report_form():
    site = billing_queries.desk_site(current_user)
    if site is None:
        abort(404)
    form = ReportForm(request.args, buildings=queries.buildings(site.id), today=clock.business_day())
    return site, form, form.validate()


def _page(site, form, status=200, **figures):
    from .export import definitions

    return render_template("dashboard/arrears.html", site=site, form=form, definitions=definitions(),
                           customer_limit=CUSTOMER_LIMIT, labels=rules.BUCKET_LABELS, **figures), status


def _figures(site, form):
    arrears = queries.arrears(site.id, form.as_of_day, building_id=form.building_id)
    collection = queries.collection(site.id, form.periods, form.as_of_day, building_id=form.building_id)
    return arrears, collection


@bp.get("/reports/arrears")
@permission_required(REPORTS_VIEW)
def arrears():
    site, form, valid = _report_form()
    if not valid:
        return _page(site, form, INVALID, arrears=None)
    arrears, collection = _figures(site, form)
    return _page(site, form, arrears=arrears, collection=collection, ageing_chart=rules.ageing_chart(arrears),
                 rate_chart=rules.rate_chart(collection))


@bp.get("/reports/arrears.xlsx")
@permission_required(REPORTS_VIEW)
def arrears_export():
    from .export import arrears_workbook

    site, form, valid = _report_form()
    if not valid:
        return _page(site, form, INVALID, arrears=None)
    data = arrears_workbook(site, *_figures(site, form))
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="arrears-{form.as_of_day.isoformat()}.xlsx"'})


def _workorder_form():
    site = billing_queries.desk_site(current_user)
    if site is None:
        abort(404)
    form = WorkOrderReportForm(request.args, today=clock.business_day())
    return site, form, form.validate()


def _callbacks_text(average, count) -> str:
    return _("average %(average)s, %(count)s callbacks", average=average, count=count)


def _workorder_page(site, form, status=200, report=None):
    from ..workorders.rules import CATEGORY_LABELS, KIND_LABELS
    from .export import workorder_definitions

    charts = {}
    if report is not None:
        charts = dict(category_chart=rules.workorder_category_chart(report),
                      on_time_chart=rules.workorder_on_time_chart(report, _("All")),
                      satisfaction_chart=rules.workorder_satisfaction_chart(report, _callbacks_text))
    return render_template("dashboard/workorder_report.html", site=site, form=form, report=report,
                           definitions=workorder_definitions(), kind_labels=KIND_LABELS,
                           category_labels=CATEGORY_LABELS, **charts), status


@bp.get("/reports/workorders")
@permission_required(REPORTS_VIEW)
def workorder_report():
    site, form, valid = _workorder_form()
    if not valid:
        return _workorder_page(site, form, INVALID)
    return _workorder_page(site, form, report=queries.workorder_figures(site.id, form.months, now=clock.now()))


@bp.get("/reports/workorders.xlsx")
@permission_required(REPORTS_VIEW)
def workorder_report_export():
    from .export import workorder_workbook

    site, form, valid = _workorder_form()
    if not valid:
        return _workorder_page(site, form, INVALID)
    report = queries.workorder_figures(site.id, form.months, now=clock.now())
    name = "-".join(dict.fromkeys((report.months[0], report.months[-1])))
    return Response(workorder_workbook(site, report),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="workorders-{name}.xlsx"'})
