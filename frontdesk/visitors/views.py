"""Visitors: HTTP only. The desk page (register, expected today, on site now), a visit's page, the
host's answer link, passes, the watch list, the register for security and the outbox."""
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.models import User
from ..auth.permissions import VISITORS_MANAGE, VISITORS_REGISTER, VISITORS_VIEW, permission_required
from ..billing.queries import desk_site
from ..core import clock, notify
from ..core.errors import DomainError
from ..core.http import int_arg, pdf_response, show_error, site_record_or_404
from ..extensions import db, limiter
from . import bp, queries, rules, services
from .forms import (
    AnswerForm, BookForm, ButtonForm, CheckInForm, DateRangeForm, IssuePassForm, PassAddForm, PassCountForm,
    PhoneAnswerForm, RegisterForm, SettingsForm, WatchEntryForm,
)
from .models import BY_APP, BY_DESK, BY_LINK, BY_PHONE, ON_SITE, Visit, VisitorPass, WatchEntry

INVALID = 422  # a form sent back with its errors


@bp.context_processor
def visitor_labels():
    # translated once a page, not once a row (a lazy label looks its catalog up on every use)
    def plain(labels):
        return {code: str(label) for code, label in labels.items()}

    return {"purpose_labels": plain(rules.PURPOSE_LABELS), "status_labels": plain(rules.STATUS_LABELS),
            "answer_labels": plain(rules.ANSWER_LABELS), "way_labels": plain(rules.WAY_LABELS),
            "id_type_labels": plain(rules.ID_TYPE_LABELS), "watch_level_labels": plain(rules.WATCH_LEVEL_LABELS),
            "outbox_labels": plain(rules.OUTBOX_LABELS)}


def _site():
    site = desk_site(current_user)
    if site is None:
        abort(404)
    return site


def _visit(visit_id):
    return site_record_or_404(Visit, visit_id, _site())


def _base_url():
    return current_app.config["PUBLIC_URL"] or request.url_root


def _details(form):
    return services.VisitorDetails(
        name=form.name.data, phone=form.phone.data, company=form.company.data, party_size=form.party_size.data or 0,
        purpose=form.purpose.data, purpose_note=form.purpose_note.data, plate=form.plate.data,
        id_type=form.id_type.data if form.id_number.data else None, id_number=form.id_number.data)


def _host(site, form):
    """The host the clerk picked from the suggestions, or the only one matching what was typed."""
    today = clock.business_day()
    if form.host_ref.data:
        return queries.host_by_ref(site.id, form.host_ref.data, today)
    found = queries.find_hosts(site.id, form.host.data, today, limit=2)
    return found[0] if len(found) == 1 else None


# --- the desk ----------------------------------------------------------------------------------

def _desk(form=None, status=200, watch=None):
    site = _site()
    today = clock.business_day()
    form = form or RegisterForm()
    free = queries.free_passes(site.id)
    form.pass_id.choices = [(0, _("No pass"))] + [(p.id, p.number) for p in free]
    if not form.is_submitted() and free:
        form.pass_id.data = free[0].id
    settings = queries.settings_of(site.id)
    on_site, now = queries.on_site(site.id), clock.now()
    calls = rules.hosts_to_phone(on_site, settings.answer_minutes, now)
    return render_template("visitors/desk.html", form=form, site=site, settings=settings, watch=watch,
                           on_site=on_site, calls=calls, expected=queries.expected_on(site.id, today),
                           button=ButtonForm(), check_in_form=CheckInForm()), status


@bp.get("/")
@permission_required(VISITORS_REGISTER, VISITORS_VIEW)
def desk():
    return _desk()[0]


@bp.get("/on-site")
@permission_required(VISITORS_REGISTER, VISITORS_VIEW)
def on_site():
    """Everyone in the building now, on a page of its own to print (a fire drill, an evacuation)."""
    site, now = _site(), clock.now()
    visits = queries.on_site(site.id)
    calls = rules.hosts_to_phone(visits, queries.settings_of(site.id).answer_minutes, now)
    return render_template("visitors/on_site.html", site=site, on_site=visits, calls=calls, now=now,
                           people=sum(v.party_size for v in visits))


