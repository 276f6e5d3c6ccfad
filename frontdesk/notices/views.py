"""HTTP of notices: the list, the draft form with its live preview, the notice page (where the
approvals stand, what the user may do now, the history) and the approved notice's PDF; the boards,
posting an approved notice, what is up on each board now, the posting log (and its PDF for filing),
the take-down list of a day, and the text messages of a notice. Thin: load, authorize, validate the
form, call one service, commit, redirect."""
from datetime import timedelta

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import NOTICES_APPROVE, NOTICES_CHECK, NOTICES_DRAFT, NOTICES_POST, permission_required
from ..billing.queries import desk_site
from ..core import clock, notify
from ..core.errors import DomainError
from ..core.http import int_arg, pdf_response, safe_next, show_error, site_record_or_404
from ..core.notify import SMS_LIMIT
from ..core.templating import mask_phone
from ..core.uploads import MAX_PHOTO_BYTES
from ..estate.queries import building_choices
from ..extensions import db
from . import bp, pdf, queries, rules, services
from .forms import (
    MAX_LOG_DAYS, BoardForm, DecisionForm, NoticeFilterForm, NoticeForm, PostForm, PostingLogForm, RejectForm,
    TakeDownDayForm, ButtonForm,
)
from .models import (
    APPROVED, CHECKED, DRAFT, MANAGER_STEP, SUBMITTED, SUPERSEDED, SUPERVISOR_STEP, Notice, NoticeBoard,
    NoticeRevision, Posting,
)

INVALID = 422  # a form sent back with its errors
PAGE_SIZE = 50
LOG_PAGE_SIZE = 50
TEXTS_PAGE_SIZE = 50
SEE = (NOTICES_DRAFT, NOTICES_CHECK, NOTICES_APPROVE, NOTICES_POST)  # whoever works on notices sees them
DEFAULT_DAYS = 7  # a new notice runs from today for a week unless the drafter says otherwise


@bp.context_processor
def labels():
    # translated once a page, not once a row; the board pages use them too
    def plain(labels):
        return {code: str(label) for code, label in labels.items()}

    return {"kind_labels": plain(rules.KIND_LABELS), "notice_status_labels": plain(rules.STATUS_LABELS),
            "notice_step_labels": {SUPERVISOR_STEP: _("Customer-service supervisor"),
                                   MANAGER_STEP: _("Project manager")},
            "paper_day": pdf.day}


def _desk_site():
    site = desk_site(current_user)
    if site is None:
        abort(404)
    return site


def _checked(form):
    """A button form (CSRF only): a request without a valid token is refused outright."""
    if not form.validate():
        abort(400)
    return form


def _notice_or_404(notice_id) -> Notice:
    return site_record_or_404(Notice, notice_id, _desk_site())


def _note_text(note) -> str:
    if note.kind == "forbidden":
        return _("“%(phrase)s” is a phrase the service standards forbid.", phrase=note.phrase)
    return _("No word of courtesy (%(words)s): address the customers politely.", words=note.phrase)


# --- the list ------------------------------------------------------------------------------------

@bp.get("/")
@permission_required(*SEE)
def index():
    site = _desk_site()
    form = NoticeFilterForm(request.args)
    valid = form.validate()
    page = queries.notices_page(site.id, user=current_user, today=clock.business_day(),
                                status=form.status.data if valid else "", kind=form.kind.data if valid else "",
                                q=form.q.data if valid else "", page=int_arg("page", 1), per_page=PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if k != "page" and k in form._fields} if valid else {}
    return render_template("notices/index.html", form=form, page=page, args=args, today=clock.business_day(),
                           waiting=queries.waiting_for(site.id, current_user)), 200 if valid else INVALID


# --- the draft form and its preview ----------------------------------------------------------------

def _notice_form(site, **data) -> NoticeForm:
    form = NoticeForm(**data)
    # "3号楼" reads better on a checkbox than "3 · 3号楼"
    form.building_ids.choices = [(id_, label.split(" · ")[-1]) for id_, label in building_choices(site.id)]
    return form


