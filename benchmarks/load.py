"""Load: claim storm, browsing and a verify burst against gunicorn on PostgreSQL (issue 7).

    python -m benchmarks.load [--scale city|demo] [--keep] [--reuse URL] [--threads 64] [--browse-threads 32]

Creates a fresh database on the PostgreSQL server named by DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), builds the demo city, prepares the
data directly in the database (bearer tokens for 5,000 members registered in the
communities of 50 popular tasks of 10 slots, and 2,000 claims reported done in
one community whose admin verifies them), starts gunicorn (4 sync workers) on
loopback with Redis for rate limits, then runs three bounded scenarios with a
thread-pool client (one keep-alive http.client connection per thread):

- claim_storm: every member claims one of the 50 tasks (100 per task), at once;
  afterwards exactly 500 claims hold slots, every task is full with taken == 10,
  and the waitlist of each task is 90 members in order;
- browse: a fixed number of reads mixing task hall pages, the member's points
  and the public ranking board;
- verify_burst: the community admin verifies the 2,000 done claims concurrently;
  afterwards exactly one award ledger entry per claim (award:claim:{id}).

Prints one JSON object keyed by scenario. The client runs on the same machine
as gunicorn and PostgreSQL and shares its cores, so the figures are a floor.
gunicorn and the database are always stopped and dropped at the end (the
database is kept with --keep). ``--reuse URL`` runs against a database kept
earlier without building the city again (each run prepares its own storm tasks,
members and done claims, so runs do not disturb each other).

Targets (issue 7, on a 2-core machine): claim storm p99 < 1 s with no
overbooking; browse >= 300 requests/s with p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, UTC
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text

from .common import CHEAP_HASH, database_kind, fresh_database, migrated_app

REPO = Path(__file__).resolve().parent.parent
STORM_TASKS, SLOTS, CLAIMERS_PER_TASK = 50, 10, 100
VERIFY_CLAIMS, VERIFY_PER_TASK = 2_000, 10
WORKERS = 4


# --- data --------------------------------------------------------------------------------


def prepare(session, rng: random.Random) -> dict:
    """Storm tasks and members with tokens, done claims and an admin token for the burst."""
    from service.people.accounts import issue_token
    from service.people.models import Account, Member, RoleGrant
    from service.places.models import Area
    from service.registration.models import Registration
    from service.tasks.models import Claim, Task

    now = datetime.now(UTC)
    communities = list(session.scalars(select(Area.id).where(Area.kind == "community").order_by(Area.id)))
    with_account = select(Account.member_id).where(Account.member_id.is_not(None))
    pool: dict[int, list[int]] = {}
    for community_id, member_id in session.execute(
        select(Registration.community_id, Registration.member_id)
        .join(Member, Member.id == Registration.member_id)
        .where(Registration.status == "approved", Member.active.is_(True), Member.id.not_in(with_account))
        .order_by(Registration.member_id)
    ):
        pool.setdefault(community_id, []).append(member_id)
    for members in pool.values():
        rng.shuffle(members)

    # 50 popular tasks far enough ahead not to overlap anything the demo members already hold.
    starts = now + timedelta(days=90)
    storm_tasks, storm_members, used, created_members = [], [], set(), 0
    # Random start: a database reused by --reuse already holds earlier runs' members.
    first = rng.randrange(10**7, 9 * 10**7)
    phone_seq = iter(range(first, 10**8))
    for i in range(STORM_TASKS):
        community_id = communities[i % len(communities)]
        task_id = session.scalar(
            insert(Task)
            .returning(Task.id)
            .values(
                title=f"压测热门任务 {i + 1}",
                description="",
                kind="service",
                community_id=community_id,
                place_id=community_id,
                category="environment",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                slots=SLOTS,
                taken=0,
                required_skills=[],
                preferred_skills=[],
                claim_policy="registered",
                status="open",
                urgent=False,
                created_at=now,
                updated_at=now,
            )
        )
        storm_tasks.append(task_id)
        chosen = []
        members = pool.get(community_id, [])
        while members and len(chosen) < CLAIMERS_PER_TASK:
            member_id = members.pop()
            if member_id not in used:  # a member may be registered twice (residence and unit)
                chosen.append(member_id)
                used.add(member_id)
        short = CLAIMERS_PER_TASK - len(chosen)
        if short:  # the demo scale has fewer members than the storm needs: register more
            new_ids = list(
                session.scalars(
                    insert(Member).returning(Member.id),
                    [
                        {
                            "name": "压测成员",
                            "phone": f"196{next(phone_seq):08d}",
                            "party_status": "in_service",
                            "active": True,
                            "hide_public": False,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for _ in range(short)
                    ],
                )
            )
            session.execute(
                insert(Registration),
                [
                    {
                        "member_id": m,
                        "community_id": community_id,
                        "side": "residence",
                        "status": "approved",
                        "created_at": now,
                        "approved_at": now,
                    }
                    for m in new_ids
                ],
            )
            chosen += new_ids
            created_members += short
        used.update(chosen)
        storm_members += [(m, task_id) for m in chosen]

    account_ids = list(
        session.scalars(
            insert(Account).returning(Account.id),
            [
                {"phone": f"197{m:08d}", "name": "bench", "member_id": m, "active": True, "created_at": now}
                for m, _ in storm_members
            ],
        )
    )
    member_tokens = [issue_token(session, SimpleNamespace(id=a), 48)[0] for a in account_ids]

    # The verify burst: 2,000 claims reported done, 10 a task, in one community.
    verify_community = communities[0]
    admin_id = session.scalar(
        insert(Account)
        .returning(Account.id)
        .values(phone=f"195{rng.randrange(10**8):08d}", name="bench admin", active=True, created_at=now)
    )
    session.execute(insert(RoleGrant).values(account_id=admin_id, role="community_admin", area_id=verify_community))
    admin_token = issue_token(session, SimpleNamespace(id=admin_id), 48)[0]
    verifiers = list(
        session.scalars(select(Member.id).where(Member.active.is_(True)).order_by(Member.id).limit(VERIFY_CLAIMS))
    )
    past = now - timedelta(days=2)
    claim_rows = []
    for t in range(VERIFY_CLAIMS // VERIFY_PER_TASK):
        begin = past + timedelta(minutes=7 * t)
        task_id = session.scalar(
            insert(Task)
            .returning(Task.id)
            .values(
                title=f"压测核实任务 {t + 1}",
                description="",
                kind="service",
                community_id=verify_community,
                place_id=verify_community,
                category="environment",
                starts_at=begin,
                ends_at=begin + timedelta(hours=2),
                slots=VERIFY_PER_TASK,
                taken=VERIFY_PER_TASK,
                required_skills=[],
                preferred_skills=[],
                claim_policy="registered",
                status="in_progress",
                urgent=False,
                created_at=past,
                updated_at=past,
            )
        )
        for k in range(VERIFY_PER_TASK):
            member_id = verifiers[(t * VERIFY_PER_TASK + k) % len(verifiers)]
            claim_rows.append(
                {
                    "task_id": task_id,
                    "member_id": member_id,
                    "status": "done",
                    "created_at": past,
                    "claimed_at": past,
                    "done_at": begin + timedelta(hours=2),
                    "hours_tenths": 20,
                    "note": "",
                    "reason": "",
                    "late_cancel": False,
                }
            )
    done_claims = list(session.scalars(insert(Claim).returning(Claim.id), claim_rows))
    boards = list(session.scalars(select(Area.id).where(Area.kind.in_(("city", "district", "street", "community")))))
    session.commit()
    return {
        "storm_tasks": storm_tasks,
        "storm_members": storm_members,
        "member_tokens": member_tokens,
        "admin_token": admin_token,
        "done_claims": done_claims,
        "boards": boards,
        "verify_community": verify_community,
        "created_members": created_members,
    }


# --- the client --------------------------------------------------------------------------


def api_request(token: str | None, body: dict | None) -> tuple[dict, bytes | None]:
    """Headers and body of an API call as a client sends it: JSON both ways, a bearer token."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    return headers, payload


