"""HTTP of customer visits. Thin: load, authorize, validate the form, call one service, commit,
redirect. The pages are written in four parts (portfolio and lists, visits, surveys and reports,
case studies and the visit record PDF) that share the helpers below."""
from flask import abort
from flask_login import current_user

from ..auth.permissions import VISITS_ALL
from ..billing.queries import desk_site
from ..core.http import site_record_or_404
from . import bp, rules
from .models import CustomerVisit

INVALID = 422  # a form sent back with its errors


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


from . import views_cases, views_portfolio, views_surveys, views_visits  # noqa: E402,F401
