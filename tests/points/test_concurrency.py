"""Real threads against the real database (PostgreSQL when TEST_DATABASE_URL is set)."""

import threading
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from service.database import db
from service.points import ledger
from service.points.models import LedgerEntry
from service.points.rules import Service

TZ = ZoneInfo("Asia/Shanghai")
THREADS = 50


def run_threads(app, work):
    barrier = threading.Barrier(THREADS, timeout=120)
    errors = []

    def runner(i):
        with app.app_context():
            try:
                barrier.wait()
                work(i)
                db.session.commit()
            except Exception as exc:  # collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_fifty_threads_awarding_the_same_event_leave_one_entry(app, world, rules):
    member_id, community_id = world.member_a.id, world.community_a.id
    ids = []

    def work(_i):
        entry = ledger.award_service(
            db.session,
            member_id=member_id,
            community_id=community_id,
            service=Service("caring_help", datetime(2026, 10, 13, 9, tzinfo=TZ), Decimal("2")),
            key="award:claim:4242",
            source_type="claim",
            source_id=4242,
            actor_id=None,
            tz=TZ,
        )
        ids.append(entry.id)

    errors = run_threads(app, work)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
        assert len(set(ids)) == 1


def test_fifty_threads_awarding_different_events_never_exceed_the_daily_cap(app, world, rules):
    member_id, community_id = world.member_a.id, world.community_a.id

    def work(i):
        ledger.award_service(
            db.session,
            member_id=member_id,
            community_id=community_id,
            service=Service("caring_help", datetime(2026, 10, 13, 8, i, tzinfo=TZ), Decimal("1.5")),
            key=f"award:claim:{i}",
            source_type="claim",
            source_id=i,
            actor_id=None,
            tz=TZ,
        )

    errors = run_threads(app, work)
    assert errors == []
    with app.app_context():
        amounts = list(db.session.scalars(select(LedgerEntry.amount)))
        assert len(amounts) == THREADS
        assert sum(amounts) == 200  # exactly the 20-point daily cap, never more
