"""PostgreSQL restarted under load (issue 7, Faults).

A throwaway PostgreSQL cluster of our own (initdb into a temporary directory, its own port
and socket directory) so it can be stopped and started without touching the shared
server. gunicorn (2 workers) serves it; client threads claim tasks and an admin verifies
done claims. Mid-run the cluster is stopped (``pg_ctl stop -m fast``): every answer while
it is down must be a quick 503 with the JSON error body and Retry-After, never a 500 or a
hang. It is started again and the same gunicorn, not restarted, must recover by itself
(pool pre-ping). Finally the requests turned away are retried and the database is checked:
no claim or award lost or doubled, no task over its slots.

The run is staged, not timed: the write jobs are split in two stages and the second is only
handed out once /healthz is back to 200, so there is always work after the recovery. The
database is stopped once half the first stage has been answered, with the clients still
sending; one that runs out of first-stage work before then keeps reading (the task hall),
so requests are in flight when the database goes away. A client turned away with 503
waits for the recovery (as a client honouring Retry-After would) instead of sleeping.

A request whose connection is cut after its last query, just before it ends, once answered
a bare 500 from the session teardown (now fixed in service.database.end_sessions_safely).
Under load that window is hit only by chance, so the second test holds it open on purpose,
with locks and SIGSTOP.
"""

from __future__ import annotations

import os
import pwd
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, UTC
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from service.tasks.models import SLOT_HOLDING

from .conftest import (
    MESSAGE,
    Response,
    backend_state,
    call,
    free_port,
    healthz_status,
    needs_postgres,
    tagged_url,
    wait_for,
    waiting_behind,
)

pytestmark = needs_postgres

TASKS, SLOTS, CLAIMERS_PER_TASK = 20, 6, 10
DONE_TASKS, DONE_PER_TASK = 4, 10
CLIENTS = 6
# Every answer while the database is down must come within this (the URL's connect_timeout is 2 s).
FAIL_FAST_S = 5.0

# --- a PostgreSQL cluster of our own -------------------------------------------------------


def _postgres_bindir() -> Path | None:
    found = [
        p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists() and (p / "pg_ctl").exists()
    ]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