def _sms_text(form) -> str:
    return (form.sms_text.data or "").replace("\r\n", "\n")  # a browser sends a line break as two characters


def _content(form) -> services.Content:
    return services.Content(title=form.title.data or "", body=form.body.data or "", valid_from=form.valid_from.data,
                            valid_to=form.valid_to.data, building_ids=form.building_ids.data or [],
                            to_boards=form.to_boards.data, to_sms=form.to_sms.data, to_home=form.to_home.data,
                            sms_text=_sms_text(form))


def _editing(site, form) -> Notice | None:
    """The notice whose draft the form changes (its revision id is on the form), if any."""
    revision = db.session.get(NoticeRevision, form.revision_id.data) \
        if form.revision_id.data and not form.revision_id.errors else None
    return revision.notice if revision is not None and revision.notice.site_id == site.id else None


def _numbered(notice) -> dict:
    """The number a preview shows: a new revision of a numbered notice keeps its number."""
    return {"number": notice.number, "revision": notice.revisions[-1].no} if notice is not None else {}


def _preview(site, form, notice=None) -> dict:
    """The form as it stands, as it would be printed, with its wording notes and the length of its
    text message. A half-filled form previews what there is; a text the service would refuse is not
    drawn, its problem is said instead."""
    title, body = (form.title.data or "").strip(), form.body.data or ""
    problem = rules.body_problem(body) if body.strip() else None
    sheet = queries.sheet(site, kind=form.kind.data, title=title, body="" if problem else body,
                          building_ids=form.building_ids.data, valid_from=form.valid_from.data,
                          valid_to=form.valid_to.data, issued_on=clock.business_day(), **_numbered(notice))
    empty = not (title or body.strip())
    return {"sheet": sheet, "blocks": rules.parse_body(sheet["body"]), "problem": str(problem) if problem else None,
            "notes": [] if empty else [_note_text(n) for n in rules.wording_notes(title, body)], "empty": empty,
            "sms_count": len(_sms_text(form).strip())}


def _form_page(form, notice=None, status=200):
    site = _desk_site()
    return render_template("notices/form.html", form=form, notice=notice, preview=_preview(site, form, notice),
                           sms_limit=SMS_LIMIT), status


def _saved(notice, submit, now):
    """Submit the notice just saved when asked to, and say what happened (with the wording notes)."""
    if not submit:
        return [(_("Draft saved. Submit it for approval when it is ready."), "success")]
    notes = services.submit(notice.revisions[-1], actor=current_user, now=now)
    said = [(_("The notice is submitted: it waits for the customer-service supervisor's approval."), "success")]
    if notes:
        said.append((_("Wording notes: %(notes)s", notes=" ".join(_note_text(n) for n in notes)), "warning"))
    return said


def _finish(said, target):
    db.session.commit()
    for message, category in said:
        flash(message, category)
    return redirect(target)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(NOTICES_DRAFT)
