"""HTTP of customer visits: the manager's lists, the portfolio and the company page, the
per-manager figures and the settings; one visit (plan, record with its items and commitments,
change, cancel, a commitment kept, a request made a work order); satisfaction surveys, the
questionnaire, the survey report and the exports; case studies and the visit record PDF.
Thin: load, authorize, validate the form, call one service, commit, redirect."""
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user

from ..auth.permissions import (
    VISITS_ALL, VISITS_ASSIGN, VISITS_CASES, VISITS_RECORD, VISITS_SETTINGS, WORKORDERS_LOG, WORKORDERS_VIEW,
    permission_required,
)
from ..billing.queries import desk_site
from ..core import clock
from ..core.errors import DomainError, NotAllowed
from ..core.http import int_arg, pdf_response, safe_next, show_error, site_record_or_404
from ..core.templating import day
from ..dunning.rules import DELIVERY_LABELS, LEVEL_LABELS, STATUS_LABELS as NOTICE_STATUS_LABELS
from ..estate.models import Customer
from ..estate.queries import building_choices
from ..extensions import db
from ..workorders.models import WorkOrder
from ..workorders.rules import CATEGORY_LABELS, KIND_LABELS as ORDER_KIND_LABELS, STATUS_LABELS as ORDER_STATUS_LABELS
from . import bp, pdf, queries, rules, services
from .export import register_workbook, surveys_workbook
from .forms import (
    AssignForm, AssignManyForm, CancelForm, CaseForm, CommitmentDoneForm, CompaniesFilterForm, ListsFilterForm,
    NOT_APPLICABLE, NOT_ASSIGNED, PlanForm, QuestionnaireForm, RecordForm, RegisterForm, ReplanForm, ReportPeriodForm,
    SCORES, SurveyReportForm, VisitSettingsForm, WorkOrderForm, question_rows, score_words, survey_form,
    twelve_months_back,
)
from .models import (
    CANCELLED, COMPLAINT, CaseStudy, Commitment, CustomerVisit, LATE_PAYMENT, PLANNED, RECORDED, RENEWAL,
    ROUTINE_CARE, SURVEY, SurveyResponse, VisitItem,
)
from .rules import ITEM_LABELS, WORK_ORDER_KIND, average

INVALID = 422  # a form sent back with its errors
# the longest period of each page, in days
MAX_FIGURES_DAYS = 366
MAX_REPORT_DAYS = 5 * 366
MAX_REGISTER_DAYS = 366


@bp.context_processor
def labels():
    # translated once a page, not once a row
    def plain(labels):
        return {code: str(label) for code, label in labels.items()}

    return {"mode_labels": plain(rules.MODE_LABELS), "purpose_labels": plain(rules.PURPOSE_LABELS),
            "visit_status_labels": plain(rules.STATUS_LABELS), "item_labels": plain(rules.ITEM_LABELS),
            "dimension_labels": plain(rules.DIMENSION_LABELS)}


def desk_site_or_404():
    site = desk_site(current_user)
    if site is None:
        abort(404)
    return site


def checked(form):
    """A button form (CSRF only): a request without a valid token is refused outright."""
    if not form.validate():
        abort(400)
    return form


def visit_or_404(visit_id) -> CustomerVisit:
    """A visit of the desk's site that the user may see: their own, or any with visits.all."""
    visit = site_record_or_404(CustomerVisit, visit_id, desk_site_or_404())
    if visit.manager_id != current_user.id and not current_user.can(VISITS_ALL):
        abort(404)
    return visit


PORTFOLIO_PAGE_SIZE = 100
EVERYONE_LIMIT = 50  # rows of each overdue list when every manager's are shown: the oldest first


