"""Pages of case studies and the visit record PDF (stub)."""
from ..auth.permissions import VISITS_ALL, VISITS_CASES, VISITS_RECORD, permission_required
from . import bp


@bp.get("/<int:visit_id>/pdf")
@permission_required(VISITS_RECORD, VISITS_ALL)
def visit_pdf(visit_id):
    return ""


@bp.get("/cases")
@permission_required(VISITS_CASES)
def cases():
    return ""


@bp.route("/cases/new", methods=["GET", "POST"])
@permission_required(VISITS_CASES)
def case_new():
    return ""


@bp.get("/cases/<int:case_id>")
@permission_required(VISITS_CASES)
def case(case_id):
    return ""


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@permission_required(VISITS_CASES)
def case_edit(case_id):
    return ""
