"""Two schedulers started by mistake: each snapshot is still published exactly once.

Real threads against the test database (SQLite: the lock row; PostgreSQL: advisory
locks), and real processes against PostgreSQL.
"""

import json
import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select

from service.database import db
from service.jobs import cli
from service.jobs.models import JobLock
from service.periods import period_containing
from service.rankings import service
from service.rankings.models import RankingSnapshot, SnapshotRow
from tests.rankings.conftest import TZ, at

from .conftest import SCOPES

THREADS = 6
DUE = 2 * SCOPES * 3  # September and October, on 1 November


def _in_threads(work):
    barrier = threading.Barrier(THREADS, timeout=120)
    results, errors = [], []

    def runner(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def _assert_published_once(session):
    keys = session.execute(
        select(RankingSnapshot.scope_kind, RankingSnapshot.scope_id, RankingSnapshot.period_start, RankingSnapshot.side)
    ).all()
    assert len(keys) == len(set(keys)) == DUE
    ranked = session.scalar(select(func.sum(RankingSnapshot.ranked_count)))
    assert session.scalar(select(func.count()).select_from(SnapshotRow)) == ranked


def test_schedulers_in_threads_publish_each_snapshot_once(app, session, ledger, is_postgres):
    results, errors = _in_threads(lambda i: cli.run_in_app(app, "rankings_month", at(2026, 11, 1, 1)))
    assert errors == []
    assert {r["outcome"] for r in results} <= {"ok", "skipped"} and sum(r["items"] for r in results) == DUE
    _assert_published_once(session)
    lock_rows = session.scalars(select(JobLock.job)).all()
    assert lock_rows == ([] if is_postgres else ["publications"])  # PostgreSQL: advisory locks, no rows


def test_without_any_lock_the_unique_key_still_publishes_once(app, session, ledger):
    months = [period_containing("month", at(2026, m, 1).date(), TZ) for m in (9, 10)]

    def publish(i):
        with app.app_context():
            try:
                return sum(service.publish_period(db.session, month, at(2026, 11, 1, 1)) for month in months)
            finally:
                db.session.remove()

    results, errors = _in_threads(publish)
    assert errors == [] and sum(results) == DUE
    _assert_published_once(session)


CHILD = """
import json, sys
from service import create_app
from service.jobs import cli
from tests.rankings.conftest import at, install

app = install(create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x", "TESTING": True}))
print("ready", flush=True)
sys.stdin.readline()  # both processes start the job on the parent's word
print(json.dumps(cli.run_in_app(app, "rankings_month", at(2026, 11, 1, 1))), flush=True)
"""


def test_two_scheduler_processes_on_postgresql_publish_each_snapshot_once(database_url, session, ledger, is_postgres):
    if not is_postgres:
        pytest.skip(
            "two scheduler processes need a server database: set TEST_DATABASE_URL to run this against "
            "PostgreSQL (on SQLite the lock row is shown with threads above)"
        )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, database_url],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [json.loads(child.stdout.readline()) for child in children]
        for child in children:
            assert child.wait(timeout=120) == 0, child.stderr.read()
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    assert {r["outcome"] for r in results} <= {"ok", "skipped"} and sum(r["items"] for r in results) == DUE
    session.rollback()
    _assert_published_once(session)
