"""The task hall and the staff need queue at city scale.

    python -m benchmarks.task_hall [--open-tasks 10000] [--samples 200]

Builds the demo city at --scale city in a fresh database (SQLite, or a new database
on the PostgreSQL server named by DATABASE_URL), tops the open tasks up to
--open-tasks, then times, through the app, members paging their task hall
(GET /api/v1/tasks) and community staff paging their need queue (GET /api/v1/needs).
Target (issue 4): p95 under 100 ms for both, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import datetime, time as clock, timedelta, UTC
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from service.database import db
from service.demo.build import build_all
from service.people.accounts import issue_token
from service.people.models import Account, RoleGrant
from service.places.models import Area
from service.registration.models import Registration
from service.tasks.models import Task

from .common import CHEAP_HASH, database_kind, fresh_database, migrated_app

CITY_TZ = ZoneInfo("Asia/Shanghai")


def top_up_tasks(session, target: int, rng: random.Random) -> int:
    now = datetime.now(UTC)
    open_now = session.scalar(select(func.count()).select_from(Task).where(Task.status == "open")) or 0
    communities = session.execute(select(Area.id, Area.path).where(Area.kind == "community")).all()
    grids = session.execute(select(Area.id, Area.path).where(Area.kind.in_(("grid", "compound")))).all()
    by_community = {}
    for gid, path in grids:
        by_community.setdefault(int(path.strip("/").split("/")[-2]), []).append(gid)
    rows = []
    for i in range(max(0, target - open_now)):
        cid, _path = communities[i % len(communities)]
        # Daytime in the city (08:00-19:45 local), as real tasks are: members are free then.
        day = (now + timedelta(days=rng.randint(1, 30))).astimezone(CITY_TZ).date()
        local = datetime.combine(day, clock(rng.randint(8, 19), rng.choice((0, 15, 30, 45))), CITY_TZ)
        start = local.astimezone(UTC)
        rows.append(
            {
                "title": f"服务任务 {i}",
                "description": "",
                "kind": "service",
                "community_id": cid,
                "place_id": rng.choice(by_community.get(cid, [cid])),
                "category": rng.choice(
                    ["environment", "caring_help", "everyday_help", "safety", "civility", "outreach"]
                ),
                "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "slots": rng.randint(1, 8),
                "taken": 0,
                "required_skills": [],
                "preferred_skills": [],
                "claim_policy": "registered",
                "status": "open",
                "urgent": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    for i in range(0, len(rows), 5000):
        session.execute(insert(Task), rows[i : i + 5000])
    session.commit()
    return session.scalar(select(func.count()).select_from(Task).where(Task.status == "open"))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * share)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open-tasks", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--scale", default="city", choices=["demo", "city"])
    args = parser.parse_args()
    url, drop = fresh_database("hall")
    try:
        app = migrated_app(url)
        rng = random.Random(4)
        with app.app_context():
            started = time.perf_counter()
            build_all(db.session, scale=args.scale, seed=11, hash_params=CHEAP_HASH)
            db.session.commit()
            build_s = time.perf_counter() - started
            open_tasks = top_up_tasks(db.session, args.open_tasks, rng)
            # Member logins for registered members, and the community admins' logins.
            members = list(
                db.session.scalars(
                    select(Registration.member_id)
                    .where(Registration.status == "approved")
                    .distinct()
                    .limit(args.samples)
                )
            )
            accounts = []
            for member_id in members:
                account = Account(phone=f"199{member_id:08d}", name="bench", member_id=member_id)
                db.session.add(account)
                accounts.append(account)
            communities = list(db.session.scalars(select(Area.id).where(Area.kind == "community").limit(20)))
            staff = []
            for i, cid in enumerate(communities):
                account = Account(phone=f"198{i:08d}", name="staff")
                db.session.add(account)
                db.session.flush()
                db.session.add(RoleGrant(account_id=account.id, role="community_admin", area_id=cid))
                staff.append(account)
            db.session.flush()
            member_tokens = [issue_token(db.session, a, 24)[0] for a in accounts]
            staff_tokens = [issue_token(db.session, a, 24)[0] for a in staff]
            db.session.commit()
            db.session.remove()
        client = app.test_client()

        def timed(url_for_sample, tokens):
            timings = []
            for i in range(args.samples + 10):
                token = tokens[i % len(tokens)]
                t0 = time.perf_counter()
                r = client.get(url_for_sample(i), headers={"Authorization": f"Bearer {token}"})
                elapsed = (time.perf_counter() - t0) * 1000
                assert r.status_code == 200, r.get_data(as_text=True)[:300]
                if i >= 10:
                    timings.append(elapsed)
            return timings

        hall = timed(lambda i: f"/api/v1/tasks?page={1 + i % 3}", member_tokens)
        queue = timed(lambda i: f"/api/v1/needs?page={1 + i % 2}", staff_tokens)
        with app.app_context():
            db.engine.dispose()
        print(
            json.dumps(
                {
                    "database": database_kind(url),
                    "scale": args.scale,
                    "build_s": round(build_s, 1),
                    "open_tasks": open_tasks,
                    "samples": args.samples,
                    "task_hall_median_ms": round(statistics.median(hall), 2),
                    "task_hall_p95_ms": round(percentile(hall, 0.95), 2),
                    "need_queue_median_ms": round(statistics.median(queue), 2),
                    "need_queue_p95_ms": round(percentile(queue, 0.95), 2),
                }
            )
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
