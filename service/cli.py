"""Flask CLI commands: bootstrap, imports, demo data, serving."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask, current_app
from sqlalchemy import func, inspect, select
from werkzeug.serving import run_simple

from .database import db, migration_database_uri
from .errors import DomainError


def register(app: Flask) -> None:
    app.cli.add_command(create_area)
    app.cli.add_command(create_admin)
    app.cli.add_command(import_group)
    app.cli.add_command(demo_data)
    app.cli.add_command(serve)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(grant_app_role_command)
    from .jobs.cli import scheduler_cli

    app.cli.add_command(scheduler_cli)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("create-area")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["city", "district", "street", "community", "compound", "grid", "building"]),
)
@click.option("--name", required=True)
@click.option("--parent", "parent_id", type=int, default=None)
@click.option("--code", default=None)
def create_area(kind, name, parent_id, code):
    """Create an area (a root city needs no parent)."""
    from .places.service import create_area as create

    try:
        area = create(db.session, None, parent_id=parent_id, kind=kind, name=name, code=code)
    except DomainError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"area {area.id} {area.path} {area.name}")


@click.command("create-admin")
@click.option("--phone", required=True)
@click.option("--password-stdin", is_flag=True, required=True, help="read the password from standard input")
@click.option("--area", "area_id", type=int, required=True)
@click.option("--name", default="管理员")
def create_admin(phone, password_stdin, area_id, name):
    """Bootstrap a city admin over an area (normally the city)."""
    from .people.service import create_grant

    password = sys.stdin.readline().rstrip("\n")
    try:
        grant = create_grant(
            db.session,
            None,
            phone=phone,
            role="city_admin",
            area_id=area_id,
            name=name,
            password=password,
            hash_params=current_app.config["PASSWORD_HASH"],
        )
    except DomainError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"city_admin granted to account {grant.account_id} over area {area_id}")


@click.command("import")
@click.argument("what", type=click.Choice(["areas", "units", "members"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_group(what, path):
    """Import areas, units or members from CSV or XLSX: every row checked first, all or nothing."""
    from .roster import importer

    started = time.perf_counter()
    action = {"areas": importer.import_areas, "units": importer.import_units, "members": importer.import_members}[what]
    try:
        count = action(db.session, path)
    except importer.ImportRejected as rejected:
        db.session.rollback()
        for error in rejected.errors[:200]:
            click.echo(str(error), err=True)
        if len(rejected.errors) > 200:
            click.echo(f"… {len(rejected.errors) - 200} more", err=True)
        _fail(f"nothing imported: {len(rejected.errors)} error(s)")
    db.session.commit()
    click.echo(f"imported {count} {what} in {time.perf_counter() - started:.1f}s")


def database_is_empty() -> bool:
    from .places.models import Area

    if not inspect(db.session.connection()).has_table("areas"):
        return True
    return not db.session.scalar(select(func.count()).select_from(Area))


@click.command("demo-data")
@click.option("--scale", type=click.Choice(["demo", "city"]), default="demo")
@click.option("--seed", type=int, default=20261122)
@click.option("--if-empty", is_flag=True, help="do nothing when the database already has data")
def demo_data(scale, seed, if_empty):
    """Build the demo city (deterministic). --scale city builds ~100,000 members for benchmarks."""
    from .demo.build import build_all

    if not database_is_empty():
        if if_empty:
            click.echo("database already has data; demo data not loaded")
            return
        _fail("the database is not empty; demo data goes into an empty database")
    started = time.perf_counter()
    result = build_all(db.session, scale=scale, seed=seed, hash_params=current_app.config["PASSWORD_HASH"])
    db.session.commit()
    click.echo(f"demo city ({scale}) built in {time.perf_counter() - started:.1f}s")
    print_logins(result["logins"])


def print_logins(logins) -> None:
    click.echo("Demo logins (phone / password / role):")
    for phone, password, role in logins:
        click.echo(f"  {phone} / {password} / {role}")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, default=5000)
def serve(host, port):
    """Serve the app for a local trial (use gunicorn in production)."""
    from .demo.city import DEMO_LOGINS, DEMO_PASSWORD
    from .people.models import Account

    demo_phones = [p for p, _r, _n in DEMO_LOGINS]
    present = set(db.session.scalars(select(Account.phone).where(Account.phone.in_(demo_phones))))
    db.session.remove()
    click.echo(f"Open http://{host}:{port}/  (API docs: http://{host}:{port}/api/v1/docs)")
    if present:
        print_logins([(p, DEMO_PASSWORD, r) for p, r, _n in DEMO_LOGINS if p in present])
    # run_simple, not app.run: Flask ignores app.run() inside a `flask` command.
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
def backup_command(target):
    """Back up the database to TARGET (SQLite online backup, or pg_dump custom format)."""
    from . import backup

    fingerprint = backup.ledger_fingerprint(db.session)
    db.session.remove()
    backup.backup(migration_database_uri(current_app.config), target)  # the owner sees every object
    click.echo(f"backed up to {target}; ledger {fingerprint}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="confirm that the current contents are replaced")
def restore_command(source, yes):
    """Replace the database with a backup (stop web workers and the scheduler first)."""
    from . import backup

    if not yes:
        _fail("restore replaces every row; run again with --yes")
    db.session.remove()
    db.engine.dispose()
    backup.restore(migration_database_uri(current_app.config), source)  # only the owner may recreate tables
    click.echo(f"restored from {source}; ledger {backup.ledger_fingerprint(db.session)}")


@click.command("db-grant-app-role")
@click.argument("role")
def grant_app_role_command(role):
    """Grant ROLE (the app's DATABASE_URL user) what the app needs, as the owner (MIGRATION_DATABASE_URL).

    Every table: SELECT, INSERT, UPDATE, DELETE; the ledger and the audit log: SELECT, INSERT only.
    Idempotent: run it again after each `flask db upgrade`."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from .database import RoleGrantError, grant_app_role

    engine = create_engine(migration_database_uri(current_app.config), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            granted = grant_app_role(connection, role)
    except RoleGrantError as error:
        _fail(str(error))
    finally:
        engine.dispose()
    for table, privileges in granted.items():
        click.echo(f"{table}: {privileges}")
    click.echo(f"granted {role} the app's privileges on {len(granted)} tables")