def new():
    site = _desk_site()
    form = _notice_form(site)
    if request.method == "GET":
        today = clock.business_day()
        form.valid_from.data, form.valid_to.data = today, today + timedelta(days=DEFAULT_DAYS)
        return _form_page(form)[0]
    action = request.form.get("action")
    if action == "preview":
        return _form_page(form)[0]
    if not form.validate():
        return _form_page(form, status=INVALID)
    now = clock.now()
    try:
        notice = services.draft_notice(site, kind=form.kind.data, content=_content(form), actor=current_user,
                                       now=now)
        said = _saved(notice, action == "submit", now)
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _form_page(form, status=INVALID)
    return _finish(said, url_for(".notice", notice_id=notice.id))


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@permission_required(NOTICES_DRAFT)
def edit(notice_id):
    notice = _notice_or_404(notice_id)
    revision = notice.revisions[-1]
    if request.method == "GET":
        if "edit" not in _actions(notice, revision):
            flash(_("Only a draft is changed, by its author or a supervisor. An approved notice is changed by "
                    "starting a new revision."), "error")
            return redirect(url_for(".notice", notice_id=notice.id))
        form = _notice_form(notice.site, formdata=None, obj=revision, kind=notice.kind, revision_id=revision.id)
        return _form_page(form, notice)[0]
    form = _notice_form(notice.site)
    if request.form.get("action") == "preview":
        return _form_page(form, notice)[0]
    if not form.validate():
        return _form_page(form, notice, INVALID)
    if form.revision_id.data != revision.id:
        flash(_stale(), "error")
        return _form_page(form, notice, INVALID)
    now = clock.now()
    try:
        services.change_draft(revision, content=_content(form), actor=current_user, now=now)
        said = _saved(notice, request.form.get("action") == "submit", now)
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _form_page(form, db.session.get(Notice, notice_id), INVALID)
    return _finish(said, url_for(".notice", notice_id=notice_id))


@bp.post("/preview")
@permission_required(NOTICES_DRAFT)
def preview():
    """The live preview of the draft form: the printed page as HTML, the wording notes and the
    length of the text message. A text with markup is refused (422) with the reason."""
    site = _desk_site()
    form = _notice_form(site)
    form.validate()  # only to read the fields; whatever is there is previewed
    found = _preview(site, form, _editing(site, form))
    html = render_template("notices/_preview.html", sheet=found["sheet"], blocks=found["blocks"],
                           problem=found["problem"])
    return jsonify(html=html, notes=found["notes"], empty=found["empty"], sms_count=found["sms_count"],
                   sms_limit=SMS_LIMIT, problem=found["problem"]), INVALID if found["problem"] else 200


@bp.post("/preview.pdf")
@permission_required(NOTICES_DRAFT)
def preview_pdf():
    """The page the unsaved form would print, without seal, marked 样稿 and numbered only when a
    new revision of a numbered notice is changed; a form that could not be saved comes back with
    its errors."""
    site = _desk_site()
    form = _notice_form(site)
    valid = form.validate()
    notice = _editing(site, form)  # a draft being changed: its page again, should the preview be refused
    if not valid:
        return _form_page(form, notice, INVALID)
    try:
        snapshot = services.preview_snapshot(site, kind=notice.kind if notice else form.kind.data,
                                             content=_content(form), now=clock.now()) | _numbered(notice)
    except DomainError as e:
        show_error(form, e)
        return _form_page(form, notice, INVALID)
    return pdf_response(pdf.render_notice(snapshot, preview=True), "preview")


# --- one notice ----------------------------------------------------------------------------------

def _actions(notice, revision) -> set[str]:
    """What the notice page offers the user now, for its latest revision; the services check all
    of it again. Nobody decides on a notice they wrote; the two approvals are two people's."""
    user, status = current_user, revision.status
    wrote = user.id in (notice.author_id, revision.drafted_by_id)
    approver = (status == SUBMITTED and user.can(NOTICES_CHECK)) or (status == CHECKED and user.can(NOTICES_APPROVE))
    approved_already = any(d.actor_id == user.id for d in queries.approvals_of(revision).values())
    drafter = status == DRAFT and user.can(NOTICES_DRAFT) and (wrote or user.can(NOTICES_CHECK))
    offered = {
        "edit": drafter,
        "submit": drafter,
        "approve": approver and not wrote and not approved_already,
        "reject": approver and not wrote,
        "withdraw": status in (SUBMITTED, CHECKED) and wrote and user.can(NOTICES_DRAFT),
        "revise": status == APPROVED and user.can(NOTICES_DRAFT),
    }
    return {name for name, yes in offered.items() if yes}


