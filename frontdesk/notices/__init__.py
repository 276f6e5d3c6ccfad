from flask import Blueprint

bp = Blueprint("notices", __name__, cli_group="notices")

from . import views  # noqa: E402,F401
