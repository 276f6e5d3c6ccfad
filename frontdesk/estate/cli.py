"""`frontdesk estate ...`: the imports for a first data load from the server's shell."""
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext


@click.group("estate")
def estate():
    """Estate master data: units and customers."""


def _run(importer, site_code, path, username):
    from ..auth.models import User
    from ..core import clock
    from ..core.errors import ImportRejected
    from ..extensions import db
    from .models import Site

    site = db.session.scalar(sa.select(Site).where(Site.code == site_code))
    if site is None:
        raise click.ClickException(f"no site with code {site_code}")
    actor = None
    if username:
        actor = db.session.scalar(sa.select(User).where(User.username == username))
        if actor is None:
            raise click.ClickException(f"no user {username}")
    try:
        result = importer(site, Path(path).read_bytes(), Path(path).name, actor=actor, now=clock.now())
    except ImportRejected as e:
        db.session.rollback()
        for problem in e.problems:
            click.echo(problem, err=True)
        raise click.ClickException(str(e))
    db.session.commit()
    click.echo(", ".join(f"{k}: {v}" for k, v in result.items() if k != "filename"))


@estate.command("import-units")
@click.argument("site_code", metavar="SITE")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", help="Username recorded in the audit log as having imported.")
@with_appcontext
def import_units(site_code, path, username):
    """Import units from a CSV or XLSX FILE into the site with code SITE, all or nothing."""
    from . import services

    _run(services.import_units, site_code, path, username)


@estate.command("import-customers")
@click.argument("site_code", metavar="SITE")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", help="Username recorded in the audit log as having imported.")
@with_appcontext
def import_customers(site_code, path, username):
    """Import customers and their units from a CSV or XLSX FILE into the site SITE, all or nothing."""
    from . import services

    _run(services.import_customers, site_code, path, username)