def _notice_page(notice, status=200, reject=None):
    revision = notice.revisions[-1]
    sheet = revision.snapshot or queries.sheet(
        notice.site, kind=notice.kind, title=revision.title, body=revision.body, building_ids=revision.building_ids,
        valid_from=revision.valid_from, valid_to=revision.valid_to, number=notice.number, revision=revision.no)
    in_force = queries.approved_revision(notice)
    today = clock.business_day()
    return render_template(
        "notices/notice.html", notice=notice, revision=revision, sheet=sheet, blocks=rules.parse_body(sheet["body"]),
        approvals=queries.approvals_of(revision), actions=_actions(notice, revision), in_force=in_force,
        decisions=queries.decisions_of(notice), today=today, sms_limit=SMS_LIMIT,
        notes=[_note_text(n) for n in rules.wording_notes(revision.title, revision.body)],
        reject=reject or RejectForm(formdata=None),
        post_url=url_for(".post", notice_id=notice.id)
        if in_force and in_force.to_boards and in_force.valid_to >= today and current_user.can(NOTICES_POST)
        else None,
        texts_url=url_for(".texts", notice_id=notice.id)
        if any(r.to_sms and r.snapshot for r in notice.revisions) else None), status


@bp.get("/<int:notice_id>")
@permission_required(*SEE)
def notice(notice_id):
    return _notice_page(_notice_or_404(notice_id))[0]


def _stale() -> str:
    return _("The notice has changed since this page was opened, so nothing was done. Look at it again below.")


def _act(notice_id, change, form_class=DecisionForm):
    """One button of the notice page, on the revision the page showed: refused, and nothing changed,
    when that is not the latest revision any more; a refusal of the service is shown on the page."""
    notice = _notice_or_404(notice_id)
    revision = notice.revisions[-1]
    form = form_class()
    commented = form if form_class is RejectForm else None  # the one whose errors go next to a field
    valid = form.validate()
    if form.revision_id.errors or form.revision_id.data != revision.id:
        flash(_stale(), "error")
        return _notice_page(notice, INVALID)
    if not valid:
        return _notice_page(notice, INVALID, reject=commented)
    now = clock.now()
    try:
        said, target = change(notice, revision, form, now)
    except DomainError as e:
        db.session.rollback()
        show_error(commented, e)
        return _notice_page(db.session.get(Notice, notice_id), INVALID, reject=commented)
    return _finish(said, target or url_for(".notice", notice_id=notice_id))


@bp.post("/<int:notice_id>/submit")
@permission_required(NOTICES_DRAFT)
def submit(notice_id):
    return _act(notice_id, lambda notice, revision, form, now: (_saved(notice, True, now), None))


@bp.post("/<int:notice_id>/approve")
@permission_required(NOTICES_CHECK, NOTICES_APPROVE)
def approve(notice_id):
    def change(notice, revision, form, now):
        services.approve(revision, actor=current_user, now=now)
        if revision.status == CHECKED:
            return [(_("Approved. The notice now waits for the project manager's approval."), "success")], None
        return [(_("Notice %(number)s is approved: print it and post it.", number=notice.number), "success")], None

    return _act(notice_id, change)


@bp.post("/<int:notice_id>/reject")
@permission_required(NOTICES_CHECK, NOTICES_APPROVE)
def reject(notice_id):
    def change(notice, revision, form, now):
        services.reject(revision, comment=form.comment.data, actor=current_user, now=now)
        return [(_("The notice is sent back to %(name)s as a draft, with your comment.",
                   name=revision.drafted_by.full_name), "success")], None

    return _act(notice_id, change, RejectForm)


@bp.post("/<int:notice_id>/withdraw")
@permission_required(NOTICES_DRAFT)
def withdraw(notice_id):
    def change(notice, revision, form, now):
        services.withdraw(revision, actor=current_user, now=now)
        return [(_("The notice is taken back and is a draft again: change it and submit it once more."),
                 "success")], None

    return _act(notice_id, change)


