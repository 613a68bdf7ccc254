"""The SQLite settings that keep concurrent writers from losing updates."""

import threading

import pytest
from sqlalchemy import text

from service.database import db
from service.places.models import Area


def test_sqlite_runs_with_wal_and_a_busy_timeout(app, is_postgres):
    if is_postgres:
        pytest.skip("SQLite settings")
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_postgresql_connections_run_without_jit(app, is_postgres):
    """Short indexed queries whose cost estimates cross jit_above_cost would compile for
    longer than they run (30 ms against 4 ms for the task hall at city scale)."""
    if not is_postgres:
        pytest.skip("PostgreSQL settings")
    with app.app_context():
        assert db.session.execute(text("SHOW jit")).scalar() == "off"


def test_postgresql_connections_price_index_lookups_for_fast_storage(make_app, is_postgres):
    """At the default random_page_cost the task hall hashed every area instead of looking up
    the few places it needs; the app sets 1.1 on its connections unless told to keep the server's."""
    if not is_postgres:
        pytest.skip("PostgreSQL settings")
    with make_app().app_context():
        assert float(db.session.execute(text("SHOW random_page_cost")).scalar()) == 1.1
    with make_app(POSTGRES_RANDOM_PAGE_COST=None).app_context():
        # The session's value is the one the server's configuration gives it (nothing SET).
        assert (
            db.session.execute(
                text(
                    "SELECT setting = reset_val AND source <> 'session' FROM pg_settings WHERE name = 'random_page_cost'"
                )
            ).scalar()
            is True
        )


def test_concurrent_read_modify_write_loses_nothing(app, world):
    """Each thread reads a counter and writes it back +1; without write locks taken
    at BEGIN (SQLite) or row locks (PostgreSQL), increments would be lost."""
    with app.app_context():
        area_id = world.building_a.id
        db.session.get(Area, area_id).households = 0
        db.session.commit()

    def worker():
        with app.app_context():
            for _ in range(25):
                area = db.session.execute(db.select(Area).where(Area.id == area_id).with_for_update()).scalar_one()
                area.households = (area.households or 0) + 1
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert db.session.get(Area, area_id).households == 100
