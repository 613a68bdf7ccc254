"""Candidates for one task through the API, at city scale.

    python -m benchmarks.candidates_api [--scale city] [--open-tasks 10000] [--samples 200]
                                        [--keep] [--reuse URL]

Builds the demo city (--scale city: ~100k members) in a fresh database (SQLite, or a
new database on the PostgreSQL server named by DATABASE_URL), tops the open tasks up
to --open-tasks, then times ``GET /api/v1/tasks/{id}/candidates?limit=10`` for random
open tasks as a city administrator (so every task is in scope), through the whole app:
authentication, loading the community's members from the tables, candidate
generation, scoring and reasons, JSON. Target (issue 5): p95 under 50 ms.
Prints one JSON object. ``--keep`` leaves the built database in place and prints its URL
(``"url"``); ``--reuse URL`` times against such a database again without rebuilding
(migrations are still applied, so new indexes land in it).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from sqlalchemy import func, select, text

from service.database import db
from service.demo.build import build_all
from service.people.accounts import issue_token
from service.people.models import Account, RoleGrant
from service.places.models import Area
from service.tasks.models import Task

from .common import CHEAP_HASH, database_kind, fresh_database, migrated_app
from .task_hall import percentile, top_up_tasks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open-tasks", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--scale", default="city", choices=["demo", "city"])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the built database; print its URL")
    parser.add_argument("--reuse", metavar="URL", help="time against a database built with --keep")
    parser.add_argument("--responses", metavar="FILE", help="write every response body (JSON lines), to compare runs")
    args = parser.parse_args()
    if args.reuse:
        url, drop = args.reuse, (lambda: None)
    else:
        url, drop = fresh_database("candidates")
        if args.keep:
            drop = lambda: None
    try:
        app = migrated_app(url)
        rng = random.Random(args.seed)
        with app.app_context():
            if args.reuse:
                build_s = None
                account = db.session.scalar(select(Account).where(Account.phone == "19700000001"))
                open_tasks = db.session.scalar(select(func.count()).select_from(Task).where(Task.status == "open"))
            else:
                started = time.perf_counter()
                build_all(db.session, scale=args.scale, seed=11, hash_params=CHEAP_HASH)
                db.session.commit()
                build_s = time.perf_counter() - started
                open_tasks = top_up_tasks(db.session, args.open_tasks, rng)
                city = db.session.scalar(select(Area).where(Area.kind == "city").order_by(Area.id).limit(1))
                account = Account(phone="19700000001", name="bench city admin")
                db.session.add(account)
                db.session.flush()
                db.session.add(RoleGrant(account_id=account.id, role="city_admin", area_id=city.id))
            token = issue_token(db.session, account, 24)[0]

            task_ids = list(db.session.scalars(select(Task.id).where(Task.status == "open").order_by(Task.id)))
            db.session.commit()
            db.session.remove()
        if database_kind(url) == "postgresql":
            # What autovacuum does on a live server (it may be off on a test server): statistics
            # (without them the planner guesses, and guesses whole-table scans) and the
            # visibility map (without it no index-only scan).
            with app.app_context(), db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        pick = random.Random(f"sample-{args.seed}")  # the same sample whether built now or reused
        sample = [pick.choice(task_ids) for _ in range(args.samples + 10)]
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        timings, considered, returned, bodies = [], [], [], []
        for i, task_id in enumerate(sample):
            t0 = time.perf_counter()
            r = client.get(f"/api/v1/tasks/{task_id}/candidates?limit=10", headers=headers)
            elapsed = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            bodies.append(r.get_data(as_text=True))
            if i >= 10:  # warm-up: first requests fill caches and pools
                timings.append(elapsed)
                considered.append(r.json["considered"])
                returned.append(len(r.json["items"]))
        with app.app_context():
            db.engine.dispose()
        if args.responses:
            with open(args.responses, "w") as out:
                out.writelines(body.rstrip("\n") + "\n" for body in bodies)
        print(
            json.dumps(
                {
                    "database": database_kind(url),
                    "scale": args.scale,
                    "build_s": round(build_s, 1) if build_s is not None else None,
                    "open_tasks": open_tasks,
                    "samples": args.samples,
                    "members_considered_median": int(statistics.median(considered)),
                    "members_considered_max": int(max(considered)),
                    "candidates_returned_median": int(statistics.median(returned)),
                    "candidates_median_ms": round(statistics.median(timings), 2),
                    "candidates_p95_ms": round(percentile(timings, 0.95), 2),
                    "candidates_max_ms": round(max(timings), 2),
                }
                | ({"url": url} if args.keep or args.reuse else {})
            )
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
