"""`frontdesk visitors ...`: jobs from cron or by hand."""
import click

from ..core import clock
from ..core.errors import DomainError
from ..extensions import db
from . import bp


@bp.cli.command("purge")
@click.option("--retention-days", type=int, help="Keep ID numbers this many days (default: the "
              "VISITOR_ID_RETENTION_DAYS setting, 180).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Count the days back from this "
              "date (default today).")
def purge(retention_days, as_of):
    """Erase visitors' ID document numbers older than the retention period. Audited."""
    from datetime import datetime, time

    from flask import current_app

    from . import services

    days = retention_days if retention_days is not None else current_app.config["VISITOR_ID_RETENTION_DAYS"]
    now = clock.now() if as_of is None else datetime.combine(as_of.date(), time(12), clock.BUSINESS_TZ)
    try:
        erased = services.purge_id_numbers(retention_days=days, now=now)
    except DomainError as e:
        raise click.ClickException(str(e))
    db.session.commit()
    click.echo(f"ID numbers erased from {erased} visits older than {days} days")
