"""`frontdesk dunning ...`: batch jobs from cron or by hand."""
import click
import sqlalchemy as sa

from ..core import clock
from ..core.errors import DomainError
from ..estate.models import Site
from ..extensions import db
from . import bp


REASONS = {"deadline_running": "deadline of the last notice still running", "too_soon": "next level not due yet",
           "final_given": "final demand already given", "below_minimum": "below the minimum amount"}


@bp.cli.command("run")
@click.option("--site", "site_code", required=True, help="Code of the site.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Issue date (default today).")
@click.option("--min-amount", default="0", show_default=True, help="Only customers owing at least this much.")
@click.option("--min-days", type=int, default=1, show_default=True, help="Only charges overdue this many days.")
@click.option("--deadline-days", type=int, default=15, show_default=True, help="Days the customer has to pay.")
@click.option("--dry-run", is_flag=True, help="Show who is due a notice; issue nothing.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the batch's notices to this PDF, to print.")
def run_dunning(site_code, as_of, min_amount, min_days, deadline_days, dry_run, pdf_path):
    """Issue the dunning notices a site's customers are due. Safe to run twice."""
    from . import pdf, services

    site = db.session.scalar(sa.select(Site).where(Site.code == site_code))
    if site is None:
        raise click.ClickException(f"no site with code {site_code}")
    day = as_of.date() if as_of else clock.business_day()
    try:
        result = services.run_dunning(site, as_of=day, min_amount=min_amount, min_days=min_days,
                                      deadline_days=deadline_days, dry_run=dry_run, actor=None, now=clock.now())
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(str(e))
    if dry_run:
        db.session.rollback()
        click.echo(f"{day}: {len(result.due)} customers due a notice (dry run: nothing issued)")
        for c in result.due:
            click.echo(f"  level {c.level}  {c.customer}  {c.principal} + {c.late_fee} = {c.total}")
    else:
        data = None
        if pdf_path and result.notices:
            data = pdf.render_dunning_notices([n.snapshot for n in result.notices],
                                              reprint=services.print_notices(result.notices, actor=None,
                                                                             now=clock.now()))
        db.session.commit()
        click.echo(f"{day}: {len(result.notices)} dunning notices issued")
        for n in result.notices:
            click.echo(f"  {n.number}  level {n.level}  {n.snapshot['customer']}  {n.total}")
        if data:
            with open(pdf_path, "wb") as out:
                out.write(data)
            click.echo(f"PDF: {pdf_path}")
    for name, reason in result.skipped:
        click.echo(f"  skipped {name}: {REASONS.get(reason, reason)}")
