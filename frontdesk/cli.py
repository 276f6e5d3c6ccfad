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


@main.command("demo")
@click.option("--months", type=click.IntRange(1, 36), default=12, show_default=True,
              help="Months of charges and payments, up to the current month.")
@with_appcontext
def demo(months):
    """Load the demo sites, users, fees and payments. Running it again adds nothing."""
    from . import demo as demo_data
    from .core import clock
    from .extensions import db

    report = demo_data.load(now=clock.now(), months=months)
    db.session.commit()
    for line in report:
        click.echo(line)


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(path):
    """Write a consistent copy of the database to PATH while the desk keeps running.

    SQLite: a copy made with SQLite's online backup API, itself a database file.
    PostgreSQL: a pg_dump archive in custom format (restore it with pg_restore)."""
    import os
    import shutil
    import sqlite3
    import subprocess

    from sqlalchemy.engine import make_url

    if os.path.exists(path):
        raise click.ClickException(f"{path} exists already: choose a new file name")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise click.ClickException("an in-memory database cannot be backed up")
        # the online backup copies in one step inside a read transaction: under WAL the desk's
        # writers go on, and the copy is the database as of the last commit before it began
        if not os.path.exists(url.database):
            raise click.ClickException(f"there is no database at {url.database}")
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise click.ClickException(
                "pg_dump was not found: install the PostgreSQL client tools "
                "(Debian: apt-get install postgresql-client) of the server's major version")
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        target_url = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        # pg_dump reads in one snapshot (repeatable read), so the dump is consistent while the
        # desk keeps writing
        done = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={path}", f"--dbname={target_url}"],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            if os.path.exists(path):
                os.remove(path)
            raise click.ClickException("pg_dump failed: " + done.stderr.strip())
    else:
        raise click.ClickException(f"no backup method for {url.get_backend_name()} databases")
    click.echo(f"backup of {_safe_url()} written to {path} ({os.path.getsize(path):,} bytes)")


@main.group("outbox")
def outbox():
    """The outbox of emails and text messages."""


@outbox.command("work")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@with_appcontext
def outbox_work(once):
    """Send queued emails and text messages until stopped (run one beside the gunicorn workers)."""
    from .core import clock, notify

    app = current_app._get_current_object()
    if once:
        click.echo(f"sent {notify.deliver_due(app, clock.now, limit=10_000)}")
        return
    click.echo(f"outbox worker: polling every {app.config['OUTBOX_POLL_SECONDS']} s; Ctrl+C stops")
    notify.work(app)


@main.command("run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def run(ctx):
    """Serve the desk for one machine (the Flask development server), with the outbox worker
    beside it when OUTBOX_WORKER is on. Takes the options of `flask run`."""
    import os

    from flask.cli import run_command

    from .core import notify

    app = create_app()
    # under the reloader the serving process is the child; the watcher starts no worker
    if app.config["OUTBOX_WORKER"] and (os.environ.get("WERKZEUG_RUN_MAIN") or "--reload" not in ctx.args):
        notify.start_worker_thread(app)
    run_command.main(args=ctx.args, prog_name="frontdesk run", standalone_mode=False, obj=ctx.obj)


from .estate.cli import estate as estate_commands  # noqa: E402
main.add_command(estate_commands)