class Client:
    """One keep-alive connection per thread; reconnects when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.local = threading.local()

    def request(self, method: str, path: str, token: str | None = None, body: dict | None = None):
        headers, payload = api_request(token, body)
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine) as error:
                conn.close()
                self.local.conn = None
                if attempt == 2:  # the request may have reached the app: counted as a transport error
                    return -1, (time.perf_counter() - started) * 1000, str(error).encode()
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                self.local.conn = None
            return response.status, elapsed, data
        raise AssertionError("unreachable")


def run(client: Client, jobs: list, threads: int):
    """Run (method, path, token, body) jobs with a thread pool; results in job order, and the wall time."""

    def one(job):
        method, path, token, body = job
        return client.request(method, path, token, body)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(one, jobs))
    return results, time.perf_counter() - started


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)] if ordered else None


def summary(jobs, results, wall, threads) -> dict:
    latencies = [r[1] for r in results]
    statuses = Counter(r[0] for r in results)
    errors = [
        (job[0], job[1], status, body[:300].decode("utf-8", "replace"))
        for job, (status, _ms, body) in zip(jobs, results)
        if status >= 500 or status < 0
    ]
    return {
        "requests": len(results),
        "concurrency": threads,
        "wall_s": round(wall, 2),
        "rps": round(len(results) / wall, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors_5xx": sum(v for k, v in statuses.items() if k >= 500 or k < 0),
        "error_samples": errors[:5],
    }


# --- scenarios ---------------------------------------------------------------------------


def claim_storm(client, data, threads, engine, rng) -> dict:
    jobs = [
        ("POST", f"/api/v1/tasks/{task_id}/claims", token, {})
        for (member_id, task_id), token in zip(data["storm_members"], data["member_tokens"])
    ]
    order = list(range(len(jobs)))
    rng.shuffle(order)  # tasks interleaved, as a crowd would
    jobs = [jobs[i] for i in order]
    results, wall = run(client, jobs, threads)
    out = summary(jobs, results, wall, threads)
    answered = Counter()
    reported_positions: dict[int, list] = {}
    for (_m, _path, _t, _b), (status, _ms, body) in zip(jobs, results):
        if status == 201:
            claim = json.loads(body)
            answered[claim["status"]] += 1
            if claim["status"] == "waiting":
                reported_positions.setdefault(claim["task_id"], []).append(claim.get("waitlist_position"))
    tasks = data["storm_tasks"]
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, taken, slots, status FROM tasks WHERE id = ANY(:ids)"), {"ids": tasks}
        ).all()
        per_task = {r.id: r for r in rows}
        counts = conn.execute(
            text(
                "SELECT task_id, status, count(*) AS n, count(DISTINCT member_id) AS members FROM claims "
                "WHERE task_id = ANY(:ids) GROUP BY task_id, status"
            ),
            {"ids": tasks},
        ).all()
        by = {(r.task_id, r.status): r.n for r in counts}
        positions = conn.execute(
            text(
                "SELECT task_id, array_agg(pos ORDER BY id) AS pos, sum(CASE WHEN inverted THEN 1 ELSE 0 END) AS inversions "
                "FROM (SELECT id, task_id, row_number() OVER (PARTITION BY task_id ORDER BY id) AS pos, "
                "      created_at < lag(created_at) OVER (PARTITION BY task_id ORDER BY id) AS inverted "
                "      FROM claims WHERE task_id = ANY(:ids) AND status = 'waiting') w GROUP BY task_id"
            ),
            {"ids": tasks},
        ).all()
        claimed_total = conn.scalar(
            text("SELECT count(*) FROM claims WHERE task_id = ANY(:ids) AND status = 'claimed'"), {"ids": tasks}
        )
        member_dupes = conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT member_id FROM claims WHERE task_id = ANY(:ids) "
                "GROUP BY member_id HAVING count(*) > 1) d"
            ),
            {"ids": tasks},
        )
        slot_claims_elsewhere = conn.scalar(
            text("SELECT count(*) FROM claims WHERE task_id = ANY(:ids) AND status NOT IN ('claimed', 'waiting')"),
            {"ids": tasks},
        )
    waitlists_ok = all(list(p.pos) == list(range(1, CLAIMERS_PER_TASK - SLOTS + 1)) for p in positions) and len(
        positions
    ) == len(tasks)
    inversions = sum(int(p.inversions or 0) for p in positions)
    reported_exact = sum(
        sorted(v) == list(range(1, CLAIMERS_PER_TASK - SLOTS + 1)) for v in reported_positions.values()
    )
    checks = {
        "claims_holding_slots": claimed_total,
        "claims_holding_slots_expected": STORM_TASKS * SLOTS,
        "tasks_taken_10_and_full": sum(per_task[t].taken == SLOTS and per_task[t].status == "full" for t in tasks),
        "tasks_claimed_rows_10": sum(by.get((t, "claimed"), 0) == SLOTS for t in tasks),
        "tasks_waitlist_90": sum(by.get((t, "waiting"), 0) == CLAIMERS_PER_TASK - SLOTS for t in tasks),
        "waitlist_positions_1_to_90_by_id": waitlists_ok,
        "waitlist_created_at_inversions_vs_id": inversions,
        "members_with_more_than_one_claim": member_dupes,
        "claims_in_other_states": slot_claims_elsewhere,
        "answered_201": dict(answered),
        "tasks_where_reported_positions_are_exactly_1_to_90": reported_exact,
    }
    ok = (
        claimed_total == STORM_TASKS * SLOTS
        and checks["tasks_taken_10_and_full"] == len(tasks)
        and checks["tasks_claimed_rows_10"] == len(tasks)
        and checks["tasks_waitlist_90"] == len(tasks)
        and waitlists_ok
        and member_dupes == 0
        and slot_claims_elsewhere == 0
        and answered.get("claimed", 0) == STORM_TASKS * SLOTS
        and answered.get("waiting", 0) == STORM_TASKS * (CLAIMERS_PER_TASK - SLOTS)
        and out["errors_5xx"] == 0
    )
    return out | {"invariants_ok": ok, "checked": checks}


def browse(client, data, threads, requests, rng) -> dict:
    members = data["storm_members"]
    tokens = data["member_tokens"]
    jobs = []
    mix = Counter()
    for _ in range(requests):
        i = rng.randrange(len(members))
        roll = rng.random()
        if roll < 0.5:
            jobs.append(("GET", f"/api/v1/tasks?page={rng.randint(1, 3)}&per_page=20", tokens[i], None))
            mix["task_hall"] += 1
        elif roll < 0.8:
            jobs.append(("GET", f"/api/v1/members/{members[i][0]}/points", tokens[i], None))
            mix["member_points"] += 1
        else:
            jobs.append(("GET", f"/boards/{rng.choice(data['boards'])}", None, None))
            mix["board"] += 1
    results, wall = run(client, jobs, threads)
    out = summary(jobs, results, wall, threads)
    kinds = ["task_hall" if "/tasks" in j[1] else "member_points" if "/points" in j[1] else "board" for j in jobs]
    per_kind = {}
    for kind in mix:
        lat = [r[1] for k, r in zip(kinds, results) if k == kind]
        per_kind[kind] = {
            "requests": len(lat),
            "p50_ms": round(percentile(lat, 0.5), 1),
            "p95_ms": round(percentile(lat, 0.95), 1),
        }
    non_200 = sum(1 for r in results if r[0] != 200)
    return out | {
        "invariants_ok": non_200 == 0,
        "checked": {"all_200": non_200 == 0, "non_200": non_200},
        "mix": per_kind,
    }


def verify_burst(client, data, threads, engine, rng) -> dict:
    ids = list(data["done_claims"])
    rng.shuffle(ids)
    jobs = [("POST", f"/api/v1/claims/{claim_id}/verify", data["admin_token"], None) for claim_id in ids]
    results, wall = run(client, jobs, threads)
    out = summary(jobs, results, wall, threads)
    with engine.connect() as conn:
        keys = [f"award:claim:{c}" for c in ids]
        entries = conn.scalar(
            text("SELECT count(*) FROM ledger_entries WHERE idempotency_key = ANY(:k) AND kind = 'award'"), {"k": keys}
        )
        by_source = conn.scalar(
            text("SELECT count(*) FROM ledger_entries WHERE source_type = 'claim' AND source_id = ANY(:ids)"),
            {"ids": ids},
        )
        dupes = conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT source_id FROM ledger_entries WHERE source_type = 'claim' "
                "AND source_id = ANY(:ids) GROUP BY source_id HAVING count(*) > 1) d"
            ),
            {"ids": ids},
        )
        verified = conn.scalar(
            text(
                "SELECT count(*) FROM claims c JOIN ledger_entries e ON e.id = c.ledger_entry_id "
                "WHERE c.id = ANY(:ids) AND c.status = 'verified' AND e.idempotency_key = 'award:claim:' || c.id"
            ),
            {"ids": ids},
        )
        zero = conn.scalar(
            text("SELECT count(*) FROM ledger_entries WHERE idempotency_key = ANY(:k) AND amount = 0"), {"k": keys}
        )
    checks = {
        "award_entries": entries,
        "expected": len(ids),
        "entries_for_these_claims": by_source,
        "claims_with_more_than_one_entry": dupes,
        "claims_verified_and_linked": verified,
        "awards_of_zero_points_after_caps": zero,
    }
    ok = (
        entries == len(ids) == by_source == verified
        and dupes == 0
        and out["errors_5xx"] == 0
        and all(r[0] == 200 for r in results)
    )
    return out | {"invariants_ok": ok, "checked": checks}


def serial_baseline(client, data, samples: int = 20) -> dict:
    """One request at a time: the service time of each kind, without queueing."""
    member_id, _task = data["storm_members"][0]
    token = data["member_tokens"][0]
    kinds = {
        "healthz": ("/healthz", None),
        "task_hall": ("/api/v1/tasks?page=1&per_page=20", token),
        "member_points": (f"/api/v1/members/{member_id}/points", token),
        "board": (f"/boards/{data['boards'][0]}", None),
    }
    out = {}
    for kind, (path, tok) in kinds.items():
        timings = [client.request("GET", path, tok)[1] for _ in range(samples)]
        out[kind] = round(percentile(timings, 0.5), 1)
    return out


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, log_path: str, threads: int = 1) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        gunicorn = Path(shutil.which("gunicorn") or "gunicorn")
    env = os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": "benchmark-load-secret",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    log = open(log_path, "wb")
    # --threads above 1 selects gunicorn's gthread workers: a worker's other thread runs
    # while one waits for PostgreSQL, and connections are kept alive.
    return subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            str(WORKERS),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "wsgi:app",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_healthy(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not become healthy")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="city", choices=["demo", "city"])
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (its URL is printed)")
    parser.add_argument("--reuse", metavar="URL", help="run against a database kept by --keep (no city build)")
    parser.add_argument("--threads", type=int, default=64, help="client threads for the storm and the burst")
    parser.add_argument("--browse-threads", type=int, default=32, help="client threads for browse")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per gunicorn worker (gthread if > 1)")
    parser.add_argument("--browse-requests", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql")):
        sys.exit("benchmarks.load needs PostgreSQL: set DATABASE_URL to a postgresql:// server")

    from service.database import db
    from service.demo.build import build_all

    rng = random.Random(args.seed)
    if args.reuse:
        url, drop = args.reuse, (lambda: None)
    else:
        url, drop = fresh_database("load")
    proc, log_path, report = None, None, {}
    try:
        app = migrated_app(url)
        with app.app_context():
            started = time.perf_counter()
            if not args.reuse:
                build_all(db.session, scale=args.scale, seed=11, hash_params=CHEAP_HASH)
                db.session.commit()
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            data = prepare(db.session, rng)
            prepare_s = time.perf_counter() - started
            members = db.session.scalar(select(func.count()).select_from(db.metadata.tables["members"]))
            engine = db.engine
            db.session.remove()
            # ANALYZE so the planner sees the bulk-loaded tables as they are.
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()

            port = free_port()
            log_path = tempfile.mkstemp(prefix="load-gunicorn-", suffix=".log")[1]
            proc = start_gunicorn(url, port, log_path, args.worker_threads)
            wait_healthy(port, proc)
            client = Client(port)
            report["database"] = database_kind(url)
            report["workers"] = WORKERS
            report["worker_threads"] = args.worker_threads
            report["scale"] = args.scale
            report["setup"] = {
                "members": members,
                "build_s": round(build_s, 1),
                "prepare_s": round(prepare_s, 1),
                "storm_members_registered_by_harness": data["created_members"],
                "cpus": os.cpu_count(),
                "load_before": os.getloadavg(),
            }
            report["serial_baseline_median_ms"] = serial_baseline(client, data)
            report["claim_storm"] = claim_storm(client, data, args.threads, engine, rng)
            report["browse"] = browse(client, data, args.browse_threads, args.browse_requests, rng)
            report["verify_burst"] = verify_burst(client, data, args.threads, engine, rng)
            report["load_after"] = os.getloadavg()
            report["targets"] = {
                "claim_storm_p99_under_1s": report["claim_storm"]["p99_ms"] < 1000,
                "no_overbooking": report["claim_storm"]["checked"]["claims_holding_slots"] == STORM_TASKS * SLOTS,
                "browse_300_rps": report["browse"]["rps"] >= 300,
                "browse_p95_under_200ms": report["browse"]["p95_ms"] < 200,
            }
            report["note"] = (
                "client, 4 gunicorn sync workers and PostgreSQL share this machine's "
                f"{os.cpu_count()} cores; latencies include queueing behind the workers"
            )
            if any(report[s]["errors_5xx"] for s in ("claim_storm", "browse", "verify_burst")):
                report["gunicorn_log_tail"] = Path(log_path).read_text(errors="replace")[-3000:]
            engine.dispose()
    finally:
        stop(proc)
        if args.keep or args.reuse:
            report["kept_database"] = url
        else:
            drop()
        if log_path and not report.get("gunicorn_log_tail"):
            Path(log_path).unlink(missing_ok=True)
        elif log_path:
            report["gunicorn_log"] = log_path
        print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
