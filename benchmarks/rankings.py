"""Publishing a month's rankings at city scale, and a community board's response time.

    python -m benchmarks.rankings [--entries 1000000] [--samples 200]

Builds the demo city at its "city" scale (100,000 members, 3 districts, 15 streets,
150 communities, 1,000 units) and a ledger of --entries rows spread over the
last year, in a fresh database (SQLite, or a new database on the PostgreSQL server
named by DATABASE_URL). Then publishes last month for every scope and side (one
transaction per snapshot, as the scheduler does) and times GET /boards/<community>
through the Flask test client, rendered afresh each time and then as served (a worker
keeps a rendered board for PUBLIC_PAGE_SECONDS). Targets (PostgreSQL): publication under 10 s, board
median under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import datetime, UTC
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from service.database import db
from service.demo.city import build_city
from service.people.models import Member
from service.periods import local_day, period_containing
from service.places.models import Area
from service.points.models import LedgerEntry
from service.rankings import service
from service.rankings.models import RankingSnapshot, SnapshotRow
from service.rankings.standings import high_water, member_totals
from service.web.public_pages import PageCache

from .common import CHEAP_HASH, database_kind, fresh_database, migrated_app
from .ledger_data import fill_ledger

TZ = ZoneInfo("Asia/Shanghai")


def install(app):
    """The rankings blueprints, until create_app registers them (as tests/rankings/conftest.py does)."""
    from service.extensions import api, csrf
    from service.rankings import routes

    if "rankings" not in app.blueprints:
        csrf.exempt(routes.api)
        api.register_blueprint(routes.api)
        app.register_blueprint(routes.pages)
    return app


def timed(samples: int, work) -> list[float]:
    timings = []
    for i in range(samples + 20):
        t0 = time.perf_counter()
        work(i)
        if i >= 20:  # the first requests warm caches
            timings.append((time.perf_counter() - t0) * 1000)
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    url, drop = fresh_database("rankings")
    try:
        app = install(migrated_app(url))
        now = datetime.now(UTC)
        month = period_containing("month", local_day(now, TZ), TZ).previous()
        with app.app_context():
            started = time.perf_counter()
            build_city(db.session, scale="city", seed=11, hash_params=CHEAP_HASH)
            db.session.commit()
            fill_ledger(db.session, args.entries, now=now)
            build_s = time.perf_counter() - started
            members = db.session.scalar(select(func.count()).select_from(Member))
            entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))
            in_month = db.session.scalar(
                select(func.count())
                .select_from(LedgerEntry)
                .where(LedgerEntry.booked_at >= month.start_utc, LedgerEntry.booked_at < month.end_utc)
            )
            db.session.commit()

            # The one aggregate query alone (with reading its 10^5 rows), for the breakdown.
            t0 = time.perf_counter()
            member_totals(db.session, month, hwm=high_water(db.session), asof=month.end_utc)
            query_s = time.perf_counter() - t0
            db.session.rollback()

            t0 = time.perf_counter()
            published = service.publish_period(db.session, month, now)
            publish_s = time.perf_counter() - t0
            rows = db.session.scalar(select(func.count()).select_from(SnapshotRow))
            unranked = sum(len(ids) for ids in db.session.scalars(select(RankingSnapshot.unranked_member_ids)))
            communities = list(db.session.scalars(select(Area.id).where(Area.kind == "community")))
            db.session.remove()

        client = app.test_client()
        rng = random.Random(5)

        def board(_i):
            response = client.get(f"/boards/{rng.choice(communities)}")
            assert response.status_code == 200 and "podium" in response.text, response.status_code

        def api_board(_i):
            response = client.get(
                f"/api/v1/rankings?scope=community&scope_id={rng.choice(communities)}"
                f"&period=month&start={month.start.isoformat()}&side=total&per_page=10"
            )
            assert response.status_code == 200, response.get_data(as_text=True)[:200]

        # Rendered on every request first (what a board costs), then as served: each worker
        # keeps a rendered board for PUBLIC_PAGE_SECONDS (web/public_pages.py).
        app.extensions["public_pages"] = PageCache(0)
        boards = timed(args.samples, board)
        app.extensions["public_pages"] = PageCache(30)
        cached = timed(args.samples, board)
        apis = timed(args.samples, api_board)
        with app.app_context():
            db.engine.dispose()
        print(
            json.dumps(
                {
                    "database": database_kind(url),
                    "members": members,
                    "entries": entries,
                    "entries_in_month": in_month,
                    "build_s": round(build_s, 1),
                    "month": month.label,
                    "snapshots": published,
                    "snapshot_rows": rows,
                    "unranked_listed": unranked,
                    "totals_query_s": round(query_s, 2),
                    "publish_s": round(publish_s, 2),
                    "board_median_ms": round(statistics.median(boards), 2),
                    "board_p95_ms": round(boards[int(len(boards) * 0.95) - 1], 2),
                    "board_served_median_ms": round(statistics.median(cached), 2),
                    "board_served_p95_ms": round(cached[int(len(cached) * 0.95) - 1], 2),
                    "api_board_median_ms": round(statistics.median(apis), 2),
                },
                ensure_ascii=False,
            )
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
