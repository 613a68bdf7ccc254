"""The SQLAlchemy handle, the declarative base, and engine settings per dialect."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING
from datetime import datetime, UTC

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, String, and_, event, false, or_
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic can alter them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

# The base of every model. mypy cannot take an attribute (db.Model) as a base class
# (python/mypy#8603), so it is shown the declarative base db.Model is built from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

# Set while serving a GET/HEAD: those transactions only read, so on SQLite they
# begin DEFERRED and never wait for, or block, a writer.
read_only_transaction: ContextVar[bool] = ContextVar("read_only_transaction", default=False)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Area paths are compared byte by byte; PostgreSQL's default collations ignore
# punctuation, which would break both the range scan and its index.
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")


def subtree_condition(path_column, paths):
    """SQL for "path_column lies in the subtree of any of these paths".

    Paths look like ``/1/5/23/``. Every descendant of ``/1/5/`` sorts at or after
    it and before ``/1/50`` ('/' is just below '0'), so each subtree is one
    index range scan.
    """
    ranges = [and_(path_column >= p, path_column < p[:-1] + "0") for p in paths]
    if not ranges:
        return false()
    return or_(*ranges)


def configure_engine(engine, busy_timeout_ms: int, random_page_cost: float | None = None) -> None:
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _postgresql_connect(dbapi_connection, _record):
            with dbapi_connection.cursor() as cursor:
                # Every query here is short and indexed, but the planner's cost estimates for
                # correlated sub-selects cross jit_above_cost easily, and compiling costs 30 ms
                # or more on a query that runs in 4 ms (the task hall at city scale).
                cursor.execute("SET jit = off")
                if random_page_cost is not None:
                    # The default (4) prices an index lookup as a disk seek: with ~200 visible
                    # tasks the hall then hashes all 22,000 areas (5 ms) instead of looking up
                    # 200 places (1 ms). On SSDs, or data held in memory, 1.1 is the usual figure.
                    cursor.execute("SELECT set_config('random_page_cost', %s, false)", (str(random_page_cost),))
            dbapi_connection.commit()

        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        # Take transaction control away from the sqlite3 module: its implicit
        # BEGIN comes only before the first write, so reads made earlier in
        # the same unit of work see stale rows and updates are lost.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        # Anything that may write takes the write lock up front, so concurrent
        # writers queue on the busy timeout instead of failing half-way or
        # overwriting each other.
        connection.exec_driver_sql("BEGIN" if read_only_transaction.get() else "BEGIN IMMEDIATE")


def end_sessions_safely(app) -> None:
    """Close each request's session even when the server dropped its connection.

    Flask-SQLAlchemy's own teardown rolls back on the connection; if PostgreSQL went away
    after the request's last query (a restart, a killed backend), that ROLLBACK raises
    outside every error handler and the client gets a bare 500, even for a claim that was
    committed. Registered after Flask-SQLAlchemy, this runs first (teardowns run in
    reverse): a dead connection is invalidated and the session discarded, so the answer
    already made goes out and the pool replaces the connection on the next checkout."""
    from sqlalchemy.exc import DBAPIError

    @app.teardown_appcontext
    def _end_session(_error):
        try:
            db.session.remove()
        except DBAPIError:
            try:
                db.session.registry().invalidate()
            except DBAPIError:
                pass
            db.session.registry.clear()


# --- the two PostgreSQL roles ---------------------------------------------------------
#
# The schema (and so every table, trigger and function) belongs to the owner role, which
# runs `flask db upgrade` through MIGRATION_DATABASE_URL. The app connects through
# DATABASE_URL as a role that owns nothing: it may read and write the ordinary tables, but
# on the append-only tables it may only read and insert. Not being the owner, it cannot
# ALTER TABLE … DISABLE TRIGGER, drop the guards, or TRUNCATE.

# Tables the code only ever appends to: the points ledger and the audit log.
APPEND_ONLY_TABLES = ("ledger_entries", "audit_events")
# Tables the app reads but only migrations write.
READ_ONLY_TABLES = ("alembic_version",)


def migration_database_uri(config) -> str:
    """The URL migrations, backups and restores use: MIGRATION_DATABASE_URL, else the app's own
    engine's (DATABASE_URL, as Flask-SQLAlchemy resolved it). Needs an app context."""
    return config.get("MIGRATION_DATABASE_URI") or db.engine.url.render_as_string(hide_password=False)


class RoleGrantError(Exception):
    pass


def _quote(connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def grant_app_role(connection, role: str) -> dict:
    """Give ``role`` the app's privileges on every table of the current schema; idempotent.

    Run as the owner (the role that ran the migrations), after each ``flask db upgrade``.
    Default privileges also let the role use tables and sequences that later migrations
    create, with full read/write: re-running this after an upgrade applies the append-only
    limits to any table named in APPEND_ONLY_TABLES."""
    from sqlalchemy import text

    if connection.dialect.name != "postgresql":
        raise RoleGrantError("only PostgreSQL has roles; SQLite needs no grants")
    me = connection.scalar(text("SELECT current_user"))
    found = connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if found is None:
        raise RoleGrantError(f"role {role!r} does not exist: CREATE ROLE \"{role}\" LOGIN PASSWORD '…' first")
    if role == me:
        raise RoleGrantError(f"{role!r} is the role running this command (the owner): the app needs its own role")
    if found.rolsuper:
        raise RoleGrantError(f"{role!r} is a superuser: it can switch any guard off; use an ordinary role")
    schema = connection.scalar(text("SELECT current_schema()"))
    tables = connection.execute(
        text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = :schema ORDER BY tablename"),
        {"schema": schema},
    ).all()
    owners = {owner for _, owner in tables}
    for owner in sorted(owners):
        if connection.scalar(text("SELECT pg_has_role(:role, :owner, 'USAGE')"), {"role": role, "owner": owner}):
            raise RoleGrantError(f"{role!r} is a member of the owner role {owner!r}: it would act as the owner")
    q_role, q_schema = _quote(connection, role), _quote(connection, schema)
    connection.execute(text(f"GRANT USAGE ON SCHEMA {q_schema} TO {q_role}"))
    granted = {}
    for table, _owner in tables:
        if table in APPEND_ONLY_TABLES:
            privileges = "SELECT, INSERT"
        elif table in READ_ONLY_TABLES:
            privileges = "SELECT"
        else:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
        q_table = f"{q_schema}.{_quote(connection, table)}"
        # REVOKE first: a default privilege or an earlier run may have given more.
        connection.execute(text(f"REVOKE ALL ON TABLE {q_table} FROM {q_role}"))
        connection.execute(text(f"GRANT {privileges} ON TABLE {q_table} TO {q_role}"))
        granted[table] = privileges
    connection.execute(text(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {q_schema} TO {q_role}"))
    connection.execute(
        text(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {q_schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {q_role}"
        )
    )
    connection.execute(
        text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {q_schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {q_role}")
    )
    return granted
