"""Candidates for one task through the API, at city scale.

    python -m benchmarks.candidates_api [--scale city] [--open-tasks 10000] [--samples 200]

Builds the demo city (--scale city: ~100k members) in a fresh database (SQLite, or a
new database on the PostgreSQL server named by DATABASE_URL), tops the open tasks up
to --open-tasks, then times ``GET /api/v1/tasks/{id}/candidates?limit=10`` for random
open tasks as a city administrator (so every task is in scope), through the whole app:
authentication, loading the community's members from the tables, candidate
generation, scoring and reasons, JSON. Target (issue 5): p95 under 50 ms.
Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from sqlalchemy import select

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
    args = parser.parse_args()
    url, drop = fresh_database("candidates")
    try:
        app = migrated_app(url)
        rng = random.Random(args.seed)
        with app.app_context():
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
            task_ids = list(db.session.scalars(select(Task.id).where(Task.status == "open")))
            db.session.commit()
            db.session.remove()
        sample = [rng.choice(task_ids) for _ in range(args.samples + 10)]
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        timings, considered, returned = [], [], []
        for i, task_id in enumerate(sample):
            t0 = time.perf_counter()
            r = client.get(f"/api/v1/tasks/{task_id}/candidates?limit=10", headers=headers)
            elapsed = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            if i >= 10:  # warm-up: first requests fill caches and pools
                timings.append(elapsed)
                considered.append(r.json["considered"])
                returned.append(len(r.json["items"]))
        with app.app_context():
            db.engine.dispose()
        print(json.dumps({
            "database": database_kind(url), "scale": args.scale, "build_s": round(build_s, 1),
            "open_tasks": open_tasks, "samples": args.samples,
            "members_considered_median": int(statistics.median(considered)),
            "members_considered_max": int(max(considered)),
            "candidates_returned_median": int(statistics.median(returned)),
            "candidates_median_ms": round(statistics.median(timings), 2),
            "candidates_p95_ms": round(percentile(timings, .95), 2),
            "candidates_max_ms": round(max(timings), 2),
        }))
    finally:
        drop()


if __name__ == "__main__":
    main()
