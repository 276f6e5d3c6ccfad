"""The cashier's day: fee lookup, account, payment, receipt, day close; and the charges admin."""
from uuid import uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from ..auth.permissions import (
    CHARGES_MANAGE, DAYCLOSE_VIEW_ALL, FEES_COLLECT, FEES_VIEW, RECEIPTS_VOID, permission_required,
)
from ..core import clock
from ..core.errors import DomainError
from ..core.http import pdf_response, show_error, site_record_or_404
from ..estate.models import Customer
from ..extensions import db
from . import bp, queries, rules, services
from .forms import (
    BASIS_CHOICES, METHOD_CHOICES, ConfirmForm, FeeItemForm, GenerateForm, MeterReadingForm, OneOffChargeForm,
    PaymentForm, VoidForm,
)
from .models import VOIDED, DayClose, FeeItem, Receipt

INVALID = 422  # a form sent back with its errors


_LABELS = {}  # by locale: translated once, not on every row of every page


@bp.context_processor
def method_labels():
    locale = get_locale()
    labels = _LABELS.get(locale)
    if labels is None:
        labels = _LABELS[locale] = {"method_labels": {code: str(label) for code, label in METHOD_CHOICES},
                                    "basis_labels": {code: str(label) for code, label in BASIS_CHOICES}}
    return labels


def _site():
    site = queries.desk_site(current_user)
    if site is None:
        abort(404)
    return site


def _in_site(model, object_id):
    return site_record_or_404(model, object_id, _site())


# --- fee desk ------------------------------------------------------------------------------------

@bp.get("/")
@permission_required(FEES_VIEW)
def lookup():
    q = request.args.get("q", "").strip()
    hits = queries.find_accounts(_site(), q, today=clock.business_day()) if q else []
    if len(hits) == 1:
        return redirect(url_for(".account", customer_id=hits[0].customer.id))
    return render_template("billing/lookup.html", q=q, hits=hits)


def _account_page(customer, form, status=200):
    today = clock.business_day()
    as_of = rules.parse_day(request.args.get("as_of"), today)
    if as_of is None:
        flash(_("Give the day as YYYY-MM-DD; today is shown instead."), "warning")
        as_of = today
    acct = queries.account(customer, today, as_of=as_of)
    if not form.is_submitted() and acct.to_pay:
        form.amount.data = rules.plain_amount(acct.to_pay)
    return render_template("billing/account.html", acct=acct, form=form, today=today), status


@bp.get("/accounts/<int:customer_id>")
@permission_required(FEES_VIEW)
def account(customer_id):
    customer = _in_site(Customer, customer_id)
    return _account_page(customer, PaymentForm(request_token=uuid4().hex))


