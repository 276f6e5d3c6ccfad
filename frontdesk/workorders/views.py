"""HTTP of work orders. Thin: load, authorize, validate the form, call one service, commit, redirect."""
from datetime import datetime

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from ..auth.permissions import (
    WORKORDERS_CHASE, WORKORDERS_LOG, WORKORDERS_SETTINGS, WORKORDERS_VIEW, WORKORDERS_WORK, permission_required,
)
from ..billing.queries import desk_site, one_off_items
from ..core import clock
from ..core.errors import DomainError
from ..core.http import int_arg, pdf_response, safe_next, show_error, site_record_or_404
from ..core.templating import can_see_contact_details, mask_phone
from ..core.uploads import MAX_PHOTO_BYTES
from ..estate.queries import building_choices
from ..extensions import db
from ..visits.queries import visit_of_work_order
from . import bp, pdf, queries, rules, services
from .forms import (
    CalendarDayForm, CallbackForm, CallbackPolicyForm, CancelForm, ChaseForm, DepartmentForm, DispatchForm,
    HandoverForm, HoldForm, LogForm, NoteForm, OrderButtonForm, OrderFilterForm, PhotoForm, QuoteForm, TimeLimitForm,
)
from .models import (
    CALLBACK_REQUIRED, CALLED_BACK, CANCELLED, CATEGORIES, CLOSED, COMPLAINT, COMPLETED, COMPLEXITIES, DISPATCHED,
    EMERGENCY, HOURS, IN_PROGRESS, KINDS, MINUTES, NEW, NORMAL, ON_HOLD, OPEN_STATUSES, ORDINARY, STATUSES,
    CalendarDay, ChaseNotice, Department, Handover, TimeLimit, WorkOrder, WorkOrderPhoto,
)

INVALID = 422  # a form sent back with its errors
DESK_PAGE_SIZE = 50
# the action forms of the order page, each under its own prefix so their fields never share a name
ACTION_FORMS = {"quote": QuoteForm, "dispatch": DispatchForm, "hold": HoldForm, "reply": NoteForm,
                "complete": NoteForm, "callback": CallbackForm, "cancel": CancelForm, "photos": PhotoForm,
                "button": OrderButtonForm}


@bp.context_processor
def labels():
    # translated once a page, not once a row
    def plain(labels):
        return {code: str(label) for code, label in labels.items()}

    return {"kind_labels": plain(rules.KIND_LABELS), "channel_labels": plain(rules.CHANNEL_LABELS),
            "category_labels": plain(rules.CATEGORY_LABELS), "wo_status_labels": plain(rules.STATUS_LABELS),
            "urgency_labels": plain(rules.URGENCY_LABELS), "hold_labels": plain(rules.HOLD_REASON_LABELS),
            "complexity_labels": plain(rules.COMPLEXITY_LABELS), "event_labels": plain(rules.EVENT_LABELS),
            "unit_labels": plain(rules.UNIT_LABELS), "callback_labels": plain(rules.CALLBACK_LABELS),
            "time_left": _time_left_in_words(), "limit_text": limit_text, "frozen_instant": frozen_instant}


def _time_left_in_words():
    """A function saying "3 h 20 min left" or "1 d 2 h late" for a deadline, None when there is none
    (on hold). The words are translated once a page: lists call it for every row."""
    day, hour, minute = _("%(num)s d"), _("%(num)s h"), _("%(num)s min")
    late_text, left_text = _("%(time)s late"), _("%(time)s left")

    def time_left(due, now) -> dict | None:
        if due is None:
            return None
        seconds = (due - now).total_seconds()
        days, rest = divmod(int(abs(seconds)) // 60, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [day % {"num": days} if days else "", hour % {"num": hours} if hours else "",
                 minute % {"num": minutes} if minutes and not days else ""]
        span = " ".join(p for p in parts if p) or minute % {"num": 0}
        late = seconds < 0
        return {"late": late, "text": (late_text if late else left_text) % {"time": span}}

    return time_left


def limit_text(limit) -> str:
    """"10 minutes", "1 working day": a time limit as the clerk says it."""
    if limit.unit == MINUTES:
        return ngettext("%(num)s minute", "%(num)s minutes", limit.amount)
    if limit.unit == HOURS:
        return ngettext("%(num)s hour", "%(num)s hours", limit.amount)
    return ngettext("%(num)s working day", "%(num)s working days", limit.amount)