class Cluster:
    """initdb, pg_ctl start/stop, as the ``postgres`` OS user when we are root (PostgreSQL refuses to run as root)."""

    def __init__(self, bindir: Path, root: Path, port: int, as_user: list[str]):
        self.bindir, self.root, self.port, self.as_user = bindir, root, port, as_user
        self.data, self.log = root / "data", root / "postgres.log"

    def _run(self, tool: str, *args: str, timeout: float = 90) -> None:
        output = self.root / "tools.out"
        with open(output, "ab") as out:
            result = subprocess.run(
                [*self.as_user, str(self.bindir / tool), *args],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        if result.returncode != 0:
            raise AssertionError(
                f"{tool} {' '.join(args)} failed ({result.returncode}):\n"
                f"{output.read_text(errors='replace')[-2000:]}\n{self.log_tail()}"
            )

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"
        )

    def start(self) -> None:
        # fsync off: a fast shutdown still writes everything out, and the test never crashes the server.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=40 -c shared_buffers=16MB"
        )
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def kill(self) -> None:
        """Last resort when pg_ctl could not stop it: SIGKILL our postmaster, if the pid in its
        pid file is still a postgres serving this data directory (a pid can be reused)."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return
        if str(self.data).encode() in cmdline:
            os.kill(pid, signal.SIGKILL)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}?connect_timeout=2"


@pytest.fixture
def cluster():
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql")
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres OS user to run PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
    # Under /tmp rather than pytest's tmp_path: the postgres user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    if as_user:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = Cluster(bindir, root, free_port(), as_user)
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.running():
            try:
                server.stop("immediate")
            except Exception:  # keep going: the server must still end and the directory go
                server.kill()
        shutil.rmtree(root, ignore_errors=True)


# --- data -------------------------------------------------------------------------------


def _create_database(cluster: Cluster) -> str:
    admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "faults"'))
    admin.dispose()
    return cluster.url("faults")


def _seed(url: str, workdir: str) -> dict:
    """The schema by the real migrations, then: 20 open tasks of 6 slots with 10 registered
    members meant for each (200 members with bearer tokens), and 40 claims reported done on
    past tasks for the community admin to verify."""
    from service import create_app
    from service.database import db
    from service.people.accounts import issue_token
    from service.points.catalogue import ensure_default_catalogue
    from service.points.service import publish_rule_set
    from service.tasks.models import Claim, Task
    from tests.conftest import _migrate, _settings
    from tests.factories import build_world, make_account, make_member, make_registration
    from tests.points.conftest import CITY_RULES

    _migrate(url, workdir)
    app = create_app(_settings(url, workdir))
    now = datetime.now(UTC)
    with app.app_context():
        s = db.session
        world = build_world(s)
        community = world.community_a
        ensure_default_catalogue(s)
        publish_rule_set(s, None, area_id=world.city.id, effective_from=date(2026, 1, 1), body=CITY_RULES)

        def task(title, starts, slots, **kw):
            row = Task(
                title=title,
                community_id=community.id,
                place_id=community.id,
                category="environment",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                slots=slots,
                claim_policy="registered",
                **kw,
            )
            s.add(row)
            return row

        ahead = now + timedelta(days=30)
        open_tasks = [task(f"社区服务 {i + 1}", ahead, SLOTS, status="open") for i in range(TASKS)]
        members, tokens = [], []
        for i in range(TASKS * CLAIMERS_PER_TASK):
            member = make_member(s, f"志愿者{i}", building=world.building_a)
            # Registered well before the past tasks below, so their awards count on the residence side.
            make_registration(s, member, community, "residence", created_at=now - timedelta(days=90))
            members.append(member.id)
            tokens.append(issue_token(s, make_account(s, member.name, member=member), 24)[0])

        past = now - timedelta(days=2)
        done_tasks = [
            task(
                f"已完成服务 {i + 1}",
                past + timedelta(hours=3 * i),
                DONE_PER_TASK,
                status="in_progress",
                taken=DONE_PER_TASK,
            )
            for i in range(DONE_TASKS)
        ]
        s.flush()
        done_claims = []
        for i, done in enumerate(done_tasks):
            for k in range(DONE_PER_TASK):
                claim = Claim(
                    task_id=done.id,
                    member_id=members[i * DONE_PER_TASK + k],
                    status="done",
                    claimed_at=past - timedelta(days=1),
                    done_at=done.ends_at,
                    hours_tenths=20,
                )
                s.add(claim)
                done_claims.append(claim)
        s.flush()
        data = {
            "tasks": [t.id for t in open_tasks],
            "members": members,
            "tokens": tokens,
            "done_claims": [c.id for c in done_claims],
            "admin_token": world.tokens["community_admin"],
        }
        s.commit()
        db.session.remove()
        db.engine.dispose()
    return data


# --- the load -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    kind: str  # "claim", "verify" or "read"
    method: str
    path: str
    token: str
    body: dict | None = None
    member_id: int | None = None
    task_id: int | None = None
    claim_id: int | None = None


@dataclass
class Result:
    job: Job
    status: int | None  # None: no HTTP answer at all (connection dropped, or the client timed out)
    json: dict | None
    retry_after: str | None
    elapsed: float
    sent_after_recovery: bool
    error: str = ""


class Run:
    """Hands out jobs in two stages and collects every answer."""

    def __init__(self, before: list[Job], after: list[Job], filler: Job):
        self.before, self.after, self.filler = list(before), list(after), filler
        self.lock = threading.Lock()
        self.results: list[Result] = []
        self.recovered = threading.Event()
        self.abort = threading.Event()

    def next_job(self) -> Job | None:
        with self.lock:
            if self.abort.is_set():
                return None
            if self.before:
                return self.before.pop(0)
            if not self.recovered.is_set():
                return self.filler
            return self.after.pop(0) if self.after else None

    def writes_answered(self) -> int:
        with self.lock:
            return sum(r.job.kind != "read" for r in self.results)

    def client(self, port: int) -> None:
        while (job := self.next_job()) is not None:
            sent_after = self.recovered.is_set()
            try:
                r = call(port, job.method, job.path, job.token, job.body, timeout=20)
                result = Result(job, r.status, r.json, r.headers.get("retry-after"), r.elapsed, sent_after)
            except Exception as error:  # recorded and failed on below: a dropped connection or a hang
                result = Result(job, None, None, None, 0.0, sent_after, repr(error))
            with self.lock:
                self.results.append(result)
            if result.status == 503:
                # Turned away: come back when the service is healthy again (Retry-After, without a clock).
                self.recovered.wait(120)


def _assert_unavailable(status, body, retry_after, elapsed, what) -> None:
    assert status == 503, f"{what}: {status} {body}"
    assert body is not None and body["error"]["code"] == "unavailable", f"{what}: {body}"
    assert body["error"]["message"] == MESSAGE, f"{what}: {body}"
    assert retry_after is not None and int(retry_after) > 0, f"{what}: Retry-After {retry_after!r}"
    assert elapsed < FAIL_FAST_S, f"{what}: took {elapsed:.1f} s while the database was down"


def _jobs(data: dict) -> list[Job]:
    claims = [
        Job(
            "claim",
            "POST",
            f"/api/v1/tasks/{data['tasks'][i % TASKS]}/claims",
            token,
            {},
            member_id=member_id,
            task_id=data["tasks"][i % TASKS],
        )
        for i, (member_id, token) in enumerate(zip(data["members"], data["tokens"]))
    ]
    verifies = [
        Job("verify", "POST", f"/api/v1/claims/{claim_id}/verify", data["admin_token"], claim_id=claim_id)
        for claim_id in data["done_claims"]
    ]
    jobs = claims + verifies
    random.Random(7).shuffle(jobs)  # a fixed interleaving of members and the admin
    return jobs


def test_postgres_restart_mid_load_answers_503_then_recovers_without_losing_or_doubling(cluster, gunicorn, tmp_path):
    url = _create_database(cluster)
    data = _seed(url, str(tmp_path))

    server = gunicorn(url, workers=2)
    workers = server.workers()

    jobs = _jobs(data)
    first_stage = len(jobs) * 2 // 5
    before, after = jobs[:first_stage], jobs[first_stage:]
    # Sent by the test itself while the database is down (and retried with the others afterwards).
    probe = next(j for j in after if j.kind == "claim")
    after.remove(probe)
    assert {j.kind for j in after} == {"claim", "verify"}
    filler = Job("read", "GET", "/api/v1/tasks?per_page=5", data["tokens"][-1])
    run = Run(before, after, filler)

    threads = [threading.Thread(target=run.client, args=(server.port,), daemon=True) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        wait_for(lambda: run.writes_answered() >= first_stage // 2, 120, "the first writes to be answered")
        cluster.stop("fast")

        # Down: the service answers at once, with the one error body.
        health = call(server.port, "GET", "/healthz", timeout=20)
        assert health.status == 503 and health.json == {"status": "degraded", "database": "unreachable"}, (
            health.status,
            health.body[:300],
        )
        assert health.elapsed < FAIL_FAST_S
        # A claim, a read and a verification (of a claim that is also among the jobs, so it needs no retry of its own).
        for job in (
            probe,
            filler,
            Job(
                "verify",
                "POST",
                f"/api/v1/claims/{data['done_claims'][0]}/verify",
                data["admin_token"],
                claim_id=data["done_claims"][0],
            ),
        ):
            r = call(server.port, job.method, job.path, job.token, job.body, timeout=20)
            _assert_unavailable(
                r.status,
                r.json,
                r.headers.get("retry-after"),
                r.elapsed,
                f"{job.method} {job.path} with the database down",
            )

        cluster.start()
        # Back, with the same gunicorn: no restart, the pools replace their dead connections.
        wait_for(
            lambda: healthz_status(server.port) == 200, 60, "/healthz to answer 200 after the restart", interval=0.1
        )
        run.recovered.set()
        for t in threads:
            t.join(180)
        assert not any(t.is_alive() for t in threads), "clients still running after the second stage"
    finally:
        run.abort.set()
        run.recovered.set()
        for t in threads:
            t.join(30)

    log = server.log_tail(6000)
    results = run.results
    dropped = [r for r in results if r.status is None]
    assert not dropped, f"requests without an HTTP answer: {[(r.job.path, r.error) for r in dropped[:5]]}\n{log}"
    unexpected = [r for r in results if r.status not in (200, 201, 503)]
    assert not unexpected, f"{[(r.job.method, r.job.path, r.status, r.json) for r in unexpected[:5]]}\n{log}"
    for r in results:
        if r.status == 503:
            _assert_unavailable(r.status, r.json, r.retry_after, r.elapsed, f"{r.job.method} {r.job.path}")
    late = [r for r in results if r.sent_after_recovery and r.status != (201 if r.job.kind == "claim" else 200)]
    assert not late, f"failed after recovery: {[(r.job.path, r.status, r.json) for r in late[:5]]}\n{log}"
    writes = [r for r in results if r.job.kind != "read"]
    assert sorted(id(r.job) for r in writes) == sorted(id(j) for j in jobs if j is not probe), (
        "a job was lost or sent twice by the clients"
    )
    assert {id(j) for j in after} <= {id(r.job) for r in writes if r.sent_after_recovery}, (
        "the second stage did not run after the recovery"
    )
    assert server.proc.poll() is None and server.workers() == workers, "gunicorn or a worker was restarted"

    # The requests turned away, made again now that the database is back.
    turned_away = [r.job for r in results if r.status == 503 and r.job.kind != "read"] + [probe]
    retried: list[tuple[Job, Response]] = []
    for job in turned_away:
        r = call(server.port, job.method, job.path, job.token, job.body, timeout=20)
        retried.append((job, r))
        if job.kind == "verify":
            assert r.status == 200 and r.json["status"] == "verified", (job.path, r.status, r.body[:300])
        elif r.status == 409:
            # The first attempt committed just before its connection was cut: the claim is there, once.
            assert r.json["error"]["code"] == "conflict" and r.json["error"]["details"]["claim_id"], (
                job.path,
                r.body[:300],
            )
        else:
            assert r.status == 201, (job.path, r.status, r.body[:300])

    claim_answers = [(r.job, r.json) for r in results if r.job.kind == "claim" and r.status == 201]
    claim_answers += [(job, r.json) for job, r in retried if job.kind == "claim" and r.status == 201]
    in_doubt = {job.member_id: r.json["error"]["details"]["claim_id"] for job, r in retried if r.status == 409}

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as db:
            _check_claims(db, data, claim_answers, in_doubt)
            _check_awards(db, data)
    finally:
        engine.dispose()


def _check_claims(db, data: dict, answers: list, in_doubt: dict) -> None:
    rows = {
        r.id: r
        for r in db.execute(
            text("SELECT id, task_id, member_id, status FROM claims WHERE task_id = ANY(:t)"), {"t": data["tasks"]}
        )
    }
    # Every 201 names exactly one row, the one it described; no id was answered twice.
    ids = [body["id"] for _job, body in answers]
    assert len(ids) == len(set(ids)), "one claim id answered to two requests"
    for job, body in answers:
        row = rows.get(body["id"])
        assert row is not None, f"201 for claim {body['id']} but no such row"
        assert (row.task_id, row.member_id, row.status) == (job.task_id, job.member_id, body["status"])
    for member_id, claim_id in in_doubt.items():
        assert rows[claim_id].member_id == member_id
    # Each member claimed exactly one task once: nothing lost, nothing doubled.
    expected = {(data["tasks"][i % TASKS], m) for i, m in enumerate(data["members"])}
    pairs = [(r.task_id, r.member_id) for r in rows.values()]
    assert len(pairs) == len(set(pairs)), "a member holds two claims on one task"
    assert set(pairs) == expected
    assert len(answers) + len(in_doubt) == len(expected)
    per_task = db.execute(
        text(
            "SELECT t.id, t.slots, t.taken, t.status,"
            "       count(c.id) FILTER (WHERE c.status = ANY(:holding)) AS holding,"
            "       count(c.id) FILTER (WHERE c.status = 'waiting') AS waiting"
            "  FROM tasks t LEFT JOIN claims c ON c.task_id = t.id WHERE t.id = ANY(:t) GROUP BY t.id"
        ),
        {"t": data["tasks"], "holding": list(SLOT_HOLDING)},
    ).all()
    assert len(per_task) == TASKS
    for t in per_task:
        assert t.taken == t.holding, f"task {t.id}: taken {t.taken} but {t.holding} claims hold a slot"
        assert t.taken <= t.slots, f"task {t.id} over its slots"
        assert (t.holding, t.waiting, t.status) == (SLOTS, CLAIMERS_PER_TASK - SLOTS, "full"), t
    confirmed = db.scalar(text("SELECT count(*) FROM notifications WHERE kind = 'claim.confirmed'"))
    assert confirmed == TASKS * SLOTS, "a claim's notification is missing or doubled"


def _check_awards(db, data: dict) -> None:
    done = data["done_claims"]
    rows = db.execute(
        text(
            "SELECT c.id, c.status, c.ledger_entry_id, count(e.id) AS entries, min(e.id) AS entry,"
            "       bool_and(e.idempotency_key = 'award:claim:' || c.id AND e.kind = 'award') AS keyed"
            "  FROM claims c LEFT JOIN ledger_entries e ON e.source_type = 'claim' AND e.source_id = c.id"
            " WHERE c.id = ANY(:ids) GROUP BY c.id"
        ),
        {"ids": done},
    ).all()
    assert len(rows) == len(done)
    for r in rows:
        assert r.status == "verified" and r.entries == 1 and r.keyed and r.entry == r.ledger_entry_id, r
    assert db.scalar(text("SELECT count(*) FROM ledger_entries")) == len(done)
    assert db.scalar(text("SELECT count(*) FROM notifications WHERE kind = 'claim.verified'")) == len(done)
    assert db.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'claim.verify'")) == len(done)


# --- a claim cut off after its commit -------------------------------------------------------


def _seed_one_task(url: str, workdir: str) -> dict:
    """The schema, the small test city, and one open task member A (registered there) may claim."""
    from service import create_app
    from service.database import db
    from tests.conftest import _migrate, _settings
    from tests.factories import build_world, make_registration
    from tests.tasks.conftest import make_task

    _migrate(url, workdir)
    app = create_app(_settings(url, workdir))
    with app.app_context():
        s = db.session
        world = build_world(s)
        make_registration(s, world.member_a, world.community_a, "residence")
        data = {
            "task": make_task(s, world, start=72).id,
            "member": world.member_a.id,
            "account": world.accounts["member"].id,
            "token": world.tokens["member"],
        }
        db.session.remove()
        db.engine.dispose()
    return data


def test_a_claim_cut_off_after_its_commit_by_the_restart_is_never_a_500(cluster, gunicorn, tmp_path):
    """The window the load test above can only hit by chance, held open on purpose.

    A claim commits, then reads its row back for the answer (a new transaction). The test
    parks that read behind a table lock, freezes the worker (SIGSTOP), lets the read finish
    at the server, stops PostgreSQL (``-m fast``) while the backend sits idle in its
    transaction, and only then lets the worker run on (SIGCONT). The claim is made; the
    answer must say so (201) or at least be the 503 JSON body, never a 500.
    """
    url = _create_database(cluster)
    data = _seed_one_task(url, str(tmp_path))
    tag = f"faults-cut-{uuid.uuid4().hex[:8]}"
    server = gunicorn(tagged_url(url, tag), workers=1)
    (worker,) = server.workers()
    path = f"/api/v1/tasks/{data['task']}/claims"

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    lockers = create_engine(url)
    watch, account_lock, table_lock = engine.connect(), lockers.connect(), lockers.connect()
    outcome: dict = {}

    def claim():
        try:
            outcome["response"] = call(server.port, "POST", path, data["token"], {}, timeout=60)
        except Exception as error:  # recorded; the assertions below say what was expected
            outcome["error"] = error

    client = threading.Thread(target=claim, daemon=True)
    stopped = False
    try:
        # 1. Hold the claim just before its commit completes (its notification insert waits on the account row).
        account_pid = account_lock.scalar(text("SELECT pg_backend_pid()"))
        account_lock.execute(text("SELECT id FROM accounts WHERE id = :id FOR UPDATE"), {"id": data["account"]})
        client.start()
        wait_for(lambda: waiting_behind(watch, tag, account_pid), 30, "the claim to wait on the account row")

        # 2. Queue an exclusive lock on claims behind the claim's own, so it is granted the moment
        #    the claim commits, before the claim can read its row back.
        table_pid = table_lock.scalar(text("SELECT pg_backend_pid()"))
        queued = threading.Thread(
            target=lambda: table_lock.execute(text("LOCK TABLE claims IN ACCESS EXCLUSIVE MODE")), daemon=True
        )
        queued.start()
        wait_for(
            lambda: (
                watch.scalar(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :p"), {"p": table_pid})
                == "Lock"
            ),
            30,
            "the table lock to queue",
        )
        account_lock.rollback()
        queued.join(30)
        assert not queued.is_alive(), "the table lock was never granted"
        reading = wait_for(lambda: waiting_behind(watch, tag, table_pid), 30, "the claim's read-back to wait")
        assert "FROM claims" in reading.query and not reading.writing, reading

        # 3. Freeze the worker, let its read complete at the server, and stop PostgreSQL under it.
        os.kill(worker, signal.SIGSTOP)
        try:
            table_lock.rollback()
            wait_for(
                lambda: backend_state(watch, reading.pid) == "idle in transaction",
                30,
                "the read-back to finish at the server",
            )
            for conn in (watch, account_lock, table_lock):
                conn.close()
            # No pooled connection may outlive the server they were made to.
            engine.dispose()
            lockers.dispose()
            cluster.stop("fast")
            stopped = True
        finally:
            os.kill(worker, signal.SIGCONT)
        client.join(60)
        assert not client.is_alive(), "the claim never got an answer"
    finally:
        for conn in (watch, account_lock, table_lock):
            conn.close()
        engine.dispose()
        lockers.dispose()
        if stopped:
            cluster.start()

    # Nothing lost or doubled: the claim was made once, and asking again says so.
    server.wait_healthy()
    again = call(server.port, "POST", path, data["token"], {})
    assert again.status == 409 and again.json["error"]["code"] == "conflict", (again.status, again.body[:300])
    check = create_engine(url, isolation_level="AUTOCOMMIT")
    with check.connect() as db:
        rows = db.execute(
            text("SELECT id, status FROM claims WHERE task_id = :t AND member_id = :m"),
            {"t": data["task"], "m": data["member"]},
        ).all()
        assert [(r.id, r.status) for r in rows] == [(again.json["error"]["details"]["claim_id"], "claimed")]
        assert db.scalar(text("SELECT taken FROM tasks WHERE id = :t"), {"t": data["task"]}) == 1
        assert db.scalar(text("SELECT count(*) FROM notifications WHERE account_id = :a"), {"a": data["account"]}) == 1
    check.dispose()

    assert "error" not in outcome, f"no HTTP answer: {outcome['error']!r}"
    response = outcome["response"]
    assert response.status in (201, 503), (response.status, response.body[:300], server.log_tail(3000))
    if response.status == 201:
        assert response.json["id"] == rows[0].id
    else:
        _assert_unavailable(
            response.status,
            response.json,
            response.headers.get("retry-after"),
            response.elapsed,
            "the claim cut off by the restart",
        )
