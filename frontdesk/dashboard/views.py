from flask import render_template
from flask_login import current_user, login_required

from ..billing import queries as billing_queries
from ..billing.forms import METHOD_CHOICES
from ..core import clock
from . import bp


@bp.get("/")
@login_required
def home():
    figures = billing_queries.home_figures(current_user, clock.business_day())
    return render_template("dashboard/home.html", f=figures, method_labels=dict(METHOD_CHOICES))