def frozen_instant(value) -> str:
    """An instant frozen in a snapshot (ISO text), as Shanghai wall time."""
    return clock.local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M") if value else ""


def _desk_site():
    site = desk_site(current_user)
    if site is None:
        abort(404)
    return site


def _order_or_404(order_id) -> WorkOrder:
    """An order of the desk's site; a technician who only works on orders sees their own only."""
    order = site_record_or_404(WorkOrder, order_id, _desk_site())
    if not (current_user.can(WORKORDERS_LOG) or current_user.can(WORKORDERS_VIEW)) \
            and order.assignee_id != current_user.id:
        abort(404)
    return order


def _uploads(field) -> list[bytes]:
    """The files of a file field, each read to one byte past the limit (the service says it is too large)."""
    return [f.read(MAX_PHOTO_BYTES + 1) for f in (field.data or []) if getattr(f, "filename", None)]


# --- the desk ----------------------------------------------------------------------------------

def _desk_page(form=None, status=200):
    site = _desk_site()
    form = form or LogForm()
    form.building_id.choices = [(0, "—")] + building_choices(site.id)
    page = queries.orders_page(site.id, statuses=OPEN_STATUSES, page=int_arg("page", 1), per_page=DESK_PAGE_SIZE)
    now = clock.now()
    return render_template("workorders/desk.html", form=form, site=site, page=page, now=now,
                           greeting=rules.greeting(clock.business_day(now), rules.centre_name(site))), status


@bp.get("/")
@permission_required(WORKORDERS_LOG, WORKORDERS_VIEW)
def desk():
    return _desk_page()[0]


def _report(site, form) -> "services.Report":
    """Who called and where, from the form (the unit as typed)."""
    unit = queries.unit_by_number(site.id, form.place.data) if form.place.data else None
    return services.Report(reporter_name=form.reporter_name.data or "", reporter_phone=form.reporter_phone.data or "",
                           unit_id=unit.id if unit else None, building_id=form.building_id.data or None,
                           place_note=form.place_note.data or "",
                           customer_id=int(form.customer_id.data) if form.customer_id.data else None)


@bp.post("/log")
@permission_required(WORKORDERS_LOG)
def log():
    site = _desk_site()
    form = LogForm()
    form.building_id.choices = []
    if not form.validate():
        return _desk_page(form, INVALID)
    now = clock.now()
    try:
        if form.link_to.data:
            order = site_record_or_404(WorkOrder, form.link_to.data, site)
            services.link_report(order, report=_report(site, form), channel=form.channel.data,
                                      note=form.description.data or "", actor=current_user, now=now)
            message = _("The call is linked to work order %(number)s: %(num)s callers have reported it.",
                        number=order.number, num=order.reporters)
        else:
            order = services.log_order(
                site, kind=form.kind.data, channel=form.channel.data, category=form.category.data,
                description=form.description.data, report=_report(site, form),
                urgency=EMERGENCY if form.emergency.data else NORMAL, complexity=form.complexity.data,
                photos=_uploads(form.photos), answered=form.answered.data, answer=form.answer.data or "",
                actor=current_user, now=now)
            message = _("Work order %(number)s logged.", number=order.number)
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _desk_page(form, INVALID)
    target = url_for(".order", order_id=order.id)
    db.session.commit()
    flash(message, "success")
    return redirect(target)


@bp.get("/callers")
@permission_required(WORKORDERS_LOG)
def callers():
    """Suggestions for the caller field: name, phone (whole only for roles that see contact
    details: the desk then uses the phone on file), unit."""
    found = queries.find_reporters(_desk_site().id, request.args.get("q", "")[:100], clock.business_day())
    whole = can_see_contact_details()
    return jsonify([{**r, "phone": r["phone"] if whole else "", "phone_shown": mask_phone(r["phone"])}
                    for r in found])


