"""`frontdesk billing ...`: the monthly billing run from cron or by hand."""
import click
import sqlalchemy as sa

from ..core import clock
from ..core.errors import DomainError
from ..estate.models import Site
from ..extensions import db
from . import bp


@bp.cli.command("generate-charges")
@click.option("--site", "site_code", required=True, help="Code of the site to bill.")
@click.option("--period", required=True, help="Billing period, YYYY-MM.")
def generate_charges(site_code, period):
    """Bill every unit of a site for a month. Safe to run twice."""
    from . import services

    site = db.session.scalar(sa.select(Site).where(Site.code == site_code))
    if site is None:
        raise click.ClickException(f"no site with code {site_code}")
    try:
        result = services.generate_charges(site, period, actor=None, now=clock.now())
    except DomainError as e:
        raise click.ClickException(str(e))
    db.session.commit()
    click.echo(f"{period}: {result.created} charges created, {len(result.skipped)} skipped")
    for why in result.skipped:
        click.echo(f"  skipped: {why}")
