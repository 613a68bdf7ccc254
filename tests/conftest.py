"""Fixtures: an app and a clean database per test, on SQLite or (TEST_DATABASE_URL) PostgreSQL.

The schema is built by the real migrations once per run; each test then gets
either a fresh copy of the SQLite file or freshly truncated PostgreSQL tables.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import TestConfig, normalise_database_url
from service import create_app
from service.database import db

PG_URL = os.environ.get("TEST_DATABASE_URL")
# TEST_APP_ROLE=1 (PostgreSQL): the run's database belongs to an owner role that runs the
# migrations and cleans between tests; the tests' app connects as a role that owns nothing,
# with the grants `flask db-grant-app-role` gives, as in production.
APP_ROLE = bool(PG_URL) and os.environ.get("TEST_APP_ROLE", "") not in ("", "0")
OWNER_URLS: dict[str, str] = {}  # the app role's URL -> the owner's URL, in app-role mode


def _settings(url: str, instance: str) -> dict:
    settings = TestConfig.as_dict() | {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret-key"}
    if url in OWNER_URLS:
        settings["MIGRATION_DATABASE_URI"] = OWNER_URLS[url]
    return settings


def _migrate(url: str, instance: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_settings(url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _grant_app_role(app_url: str, role: str, instance: str) -> None:
    app = create_app(_settings(app_url, instance))
    with app.app_context():  # `flask` pushes one for every command
        result = app.test_cli_runner().invoke(args=["db-grant-app-role", role])
        assert result.exit_code == 0, result.output
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """The migrated schema: a SQLite file to copy, or a fresh PostgreSQL database."""
    workdir = tmp_path_factory.mktemp("db")
    if PG_URL:
        base = make_url(normalise_database_url(PG_URL))
        name = f"test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        owner = app_role = None
        with admin.connect() as conn:
            if APP_ROLE:
                owner, app_role = f"{name}_owner", f"{name}_app"
                conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
                conn.execute(text(f'CREATE ROLE "{app_role}" LOGIN'))
                conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
            else:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        if APP_ROLE:
            owner_url = base.set(database=name, username=owner).render_as_string(hide_password=False)
            url = base.set(database=name, username=app_role).render_as_string(hide_password=False)
            OWNER_URLS[url] = owner_url
        _migrate(url, str(workdir))
        if APP_ROLE:
            _grant_app_role(url, app_role, str(workdir))
        yield {"kind": "postgresql", "url": url, "dir": workdir, "owner_url": OWNER_URLS.get(url, url)}
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for role in (app_role, owner):
                if role:
                    conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
    else:
        path = workdir / "template.db"
        _migrate(f"sqlite:///{path}", str(workdir))
        yield {"kind": "sqlite", "path": path, "dir": workdir}


def _truncate_all(url: str) -> None:
    """Empty every table, as the owner: the ledger refuses TRUNCATE until its owner lifts the
    guard, inside this one transaction (the app's role could do neither)."""
    engine = create_engine(OWNER_URLS.get(url, url))
    with engine.begin() as conn:
        tables = [t.name for t in db.metadata.sorted_tables]
        conn.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_no_truncate"))
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_no_truncate"))
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    if database_template["kind"] == "postgresql":
        _truncate_all(database_template["url"])
        return database_template["url"]
    target = tmp_path / "test.db"
    shutil.copy(database_template["path"], target)
    return f"sqlite:///{target}"


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the test database, with optional extra settings."""
    apps = []

    def factory(**overrides):
        app = create_app(_settings(database_url, str(tmp_path)) | overrides)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def session(ctx):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def is_postgres(database_template):
    return database_template["kind"] == "postgresql"


@pytest.fixture
def world(session):
    from .factories import build_world

    w = build_world(session)
    session.commit()
    # Load every attribute, then let go of the connection: tests read these
    # objects freely without holding a transaction open (which on SQLite would
    # keep the live server or worker threads waiting for the lock).
    for obj in list(session.identity_map.values()):
        session.refresh(obj)
    session.close()
    return w


@pytest.fixture
def api(client, world):
    from .factories import ApiClient

    return ApiClient(client, world)