@bp.get("/duplicates")
@permission_required(WORKORDERS_LOG)
def duplicates():
    """Open orders that may be the same problem as the call being logged."""
    site = _desk_site()
    unit_text = request.args.get("unit", "")[:30].strip()
    unit = queries.unit_by_number(site.id, unit_text) if unit_text else None
    building_id = unit.building_id if unit else int_arg("building_id")
    category = request.args.get("category", "")
    found = queries.possible_duplicates(site.id, category, clock.now(), building_id=building_id,
                                             unit_id=unit.id if unit else None) if category in CATEGORIES else []
    return jsonify(unit=unit.number if unit else None, unknown_unit=bool(unit_text and not unit), orders=[
        {"id": o.id, "number": o.number, "place": o.place, "description": o.description[:80],
         "status": str(rules.STATUS_LABELS[o.status]), "reporters": o.reporters,
         "logged_at": clock.local(o.logged_at).strftime("%m-%d %H:%M")} for o in found])


@bp.get("/limits")
@permission_required(WORKORDERS_LOG)
def limits():
    """The time limits a call of this kind would get: the read-back promises the first response."""
    args = request.args
    kind = args.get("kind") if args.get("kind") in KINDS else KINDS[0]
    category = args.get("category") if args.get("category") in CATEGORIES else ""
    urgency = EMERGENCY if args.get("urgency") == EMERGENCY else NORMAL
    complexity = args.get("complexity") if kind == COMPLAINT and args.get("complexity") in COMPLEXITIES else ORDINARY
    found = services.limits_for(_desk_site().id, kind, category, urgency, complexity)
    return jsonify(response=limit_text(found.response), target=limit_text(found.target),
                   hard=limit_text(found.hard))


# --- one order ---------------------------------------------------------------------------------

def _order_actions(order) -> set[str]:
    """The actions the order page offers: allowed by the transition table and by the user's roles
    (a technician acts on their own orders only). The services check all of it again."""
    status, move = order.status, rules.can_move
    logs = current_user.can(WORKORDERS_LOG)
    works = logs or (current_user.can(WORKORDERS_WORK) and order.assignee_id == current_user.id)
    callback_first = status == COMPLETED and queries.callback_policy(order.site_id, order.kind)[0] == \
        CALLBACK_REQUIRED
    offered = {
        "quote": logs and status == NEW and order.unit_id is not None,
        "dispatch": logs and move(status, DISPATCHED),
        "start": works and status != ON_HOLD and move(status, IN_PROGRESS),
        "hold": works and move(status, ON_HOLD),
        "resume": works and status == ON_HOLD and move(status, IN_PROGRESS),
        "reply": logs and status not in (CLOSED, CANCELLED),
        "complete": works and move(status, COMPLETED),
        "callback": logs and move(status, CALLED_BACK),
        "close": logs and move(status, CLOSED) and not callback_first,
        "cancel": logs and move(status, CANCELLED),
        "photos": works and status not in (CLOSED, CANCELLED),
    }
    return {name for name, yes in offered.items() if yes}


def _order_page(order, status=200, **given):
    site = _desk_site()
    forms = {name: given.get(name) or cls(prefix=name) for name, cls in ACTION_FORMS.items()}
    forms["quote"].fee_item_id.choices = [(0, "—")] + [(i.id, i.name) for i in one_off_items(site.id)]
    forms["dispatch"].department_id.choices = [(0, "—")] + [(d.id, d.name) for d in queries.departments(site.id)]
    forms["dispatch"].assignee_id.choices = [(0, _("Any technician of the department"))] + [
        (u.id, u.full_name) for u in queries.technicians(site.id)]
    if not forms["dispatch"].is_submitted():
        forms["dispatch"].department_id.data = order.department_id or 0
        forms["dispatch"].assignee_id.data = order.assignee_id or 0
    if not forms["quote"].is_submitted() and order.reporter_name:
        forms["quote"].agreed_by.data = order.reporter_name
    # the technician sent to the job calls the customer: they see the number whole
    phone = order.reporter_phone if order.assignee_id == current_user.id else mask_phone(order.reporter_phone)
    return render_template("workorders/order.html", order=order, f=forms, actions=_order_actions(order),
                           reports=queries.reports_of(order.id), chases=queries.chase_notices_of(order.id),
                           phone=phone, now=clock.now(), on_hold=order.status == ON_HOLD,
                           from_visit=visit_of_work_order(order.id)), status


@bp.get("/orders/<int:order_id>")
@permission_required(WORKORDERS_LOG, WORKORDERS_VIEW, WORKORDERS_WORK)
def order(order_id):
    return _order_page(_order_or_404(order_id))[0]


