"""Late-fee rules, payment notices, dunning notices and collection visits: HTTP only."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import clock
from ..core.errors import DomainError
from ..core.http import int_arg, pdf_response, show_error, site_record_or_404
from ..extensions import db
from . import bp, queries, services
from .rules import LEVEL_LABELS, STATUS_LABELS
from ..auth.permissions import CHARGES_MANAGE, LATE_FEES_WAIVE, permission_required
from ..billing.models import Charge, FeeItem
from ..core.money import format_amount
from ..core.uploads import MAX_PHOTO_BYTES
from .forms import LateFeeRuleForm, LateFeeRuleRemoveForm, WaiverForm
from .models import LateFeeRule
from ..auth.permissions import DUNNING_DELIVER, DUNNING_ISSUE, DUNNING_VIEW
from ..auth.models import User
from ..estate.models import Building, Customer
from . import pdf
from .forms import DeliveryForm, DunningRunForm, PaymentNoticeForm
from .models import NOTICE_STATUSES, DunningNotice, PaymentNotice
from flask_babel import lazy_gettext as _l
from ..auth.permissions import DAYCLOSE_VIEW_ALL, FEES_COLLECT
from .forms import VisitBookForm, VisitCancelForm, VisitHandOverForm, VisitReturnForm, VisitSettleForm

INVALID = 422  # a form sent back with its errors


# --- late fees -----------------------------------------------------------------------------------

def _desk_site():
    from ..billing.queries import desk_site

    site = desk_site(current_user)
    if site is None:
        abort(404)
    return site


def _rules_page(form=None, status=200):
    from ..billing.queries import fee_items

    site = _desk_site()
    items = fee_items(site.id)
    form = form or LateFeeRuleForm()
    form.fee_item.choices = [(0, _("Site default (every fee item without a rule of its own)"))] + [
        (i.id, i.name) for i in items]
    return render_template("dunning/late_fee_rules.html", rules=queries.late_fee_rule_list(site.id), form=form,
                           remove_form=LateFeeRuleRemoveForm()), status


@bp.get("/late-fee-rules")
@permission_required(CHARGES_MANAGE)
def late_fee_rules():
    return _rules_page()


@bp.post("/late-fee-rules")
@permission_required(CHARGES_MANAGE)
def late_fee_rule_save():
    form = LateFeeRuleForm()
    if not form.validate():
        return _rules_page(form, INVALID)
    site = _desk_site()
    fee_item = db.session.get(FeeItem, form.fee_item.data) if form.fee_item.data else None
    try:
        services.save_late_fee_rule(site, fee_item=fee_item, label=form.label.data,
                                    daily_rate_percent=form.daily_rate.data, grace_days=form.grace_days.data,
                                    cap_percent=form.cap_percent.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _rules_page(form, INVALID)
    db.session.commit()
    flash(_("Late-fee rule saved."), "success")
    return redirect(url_for(".late_fee_rules"))


@bp.post("/late-fee-rules/<int:rule_id>/remove")
@permission_required(CHARGES_MANAGE)
def late_fee_rule_remove(rule_id):
    rule = db.session.get(LateFeeRule, rule_id)
    if rule is None or rule.site_id != _desk_site().id:
        abort(404)
    if LateFeeRuleRemoveForm().validate():
        services.remove_late_fee_rule(rule, actor=current_user, now=clock.now())
        db.session.commit()
        flash(_("Late-fee rule removed."), "success")
    return redirect(url_for(".late_fee_rules"))


def _waiver_page(charge, form, status=200):
    fee = queries.late_fees_as_of(charge.site_id, clock.business_day(), charge_ids=[charge.id]).get(charge.id)
    return render_template("dunning/waive_late_fee.html", charge=charge, fee=fee, form=form), status


def _charge_of_desk(charge_id):
    charge = db.session.get(Charge, charge_id)
    if charge is None or charge.site_id != _desk_site().id:
        abort(404)
    return charge


@bp.get("/charges/<int:charge_id>/waive")
@permission_required(LATE_FEES_WAIVE)
def waive_late_fee(charge_id):
    return _waiver_page(_charge_of_desk(charge_id), WaiverForm())


@bp.post("/charges/<int:charge_id>/waive")
@permission_required(LATE_FEES_WAIVE)
def waive_late_fee_save(charge_id):
    charge = _charge_of_desk(charge_id)
    form = WaiverForm()
    if not form.validate():
        return _waiver_page(charge, form, INVALID)
    try:
        waiver = services.waive_late_fee(charge, form.amount.data, form.reason.data, actor=current_user,
                                         now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _waiver_page(charge, form, INVALID)
    db.session.commit()
    flash(_("%(amount)s of the late fee waived.", amount=format_amount(waiver.amount)), "success")
    return redirect(url_for("billing.account", customer_id=charge.customer_id))


# --- dunning notices -----------------------------------------------------------------------------

REASON_LABELS = {"deadline_running": _l("The deadline of the last notice is still running."),
                 "too_soon": _l("Too soon for the next level."),
                 "final_given": _l("The final demand has been given for these arrears."),
                 "below_minimum": _l("Owes less than the minimum amount.")}


@bp.context_processor
def dunning_labels():
    return {"level_labels": LEVEL_LABELS, "notice_status_labels": STATUS_LABELS, "skip_reasons": REASON_LABELS,
            "delivery_labels": dict(DeliveryForm.method.kwargs["choices"])}


def _own(model, object_id):
    return site_record_or_404(model, object_id, _desk_site())


@bp.get("/notices")
@permission_required(DUNNING_VIEW)
def notices():

    status = request.args.get("status") if request.args.get("status") in NOTICE_STATUSES else None
    level = int_arg("level") if int_arg("level") in (1, 2, 3) else None
    page = queries.dunning_notices(_desk_site().id, status=status, level=level, q=request.args.get("q", ""),
                                   batch=request.args.get("batch", "")[:32] or None, page=int_arg("page", 1),
                                   today=clock.business_day())
    return render_template("dunning/notices.html", page=page, status=status, level=level,
                           statuses=queries.notice_statuses(page.items, clock.business_day()),
                           q=request.args.get("q", "")[:60], batch=request.args.get("batch", "")[:32])


def _notice_page(notice, form=None, status=200):
    form = form or DeliveryForm(delivered_on=clock.business_day(), delivered_by=current_user.id)
    form.delivered_by.choices = [(u.id, u.full_name) for u in queries.site_staff(notice.site_id)]
    return render_template("dunning/notice.html", notice=notice, s=notice.snapshot, form=form,
                           statuses=queries.notice_statuses([notice], clock.business_day())), status


@bp.get("/notices/<int:notice_id>")
@permission_required(DUNNING_VIEW)
def notice(notice_id):
    return _notice_page(_own(DunningNotice, notice_id))


@bp.post("/notices/<int:notice_id>/pdf")
@permission_required(DUNNING_VIEW)
def notice_pdf(notice_id):
    notice = _own(DunningNotice, notice_id)
    reprints = services.print_notices([notice], actor=current_user, now=clock.now())
    data = pdf.render_dunning_notices([notice.snapshot], reprint=reprints)
    db.session.commit()
    return pdf_response(data, notice.number)


@bp.post("/notices/<int:notice_id>/delivery")
@permission_required(DUNNING_DELIVER)
def notice_delivery(notice_id):
    notice = _own(DunningNotice, notice_id)
    form = DeliveryForm()
    form.delivered_by.choices = [(u.id, u.full_name) for u in queries.site_staff(notice.site_id)]
    if not form.validate():
        return _notice_page(notice, form, INVALID)
    photo = form.photo.data.read(MAX_PHOTO_BYTES + 1) if form.photo.data else None
    try:
        services.record_delivery(notice, method=form.method.data, delivered_on=form.delivered_on.data,
                                 delivered_by=db.session.get(User, form.delivered_by.data), recipient=form.recipient.data,
                                 note=form.note.data, photo=photo, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _notice_page(db.session.get(DunningNotice, notice_id), form, INVALID)
    db.session.commit()
    flash(_("Delivery of notice %(number)s recorded.", number=notice.number), "success")
    return redirect(url_for(".notice", notice_id=notice.id))


@bp.get("/notices/<int:notice_id>/photo")
@permission_required(DUNNING_VIEW)
def notice_photo(notice_id):
    from flask import send_file

    path = services.delivery_photo_path(_own(DunningNotice, notice_id).delivery)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png" if path.suffix == ".png" else "image/jpeg")


@bp.post("/batches/<batch>/pdf")
@permission_required(DUNNING_VIEW)
def batch_pdf(batch):
    found = queries.notices_of_batch(_desk_site().id, batch[:32])
    if not found:
        abort(404)
    reprints = services.print_notices(found, actor=current_user, now=clock.now())
    data = pdf.render_dunning_notices([n.snapshot for n in found], reprint=reprints)
    db.session.commit()
    return pdf_response(data, f"dunning-{found[0].issued_on}")


def _run_page(form, result=None, status=200):
    return render_template("dunning/run.html", form=form, result=result), status


@bp.route("/run", methods=["GET", "POST"])
@permission_required(DUNNING_ISSUE)
def run():
    form = DunningRunForm(as_of=clock.business_day()) if request.method == "GET" else DunningRunForm()
    if request.method == "GET":
        return _run_page(form)
    if not form.validate():
        return _run_page(form, status=INVALID)
    try:
        result = services.run_dunning(_desk_site(), as_of=form.as_of.data, min_amount=form.min_amount.data,
                                      min_days=form.min_days.data, deadline_days=form.deadline_days.data,
                                      dry_run=form.preview.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _run_page(form, status=INVALID)
    if result.dry_run:
        db.session.rollback()
        return _run_page(form, result)
    db.session.commit()
    if not result.notices:
        flash(_("No customer is due a dunning notice as of %(day)s.", day=result.as_of.isoformat()), "info")
        return _run_page(form, result)
    flash(_("%(n)s dunning notices issued: print them now.", n=len(result.notices)), "success")
    return redirect(url_for(".notices", batch=result.batch))


@bp.get("/customers/<int:customer_id>")
@permission_required(DUNNING_VIEW)
def history(customer_id):
    customer = _own(Customer, customer_id)
    found = queries.dunning_history(customer.id)
    return render_template("dunning/history.html", customer=customer, notices=found,
                           statuses=queries.notice_statuses(found, clock.business_day()),
                           payment_notices=queries.payment_notices(customer.site_id, customer_id=customer.id))


# --- payment notices -----------------------------------------------------------------------------

def _payment_notices_page(form, status=200):
    site = _desk_site()
    form.building_id.choices = [(0, _("The whole site"))] + [(b.id, f"{b.code} {b.name}") for b in site.buildings]
    batch = request.args.get("batch", "")[:32] or None
    return render_template("dunning/payment_notices.html", form=form, batch=batch,
                           notices=queries.payment_notices(site.id, batch=batch)), status


@bp.get("/payment-notices")
@permission_required(DUNNING_VIEW)
def payment_notices():
    from ..billing.rules import period_of

    return _payment_notices_page(PaymentNoticeForm(period=period_of(clock.business_day())))


@bp.post("/payment-notices")
@permission_required(DUNNING_ISSUE)
def payment_notices_issue():
    form = PaymentNoticeForm()
    _payment_notices_page(form)  # fills the building choices
    if not form.validate():
        return _payment_notices_page(form, INVALID)
    building = _own(Building, form.building_id.data) if form.building_id.data else None
    try:
        result = services.issue_payment_notices(_desk_site(), period=form.period.data, building=building,
                                                actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _payment_notices_page(form, INVALID)
    db.session.commit()
    if not result.notices:
        flash(_("Every customer owing for %(period)s has had the period's payment notice already.",
                period=result.period), "info")
        return redirect(url_for(".payment_notices"))
    flash(_("%(n)s payment notices issued: print them now.", n=len(result.notices)), "success")
    return redirect(url_for(".payment_notices", batch=result.batch))


@bp.post("/payment-notices/<int:notice_id>/pdf")
@permission_required(DUNNING_VIEW)
def payment_notice_pdf(notice_id):
    notice = _own(PaymentNotice, notice_id)
    reprints = services.print_notices([notice], actor=current_user, now=clock.now())
    data = pdf.render_payment_notices([notice.snapshot], reprint=reprints)
    db.session.commit()
    return pdf_response(data, notice.number)


@bp.post("/payment-notices/batches/<batch>/pdf")
@permission_required(DUNNING_VIEW)
def payment_notice_batch_pdf(batch):
    found = queries.payment_notices(_desk_site().id, batch=batch[:32], limit=None)
    if not found:
        abort(404)
    found.sort(key=lambda n: n.seq)
    reprints = services.print_notices(found, actor=current_user, now=clock.now())
    data = pdf.render_payment_notices([n.snapshot for n in found], reprint=reprints)
    db.session.commit()
    return pdf_response(data, f"payment-notices-{found[0].period}")


# --- collection visits ---------------------------------------------------------------------------

VISIT_STATUS_LABELS = {"booked": _l("Booked"), "out": _l("Out with the collector"), "paid": _l("Paid"),
                       "unused": _l("Returned unused"), "cancelled": _l("Cancelled")}


def _visit_of_desk(visit_id):
    from .models import CollectionVisit

    visit = _own(CollectionVisit, visit_id)
    if not current_user.can(DAYCLOSE_VIEW_ALL) and current_user.id not in (
            visit.booked_by_id, visit.collector_id, visit.handed_over_by_id, visit.closed_by_id):
        abort(404)
    return visit


@bp.get("/visits")
@permission_required(FEES_COLLECT, DAYCLOSE_VIEW_ALL)
def visits():
    site = _desk_site()
    mine = None if current_user.can(DAYCLOSE_VIEW_ALL) else current_user
    return render_template("dunning/visits.html", visits=queries.collection_visits(site.id, user=mine),
                           status_labels=VISIT_STATUS_LABELS)


def _book_page(customer, form, status=200):
    from ..billing.queries import open_charges

    site = _desk_site()
    form.collector.choices = [(u.id, u.full_name) for u in queries.site_staff(site.id) if u.can(FEES_COLLECT)]
    return render_template("dunning/visit_book.html", customer=customer, form=form,
                           charges=open_charges(customer.id, clock.business_day())), status


@bp.get("/visits/book/<int:customer_id>")
@permission_required(FEES_COLLECT)
def visit_book(customer_id):
    return _book_page(_own(Customer, customer_id), VisitBookForm())


@bp.post("/visits/book/<int:customer_id>")
@permission_required(FEES_COLLECT)
def visit_book_save(customer_id):
    from datetime import datetime

    customer = _own(Customer, customer_id)
    form = VisitBookForm()
    if not form.validate():
        return _book_page(customer, form, INVALID)
    try:
        visit = services.book_collection_visit(
            _desk_site(), customer, charge_ids=form.charge_ids.data, collector=db.session.get(User, form.collector.data),
            visit_at=datetime.combine(form.visit_on.data, form.visit_time.data, tzinfo=clock.BUSINESS_TZ),
            address=form.address.data, note=form.note.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _book_page(customer, form, INVALID)
    db.session.commit()
    flash(_("The collection visit is booked."), "success")
    return redirect(url_for("dunning.visit", visit_id=visit.id))


def _visit_page(visit, forms=None, status=200):
    from uuid import uuid4

    forms = forms or {}
    settle = forms.get("settle") or VisitSettleForm(request_token=uuid4().hex)
    return render_template("dunning/visit.html", visit=visit, status_labels=VISIT_STATUS_LABELS,
                           hand_over_form=forms.get("hand_over") or VisitHandOverForm(), settle_form=settle,
                           return_form=forms.get("return") or VisitReturnForm(), cancel_form=VisitCancelForm()), status


@bp.get("/visits/<int:visit_id>")
@permission_required(FEES_COLLECT, DAYCLOSE_VIEW_ALL)
def visit(visit_id):
    return _visit_page(_visit_of_desk(visit_id))


def _visit_action(visit_id, form_class, key, call, message):
    """The hand-over, settle, return and cancel buttons: one service each, the same HTTP around it."""
    visit = _visit_of_desk(visit_id)
    form = form_class()
    if not form.validate():
        return _visit_page(visit, {key: form}, INVALID)
    try:
        call(visit, form)
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _visit_page(db.session.get(type(visit), visit_id), {key: form}, INVALID)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("dunning.visit", visit_id=visit_id))


@bp.post("/visits/<int:visit_id>/hand-over")
@permission_required(FEES_COLLECT)
def visit_hand_over(visit_id):
    return _visit_action(visit_id, VisitHandOverForm, "hand_over", lambda v, f: services.hand_over_visit_receipt(
        v, signed_by=f.signed_by.data, actor=current_user, now=clock.now()),
        _("The receipt is out with the collector."))


@bp.post("/visits/<int:visit_id>/settle")
@permission_required(FEES_COLLECT)
def visit_settle(visit_id):
    return _visit_action(visit_id, VisitSettleForm, "settle", lambda v, f: services.settle_visit_receipt(
        v, method=f.method.data, tendered=f.tendered.data, reference=f.reference.data,
        request_token=f.request_token.data, actor=current_user, now=clock.now()),
        _("The money is received and the charges are paid."))


@bp.post("/visits/<int:visit_id>/return")
@permission_required(FEES_COLLECT)
def visit_return(visit_id):
    return _visit_action(visit_id, VisitReturnForm, "return", lambda v, f: services.return_visit_receipt_unused(
        v, f.reason.data, actor=current_user, now=clock.now()),
        _("The receipt came back unused and is voided; its number is kept."))


@bp.post("/visits/<int:visit_id>/cancel")
@permission_required(FEES_COLLECT)
def visit_cancel(visit_id):
    return _visit_action(visit_id, VisitCancelForm, "cancel", lambda v, f: services.cancel_collection_visit(
        v, actor=current_user, now=clock.now()), _("The visit is cancelled."))


@bp.post("/visits/<int:visit_id>/print")
@permission_required(FEES_COLLECT)
def visit_print(visit_id):
    from ..billing.pdf import render_receipt
    from .models import VISIT_UNUSED

    visit = _visit_of_desk(visit_id)
    try:
        reprint = services.print_visit_receipt(visit, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for("dunning.visit", visit_id=visit_id))
    data = render_receipt(visit.snapshot, reprint=reprint, voided=visit.status == VISIT_UNUSED)
    db.session.commit()
    return pdf_response(data, visit.receipt_number)
