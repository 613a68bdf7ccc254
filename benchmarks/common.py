"""Shared set-up for benchmarks: a migrated database with the demo city in it."""

from __future__ import annotations

import os
import tempfile
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url

CHEAP_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def fresh_database(prefix: str = "bench") -> tuple[str, callable]:
    """A new empty database: in DATABASE_URL's PostgreSQL server if it names one, else a SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        base = make_url(normalise_database_url(url))
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return base.set(database=name).render_as_string(hide_password=False), drop
    folder = tempfile.mkdtemp(prefix=prefix)
    return f"sqlite:///{folder}/bench.db", lambda: None


def migrated_app(url: str, **settings):
    from flask_migrate import upgrade

    from service import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark", "PASSWORD_HASH": CHEAP_HASH} | settings
    )
    with app.app_context():
        upgrade()
    return app


def database_kind(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"
