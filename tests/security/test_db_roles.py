"""Two PostgreSQL roles: the owner migrates, the app's role cannot switch the ledger's guards off.

The app connects as a role that owns nothing. On the ledger (and the audit log) it may only
read and insert: UPDATE, DELETE, TRUNCATE and ALTER TABLE … DISABLE TRIGGER all fail, and even
the owner's TRUNCATE is stopped by a statement trigger. Every other table stays writable.
"""

import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from config import TestConfig, normalise_database_url
from service import create_app
from service.audit.log import record
from service.database import db, migration_database_uri
from service.places.models import Area
from tests.conftest import PG_URL
from tests.factories import build_world, make_entry
from tests.rankings.conftest import at

needs_postgres = pytest.mark.skipif(not PG_URL, reason="database roles exist on PostgreSQL only: set TEST_DATABASE_URL")


def test_migrations_use_migration_database_url_and_default_to_database_url(tmp_path):
    from config import Config

    both = Config.from_env(
        {"DATABASE_URL": "postgresql://app@db/points", "MIGRATION_DATABASE_URL": "postgresql://owner@db/points"},
        tmp_path,
        {"SECRET_KEY": "x"},
    )
    assert both["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db/points"
    assert both["MIGRATION_DATABASE_URI"] == "postgresql+psycopg://owner@db/points"
    alone = Config.from_env({"DATABASE_URL": "postgresql://app@db/points"}, tmp_path, {"SECRET_KEY": "x"})
    assert alone["MIGRATION_DATABASE_URI"] is None  # migrations then use DATABASE_URL
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x"})
    with app.app_context():
        assert migration_database_uri(app.config) == f"sqlite:///{tmp_path}/x.db"
        refused = app.test_cli_runner().invoke(args=["db-grant-app-role", "app"])
        assert refused.exit_code == 1 and "SQLite" in refused.output
        db.engine.dispose()


@pytest.fixture
def roles():
    """A fresh database owned by a fresh owner role, and a second role for the app (trust auth)."""
    base = make_url(normalise_database_url(PG_URL))
    name = f"roles_{uuid.uuid4().hex[:10]}"
    owner, app_role = f"{name}_owner", f"{name}_app"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
        conn.execute(text(f'CREATE ROLE "{app_role}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    urls = {
        "owner": base.set(database=name, username=owner).render_as_string(hide_password=False),
        "app": base.set(database=name, username=app_role).render_as_string(hide_password=False),
        "owner_role": owner,
        "app_role": app_role,
    }
    yield urls
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{app_role}"'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
    admin.dispose()


def _app(roles):
    """The app as production runs it: DATABASE_URL is the app's role, migrations use the owner."""
    return create_app(
        TestConfig.as_dict()
        | {"SQLALCHEMY_DATABASE_URI": roles["app"], "MIGRATION_DATABASE_URI": roles["owner"], "SECRET_KEY": "x"}
    )


def _refused(connection, statement: str, message: str) -> None:
    connection.rollback()  # each statement in a transaction of its own
    with pytest.raises(DBAPIError) as caught, connection.begin():
        connection.execute(text(statement))
    assert message in str(caught.value), caught.value


@needs_postgres
def test_the_app_role_reads_and_appends_to_the_ledger_and_cannot_switch_its_guards_off(roles):
    app = _app(roles)
    with app.app_context():
        upgrade()  # as the owner: the app's role may not even create a table in the schema
        owners = set(db.session.scalars(text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")))
        assert owners == {roles["owner_role"]}

        runner = app.test_cli_runner()
        refused = runner.invoke(args=["db-grant-app-role", roles["owner_role"]])
        assert refused.exit_code == 1 and "own role" in refused.output
        granted = runner.invoke(args=["db-grant-app-role", roles["app_role"]])
        assert granted.exit_code == 0, granted.output
        assert "ledger_entries: SELECT, INSERT" in granted.output

        # The app itself works as that role: factories, a CLI command, an audit record, a ledger entry.
        session = db.session
        assert session.scalar(text("SELECT current_user")) == roles["app_role"]
        world = build_world(session)
        entry = make_entry(session, world.member_a, world.community_a, 5, at(2026, 10, 3, 9))
        record(session, None, "test.write", "ledger_entry", entry.id)
        session.commit()
        created = runner.invoke(
            args=["create-area", "--kind", "grid", "--name", "新网格", "--parent", str(world.community_a.id)]
        )
        assert created.exit_code == 0, created.output
        assert session.scalar(select(Area).where(Area.name == "新网格")) is not None
        world.member_a.name = "张三丰"  # ordinary tables stay writable
        session.commit()
        db.session.remove()
        db.engine.dispose()

    as_app = create_engine(normalise_database_url(roles["app"]))
    with as_app.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM ledger_entries")) == 1
        _refused(conn, "UPDATE ledger_entries SET amount = 0", "permission denied")
        _refused(conn, "DELETE FROM ledger_entries", "permission denied")
        _refused(conn, "TRUNCATE ledger_entries", "permission denied")
        _refused(conn, "TRUNCATE members CASCADE", "permission denied")  # the cascade would reach the ledger
        _refused(conn, "ALTER TABLE ledger_entries DISABLE TRIGGER ALL", "must be owner")
        _refused(conn, "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only", "must be owner")
        _refused(conn, "DROP TRIGGER ledger_entries_append_only ON ledger_entries", "must be owner")
        _refused(conn, "UPDATE audit_events SET action = 'x'", "permission denied")
        _refused(conn, "DELETE FROM audit_events", "permission denied")
        conn.rollback()
        with conn.begin():
            assert conn.execute(text("UPDATE members SET name = name")).rowcount == 2
    as_app.dispose()

    as_owner = create_engine(normalise_database_url(roles["owner"]))
    with as_owner.connect() as conn:
        _refused(conn, "TRUNCATE ledger_entries CASCADE", "append-only")  # the statement trigger stops even the owner
        _refused(conn, "TRUNCATE members CASCADE", "append-only")
        conn.rollback()
        assert conn.scalar(text("SELECT count(*) FROM ledger_entries")) == 1
    as_owner.dispose()