@bp.get("/orders/<int:order_id>/photos/<int:photo_id>")
@permission_required(WORKORDERS_LOG, WORKORDERS_VIEW, WORKORDERS_WORK)
def order_photo(order_id, photo_id):
    order = _order_or_404(order_id)
    photo = db.session.get(WorkOrderPhoto, photo_id)
    if photo is None or photo.order_id != order.id:
        abort(404)
    path = services.photo_dir() / photo.file_name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/png" if path.suffix == ".png" else "image/jpeg", max_age=3600)


def _act(order_id, name, change, success):
    """One action of the order page: validate its form, call the service, commit; a refusal is shown
    next to its field on the order page again (or flashed on the technician's page, which sent `back`)."""
    order = _order_or_404(order_id)
    form = ACTION_FORMS[name](prefix=name)
    to_mine = request.form.get("back") == "mine"
    try:
        if not form.validate():
            raise _FormInvalid()
        change(order, form)
    except (DomainError, _FormInvalid) as e:
        db.session.rollback()
        if isinstance(e, DomainError):
            show_error(None if to_mine else form, e)
        if to_mine:
            for errors in form.errors.values():
                for error in errors:
                    flash(str(error), "error")
            return redirect(url_for(".mine"))
        return _order_page(db.session.get(WorkOrder, order.id), INVALID, **{name: form})
    message = success(order)
    target = url_for(".mine") if to_mine else url_for(".order", order_id=order.id)
    db.session.commit()
    flash(message, "success")
    return redirect(target)


class _FormInvalid(Exception):
    """The action's form failed its shape checks: its errors are on its fields already."""


@bp.post("/orders/<int:order_id>/quote")
@permission_required(WORKORDERS_LOG)
def order_quote(order_id):
    return _act(order_id, "quote", lambda order, form: services.record_quote(
        order, amount=form.amount.data, note=form.note.data, agreed_by=form.agreed_by.data, agreed=form.agreed.data,
        fee_item_id=form.fee_item_id.data or None, actor=current_user, now=clock.now()),
        lambda order: _("Quote of %(number)s recorded.", number=order.number))


@bp.post("/orders/<int:order_id>/dispatch")
@permission_required(WORKORDERS_LOG)
def order_dispatch(order_id):
    return _act(order_id, "dispatch", lambda order, form: services.dispatch(
        order, department_id=form.department_id.data or None, assignee_id=form.assignee_id.data or None,
        note=form.note.data or "", actor=current_user, now=clock.now()),
        lambda order: _("Work order %(number)s dispatched to %(department)s.", number=order.number,
                        department=order.department.name))


@bp.post("/orders/<int:order_id>/start")
@permission_required(WORKORDERS_LOG, WORKORDERS_WORK)
def order_start(order_id):
    return _act(order_id, "button", lambda order, form: services.start_work(
        order, actor=current_user, now=clock.now()),
        lambda order: _("Work on %(number)s started.", number=order.number))


@bp.post("/orders/<int:order_id>/hold")
@permission_required(WORKORDERS_LOG, WORKORDERS_WORK)
def order_hold(order_id):
    return _act(order_id, "hold", lambda order, form: services.put_on_hold(
        order, reason=form.reason.data, note=form.note.data or "", actor=current_user, now=clock.now()),
        lambda order: _("Work order %(number)s is on hold: the clock stands still.", number=order.number))


@bp.post("/orders/<int:order_id>/resume")
@permission_required(WORKORDERS_LOG, WORKORDERS_WORK)
def order_resume(order_id):
    return _act(order_id, "button", lambda order, form: services.resume(
        order, actor=current_user, now=clock.now()),
        lambda order: _("Work on %(number)s resumed.", number=order.number))


@bp.post("/orders/<int:order_id>/reply")
@permission_required(WORKORDERS_LOG)
def order_reply(order_id):
    return _act(order_id, "reply", lambda order, form: services.record_reply(
        order, note=form.note.data, actor=current_user, now=clock.now()),
        lambda order: _("Reply to the customer recorded."))


@bp.post("/orders/<int:order_id>/complete")
@permission_required(WORKORDERS_LOG, WORKORDERS_WORK)
def order_complete(order_id):
    return _act(order_id, "complete", lambda order, form: services.complete(
        order, note=form.note.data, actor=current_user, now=clock.now()),
        lambda order: _("Work order %(number)s completed.", number=order.number))


