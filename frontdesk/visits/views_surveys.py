"""Pages of satisfaction surveys, the questionnaire, the reports and the exports (stub)."""
from ..auth.permissions import VISITS_ALL, VISITS_RECORD, VISITS_SETTINGS, permission_required
from . import bp


@bp.route("/surveys/new", methods=["GET", "POST"])
@permission_required(VISITS_RECORD)
def survey_new():
    return ""


@bp.get("/surveys/<int:response_id>")
@permission_required(VISITS_RECORD, VISITS_ALL)
def survey(response_id):
    return ""


@bp.get("/surveys")
@permission_required(VISITS_ALL)
def surveys():
    return ""


@bp.get("/surveys.xlsx")
@permission_required(VISITS_ALL)
def surveys_xlsx():
    return ""


@bp.get("/register")
@permission_required(VISITS_RECORD, VISITS_ALL)
def register():
    return ""


@bp.get("/register.xlsx")
@permission_required(VISITS_RECORD, VISITS_ALL)
def register_xlsx():
    return ""


@bp.route("/questionnaire", methods=["GET", "POST"])
@permission_required(VISITS_SETTINGS)
def questionnaire():
    return ""
