from flask import Blueprint

bp = Blueprint("visitors", __name__, cli_group="visitors")

from . import cli, views  # noqa: E402,F401