@bp.post("/<int:notice_id>/revise")
@permission_required(NOTICES_DRAFT)
def revise(notice_id):
    def change(notice, revision, form, now):
        made = services.new_revision(notice, actor=current_user, now=now)
        return [(_("Revision %(no)s is started from the approved text. Revision %(old)s stays in force until both "
                   "approvals of the new one are in.", no=made.no, old=revision.no), "success")], \
            url_for(".edit", notice_id=notice.id)

    return _act(notice_id, change)


@bp.get("/<int:notice_id>/pdf")
@permission_required(*SEE)
def notice_pdf(notice_id):
    """The approved revision as it was frozen."""
    notice = _notice_or_404(notice_id)
    revision = queries.approved_revision(notice)
    if revision is None:
        abort(404)
    return pdf_response(pdf.render_notice(revision.snapshot), notice.number)


@bp.post("/<int:notice_id>/reprint")
@permission_required(*SEE)
def notice_reprint(notice_id):
    """A further paper copy of the approved revision, marked 补打 and counted."""
    notice = _notice_or_404(notice_id)
    revision = queries.approved_revision(notice)
    if revision is None:
        abort(404)
    _checked(ButtonForm())
    services.record_reprint(revision, actor=current_user, now=clock.now())
    data = pdf.render_notice(revision.snapshot, reprint=True)
    db.session.commit()
    return pdf_response(data, notice.number)


# --- the boards and what is on them ------------------------------------------------------------

def _badges(day) -> dict:
    """The words of the badges a posting up may carry, translated once a page."""
    return {"expired": _("Expired"), "replaced": _("Replaced"), "last_day": _("Last day today"),
            "expires": _("Last day"), "day": day}


# --- the boards ----------------------------------------------------------------------------------

def _board_form(site, **kwargs) -> BoardForm:
    form = BoardForm(**kwargs)
    form.building_id.choices = [(0, _("The whole site"))] + building_choices(site.id)
    return form


def _boards_page(form=None, status=200):
    site = _desk_site()
    return render_template("notices/boards.html", site=site, boards=queries.boards(site.id, active_only=False),
                           up=queries.up_counts(site.id), form=form or _board_form(site, formdata=None)), status