@bp.post("/orders/<int:order_id>/callback")
@permission_required(WORKORDERS_LOG)
def order_callback(order_id):
    return _act(order_id, "callback", lambda order, form: services.record_callback(
        order, satisfaction=form.satisfaction.data, note=form.note.data or "", resolved=form.resolved.data != "no",
        actor=current_user, now=clock.now()),
        lambda order: _("Callback recorded.") if order.status == CALLED_BACK or order.status == CLOSED
        else _("Not resolved: work order %(number)s is sent back to %(department)s.", number=order.number,
               department=order.department.name))


@bp.post("/orders/<int:order_id>/close")
@permission_required(WORKORDERS_LOG)
def order_close(order_id):
    return _act(order_id, "button", lambda order, form: services.close(order, actor=current_user, now=clock.now()),
                lambda order: _("Work order %(number)s closed.", number=order.number))


@bp.post("/orders/<int:order_id>/cancel")
@permission_required(WORKORDERS_LOG)
def order_cancel(order_id):
    return _act(order_id, "cancel", lambda order, form: services.cancel(
        order, reason=form.reason.data, actor=current_user, now=clock.now()),
        lambda order: _("Work order %(number)s cancelled.", number=order.number))


@bp.post("/orders/<int:order_id>/photos")
@permission_required(WORKORDERS_LOG, WORKORDERS_WORK)
def order_photos(order_id):
    return _act(order_id, "photos", lambda order, form: services.add_photos(
        order, _uploads(form.photos), actor=current_user, now=clock.now()),
        lambda order: _("Photos added to %(number)s.", number=order.number))


# --- lists -------------------------------------------------------------------------------------

@bp.get("/orders")
@permission_required(WORKORDERS_LOG, WORKORDERS_VIEW)
def orders():
    form = OrderFilterForm(request.args)
    valid = form.validate()
    status = form.status.data if valid else ""
    statuses = OPEN_STATUSES if status == "open" else (status,) if status in STATUSES else ()
    page = queries.orders_page(
        _desk_site().id, statuses=statuses, kind=form.kind.data if valid else "",
        category=form.category.data if valid else "", q=form.q.data if valid else "",
        start_on=form.start_on.data if valid else None, end_on=form.end_on.data if valid else None,
        page=int_arg("page", 1), per_page=DESK_PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if k != "page" and k in form._fields} if valid else {}
    return render_template("workorders/orders.html", form=form, page=page, args=args,
                           now=clock.now()), 200 if valid else INVALID


@bp.get("/overdue")
@permission_required(WORKORDERS_LOG, WORKORDERS_VIEW)
def overdue():
    now = clock.now()
    found = queries.overdue_orders(_desk_site().id, now)
    return render_template("workorders/overdue.html", orders=found, now=now,
                           chased=queries.latest_chases([o.id for o in found]))


@bp.get("/mine")
@permission_required(WORKORDERS_WORK)
def mine():
    """The technician's own open orders, on a page for a phone."""
    return render_template("workorders/mine.html", orders=queries.technician_orders(current_user.id),
                           now=clock.now(), hold=HoldForm(prefix="hold"), complete=NoteForm(prefix="complete"),
                           button=OrderButtonForm(prefix="button"))


def _checked(form):
    """A button form (CSRF only): a request without a valid token is refused outright."""
    if not form.validate():
        abort(400)
    return form


# --- chase notices -------------------------------------------------------------------------------

@bp.post("/orders/<int:order_id>/chase")
@permission_required(WORKORDERS_CHASE)
def chase_order(order_id):
    order = site_record_or_404(WorkOrder, order_id, _desk_site())
    form = _checked(ChaseForm())
    back = safe_next(form.next.data, url_for(".chase_notices"))
    try:
        notice = services.issue_chase_notice(order, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(back)
    message = _("Chase notice %(number)s issued to %(department)s for work order %(order)s.", number=notice.number,
                department=notice.snapshot["department"], order=notice.snapshot["order"])
    db.session.commit()
    flash(message, "success")
    return redirect(back)


@bp.post("/chase-run")
@permission_required(WORKORDERS_CHASE)
def chase_run():
    form = _checked(ChaseForm())
    back = safe_next(form.next.data, url_for(".chase_notices"))
    try:
        run = services.chase_overdue(_desk_site(), actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Chase run: %(issued)s chase notices issued, %(escalated)s orders escalated to the supervisor.",
            issued=len(run.issued), escalated=len(run.escalated)), "success" if run.issued or run.escalated else "info")
    return redirect(back)