@bp.post("/register")
@permission_required(VISITORS_REGISTER)
def register():
    form = RegisterForm()
    site = _site()
    if not form.validate():
        return _desk(form, INVALID)
    try:
        visit = services.register_visit(site, _details(form), _host(site, form), actor=current_user, now=clock.now(),
                                        pass_id=form.pass_id.data or None, confirm_watch=form.confirm_watch.data,
                                        base_url=_base_url())
    except services.WatchListHit as e:
        db.session.rollback()
        return _desk(form, INVALID, watch=e)
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _desk(form, INVALID)
    # said before the commit, which expires the visit: reading it again would open another transaction
    message = _("%(name)s registered as visit %(number)s; %(host)s is being told.", name=visit.name,
                number=visit.number, host=visit.host_name)
    target = url_for(".visit", visit_id=visit.id)
    db.session.commit()
    notify.wake()
    flash(message, "success")
    return redirect(target)


@bp.get("/hosts")
@permission_required(VISITORS_REGISTER)
def hosts():
    """Suggestions for the host field, as the clerk types."""
    found = queries.find_hosts(_site().id, request.args.get("q", "")[:100], clock.business_day())
    return jsonify([{"ref": h.ref, "label": h.label, "kind": h.kind} for h in found])


@bp.get("/returning")
@permission_required(VISITORS_REGISTER)
def returning():
    """The visitor known by a phone number, to fill the form; their last host when still here."""
    from ..estate.rules import normalise_phone

    site = _site()
    try:
        phone = normalise_phone(request.args.get("phone", "")[:30])
    except DomainError:
        return jsonify(found=False)
    known = queries.returning_visitor(site.id, phone)
    if known is None:
        return jsonify(found=False)
    visitor, last = known
    from ..core.templating import mask_id

    # the ID number never travels back whole: the desk reuses the one on file when the field is left empty
    data = {"found": True, "name": visitor.name, "company": visitor.company, "plate": visitor.plate,
            "visits": visitor.visits, "id_on_file": mask_id(visitor.id_number) if visitor.id_number else ""}
    if last is not None:
        host = queries.host_by_ref(site.id, queries.host_of(last), clock.business_day())
        data.update(purpose=last.purpose, purpose_note=last.purpose_note, party_size=last.party_size)
        if host is not None and host.active:
            data.update(host_ref=host.ref, host=host.label)
    return jsonify(data)


@bp.get("/answers")
@permission_required(VISITORS_REGISTER, VISITORS_VIEW)
def answers():
    """The answers of the visits a desk page shows, for it to refresh itself."""
    ids = [int(x) for x in request.args.get("ids", "").split(",")[:200] if x.isdigit() and len(x) < 10]
    rows = queries.answers(_site().id, ids, clock.now())
    return jsonify([{**r, "answer_label": str(rules.ANSWER_LABELS[r["answer"]]) if r["answer"] else "",
                     "answered_at": r["answered_at"] and clock.local(r["answered_at"]).strftime("%H:%M"),
                     "status_label": str(rules.STATUS_LABELS[r["status"]])} for r in rows])


# --- one visit ---------------------------------------------------------------------------------

def _visit_page(visit, status=200, phone_form=None, pass_form=None):
    site = _site()
    settings = queries.settings_of(site.id)
    pass_form = pass_form or IssuePassForm()
    pass_form.pass_id.choices = [(p.id, p.number) for p in queries.free_passes(site.id)]
    call_host = visit.status == ON_SITE and rules.answer_overdue(visit.announced_at, visit.answer,
                                                                 settings.answer_minutes, clock.now())
    return render_template("visitors/visit.html", visit=visit, site=site, settings=settings, call_host=call_host,
                           messages=queries.messages_of(visit), phone_form=phone_form or PhoneAnswerForm(),
                           pass_form=pass_form, button=ButtonForm(), check_in_form=CheckInForm()), status


