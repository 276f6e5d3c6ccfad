from flask import Blueprint

bp = Blueprint("estate", __name__)

from . import views  # noqa: E402,F401
