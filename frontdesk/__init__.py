"""Frontdesk: the front-desk and fee-collection system of a property company."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides=None):
    """Build the app: config (defaults → instance/config.py → FRONTDESK_* env → overrides),
    extensions, blueprints, template helpers and error pages."""
    from . import config as config_module
    from .core import web

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config_module.load(app, overrides)
    web.init_app(app)
    return app