@bp.get("/visits/<int:visit_id>")
@permission_required(VISITORS_REGISTER, VISITORS_VIEW)
def visit(visit_id):
    return _visit_page(_visit(visit_id))[0]


@bp.post("/visits/<int:visit_id>/phone-answer")
@permission_required(VISITORS_REGISTER)
def phone_answer(visit_id):
    visit = _visit(visit_id)
    form = PhoneAnswerForm()
    if not form.validate():
        return _visit_page(visit, INVALID, phone_form=form)
    try:
        services.answer_visit(visit, form.answer.data, form.note.data, via=BY_PHONE, actor=current_user,
                              now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _visit_page(visit, INVALID, phone_form=form)
    db.session.commit()
    flash(_("The host's answer is recorded: %(answer)s.", answer=rules.ANSWER_LABELS[visit.answer]), "success")
    return redirect(url_for(".visit", visit_id=visit.id))


@bp.post("/visits/<int:visit_id>/pass")
@permission_required(VISITORS_REGISTER)
def issue_pass(visit_id):
    visit = _visit(visit_id)
    form = IssuePassForm()
    form.pass_id.choices = []
    if form.validate():
        try:
            services.issue_pass(visit, form.pass_id.data, actor=current_user, now=clock.now())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
            return _visit_page(visit, INVALID, pass_form=form)
        db.session.commit()
        flash(_("Pass %(number)s handed out.", number=visit.pass_number), "success")
    return redirect(url_for(".visit", visit_id=visit.id))


def _button(action, visit, success, **kwargs):
    """A one-button change of a visit: the service's refusal is flashed, the page shown again."""
    if not ButtonForm().validate():
        abort(400)
    try:
        action(visit, actor=current_user, now=clock.now(), **kwargs)
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return False
    db.session.commit()
    flash(success(), "success")
    return True


@bp.post("/visits/<int:visit_id>/sign-out")
@permission_required(VISITORS_REGISTER)
def sign_out(visit_id):
    visit = _visit(visit_id)
    _button(services.sign_out, visit, lambda: _("%(name)s signed out.", name=visit.name)
            + (" " + _("Collect pass %(number)s.", number=visit.pass_number) if visit.pass_number else ""), via=BY_DESK)
    return redirect(request.form.get("back") == "desk" and url_for(".desk") or url_for(".visit", visit_id=visit.id))


@bp.post("/visits/<int:visit_id>/check-in")
@permission_required(VISITORS_REGISTER)
def check_in(visit_id):
    visit = _visit(visit_id)
    form = CheckInForm()
    if not form.validate():
        abort(400)
    try:
        services.check_in(visit, site=_site(), actor=current_user, now=clock.now(),
                          confirm_watch=form.confirm_watch.data, base_url=_base_url(),
                          id_type=form.id_type.data if form.id_number.data else None, id_number=form.id_number.data)
    except services.WatchListHit as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for(".visit", visit_id=visit.id, confirm=1))
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(url_for(".visit", visit_id=visit.id))
    db.session.commit()
    notify.wake()
    flash(_("%(name)s checked in%(pass)s; %(host)s is being told.", name=visit.name, host=visit.host_name,
            **{"pass": _(" with pass %(number)s", number=visit.pass_number) if visit.pass_number else ""}), "success")
    return redirect(url_for(".visit", visit_id=visit.id))


@bp.post("/visits/<int:visit_id>/cancel")
@permission_required(VISITORS_REGISTER)
def cancel(visit_id):
    visit = _visit(visit_id)
    _button(services.cancel_booking, visit, lambda: _("The booking of %(name)s is cancelled.", name=visit.name))
    return redirect(url_for(".visit", visit_id=visit.id))


@bp.get("/visits/<int:visit_id>/slip.pdf")
@permission_required(VISITORS_REGISTER, VISITORS_VIEW)
def slip(visit_id):
    from . import pdf

    visit = _visit(visit_id)
    if visit.arrived_at is None:
        abort(404)
    return pdf_response(pdf.visitor_slip(visit, _site()), visit.number)