def _save_board(form, site, board, target):
    """Validate the board form and save it; the page again with the errors (INVALID) when refused."""
    if not form.validate():
        return False
    try:
        saved = services.save_board(site, name=form.name.data, building_id=form.building_id.data or None,
                                    active=form.active.data, board=board, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return False
    message = _("Board %(name)s saved.", name=saved.name)
    db.session.commit()
    flash(message, "success")
    return redirect(target)


@bp.route("/boards", methods=["GET", "POST"])
@permission_required(*SEE)
def boards():
    if request.method == "GET":
        return _boards_page()[0]
    if not current_user.can(NOTICES_POST):
        abort(403)
    site = _desk_site()
    form = _board_form(site)
    return _save_board(form, site, None, url_for(".boards")) or _boards_page(form, INVALID)


@bp.route("/boards/<int:board_id>/edit", methods=["GET", "POST"])
@permission_required(NOTICES_POST)
def edit_board(board_id):
    site = _desk_site()
    board = site_record_or_404(NoticeBoard, board_id, site)
    if request.method == "GET":
        form = _board_form(site, formdata=None, obj=board)
        form.building_id.data = board.building_id or 0
        return render_template("notices/board_edit.html", site=site, board=board, form=form)
    form = _board_form(site)
    return _save_board(form, site, board, url_for(".boards")) or (
        render_template("notices/board_edit.html", site=site, board=db.session.get(NoticeBoard, board_id), form=form),
        INVALID)


@bp.get("/boards/now")
@permission_required(*SEE)
def board_view():
    """What is up on each board now: the boards in use, and any board out of use still holding a sheet."""
    site, today = _desk_site(), clock.business_day()
    by_board = {}
    for row in queries.on_the_boards(site.id):
        by_board.setdefault(row.board_id, []).append(row)
    shown = [b for b in queries.boards(site.id, active_only=False) if b.active or b.id in by_board]
    return render_template("notices/board_view.html", site=site, boards=shown, by_board=by_board,
                           badges=_badges(today), can_post=current_user.can(NOTICES_POST),
                           total=sum(len(rows) for rows in by_board.values()))


# --- posting -------------------------------------------------------------------------------------

def _post_page(notice, form=None, status=200):
    site = _desk_site()
    revision = queries.approved_revision(notice)
    form = form or PostForm(formdata=None)
    free = queries.boards_to_post(site.id, revision.id if revision else 0)
    form.board_id.choices = [(0, "—")] + [(b.id, b.name) for b in free]
    # the sheet the page shows is the one the steward posts
    form.revision_id.data, form.revision_id.raw_data = (revision.id if revision else None), []
    return render_template("notices/posting_form.html", site=site, notice=notice, revision=revision,
                           latest=notice.revisions[-1], form=form, free=free, up=queries.up_postings(notice.id),
                           any_board=bool(queries.boards(site.id)), today=clock.business_day()), status


@bp.route("/<int:notice_id>/post", methods=["GET", "POST"])
@permission_required(NOTICES_POST)
def post(notice_id):
    notice = _notice_or_404(notice_id)
    if request.method == "GET":
        return _post_page(notice)[0]
    form = PostForm()
    form.board_id.choices = []
    if not form.validate():
        return _post_page(notice, form, INVALID)
    upload = form.photo.data
    photo = upload.read(MAX_PHOTO_BYTES + 1) if getattr(upload, "filename", None) else None
    board = db.session.get(NoticeBoard, form.board_id.data) if form.board_id.data else None
    try:
        posting = services.post_notice(notice, board, photo=photo or None, revision_id=form.revision_id.data,
                                       actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        # a refusal about the notice itself (not approved, expired, up already) is said by the board too
        show_error(form, e if e.field else DomainError(str(e), field="board_id"))
        return _post_page(db.session.get(Notice, notice_id), form, INVALID)
    message = _("Notice %(notice)s is posted on %(board)s as %(number)s.", notice=notice.number, board=board.name,
                number=posting.number)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".post", notice_id=notice_id))


# --- the posting log ---------------------------------------------------------------------------

def _log_form(site) -> PostingLogForm:
    form = PostingLogForm(request.args)
    form.board.choices = [(0, _("Every board"))] + [(b.id, b.name) for b in queries.boards(site.id, active_only=False)]
    return form


def _postings_page(site, form, valid, status=200):
    page = queries.posting_log(site.id, start_on=form.date_from.data if valid else None,
                               end_on=form.date_to.data if valid else None, board_id=form.board.data if valid else None,
                               page=int_arg("page", 1), per_page=LOG_PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if k != "page" and k in form._fields} if valid else {}
    return render_template("notices/postings.html", site=site, form=form, page=page, args=args), status


@bp.get("/postings")
@permission_required(*SEE)
def postings():
    site = _desk_site()
    form = _log_form(site)
    valid = form.validate()
    return _postings_page(site, form, valid, 200 if valid else INVALID)


@bp.get("/postings.pdf")
@permission_required(*SEE)
def postings_pdf():
    """The posting log of a range of days (this month so far unless given) in number order, for filing."""
    site = _desk_site()
    form = _log_form(site)
    if not form.validate():
        return _postings_page(site, form, False, INVALID)
    today = clock.business_day()
    end = form.date_to.data or today
    start = form.date_from.data or min(end, today).replace(day=1)
    if start > end:
        form.date_to.errors.append(_("The last day is before the first."))
        return _postings_page(site, form, False, INVALID)
    if end - start > timedelta(days=MAX_LOG_DAYS - 1):
        form.date_to.errors.append(_("Print at most three months at a time."))
        return _postings_page(site, form, False, INVALID)
    board = db.session.get(NoticeBoard, form.board.data) if form.board.data else None
    rows = queries.posting_log_rows(site.id, start, end, board_id=board.id if board else None)
    return pdf_response(pdf.render_posting_log(site, rows, start, end, board=board.name if board else None),
                        f"postings-{start.isoformat()}-{end.isoformat()}")