@dataclass
class PortfolioPage:
    """One page of the portfolio, as the pager macro reads it."""

    items: list
    page: int
    total: int
    per_page: int = PORTFOLIO_PAGE_SIZE
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, -(-self.total // self.per_page))
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1

    @classmethod
    def of(cls, rows, requested):
        """The requested page of `rows` (the last one when it asks for more)."""
        number = min(requested, max(1, -(-len(rows) // PORTFOLIO_PAGE_SIZE)))
        return cls(rows[(number - 1) * PORTFOLIO_PAGE_SIZE:number * PORTFOLIO_PAGE_SIZE], number, len(rows))


def _visit_staff(site):
    """Whose lists and portfolio a holder of visits.all may pick: the site's staff who record visits
    (its account managers, and supervisors who visit companies too), and whoever was deactivated
    with companies still in their portfolio, so that they can be found and handed over."""
    staff = [user for user in queries.staff(site.id) if user.can(VISITS_RECORD)]
    known = {user.id for user in staff}
    return sorted(staff + [u for u in queries.portfolio_holders(site.id) if u.id not in known],
                  key=lambda user: user.full_name)


# --- the manager's day ---------------------------------------------------------------------------

@bp.get("/")
@permission_required(VISITS_RECORD, VISITS_ALL)
def index():
    site = desk_site_or_404()
    sees_all = current_user.can(VISITS_ALL)
    managers = _visit_staff(site) if sees_all else [current_user._get_current_object()]
    form = ListsFilterForm(request.args, managers=managers)
    if not sees_all:
        del form.manager  # a manager's lists are their own
    valid = form.validate()
    today = clock.business_day()
    monday, sunday = rules.week_of(form.day.data if form.day.data and not form.day.errors else today)
    manager_id = form.manager_id if sees_all else current_user.id
    days = queries.not_visited_days(site.id)
    # one more row than shown tells that there are more
    limit = {} if manager_id else {"limit": EVERYONE_LIMIT + 1}
    return render_template(
        "visits/index.html", form=form, site=site, today=today, monday=monday, sunday=sunday, days=days,
        previous_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7), sees_all=sees_all,
        manager_id=manager_id, manager=next((m for m in managers if m.id == manager_id), None),
        cap=EVERYONE_LIMIT if limit else None,
        week=queries.visits_between(site.id, monday, sunday, manager_id=manager_id),
        overdue_plans=queries.overdue_plans(site.id, today, manager_id=manager_id, **limit),
        follow_ups=queries.overdue_follow_ups(site.id, today, manager_id=manager_id, **limit),
        commitments=queries.open_commitments(site.id, today=today, user_id=manager_id, **limit),
        not_visited=queries.not_visited(site.id, today, days, manager_id=manager_id, **limit),
        portfolio_size=queries.portfolio_size(site.id, manager_id) if manager_id else None,
    ), 200 if valid else INVALID


# --- the portfolio -------------------------------------------------------------------------------

def _portfolio_of(form) -> dict:
    """Whose companies the portfolio shows: one's own, or (visits.all) the chosen manager's, nobody's
    or every company."""
    if not current_user.can(VISITS_ALL):
        return {"manager_id": current_user.id}
    chosen = "" if form.manager.errors else (form.manager.data or "")
    return {"manager_id": int(chosen) if chosen.isdigit() else None, "unassigned": chosen == NOT_ASSIGNED}


def _companies_page(site, assign_form=None, status=200):
    """The portfolio list with its filters from the query string; for whoever assigns, the form
    that gives the ticked companies to a manager (sent back with its errors and ticks kept)."""
    sees_all = current_user.can(VISITS_ALL)
    form = CompaniesFilterForm(request.args, managers=_visit_staff(site) if sees_all else ())
    if not sees_all:
        del form.manager  # a manager's portfolio is their own
    valid = form.validate()
    rows = queries.companies(site.id, q="" if form.q.errors else (form.q.data or ""), **_portfolio_of(form))
    page = PortfolioPage.of(rows, int_arg("page", 1))
    if assign_form is None and current_user.can(VISITS_ASSIGN):
        assign_form = AssignManyForm(managers=queries.account_managers(site.id), formdata=None)
    args = {k: v for k, v in request.args.items() if k in form._fields} if valid else {}
    return render_template("visits/companies.html", form=form, page=page, args=args, sees_all=sees_all,
                           assign_form=assign_form, today=clock.business_day(),
                           days=queries.not_visited_days(site.id)), status if valid else INVALID


@bp.get("/companies")
@permission_required(VISITS_RECORD, VISITS_ALL)
def companies():
    return _companies_page(desk_site_or_404())


@bp.post("/companies/assign")
@permission_required(VISITS_ASSIGN)
def assign_many():
    site = desk_site_or_404()
    form = AssignManyForm(managers=queries.account_managers(site.id))
    if not form.validate():
        return _companies_page(site, form, INVALID)
    try:
        done = services.assign_many(site, form.customer_ids.data or [], form.manager_id.data or None,
                                    reason=form.reason.data or "", actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _companies_page(site, form, INVALID)
    db.session.commit()
    manager = done.manager.full_name if done.manager else None
    if done.assigned and manager:
        flash(ngettext("%(num)s company is looked after by %(manager)s from today on.",
                       "%(num)s companies are looked after by %(manager)s from today on.", len(done.assigned),
                       manager=manager), "success")
    elif done.assigned:
        flash(ngettext("Nobody looks after %(num)s company now.", "Nobody looks after %(num)s companies now.",
                       len(done.assigned)), "success")
    if done.unchanged:
        flash(_("Left as they were, looked after by this manager already: %(companies)s.",
                companies="、".join(c.name for c in done.unchanged)), "info")
    if done.handed_over:
        flash(_("The planned visits %(numbers)s are %(manager)s's now.", numbers="、".join(done.handed_over),
                manager=manager), "info")
    filters = {k: v for k, v in request.args.items() if k in ("q", "manager", "page")}
    return redirect(url_for(".companies", **filters))


# --- a company -----------------------------------------------------------------------------------

def _company_or_404(site, customer_id) -> Customer:
    """A company of the desk's site in the user's portfolio (any company with visits.all): another
    manager's company does not exist for a manager, nor does a person."""
    customer = site_record_or_404(Customer, customer_id, site)
    if customer.kind != "company":
        abort(404)
    if not current_user.can(VISITS_ALL) and queries.manager_of(customer.id) != current_user.id:
        abort(404)
    return customer


def _company_page(site, customer, form=None, status=200):
    found = queries.company_file(site.id, customer, clock.business_day())
    if form is None and current_user.can(VISITS_ASSIGN):
        current = found.portfolio.manager_id if found.portfolio else None
        form = AssignForm(managers=queries.account_managers(site.id), manager_id=current or 0)
    return render_template(
        "visits/company.html", site=site, customer=customer, form=form, f=found, today=clock.business_day(),
        order_kind_labels=ORDER_KIND_LABELS, order_status_labels=ORDER_STATUS_LABELS, level_labels=LEVEL_LABELS,
        notice_status_labels=NOTICE_STATUS_LABELS, delivery_labels=DELIVERY_LABELS,
    ), status


@bp.get("/companies/<int:customer_id>")
@permission_required(VISITS_RECORD, VISITS_ALL)
def company(customer_id):
    site = desk_site_or_404()
    return _company_page(site, _company_or_404(site, customer_id))


@bp.get("/companies/<int:customer_id>/visits")
@permission_required(VISITS_RECORD, VISITS_ALL)
def company_history(customer_id):
    site = desk_site_or_404()
    customer = _company_or_404(site, customer_id)
    return render_template("visits/company_history.html", customer=customer,
                           visits=queries.company_history(customer.id, page=int_arg("page", 1)),
                           surveys=queries.company_surveys(site.id, customer.id))


@bp.post("/companies/<int:customer_id>/assign")
@permission_required(VISITS_ASSIGN)
def assign(customer_id):
    site = desk_site_or_404()
    customer = _company_or_404(site, customer_id)
    form = AssignForm(managers=queries.account_managers(site.id))
    if not form.validate():
        return _company_page(site, customer, form, INVALID)
    try:
        done = services.assign(site, customer, form.manager_id.data or None, reason=form.reason.data or "",
                               actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _company_page(site, customer, form, INVALID)
    db.session.commit()
    row = done.portfolio
    if row.manager_id:
        flash(_("%(company)s is looked after by %(manager)s from today on.", company=customer.name,
                manager=row.manager.full_name), "success")
        if done.handed_over:
            flash(_("The planned visits %(numbers)s are %(manager)s's now.", numbers="、".join(done.handed_over),
                    manager=row.manager.full_name), "info")
    else:
        flash(_("Nobody looks after %(company)s now.", company=customer.name), "success")
    return redirect(url_for(".company", customer_id=customer.id))


# --- per-manager figures -------------------------------------------------------------------------

@bp.get("/managers")
@permission_required(VISITS_ALL)
def managers():
    site = desk_site_or_404()
    today = clock.business_day()
    first = today.replace(day=1)
    form = ReportPeriodForm(request.args, today=today, default_start=first, max_days=MAX_FIGURES_DAYS,
                            default_end=(first + timedelta(days=31)).replace(day=1) - timedelta(days=1))
    days = queries.not_visited_days(site.id)
    if not form.validate():
        return render_template("visits/managers.html", form=form, figures=None, days=days, today=today), INVALID
    figures = queries.manager_figures(site.id, form.start.data, form.end.data, today, days)
    total = queries.ManagerFigures(0, "", *(sum(getattr(f, name) for f in figures) for name in (
        "companies", "covered", "visits", "open_commitments", "overdue_commitments")))
    return render_template("visits/managers.html", form=form, figures=figures, total=total, days=days, today=today)


# --- settings ------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@permission_required(VISITS_SETTINGS)
def settings():
    site = desk_site_or_404()
    form = VisitSettingsForm()
    if not form.is_submitted():
        form.not_visited_days.data = queries.not_visited_days(site.id)
    elif form.validate():
        try:
            services.save_settings(site, not_visited_days=form.not_visited_days.data, actor=current_user,
                                   now=clock.now())
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved: a company not visited for %(days)s days is listed for its manager.",
                    days=form.not_visited_days.data), "success")
            return redirect(url_for(".settings"))
    return render_template("visits/settings.html", form=form, site=site), INVALID if form.is_submitted() else 200


# --- one visit: plan, record, cancel, commitments, work orders -----------------------------------

# the park's visiting standard (产业园企服岗位客户拜访标准作业指导书): the steps of every visit, and
# what to say and bring for each purpose
VISIT_STEPS = (
    _l("Make an appointment as your plan says; prepare what to say, briefly, in writing."),
    _l("Greet with a smile; a new contact hears your name, the company and your position."),
    _l("State the purpose of the visit clearly: the customer should feel you came on business."),
    _l("Listen for what they really think and need; write down every opinion, request and suggestion."),
    _l("Answer on the spot what you truly can; take the rest to your manager and come back with the answer."),
    _l("Follow up on what they asked for."),
)
TALKING_POINTS = {
    ROUTINE_CARE: _l("Ask how the company is doing and whether our service leaves anything to wish for."),
    LATE_PAYMENT: _l("Bring what is due and since when; ask kindly what keeps the payment back, and agree a day."),
    COMPLAINT: _l("Bring the history of the complaint; listen to the end before answering, and say what happens "
                  "next and by when."),
    SURVEY: _l("Bring the satisfaction survey; go through every question and write down the reasons of a low "
               "score."),
    RENEWAL: _l("Bring the lease's end date and terms; ask about their plans for space and what would make them "
                "stay."),
}


def _companies(site):
    """The companies the user plans and records visits for: their portfolio, or all with visits.all."""
    return queries.companies(site.id, manager_id=None if current_user.can(VISITS_ALL) else current_user.id)


def _before_you_go(site, customer_id, companies):
    """What to know before visiting one of `companies`: the last visits, open commitments and work orders."""
    company = next((c for c in companies if c.customer_id == customer_id), None)
    if company is None:
        return None
    return {"company": company, "visits": queries.company_visits(customer_id, limit=3),
            "commitments": queries.open_commitments(site.id, customer_id=customer_id, limit=5),
            "orders": queries.open_work_orders(customer_id, limit=5)}


def _own(visit) -> bool:
    return visit.manager_id == current_user.id and current_user.can(VISITS_RECORD)


def _not_yours(visit):
    """The visit's manager alone changes it: anybody else goes back to the visit, told why."""
    flash(_("Visit %(number)s is %(manager)s's: only they change it.", number=visit.number,
            manager=visit.manager.full_name), "error")
    return redirect(url_for(".visit", visit_id=visit.id))


def _back_to_visit(message, visit_id):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".visit", visit_id=visit_id))


# --- the plan ------------------------------------------------------------------------------------

def _plan_page(site, form, visit=None, status=200):
    companies = _companies(site) if visit is None else []
    if visit is None:
        form.customer_id.choices = [(0, "—")] + [(c.customer_id, c.name) for c in companies]
    chosen = visit.customer_id if visit is not None else form.customer_id.data
    return render_template("visits/plan_form.html", form=form, visit=visit, today=clock.business_day(),
                           steps=VISIT_STEPS, talking_points=TALKING_POINTS,
                           before=_before_you_go(site, chosen, companies) if visit is None else None), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def plan():
    site = desk_site_or_404()
    form = PlanForm()
    if request.method == "GET":
        form.customer_id.data, form.visit_on.data = int_arg("customer_id", 0), clock.business_day()
        return _plan_page(site, form)[0]
    if not form.validate():
        return _plan_page(site, form, status=INVALID)
    try:
        visit = services.plan_visit(site, customer_id=form.customer_id.data or None, visit_on=form.visit_on.data,
                                    mode=form.mode.data, purpose=form.purpose.data, meet=form.meet.data,
                                    preparation=form.preparation.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _plan_page(site, form, status=INVALID)
    return _back_to_visit(_("Visit %(number)s to %(company)s is planned for %(day)s.", number=visit.number,
                            company=visit.customer.name, day=visit.visit_on.isoformat()), visit.id)


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def replan(visit_id):
    visit = visit_or_404(visit_id)
    if not _own(visit):
        return _not_yours(visit)
    if visit.status != PLANNED:
        flash(_("Visit %(number)s is not planned any more.", number=visit.number), "error")
        return redirect(url_for(".visit", visit_id=visit.id))
    form = ReplanForm(obj=visit) if request.method == "GET" else ReplanForm()
    if request.method == "GET" or not form.validate():
        return _plan_page(visit.site, form, visit, 200 if request.method == "GET" else INVALID)
    try:
        services.replan_visit(visit, visit_on=form.visit_on.data, mode=form.mode.data, purpose=form.purpose.data,
                              meet=form.meet.data, preparation=form.preparation.data, actor=current_user,
                              now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _plan_page(visit.site, form, db.session.get(CustomerVisit, visit_id), INVALID)
    return _back_to_visit(_("The plan of visit %(number)s is changed.", number=visit.number), visit.id)


@bp.post("/<int:visit_id>/cancel")
@permission_required(VISITS_RECORD)
def cancel(visit_id):
    visit = visit_or_404(visit_id)
    form = CancelForm()
    if not form.validate():
        return _visit_page(visit, cancel_form=form, status=INVALID)
    try:
        services.cancel_visit(visit, reason=form.reason.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _visit_page(db.session.get(CustomerVisit, visit_id), cancel_form=form, status=INVALID)
    return _back_to_visit(_("Visit %(number)s is cancelled.", number=visit.number), visit.id)


# --- the visit -----------------------------------------------------------------------------------

def _surveys(visit_id):
    """The surveys of a visit with how many questions were scored and their average."""
    rows = []
    for response in queries.visit_surveys(visit_id):
        scores = [a.score for a in response.answers if a.score is not None]
        rows.append((response, len(scores), average(sum(scores), len(scores))))
    return rows


def _visit_page(visit, cancel_form=None, status=200):
    return render_template(
        "visits/visit.html", visit=visit, own=_own(visit), surveys=_surveys(visit.id),
        cancel_form=cancel_form or CancelForm(formdata=None), work_order_kinds=WORK_ORDER_KIND,
        order_status_labels={code: str(label) for code, label in ORDER_STATUS_LABELS.items()},
        today=clock.business_day(),
        may_keep=lambda c: c.done_at is None and (current_user.id in (c.owner_id, visit.manager_id)
                                                  or current_user.can(VISITS_ALL))), status


@bp.get("/<int:visit_id>")
@permission_required(VISITS_RECORD, VISITS_ALL)
def visit(visit_id):
    return _visit_page(visit_or_404(visit_id))[0]


@bp.post("/commitments/<int:commitment_id>/done")
@permission_required(VISITS_RECORD, VISITS_ALL)
def commitment_done(commitment_id):
    commitment = site_record_or_404(Commitment, commitment_id, desk_site_or_404())
    form = CommitmentDoneForm()
    back = safe_next(form.next.data, url_for(".visit", visit_id=commitment.visit_id))
    try:
        if not form.validate():
            raise DomainError(" ".join(str(e) for e in form.note.errors) or _("Say how the commitment was kept."))
        services.complete_commitment(commitment, note=form.note.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Commitment kept: %(text)s", text=commitment.text), "success")
    return redirect(back)


# --- the record ----------------------------------------------------------------------------------

def _linked_items(visit) -> list:
    """The items of a visit that became work orders: they stay as they are."""
    return [i for i in visit.items if i.work_order_id] if visit is not None else []


def _record_page(site, form, visit=None, status=200):
    companies = _companies(site) if visit is None else []
    form.customer_id.choices = [(0, "—")] + [(c.customer_id, c.name) for c in companies]
    return render_template("visits/record_form.html", form=form, visit=visit, fixed_items=_linked_items(visit),
                           kept=visit.commitments if visit is not None else []), status


def _record_form(site, visit=None) -> RecordForm:
    """The record form: on GET filled from the visit (its plan, or what was recorded), else from the request."""
    owners = {"owners": queries.staff(site.id), "default_owner": current_user.id}
    if request.method == "POST":
        return RecordForm(**owners)
    if visit is None:
        form = RecordForm(formdata=None, customer_id=int_arg("customer_id", 0), **owners)
    else:
        items = [{"item_id": i.id, "kind": i.kind, "text": i.text, "answer": i.answer}
                 for i in visit.items if not i.work_order_id]
        form = RecordForm(formdata=None, **owners, mode=visit.mode, purpose=visit.purpose,
                          attendees=visit.attendees or visit.meet, summary=visit.summary,
                          follow_up_on=visit.follow_up_on, items=items + [{}] * 2)
        if visit.visited_at is not None:
            form.visited_at.data = clock.local(visit.visited_at).replace(tzinfo=None)
    if form.visited_at.data is None:
        form.visited_at.data = clock.local(clock.now()).replace(tzinfo=None, second=0, microsecond=0)
    return form


def _record(site, visit=None):
    """The record form of a visit (or of one not planned): shown, sent back with its errors, or saved."""
    form = _record_form(site, visit)
    if request.method == "GET":
        return _record_page(site, form, visit)[0]
    if form.action.data == "more":
        form.add_rows()
        return _record_page(site, form, visit)[0]
    if not form.validate():
        return _record_page(site, form, visit, INVALID)
    items, commitments = form.entries(_linked_items(visit))
    try:
        visit = services.record_visit(
            site, visit=visit, customer_id=form.customer_id.data or None, visited_at=form.visited_instant(),
            mode=form.mode.data, purpose=form.purpose.data, attendees=form.attendees.data, summary=form.summary.data,
            items=items, commitments=commitments, follow_up_on=form.follow_up_on.data, actor=current_user,
            now=clock.now())
    except DomainError as e:
        db.session.rollback()
        form.show_error(e)
        return _record_page(site, form, db.session.get(CustomerVisit, visit.id) if visit else None, INVALID)
    return _back_to_visit(_("Visit %(number)s to %(company)s is recorded.", number=visit.number,
                            company=visit.customer.name), visit.id)


@bp.route("/record", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def record_new():
    return _record(desk_site_or_404())


@bp.route("/<int:visit_id>/record", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def record(visit_id):
    visit = visit_or_404(visit_id)
    if not _own(visit):
        return _not_yours(visit)
    if visit.status == CANCELLED:
        flash(_("Visit %(number)s was cancelled.", number=visit.number), "error")
        return redirect(url_for(".visit", visit_id=visit.id))
    return _record(visit.site, visit)


# --- a request becomes a work order --------------------------------------------------------------

def _work_order_page(item, form, status=200):
    site, customer = item.visit.site, item.visit.customer
    form.unit_id.choices = [(0, "—")] + [(u.id, u.number) for u in queries.units_held(customer.id,
                                                                                       clock.business_day())]
    form.building_id.choices = [(0, "—")] + building_choices(site.id)
    return render_template("visits/work_order_form.html", form=form, item=item, visit=item.visit,
                           kind_label=ITEM_LABELS[item.kind]), status


@bp.route("/items/<int:item_id>/work-order", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def work_order(item_id):
    item = db.session.get(VisitItem, item_id)
    if item is None:
        abort(404)
    visit = visit_or_404(item.visit_id)
    if not _own(visit):
        return _not_yours(visit)
    if item.work_order_id is not None:
        flash(_("This item is work order %(number)s already.", number=item.work_order.number), "info")
        return redirect(url_for(".visit", visit_id=visit.id))
    if request.method == "GET":
        if visit.status != RECORDED or item.kind not in WORK_ORDER_KIND:
            flash(_("Only a request or a complaint of a recorded visit becomes a work order."), "error")
            return redirect(url_for(".visit", visit_id=visit.id))
        units = queries.units_held(visit.customer_id, clock.business_day())
        form = WorkOrderForm(formdata=None, category=rules.likely_category(item.text), phone=visit.customer.phone or "",
                             unit_id=units[0].id if units else 0)
        return _work_order_page(item, form)[0]
    form = WorkOrderForm()
    if not form.validate():
        return _work_order_page(item, form, INVALID)
    try:
        order = services.item_to_work_order(item, category=form.category.data, unit_id=form.unit_id.data or None,
                                            building_id=form.building_id.data or None,
                                            place_note=form.place_note.data or "", phone=form.phone.data or "",
                                            actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        form.show_error(e)
        return _work_order_page(db.session.get(VisitItem, item_id), form, INVALID)
    return _back_to_visit(_("Work order %(number)s is logged for %(company)s; you follow it to the end.",
                            number=order.number, company=visit.customer.name), visit.id)


# --- surveys, questionnaire, report, register, exports -------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTER_PAGE = 100  # visits a page of the register; the export has them all


def _arg_id(name):
    """An id given in the query string: none when absent, 404 when it is not one."""
    if not request.args.get(name):
        return None
    value = int_arg(name)
    if value is None:
        abort(404)
    return value


def _xlsx(data, name):
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


# --- the survey form -----------------------------------------------------------------------------

def _surveyed_company(site, visit):
    """The company the form is for when the link names it (through the visit or customer_id)."""
    if visit is not None:
        return visit.customer
    customer_id = _arg_id("customer_id")
    if customer_id is None:
        return None
    customer = site_record_or_404(Customer, customer_id, site)
    if customer.kind != "company":
        abort(404)
    return customer


def _survey_form_page(form, questionnaire, company, visit, status=200):
    companies = [] if company else queries.companies(
        questionnaire.site_id, manager_id=None if current_user.can(VISITS_ALL) else current_user.id)
    form.customer_id.choices = [(0, _("Choose a company"))] + [(c.customer_id, c.name) for c in companies]
    return render_template("visits/survey_form.html", form=form, questionnaire=questionnaire, company=company,
                           visit=visit, scores=SCORES, score_words=score_words, not_applicable=NOT_APPLICABLE), status


@bp.route("/surveys/new", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def survey_new():
    site = desk_site_or_404()
    visit_id = _arg_id("visit_id")
    visit = visit_or_404(visit_id) if visit_id else None
    company = _surveyed_company(site, visit)
    questionnaire = services.questionnaire_for(site, now=clock.now())
    db.session.commit()  # the first form of a site starts its questionnaire
    form = survey_form(questionnaire.questions)(taken_on=clock.business_day(), questionnaire_id=questionnaire.id)
    if not form.validate_on_submit():
        return _survey_form_page(form, questionnaire, company, visit, INVALID if form.is_submitted() else 200)
    try:
        response = services.record_survey(
            site, customer_id=company.id if company else form.customer_id.data,
            questionnaire_id=form.questionnaire_id.data, answers=form.answer_inputs(), respondent=form.respondent.data,
            taken_on=form.taken_on.data, comment=form.comment.data, visit=visit, actor=current_user, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        if form.questionnaire_id.data != questionnaire.id:
            form.carry_over(queries.questions_of(site.id, form.questionnaire_id.data), request.form)
        return _survey_form_page(form, questionnaire, company, visit, INVALID)
    db.session.commit()
    flash(_("The survey of %(company)s is saved.", company=response.customer.name), "success")
    return redirect(url_for("visits.survey", response_id=response.id))


@bp.get("/surveys/<int:response_id>")
@permission_required(VISITS_RECORD, VISITS_ALL)
def survey(response_id):
    response = site_record_or_404(SurveyResponse, response_id, desk_site_or_404())
    # the manager who took it and the company's manager now; every survey for visits.all
    if not current_user.can(VISITS_ALL) and current_user.id not in (response.taken_by_id,
                                                                      queries.manager_of(response.customer_id)):
        abort(404)
    visit = db.session.get(CustomerVisit, response.visit_id) if response.visit_id else None
    scores = [a.score for a in response.answers if a.score is not None]
    return render_template("visits/survey.html", response=response, score_words=score_words,
                           visit_number=getattr(visit, "number", None), average=rules.average(sum(scores), len(scores)))


# --- the questionnaire ---------------------------------------------------------------------------

def _saved_message(version, saved) -> str:
    if saved.version != version:
        return _("The questions are saved as version %(version)s. The surveys answered on version %(old)s keep "
                 "the questions they answered.", version=saved.version, old=version)
    return _("Version %(version)s is changed: no survey had answered it yet.", version=saved.version)


@bp.route("/questionnaire", methods=["GET", "POST"])
@permission_required(VISITS_SETTINGS)
def questionnaire():
    site = desk_site_or_404()
    current = services.questionnaire_for(site, now=clock.now())
    db.session.commit()  # the page shows the questionnaire in use, the standard one the first time
    form = QuestionnaireForm(rows=question_rows(current.questions))
    if form.validate_on_submit():
        version, questions = current.version, form.questions()
        if questions == [(q.dimension, q.text) for q in current.questions]:
            flash(_("Nothing was changed."), "info")
            return redirect(url_for("visits.questionnaire"))
        try:
            saved = services.save_questionnaire(site, questions, actor=current_user, now=clock.now())
        except DomainError as error:
            db.session.rollback()
            if not form.show_error(error):
                show_error(None, error)
        else:
            db.session.commit()
            flash(_saved_message(version, saved), "success")
            return redirect(url_for("visits.questionnaire"))
    return render_template("visits/questionnaire.html", form=form, versions=queries.questionnaire_versions(site.id)), \
        INVALID if form.is_submitted() else 200


# --- the survey report ---------------------------------------------------------------------------

def _report_form(site):
    today = clock.business_day()
    form = SurveyReportForm(request.args, buildings=building_choices(site.id), today=today,
                            default_start=twelve_months_back(today), max_days=MAX_REPORT_DAYS)
    return form, form.validate()


@bp.get("/surveys")
@permission_required(VISITS_ALL)
def surveys():
    site = desk_site_or_404()
    form, valid = _report_form(site)
    if not valid:
        return render_template("visits/surveys.html", site=site, form=form, report=None), INVALID
    report = queries.survey_report(site.id, form.start.data, form.end.data, building_id=form.building_id)
    return render_template("visits/surveys.html", site=site, form=form, report=report, months=form.months)


@bp.get("/surveys.xlsx")
@permission_required(VISITS_ALL)
def surveys_xlsx():
    site = desk_site_or_404()
    form, valid = _report_form(site)
    if not valid:
        return render_template("visits/surveys.html", site=site, form=form, report=None), INVALID
    rows = queries.survey_export_rows(site.id, form.start.data, form.end.data, building_id=form.building_id)
    return _xlsx(surveys_workbook(site, rows, form.start.data, form.end.data),
                 f"surveys-{form.start.data.isoformat()}-{form.end.data.isoformat()}")


# --- the visit register --------------------------------------------------------------------------

def _register_form(site):
    today = clock.business_day()
    everyone = current_user.can(VISITS_ALL)
    form = RegisterForm(request.args, managers=queries.account_managers(site.id) if everyone else None, today=today,
                        default_start=today.replace(day=1), max_days=MAX_REGISTER_DAYS)
    if not form.validate():
        return form, False, None
    return form, True, form.manager_id if everyone else current_user.id  # a manager's own visits


@bp.get("/register")
@permission_required(VISITS_RECORD, VISITS_ALL)
def register():
    site = desk_site_or_404()
    form, valid, manager_id = _register_form(site)
    if not valid:
        return render_template("visits/register.html", form=form, visits=None), INVALID
    found = queries.visit_register_page(site.id, form.start.data, form.end.data, manager_id=manager_id,
                                        page=int_arg("page", 1), per_page=REGISTER_PAGE)
    orders, owners = queries.register_names(found.items)
    return render_template("visits/register.html", form=form, visits=found.items, page=found, orders=orders,
                           owners=owners, args={k: v for k, v in request.args.items() if k != "page"},
                           today=clock.business_day())


@bp.get("/register.xlsx")
@permission_required(VISITS_RECORD, VISITS_ALL)
def register_xlsx():
    site = desk_site_or_404()
    form, valid, manager_id = _register_form(site)
    if not valid:
        return render_template("visits/register.html", form=form, visits=None), INVALID
    rows = queries.register_rows(site.id, form.start.data, form.end.data, manager_id=manager_id)
    return _xlsx(register_workbook(site, rows, form.start.data, form.end.data),
                 f"visits-{form.start.data.isoformat()}-{form.end.data.isoformat()}")


# --- case studies and the visit record PDF -------------------------------------------------------

CASE_SEARCH_MAX = 100  # characters of a search; the query reads its first five words
CASE_TITLE_MAX = 100  # a title filled in from a long company name is cut to what the service keeps


# --- the visit record PDF ------------------------------------------------------------------------

@bp.get("/<int:visit_id>/pdf")
@permission_required(VISITS_RECORD, VISITS_ALL)
def visit_pdf(visit_id):
    visit = visit_or_404(visit_id)
    return pdf_response(pdf.visit_record(queries.visit_sheet(visit)), visit.number)


# --- case studies --------------------------------------------------------------------------------

@bp.get("/cases")
@permission_required(VISITS_CASES)
def cases():
    site = desk_site_or_404()
    q, page = (request.args.get("q") or "").strip()[:CASE_SEARCH_MAX], int_arg("page", 1)
    found = queries.case_studies(site.id, q=q, page=page)
    return render_template("visits/cases.html", rows=found.items, q=q, page=found,
                           sources=queries.case_source_numbers([row.id for row in found.items]))


def _may_edit(case) -> bool:
    """What the case page offers; the service checks it again."""
    return case.author_id == current_user.id or current_user.can(VISITS_ALL)


def _sources(site, form):
    """The visit and the work order the form names, each only when it is the site's (and an id)."""
    visit_id, order_id = (None if field.errors else field.data for field in (form.visit_id, form.work_order_id))
    visit = db.session.get(CustomerVisit, visit_id) if visit_id else None
    order = db.session.get(WorkOrder, order_id) if order_id else None
    return (visit if visit is not None and visit.site_id == site.id else None,
            order if order is not None and order.site_id == site.id else None)


def _from_visit(visit) -> tuple[str, str]:
    """A title and the situation, from what the visit's record says."""
    purpose = str(rules.PURPOSE_LABELS[visit.purpose])
    lines = [_("%(company)s, %(purpose)s (%(mode)s), visit %(number)s of %(day)s.", company=visit.customer.name,
               purpose=purpose, mode=rules.MODE_LABELS[visit.mode], number=visit.number, day=day(visit.visit_on))]
    if visit.items:
        lines.append(_("What the customer said:"))
    for n, item in enumerate(visit.items, 1):
        said = f"{n}. {rules.ITEM_LABELS[item.kind]}: {item.text}"
        lines.append(said + (" " + _("(answered on the spot: %(answer)s)", answer=item.answer) if item.answer else ""))
    if visit.summary:
        lines.append(visit.summary)
    return _("%(company)s: %(purpose)s", company=visit.customer.name, purpose=purpose), "\n".join(lines)


def _from_order(order) -> tuple[str, str, str]:
    """A title, the situation and what was done, from the work order."""
    category = str(CATEGORY_LABELS.get(order.category, order.category))
    situation = _("Work order %(number)s (%(category)s, %(place)s): %(description)s", number=order.number,
                  category=category, place=order.place, description=order.description)
    return f"{order.number} {category}", situation, order.completion_note or ""


def _prefill(site, form):
    """The record filled in from the source the address names; a source of another site (or none
    at all) is said next to the source and left out."""
    visit, order = _sources(site, form)
    if form.visit_id.data and visit is None:
        form.visit_id.errors, form.visit_id.data = [_("No such visit at this site.")], None
    if form.work_order_id.data and order is None:
        form.work_order_id.errors, form.work_order_id.data = [_("No such work order at this site.")], None
    situations = []
    if visit is not None:
        title, said = _from_visit(visit)
        form.title.data = title[:CASE_TITLE_MAX]
        situations.append(said)
    if order is not None:
        title, said, done = _from_order(order)
        form.title.data, form.action.data = form.title.data or title[:CASE_TITLE_MAX], done
        situations.append(said)
    form.situation.data = "\n\n".join(situations)


def _source_links(visit, order) -> dict:
    """Which of the sources the user may open: a visit is its manager's or visits.all's."""
    user = current_user
    return {"visit": visit is not None and (user.can(VISITS_ALL) or (user.can(VISITS_RECORD)
                                                                     and visit.manager_id == user.id)),
            "order": order is not None and (user.can(WORKORDERS_LOG) or user.can(WORKORDERS_VIEW))}


def _case_form_page(site, form, case=None, status=200):
    visit, order = _sources(site, form) if case is None else (case.visit, case.work_order)
    return render_template("visits/case_form.html", form=form, case=case, visit=visit, order=order,
                           links=_source_links(visit, order)), status


def _case_fields(form) -> dict:
    return {"title": form.title.data, "situation": form.situation.data, "action": form.action.data,
            "result": form.result.data, "lesson": form.lesson.data}


@bp.route("/cases/new", methods=["GET", "POST"])
@permission_required(VISITS_CASES)
def case_new():
    site = desk_site_or_404()
    if request.method == "GET":
        form = CaseForm(formdata=None, visit_id=int_arg("visit_id"), work_order_id=int_arg("work_order_id"))
        _prefill(site, form)
        return _case_form_page(site, form, status=INVALID if form.errors else 200)
    form = CaseForm()
    if not form.validate():
        return _case_form_page(site, form, status=INVALID)
    try:
        case = services.save_case(site, **_case_fields(form), visit_id=form.visit_id.data,
                                  work_order_id=form.work_order_id.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _case_form_page(site, form, status=INVALID)
    db.session.commit()
    flash(_("The case study is saved."), "success")
    return redirect(url_for(".case", case_id=case.id))


def _case_page(case, status=200):
    return render_template("visits/case.html", case=case, may_edit=_may_edit(case),
                           links=_source_links(case.visit, case.work_order)), status


@bp.get("/cases/<int:case_id>")
@permission_required(VISITS_CASES)
def case(case_id):
    return _case_page(site_record_or_404(CaseStudy, case_id, desk_site_or_404()))[0]


def _refused(case, message):
    flash(message, "error")
    return _case_page(case, 403)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@permission_required(VISITS_CASES)
def case_edit(case_id):
    site = desk_site_or_404()
    case = site_record_or_404(CaseStudy, case_id, site)
    form = CaseForm(formdata=None, obj=case) if request.method == "GET" else CaseForm()
    if request.method == "GET" or not form.validate():
        if not _may_edit(case):
            return _refused(case, _("This case study is %(author)s's.", author=case.author.full_name))
        return _case_form_page(site, form, case, 200 if request.method == "GET" else INVALID)
    try:
        services.save_case(site, **_case_fields(form), case=case, actor=current_user, now=clock.now())
    except NotAllowed as e:
        db.session.rollback()
        return _refused(case, str(e))
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _case_form_page(site, form, case, INVALID)
    db.session.commit()
    flash(_("The case study is saved."), "success")
    return redirect(url_for(".case", case_id=case.id))
