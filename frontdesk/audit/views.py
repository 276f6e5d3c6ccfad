from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from ..auth.permissions import AUDIT_VIEW, permission_required
from ..core.http import int_arg
from . import bp, queries, rules
from .forms import AuditSearchForm


@bp.get("/")
@permission_required(AUDIT_VIEW)
def search():
    form = AuditSearchForm(request.args)
    form.action.choices = [("", _l("Any action"))] + [(a, a) for a in queries.actions_present()]
    form.object_type.choices = [("", _l("Any type"))] + [(t, t) for t in queries.object_types_present()]
    page = queries.search(queries.AuditFilter(**form.filters()), page=int_arg("page", 1),
                          per_page=current_app.config["PAGE_SIZE"])
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/search.html", form=form, page=page, args=args, changes=rules.changes)