@bp.get("/chase")
@permission_required(WORKORDERS_CHASE, WORKORDERS_VIEW)
def chase_notices():
    site = _desk_site()
    return render_template("workorders/chase_notices.html", site=site, notices=queries.chase_notices(site.id),
                           now=clock.now(), button=ChaseForm())


@bp.get("/chase/<int:notice_id>.pdf")
@permission_required(WORKORDERS_CHASE, WORKORDERS_VIEW)
def chase_notice_pdf(notice_id):
    """The notice as it was issued (the PDF is drawn from its snapshot alone)."""

    notice = site_record_or_404(ChaseNotice, notice_id, _desk_site())
    return pdf_response(pdf.render_chase_notice(notice.snapshot), notice.number)


@bp.post("/chase/<int:notice_id>/reprint")
@permission_required(WORKORDERS_CHASE, WORKORDERS_VIEW)
def chase_notice_reprint(notice_id):
    """A further paper copy, marked 补打 and counted."""

    notice = site_record_or_404(ChaseNotice, notice_id, _desk_site())
    _checked(ChaseForm())
    services.reprint_chase_notice(notice, actor=current_user, now=clock.now())
    data, name = pdf.render_chase_notice(notice.snapshot, reprint=True), notice.number
    db.session.commit()
    return pdf_response(data, name)


# --- shift handover ------------------------------------------------------------------------------

def _handover_page(form=None, status=200):
    site, now = _desk_site(), clock.now()
    form = form or HandoverForm()
    form.incoming_id.choices = [(0, "—")] + [(u.id, u.full_name)
                                             for u in queries.handover_colleagues(site.id, current_user.id)]
    items = [queries.handover_item(order, now) for order in queries.unfinished_orders(site.id)]
    return render_template("workorders/handover.html", site=site, now=now, form=form, items=items,
                           handovers=queries.handovers(site.id)), status


@bp.get("/handover")
@permission_required(WORKORDERS_LOG)
def handover():
    return _handover_page()[0]


