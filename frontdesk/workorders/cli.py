"""`frontdesk workorders ...`: jobs from cron or by hand."""
import click
import sqlalchemy as sa

from ..core import clock
from ..core.errors import DomainError
from ..estate.models import Site
from ..extensions import db
from . import bp


@bp.cli.command("chase")
@click.option("--site", "site_code", required=True, help="Code of the site.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d %H:%M", "%Y-%m-%d"]),
              help="Shanghai time to chase as of (default now).")
def chase(site_code, as_of):
    """Issue a chase notice for every overdue dispatched order that has none pending, and escalate
    the orders still late after theirs. Safe to run again (every quarter of an hour from cron)."""
    from . import services

    site = db.session.scalar(sa.select(Site).where(Site.code == site_code))
    if site is None:
        raise click.ClickException(f"no site with code {site_code}")
    now = clock.now() if as_of is None else as_of.replace(tzinfo=clock.BUSINESS_TZ)
    try:
        run = services.chase_overdue(site, actor=None, now=now)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(str(e))
    lines = [f"  chase notice {n.number}  order {n.snapshot['order']}  to {n.snapshot['department']}  "
             f"reply by {clock.local(n.reply_by).strftime('%Y-%m-%d %H:%M')}" for n in run.issued]
    lines += [f"  escalated {order.number}  {order.place}" for order in run.escalated]
    db.session.commit()
    click.echo(f"{site.code} as of {clock.local(now).strftime('%Y-%m-%d %H:%M')}: "
               f"{len(run.issued)} chase notices issued, {len(run.escalated)} orders escalated")
    for line in lines:
        click.echo(line)
