"""The `frontdesk` command: the Flask CLI (run, shell, db ...) plus the desk's own commands.
Domain commands live in each package's cli.py and are registered here."""
import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import create_app


def _create_app():
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main():
    """Frontdesk: front desk and fee collection."""


@main.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema to the newest migration."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("database at head: " + _safe_url())


def _safe_url():
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)


@main.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", help="Full name as printed on receipts.")
@click.option("--role", "roles", multiple=True, required=True, help="Repeat for several roles.")
@click.option("--site", "site_code", help="Code of the site the user works at.")
@click.password_option()
@with_appcontext
def create_user(username, full_name, roles, site_code, password):
    """Create a user with roles."""
    import sqlalchemy as sa

    from .auth import services
    from .core import clock
    from .core.errors import DomainError
    from .estate.models import Site
    from .extensions import db

    site = db.session.scalar(sa.select(Site).where(Site.code == site_code)) if site_code else None
    if site_code and site is None:
        raise click.ClickException(f"no site with code {site_code}")
    try:
        user = services.create_user(username, full_name or username, password, list(roles),
                                    actor=None, now=clock.now(), site=site)
    except DomainError as e:
        raise click.ClickException(str(e))
    db.session.commit()
    click.echo(f"created {user.username} ({', '.join(user.roles)})")
