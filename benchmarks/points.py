"""A member's points page with 10^6 entries in the ledger.

    python -m benchmarks.points [--entries 1000000] [--samples 300]

Builds the demo city and a ledger of --entries rows in a fresh database (SQLite,
or a new database on the PostgreSQL server named by DATABASE_URL), then times
GET /api/v1/members/{id}/points?period=month for random members through the app.
Target (issue 3): median under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from sqlalchemy import func, select

from service.database import db
from service.demo.build import build_all
from service.people.accounts import issue_token
from service.people.models import Account, Member
from service.points.models import LedgerEntry

from .common import CHEAP_HASH, database_kind, fresh_database, migrated_app
from .ledger_data import fill_ledger


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    url, drop = fresh_database("points")
    try:
        app = migrated_app(url)
        with app.app_context():
            build_all(db.session, scale="demo", seed=3, hash_params=CHEAP_HASH)
            db.session.commit()
            started = time.perf_counter()
            fill_ledger(db.session, args.entries)
            build_s = time.perf_counter() - started
            entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))
            admin = db.session.scalar(select(Account).where(Account.phone == "13800000001"))
            token, _ = issue_token(db.session, admin, 24)
            db.session.commit()
            member_ids = list(db.session.scalars(select(Member.id)))
            db.session.remove()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        rng = random.Random(9)
        timings = []
        for i in range(args.samples + 20):
            member_id = rng.choice(member_ids)
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/members/{member_id}/points?period=month", headers=headers)
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, response.get_data(as_text=True)[:200]
            if i >= 20:  # the first requests warm caches
                timings.append(elapsed)
        timings.sort()
        with app.app_context():
            db.engine.dispose()
        print(
            json.dumps(
                {
                    "database": database_kind(url),
                    "entries": entries,
                    "members": len(member_ids),
                    "ledger_build_s": round(build_s, 1),
                    "samples": len(timings),
                    "member_points_median_ms": round(statistics.median(timings), 2),
                    "member_points_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
                }
            )
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
