from flask import Response, abort, render_template, request
from flask_login import current_user, login_required

from ..auth.permissions import REPORTS_VIEW, permission_required
from ..billing import queries as billing_queries
from ..billing.forms import METHOD_CHOICES
from ..core import clock
from . import bp, queries, rules
from .forms import ReportForm

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
                           my_visitors=visitor_queries.visits_for_host(current_user.id, today))


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