@bp.get("/postings/<int:posting_id>/photo")
@permission_required(*SEE)
def posting_photo(posting_id):
    posting = site_record_or_404(Posting, posting_id, _desk_site())
    path = services.posting_photo_dir() / posting.photo if posting.photo else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/png" if path.suffix == ".png" else "image/jpeg", max_age=3600)


# --- taking down ---------------------------------------------------------------------------------

@bp.get("/take-down")
@permission_required(*SEE)
def take_down_list():
    """The take-down list of a day (today unless given), board by board, to print and walk the boards with."""
    site, today = _desk_site(), clock.business_day()
    form = TakeDownDayForm(request.args)
    valid = form.validate()
    day = (form.day.data if valid else None) or today
    groups = {}
    for posting in queries.to_take_down(site.id, day):
        groups.setdefault(posting.board_id, (posting.board, []))[1].append(posting)
    return render_template("notices/take_down.html", site=site, form=form, day=day, today=today,
                           previous_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
                           groups=sorted(groups.values(), key=lambda group: group[0].name),
                           badges=_badges(day), replaced=SUPERSEDED,
                           can_post=current_user.can(NOTICES_POST)), 200 if valid else INVALID


@bp.post("/postings/<int:posting_id>/take-down")
@permission_required(NOTICES_POST)
def take_down(posting_id):
    posting = site_record_or_404(Posting, posting_id, _desk_site())
    form = _checked(ButtonForm())
    back = safe_next(form.next.data, url_for(".board_view"))
    try:
        services.take_down(posting, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(back)
    message = _("Posting %(number)s (notice %(notice)s) is taken down from %(board)s.", number=posting.number,
                notice=posting.notice.number, board=posting.board.name)
    db.session.commit()
    flash(message, "success")
    return redirect(back)


# --- text messages -------------------------------------------------------------------------------

@bp.get("/<int:notice_id>/texts")
@permission_required(*SEE)
def texts(notice_id):
    """The send log of the notice's text messages, one row per recipient, with how each fared."""
    notice = _notice_or_404(notice_id)
    revisions = {r.id: r for r in notice.revisions}
    status = request.args.get("status", "")
    status = status if status in notify.STATUSES else ""
    return render_template("notices/texts.html", notice=notice, revisions=revisions, status=status,
                           counts=queries.sms_counts(list(revisions)),
                           page=queries.sms_log_page(list(revisions), status=status, page=int_arg("page", 1),
                                                     per_page=TEXTS_PAGE_SIZE),
                           text_labels={notify.QUEUED: _("Queued"), notify.SENDING: _("Sending"),
                                        notify.SENT: _("Sent"), notify.FAILED: _("Failed")},
                           can_post=current_user.can(NOTICES_POST))


@bp.post("/texts/<int:message_id>/retry")
@permission_required(NOTICES_POST)
def retry_text(message_id):
    """Send a failed text message of a notice of the desk's site again (audited by notify.retry)."""
    message = db.session.get(notify.OutboxMessage, message_id)
    revision = db.session.get(NoticeRevision, message.object_id) \
        if message is not None and message.object_type == "notice_revision" and message.object_id else None
    if revision is None or revision.notice.site_id != _desk_site().id:
        abort(404)
    form = _checked(ButtonForm())
    back = safe_next(form.next.data, url_for(".texts", notice_id=revision.notice_id))
    try:
        notify.retry(message, actor=current_user, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
        return redirect(back)
    db.session.commit()
    notify.wake()
    flash(_("The text message to %(phone)s will be sent again.", phone=mask_phone(message.recipient)), "success")
    return redirect(back)
