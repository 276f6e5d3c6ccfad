"""Pages of the portfolio and the manager's lists (stub)."""
from ..auth.permissions import VISITS_ALL, VISITS_ASSIGN, VISITS_RECORD, VISITS_SETTINGS, permission_required
from . import bp


@bp.get("/")
@permission_required(VISITS_RECORD, VISITS_ALL)
def index():
    return ""


@bp.get("/companies")
@permission_required(VISITS_RECORD, VISITS_ALL)
def companies():
    return ""


@bp.get("/companies/<int:customer_id>")
@permission_required(VISITS_RECORD, VISITS_ALL)
def company(customer_id):
    return ""


@bp.post("/companies/<int:customer_id>/assign")
@permission_required(VISITS_ASSIGN)
def assign(customer_id):
    return ""


@bp.get("/managers")
@permission_required(VISITS_ALL)
def managers():
    return ""


@bp.route("/settings", methods=["GET", "POST"])
@permission_required(VISITS_SETTINGS)
def settings():
    return ""
