"""A gunicorn worker killed in the middle of a claim leaves nothing behind (issue 7, Faults).

The claim is caught at its deepest point before commit: it has already locked the member,
moved the task's ``taken`` counter and inserted the claim row, and is inserting the
member's notification. That insert checks its foreign key with ``FOR KEY SHARE`` on the
member's account row, so a lock the test holds on that row (``FOR UPDATE``) parks the
worker there, inside its transaction. The worker is then killed with SIGKILL (no
handler, no clean-up of its own), the lock released, and the database must show no trace
of the claim: PostgreSQL rolls back the transaction of a client that vanished. The
master respawns a worker, and the same claim made again succeeds exactly once.
"""

from __future__ import annotations

import os
import signal
import threading
import uuid

from sqlalchemy import create_engine, text

from tests.factories import make_registration
from tests.tasks.conftest import make_task

from .conftest import backend_state, call, needs_postgres, tagged_url, wait_for, waiting_behind

pytestmark = needs_postgres


def _counts(conn, task_id: int, account_id: int, member_id: int) -> dict:
    row = conn.execute(
        text(
            "SELECT (SELECT count(*) FROM claims WHERE task_id = :task) AS claims,"
            "       (SELECT taken FROM tasks WHERE id = :task) AS taken,"
            "       (SELECT status FROM tasks WHERE id = :task) AS status,"
            "       (SELECT count(*) FROM notifications WHERE account_id = :account) AS notifications,"
            "       (SELECT count(*) FROM audit_events) AS audit,"
            "       (SELECT count(*) FROM ledger_entries WHERE member_id = :member) AS ledger"
        ),
        {"task": task_id, "account": account_id, "member": member_id},
    ).one()
    return dict(row._mapping)


def test_a_worker_killed_mid_claim_leaves_nothing_partial(database_url, session, world, gunicorn):
    make_registration(session, world.member_a, world.community_a, "residence")
    task_id, member_id = make_task(session, world, start=72).id, world.member_a.id
    account_id, token = world.accounts["member"].id, world.tokens["member"]
    session.close()  # the requests below must not wait behind the test's own transaction

    tag = f"faults-kill-{uuid.uuid4().hex[:8]}"
    server = gunicorn(tagged_url(database_url, tag), workers=1)
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    locker_engine = create_engine(database_url)
    try:
        with engine.connect() as watch, locker_engine.connect() as locker:
            before = _counts(watch, task_id, account_id, member_id)
            assert before | {"audit": 0} == {
                "claims": 0,
                "taken": 0,
                "status": "open",
                "notifications": 0,
                "audit": 0,
                "ledger": 0,
            }

            locker_pid = locker.scalar(text("SELECT pg_backend_pid()"))
            locker.execute(text("SELECT id FROM accounts WHERE id = :id FOR UPDATE"), {"id": account_id})

            outcome: dict = {}

            def claim():
                try:
                    outcome["response"] = call(
                        server.port, "POST", f"/api/v1/tasks/{task_id}/claims", token, {}, timeout=60
                    )
                except Exception as error:  # the worker dies under this request: a dropped connection
                    outcome["error"] = error

            client = threading.Thread(target=claim, daemon=True)
            client.start()

            blocked = wait_for(
                lambda: waiting_behind(watch, tag, locker_pid), 30, "the claim to wait on the account row lock"
            )
            # Parked where intended: the notification insert, with the slot counter and the claim
            # row already written (uncommitted) by the same transaction.
            assert blocked.query.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS"), blocked.query
            assert {"claims", "tasks", "notifications"} <= set(blocked.writing), blocked.writing

            (worker,) = server.workers()
            os.kill(worker, signal.SIGKILL)
            client.join(30)
            assert not client.is_alive(), "the client hung after its worker was killed"
            assert "response" not in outcome, f"a killed worker answered: {outcome['response']}"
            assert isinstance(outcome.get("error"), (ConnectionError, OSError)), outcome

            # Only now may the orphaned transaction run on; with its client gone it can never commit.
            locker.rollback()
            wait_for(
                lambda: backend_state(watch, blocked.pid) is None, 30, "PostgreSQL to end the killed worker's backend"
            )

            after_kill = _counts(watch, task_id, account_id, member_id)
            assert after_kill == before, "the killed claim left something behind"

            assert server.proc.poll() is None, "the gunicorn master died with its worker"
            wait_for(lambda: server.workers() - {worker}, 60, "the master to start a new worker")
            server.wait_healthy()

            first = call(server.port, "POST", f"/api/v1/tasks/{task_id}/claims", token, {})
            assert first.status == 201, (first.status, first.body[:300])
            assert first.json["status"] == "claimed" and first.json["member_id"] == member_id
            again = call(server.port, "POST", f"/api/v1/tasks/{task_id}/claims", token, {})
            assert again.status == 409, (again.status, again.body[:300])
            assert again.json["error"]["details"]["claim_id"] == first.json["id"]

            assert _counts(watch, task_id, account_id, member_id) == before | {
                "claims": 1,
                "taken": 1,
                "notifications": 1,
            }
            assert (
                watch.scalar(
                    text("SELECT id FROM claims WHERE task_id = :t AND member_id = :m AND status = 'claimed'"),
                    {"t": task_id, "m": member_id},
                )
                == first.json["id"]
            )
            assert (
                watch.scalar(text("SELECT kind FROM notifications WHERE account_id = :a"), {"a": account_id})
                == "claim.confirmed"
            )
    finally:
        locker_engine.dispose()
        engine.dispose()