# --- booking ahead -----------------------------------------------------------------------------

def _book_page(form=None, status=200):
    form = form or BookForm()
    if not form.is_submitted():
        form.expected_on.data = clock.business_day()
        if not current_user.can(VISITORS_REGISTER):
            form.host.data, form.host_ref.data = current_user.full_name, f"user:{current_user.id}"
    return render_template("visitors/book.html", form=form, for_self=not current_user.can(VISITORS_REGISTER),
                           settings=queries.settings_of(_site().id)), status


@bp.get("/book")
@login_required
def book():
    return _book_page()[0]


@bp.post("/book")
@login_required
def book_save():
    form = BookForm()
    site = _site()
    if not current_user.can(VISITORS_REGISTER):
        # staff book their own visitors; the desk books for anyone
        form.host_ref.data = f"user:{current_user.id}"
    if not form.validate():
        return _book_page(form, INVALID)
    try:
        visit = services.book_visit(site, _details(form), _host(site, form), form.expected_on.data,
                                    actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _book_page(form, INVALID)
    db.session.commit()
    flash(_("%(name)s is expected on %(day)s.", name=visit.name, day=visit.expected_on.isoformat()), "success")
    if current_user.can(VISITORS_REGISTER):
        return redirect(url_for(".desk"))
    return redirect(url_for(".mine"))


# --- staff hosts -------------------------------------------------------------------------------

@bp.get("/mine")
@login_required
def mine():
    visits = queries.visits_for_host(current_user.id, clock.business_day())
    return render_template("visitors/mine.html", visits=visits, form=AnswerForm(), button=ButtonForm())


@bp.post("/mine/<int:visit_id>/answer")
@login_required
def answer_in_app(visit_id):
    visit = _visit(visit_id)
    form = AnswerForm()
    if form.validate():
        try:
            services.answer_visit(visit, form.answer.data, form.note.data, via=BY_APP, actor=current_user,
                                  now=clock.now())
        except DomainError as e:
            db.session.rollback()
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("Your answer went to the front desk."), "success")
    return redirect(url_for(".mine"))


@bp.post("/mine/<int:visit_id>/sign-out")
@login_required
def sign_out_in_app(visit_id):
    visit = _visit(visit_id)
    _button(services.sign_out, visit, lambda: _("%(name)s signed out.", name=visit.name), via=BY_APP)
    return redirect(url_for(".mine"))


# --- the host's link: no login -----------------------------------------------------------------

def _link_page(token, form=None, status=200, error=None):
    try:
        visit = services.visit_from_token(token, clock.now())
    except DomainError as e:
        return render_template("visitors/host_answer.html", visit=None, error=str(e)), 403
    return render_template("visitors/host_answer.html", visit=visit, token=token, form=form or AnswerForm(),
                           button=ButtonForm(), error=error), status


@bp.get("/h/<token>")
@limiter.limit("60 per minute")
def host_link(token):
    return _link_page(token[:400])


