from flask import Blueprint

bp = Blueprint("billing", __name__, cli_group="billing")

from . import cli, views  # noqa: E402,F401
