"""Pages of one visit: plan, record, cancel, commitments, a request to a work order (stub)."""
from ..auth.permissions import VISITS_ALL, VISITS_RECORD, permission_required
from . import bp


@bp.route("/new", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def plan():
    return ""


@bp.route("/record", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def record_new():
    return ""


@bp.get("/<int:visit_id>")
@permission_required(VISITS_RECORD, VISITS_ALL)
def visit(visit_id):
    return ""


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def replan(visit_id):
    return ""


@bp.route("/<int:visit_id>/record", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def record(visit_id):
    return ""


@bp.post("/<int:visit_id>/cancel")
@permission_required(VISITS_RECORD)
def cancel(visit_id):
    return ""


@bp.route("/items/<int:item_id>/work-order", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def work_order(item_id):
    return ""


@bp.post("/commitments/<int:commitment_id>/done")
@permission_required(VISITS_RECORD, VISITS_ALL)
def commitment_done(commitment_id):
    return ""