@bp.post("/handover")
@permission_required(WORKORDERS_LOG)
def handover_save():
    form = HandoverForm()
    if not form.validate():
        return _handover_page(form, INVALID)
    try:
        made = services.hand_over(_desk_site(), incoming=form.incoming_id.data, note=form.note.data,
                                  actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _handover_page(form, INVALID)
    message = ngettext("The shift is handed over to %(name)s with %(num)s unfinished order.",
                       "The shift is handed over to %(name)s with %(num)s unfinished orders.",
                       len(made.items), name=made.incoming.full_name)
    target = url_for(".handover_view", handover_id=made.id)
    db.session.commit()
    flash(message, "success")
    return redirect(target)


@bp.get("/handover/<int:handover_id>")
@permission_required(WORKORDERS_LOG)
def handover_view(handover_id):
    site = _desk_site()
    return render_template("workorders/handover_view.html", site=site,
                           handover=site_record_or_404(Handover, handover_id, site))


# --- phone help ----------------------------------------------------------------------------------

@bp.get("/phone")
@permission_required(WORKORDERS_LOG, WORKORDERS_VIEW)
def phone():
    site, today = _desk_site(), clock.business_day()
    return render_template("workorders/phone.html", site=site, today=today,
                           greeting=rules.greeting(today, rules.centre_name(site)),
                           festival=str(rules.FESTIVAL_LABELS.get(rules.festival(today), "")),
                           silent_call=rules.SILENT_CALL,
                           phrases_to_use=rules.PHRASES_TO_USE, phrases_to_avoid=rules.PHRASES_TO_AVOID,
                           limits=queries.time_limit_listing(site.id))


# --- settings: departments, time limits, callbacks ------------------------------------------------

def _settings_page(status=200, *, department=None, limit=None, policy=None, calendar=None):
    """The settings page; `department`, `limit` or `policy` is a (form, which row) sent back with its
    errors and shown on that row (row None: the form that adds one)."""
    site = _desk_site()
    return render_template(
        "workorders/settings.html", site=site, departments=queries.departments(site.id, active_only=False),
        limits=queries.time_limit_listing(site.id), policies=queries.callback_policies(site.id),
        department_form=DepartmentForm(formdata=None), limit_form=TimeLimitForm(formdata=None, adding="1"),
        button=ChaseForm(formdata=None), failed_department=department, failed_limit=limit,
        failed_policy=policy, calendar_days=queries.calendar_days(),
        calendar_form=calendar[0] if calendar else CalendarDayForm(formdata=None, prefix="calendar")), status


@bp.get("/settings")
@permission_required(WORKORDERS_SETTINGS)
def settings():
    return _settings_page()[0]


def _settings_save(form, call, message, failed):
    """Validate `form` and call the service, then commit; or the page again with the errors on the
    row `failed` names."""
    if form.validate():
        try:
            call()
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(message(), "success")
            return redirect(url_for(".settings"))
    return _settings_page(INVALID, **{failed[0]: (form, failed[1])})


@bp.post("/settings/departments", defaults={"department_id": None})
@bp.post("/settings/departments/<int:department_id>")
@permission_required(WORKORDERS_SETTINGS)
def department_save(department_id):
    site = _desk_site()
    department = site_record_or_404(Department, department_id, site) if department_id else None
    form = DepartmentForm()
    return _settings_save(
        form, lambda: services.save_department(site, name=form.name.data, phone=form.phone.data,
                                               email=form.email.data, active=form.active.data,
                                               department=department, actor=current_user, now=clock.now()),
        lambda: _("Department %(name)s saved.", name=form.name.data.strip()), ("department", department_id))


@bp.post("/settings/time-limits")
@permission_required(WORKORDERS_SETTINGS)
def time_limit_save():
    site = _desk_site()
    form = TimeLimitForm()
    key = (form.kind.data, form.category.data or "", form.urgency.data or "", form.complexity.data or "")
    return _settings_save(
        form, lambda: services.save_time_limit(
            site, kind=key[0], category=key[1], urgency=key[2], complexity=key[3],
            response=(form.response_amount.data, form.response_unit.data),
            target=(form.target_amount.data, form.target_unit.data),
            hard=(form.hard_amount.data, form.hard_unit.data), actor=current_user, now=clock.now()),
        lambda: _("Time limits saved. Orders logged from now on get them; orders already logged keep theirs."),
        ("limit", None if form.adding.data else key))


@bp.post("/settings/time-limits/<int:row_id>/delete")
@permission_required(WORKORDERS_SETTINGS)
def time_limit_delete(row_id):
    row = site_record_or_404(TimeLimit, row_id, _desk_site())
    _checked(ChaseForm())
    try:
        services.delete_time_limit(row, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for(".settings"))
    db.session.commit()
    flash(_("The narrowed time limit is removed: the kind's own limits apply again."), "success")
    return redirect(url_for(".settings"))


@bp.post("/settings/callbacks")
@permission_required(WORKORDERS_SETTINGS)
def callback_policy_save():
    site = _desk_site()
    form = CallbackPolicyForm()
    return _settings_save(
        form, lambda: services.save_callback_policy(site, kind=form.kind.data, policy=form.policy.data,
                                                    within_days=form.within_days.data, actor=current_user,
                                                    now=clock.now()),
        lambda: _("Callback policy saved for %(kind)s.", kind=rules.KIND_LABELS[form.kind.data]),
        ("policy", form.kind.data))


@bp.post("/settings/calendar")
@permission_required(WORKORDERS_SETTINGS)
def calendar_day_save():
    form = CalendarDayForm(prefix="calendar")
    return _settings_save(
        form, lambda: services.set_calendar_day(form.day.data, working=form.working.data == "1", name=form.name.data,
                                                actor=current_user, now=clock.now()),
        lambda: _("%(day)s is entered in the working-day calendar.", day=form.day.data.isoformat()),
        ("calendar", None))


@bp.post("/settings/calendar/<day>/remove")
@permission_required(WORKORDERS_SETTINGS)
def calendar_day_remove(day):
    try:
        row = db.session.get(CalendarDay, datetime.strptime(day, "%Y-%m-%d").date())
    except ValueError:
        row = None
    if row is None:
        abort(404)
    _checked(ChaseForm())
    services.remove_calendar_day(row, actor=current_user, now=clock.now())
    db.session.commit()
    flash(_("%(day)s is removed from the working-day calendar.", day=day), "success")
    return redirect(url_for(".settings"))