@bp.post("/accounts/<int:customer_id>/pay")
@permission_required(FEES_COLLECT)
def pay(customer_id):
    customer = _in_site(Customer, customer_id)
    form = PaymentForm()
    if not form.validate():
        return _account_page(customer, form, INVALID)
    try:
        payment = services.take_payment(
            site=_site(), customer=customer, charge_ids=form.charge_ids.data, method=form.method.data,
            amount=form.amount.data, tendered=form.tendered.data, reference=form.reference.data,
            keep_prepayment=form.keep_prepayment.data, request_token=form.request_token.data,
            actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _account_page(customer, form, INVALID)
    db.session.commit()
    flash(_("Payment recorded: receipt %(number)s.", number=payment.receipt.number), "success")
    return redirect(url_for(".receipt", receipt_id=payment.receipt.id))


# --- receipts ------------------------------------------------------------------------------------

def _receipt_page(receipt, void_form=None, status=200):
    return render_template("billing/receipt.html", receipt=receipt, s=receipt.snapshot,
                           void_form=void_form or VoidForm(), print_form=ConfirmForm()), status


@bp.get("/receipts/<int:receipt_id>")
@permission_required(FEES_VIEW)
def receipt(receipt_id):
    return _receipt_page(_in_site(Receipt, receipt_id))


@bp.post("/receipts/<int:receipt_id>/print")
@permission_required(FEES_COLLECT)
def receipt_print(receipt_id):
    from . import pdf

    receipt = _in_site(Receipt, receipt_id)
    reprint = services.print_receipt(receipt, actor=current_user, now=clock.now())
    data = pdf.render_receipt(receipt.snapshot, reprint=reprint, voided=receipt.status == VOIDED)
    db.session.commit()
    return pdf_response(data, receipt.number)


@bp.post("/receipts/<int:receipt_id>/void")
@permission_required(RECEIPTS_VOID)
def receipt_void(receipt_id):
    receipt = _in_site(Receipt, receipt_id)
    form = VoidForm()
    if not form.validate():
        return _receipt_page(receipt, form, INVALID)
    try:
        services.void_receipt(receipt, form.reason.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _receipt_page(receipt, form, INVALID)
    db.session.commit()
    flash(_("Receipt %(number)s has been voided; its charges are unpaid again.", number=receipt.number), "success")
    return redirect(url_for(".receipt", receipt_id=receipt.id))


# --- day close -----------------------------------------------------------------------------------

def _day_arg():
    day = rules.parse_day(request.args.get("day") or request.form.get("day"), clock.business_day())
    if day is None:
        flash(_("Give the day as YYYY-MM-DD; today is shown instead."), "warning")
        day = clock.business_day()
    return day


def _my_day_snapshot(day):
    close = queries.day_close_for(_site().id, current_user.id, day)
    return close, (close.snapshot if close else queries.day_figures(_site(), current_user, day))


@bp.get("/day-close")
@permission_required(FEES_COLLECT)
def day_close():
    day = _day_arg()
    close, snapshot = _my_day_snapshot(day)
    return render_template("billing/day_close.html", day=day, close=close, s=snapshot, form=ConfirmForm(),
                           today=clock.business_day())


@bp.post("/day-close")
@permission_required(FEES_COLLECT)
def day_close_confirm():
    day = _day_arg()
    if ConfirmForm().validate():
        try:
            services.close_day(site=_site(), cashier=current_user, day=day, actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("Day %(day)s closed. Hand the takings and the day report to your supervisor.", day=day.isoformat()),
                  "success")
    return redirect(url_for(".day_close", day=day.isoformat()))


@bp.get("/day-close/pdf")
@permission_required(FEES_COLLECT)
def day_close_pdf():
    from . import pdf

    day = _day_arg()
    _close, snapshot = _my_day_snapshot(day)
    return pdf_response(pdf.render_day_close(snapshot), f"day-close-{day.isoformat()}")


@bp.get("/day-closes")
@permission_required(DAYCLOSE_VIEW_ALL)
def day_closes():
    day = _day_arg()
    cashiers = queries.takings(_site().id, day)
    return render_template("billing/day_closes.html", day=day, cashiers=cashiers, form=ConfirmForm())


@bp.post("/day-closes/<int:close_id>/acknowledge")
@permission_required(DAYCLOSE_VIEW_ALL)
def day_close_acknowledge(close_id):
    close = _in_site(DayClose, close_id)
    if ConfirmForm().validate():
        try:
            services.acknowledge_day_close(close, actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("Receipt of %(name)s's takings recorded.", name=close.cashier.full_name), "success")
    return redirect(url_for(".day_closes", day=close.business_on.isoformat()))


@bp.get("/day-closes/<int:close_id>/pdf")
@permission_required(DAYCLOSE_VIEW_ALL)
def day_close_report(close_id):
    from . import pdf

    close = _in_site(DayClose, close_id)
    return pdf_response(pdf.render_day_close(close.snapshot), f"day-close-{close.business_on.isoformat()}")


# --- charges admin -------------------------------------------------------------------------------

def _charges_page(status=200, **forms):
    site = _site()
    today = clock.business_day()
    meter = forms.get("meter") or MeterReadingForm(period=rules.period_of(today), read_on=today)
    one_off = forms.get("one_off") or OneOffChargeForm(due_on=today)
    meter.fee_item.choices = [(i.id, i.name) for i in queries.metered_items(site.id)]
    one_off.fee_item.choices = [(i.id, i.name) for i in queries.one_off_items(site.id)]
    period = forms.get("period") or rules.period_of(today)
    return render_template(
        "billing/charges.html", items=queries.fee_items(site.id), readings=queries.recent_readings(site.id),
        summary=queries.period_summary(site.id, period), period=period,
        item_form=forms.get("item") or FeeItemForm(), generate=forms.get("generate") or GenerateForm(period=period),
        meter=meter, one_off=one_off, result=forms.get("result")), status


def _commit_or_page(form, key, call, message):
    """Run one service for a charges-admin form; on a domain error show it on that form."""
    try:
        result = call()
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _charges_page(INVALID, **{key: form})
    db.session.commit()
    flash(message(result), "success")
    return redirect(url_for(".charges"))


@bp.get("/charges")
@permission_required(CHARGES_MANAGE)
def charges():
    period = request.args.get("period", "")
    try:
        period = rules.parse_period(period)
    except ValueError:
        period = None
    return _charges_page(period=period)


@bp.post("/fee-items")
@permission_required(CHARGES_MANAGE)
def fee_item_create():
    form = FeeItemForm()
    if not form.validate():
        return _charges_page(INVALID, item=form)
    return _commit_or_page(form, "item", lambda: services.create_fee_item(
        _site(), code=form.code.data, name=form.name.data, basis=form.basis.data, price=form.price.data.strip(),
        multiplier=form.multiplier.data.strip(), unit_label=form.unit_label.data or "",
        applies_to=",".join(form.applies_to.data or []), due_day=form.due_day.data, actor=current_user,
        now=clock.now()), lambda item: _("Fee item %(name)s added.", name=item.name))


@bp.route("/fee-items/<int:item_id>", methods=["GET", "POST"])
@permission_required(CHARGES_MANAGE)
def fee_item_edit(item_id):
    item = _in_site(FeeItem, item_id)
    form = FeeItemForm(obj=item) if request.method == "GET" else FeeItemForm()
    if request.method == "GET":
        form.applies_to.data = [u for u in item.applies_to.split(",") if u]
    elif form.validate():
        try:
            services.update_fee_item(
                item, code=form.code.data, name=form.name.data, basis=form.basis.data, price=form.price.data.strip(),
                multiplier=form.multiplier.data.strip(), unit_label=form.unit_label.data or "",
                applies_to=",".join(form.applies_to.data or []), due_day=form.due_day.data,
                active=form.active.data, actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("Fee item %(name)s saved.", name=item.name), "success")
            return redirect(url_for(".charges"))
    status = INVALID if request.method == "POST" else 200
    return render_template("billing/fee_item.html", item=item, form=form), status


@bp.post("/charges/generate")
@permission_required(CHARGES_MANAGE)
def charges_generate():
    form = GenerateForm()
    if not form.validate():
        return _charges_page(INVALID, generate=form)
    try:
        result = services.generate_charges(_site(), form.period.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _charges_page(INVALID, generate=form)
    db.session.commit()
    flash(_("%(period)s: %(created)s charges created, %(skipped)s skipped.", period=form.period.data,
            created=result.created, skipped=len(result.skipped)), "success")
    return _charges_page(generate=form, result=result, period=form.period.data)


@bp.post("/meter-readings")
@permission_required(CHARGES_MANAGE)
def meter_reading_create():
    form = MeterReadingForm()
    form.fee_item.choices = [(i.id, i.name) for i in queries.metered_items(_site().id)]
    unit = queries.unit_by_number(_site(), form.unit.data or "")
    if not form.validate() or unit is None:
        if unit is None and form.unit.data:
            form.unit.errors = list(form.unit.errors) + [_("There is no unit %(unit)s at this site.", unit=form.unit.data)]
        return _charges_page(INVALID, meter=form)
    fee_item = db.session.get(FeeItem, form.fee_item.data)
    return _commit_or_page(form, "meter", lambda: services.record_meter_reading(
        unit, fee_item, form.period.data, form.current_reading.data,
        previous_reading=form.previous_reading.data or None, read_on=form.read_on.data, actor=current_user,
        now=clock.now()), lambda r: _("Reading of %(unit)s saved.", unit=unit.number))


@bp.post("/one-off-charges")
@permission_required(CHARGES_MANAGE)
def one_off_create():
    form = OneOffChargeForm()
    form.fee_item.choices = [(i.id, i.name) for i in queries.one_off_items(_site().id)]
    unit = queries.unit_by_number(_site(), form.unit.data or "")
    if not form.validate() or unit is None:
        if unit is None and form.unit.data:
            form.unit.errors = list(form.unit.errors) + [_("There is no unit %(unit)s at this site.", unit=form.unit.data)]
        return _charges_page(INVALID, one_off=form)
    fee_item = db.session.get(FeeItem, form.fee_item.data)
    return _commit_or_page(form, "one_off", lambda: services.add_one_off_charge(
        unit, fee_item, form.amount.data, form.note.data, due_on=form.due_on.data,
        actor=current_user, now=clock.now()), lambda c: _("One-off charge for %(unit)s added.", unit=unit.number))