@bp.post("/h/<token>")
@limiter.limit("30 per minute")
def host_link_answer(token):
    token = token[:400]
    form = AnswerForm()
    try:
        visit = services.visit_from_token(token, clock.now())
    except DomainError:
        return _link_page(token)
    if not form.validate():
        return _link_page(token, form, INVALID)
    try:
        services.answer_visit(visit, form.answer.data, form.note.data, via=BY_LINK, actor=None, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        return _link_page(token, form, INVALID, error=str(e))
    db.session.commit()
    flash(_("Thank you. The front desk has your answer."), "success")
    return redirect(url_for(".host_link", token=token))


@bp.post("/h/<token>/sign-out")
@limiter.limit("30 per minute")
def host_link_sign_out(token):
    token = token[:400]
    try:
        visit = services.visit_from_token(token, clock.now())
        if not ButtonForm().validate():
            abort(400)
        services.sign_out(visit, via=BY_LINK, actor=None, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        return _link_page(token, status=INVALID, error=str(e))
    db.session.commit()
    flash(_("Thank you. Your visitor is signed out."), "success")
    return redirect(url_for(".host_link", token=token))


# --- lists -------------------------------------------------------------------------------------

@bp.get("/history")
@permission_required(VISITORS_REGISTER, VISITORS_VIEW)
def history():
    site = _site()
    q = request.args.get("q", "")[:100]
    page = queries.visits_page(site.id, q=q, page=int_arg("page", 1), per_page=current_app.config["PAGE_SIZE"])
    return render_template("visitors/history.html", page=page, q=q)


@bp.get("/follow-up")
@permission_required(VISITORS_REGISTER, VISITORS_VIEW)
def follow_up():
    """Visitors never signed out, to follow up at the end of the day."""
    today = clock.business_day()
    return render_template("visitors/follow_up.html", visits=queries.not_signed_out(_site().id, today), today=today,
                           button=ButtonForm())


def _range_form():
    form = DateRangeForm(request.args)
    if not request.args:
        from datetime import timedelta

        today = clock.business_day()
        form.start_on.data, form.end_on.data = today - timedelta(days=today.weekday() + 7), today - timedelta(
            days=today.weekday() + 1)
        return form, True
    return form, form.validate()


@bp.get("/register")
@permission_required(VISITORS_VIEW)
def register_report():
    form, valid = _range_form()
    rows = queries.register_rows(_site().id, form.start_on.data, form.end_on.data) if valid else []
    return render_template("visitors/register.html", form=form, rows=rows, valid=valid), 200 if valid else INVALID


@bp.get("/register.<any(xlsx, pdf):kind>")
@permission_required(VISITORS_VIEW)
def register_export(kind):
    from flask import Response

    from . import pdf

    form, valid = _range_form()
    if not valid:
        return register_report()
    site = _site()
    rows = queries.register_rows(site.id, form.start_on.data, form.end_on.data)
    name = f"visitors-{form.start_on.data.isoformat()}-{form.end_on.data.isoformat()}"
    if kind == "pdf":
        return pdf_response(pdf.visitor_register(site, rows, form.start_on.data, form.end_on.data), name)
    from .export import register_workbook

    return Response(register_workbook(site, rows, form.start_on.data, form.end_on.data),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


# --- passes ------------------------------------------------------------------------------------

def _passes_page(add_form=None, count_form=None, status=200):
    site = _site()
    cards = queries.passes(site.id)
    count_form = count_form or PassCountForm()
    colleagues = db.session.scalars(db.select(User).where(User.site_id == site.id, User.active.is_(True),
                                                          User.id != current_user.id).order_by(User.full_name)).all()
    count_form.incoming.choices = [(0, "—")] + [(u.id, u.full_name) for u in colleagues]
    drawer = [(c.id, c.number) for c, holder in cards if c.active and holder is None]
    count_form.present.choices = drawer
    if not count_form.is_submitted():
        count_form.present.data = [i for i, _n in drawer]
    return render_template("visitors/passes.html", cards=cards, add_form=add_form or PassAddForm(),
                           count_form=count_form, counts=queries.pass_counts(site.id), button=ButtonForm()), status


@bp.get("/passes")
@permission_required(VISITORS_REGISTER, VISITORS_MANAGE)
def passes():
    return _passes_page()[0]


@bp.post("/passes")
@permission_required(VISITORS_MANAGE)
def passes_add():
    form = PassAddForm()
    if not form.validate():
        return _passes_page(add_form=form, status=INVALID)
    try:
        cards = services.add_passes(_site(), rules.expand_pass_numbers(form.numbers.data), actor=current_user,
                                    now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _passes_page(add_form=form, status=INVALID)
    db.session.commit()
    flash(_("%(num)s passes added.", num=len(cards)), "success")
    return redirect(url_for(".passes"))


@bp.post("/passes/<int:pass_id>/retire")
@permission_required(VISITORS_MANAGE)
def pass_retire(pass_id):
    card = site_record_or_404(VisitorPass, pass_id, _site())
    _button(services.retire_pass, card, lambda: _("Pass %(number)s taken out of service.", number=card.number))
    return redirect(url_for(".passes"))


@bp.post("/passes/count")
@permission_required(VISITORS_REGISTER)
def pass_count():
    form = PassCountForm()
    site = _site()
    form.incoming.choices, form.present.choices = [], []
    if not form.validate():
        return _passes_page(count_form=form, status=INVALID)
    try:
        count = services.record_pass_count(site, outgoing=current_user, incoming=db.session.get(User, form.incoming.data),
                                           present_ids=form.present.data or [], note=form.note.data,
                                           actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _passes_page(count_form=form, status=INVALID)
    db.session.commit()
    if count.missing:
        flash(_("Count recorded. MISSING: pass %(numbers)s. Tell the supervisor.", numbers=count.missing), "error")
    else:
        flash(_("Count recorded: all %(num)s passes are there.", num=count.expected), "success")
    return redirect(url_for(".passes"))


# --- watch list and settings -------------------------------------------------------------------

def _watch_page(form=None, status=200):
    entries = queries.watch_entries(_site().id)
    return render_template("visitors/watch_list.html", entries=entries, form=form or WatchEntryForm(),
                           button=ButtonForm()), status


@bp.get("/watch-list")
@permission_required(VISITORS_MANAGE)
def watch_list():
    return _watch_page()[0]


@bp.post("/watch-list")
@permission_required(VISITORS_MANAGE)
def watch_add():
    form = WatchEntryForm()
    if not form.validate():
        return _watch_page(form, INVALID)
    try:
        services.add_watch_entry(_site(), level=form.level.data, name=form.name.data, id_number=form.id_number.data,
                                 phone=form.phone.data, reason=form.reason.data, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _watch_page(form, INVALID)
    db.session.commit()
    flash(_("Added to the watch list."), "success")
    return redirect(url_for(".watch_list"))


@bp.post("/watch-list/<int:entry_id>/remove")
@permission_required(VISITORS_MANAGE)
def watch_remove(entry_id):
    entry = site_record_or_404(WatchEntry, entry_id, _site())
    _button(services.remove_watch_entry, entry, lambda: _("Removed from the watch list."))
    return redirect(url_for(".watch_list"))


def _settings_page(form=None, status=200):
    settings = queries.settings_of(_site().id)
    form = form or SettingsForm(obj=settings)
    return render_template("visitors/settings.html", form=form), status


@bp.get("/settings")
@permission_required(VISITORS_MANAGE)
def settings():
    return _settings_page()[0]


@bp.post("/settings")
@permission_required(VISITORS_MANAGE)
def settings_save():
    form = SettingsForm()
    if not form.validate():
        return _settings_page(form, INVALID)
    try:
        services.save_settings(_site(), id_required=form.id_required.data, answer_minutes=form.answer_minutes.data,
                               actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _settings_page(form, INVALID)
    db.session.commit()
    flash(_("Visitor settings saved."), "success")
    return redirect(url_for(".settings"))


# --- the outbox --------------------------------------------------------------------------------

@bp.get("/messages")
@permission_required(VISITORS_MANAGE)
def messages():
    status = request.args.get("status", "")
    page = queries.outbox_page(_site().id, status=status if status in notify.STATUSES else "",
                               page=int_arg("page", 1), per_page=current_app.config["PAGE_SIZE"])
    return render_template("visitors/messages.html", page=page, status=status, button=ButtonForm(),
                           email_configured=notify.email_configured(current_app.config))


@bp.post("/messages/<int:message_id>/retry")
@permission_required(VISITORS_MANAGE)
def message_retry(message_id):
    message = site_record_or_404(notify.OutboxMessage, message_id, _site())
    if _button(notify.retry, message, lambda: _("The message will be sent again.")):
        notify.wake()
    return redirect(url_for(".messages"))
