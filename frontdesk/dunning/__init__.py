from flask import Blueprint

bp = Blueprint("dunning", __name__, cli_group="dunning")

from . import cli, views  # noqa: E402,F401
