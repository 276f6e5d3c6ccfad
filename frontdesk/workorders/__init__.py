from flask import Blueprint

bp = Blueprint("workorders", __name__, cli_group="workorders")

from . import cli, views  # noqa: E402,F401
