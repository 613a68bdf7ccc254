"""200 members claiming one 10-slot task at once, with real threads."""

import threading

from sqlalchemy import select

from service.database import db
from service.errors import DomainError
from service.tasks import service
from service.tasks.models import Claim, Task
from tests.factories import make_member, make_registration, settle

from .conftest import make_task
from datetime import UTC

# The same storm on both databases: PostgreSQL with TEST_DATABASE_URL, else a SQLite file.
THREADS = 200


def test_two_hundred_claims_on_ten_slots(app, loop, session):
    members = []
    for i in range(THREADS):
        m = make_member(session, f"志愿者{i}", building=loop.building_a)
        make_registration(session, m, loop.community_a, "residence")
        members.append(m.id)
    settle(session)
    task_id = make_task(session, loop, slots=10, start=48).id
    session.close()  # let go of the test's own transaction (SQLite's write lock) before the storm
    barrier = threading.Barrier(THREADS, timeout=120)
    errors = []

    def worker(member_id):
        with app.app_context():
            try:
                barrier.wait()
                service.claim_task(db.session, task_id=task_id, member_id=member_id, now=service_now())
                db.session.commit()
            except DomainError as exc:  # collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        claims = db.session.scalars(select(Claim).where(Claim.task_id == task_id).order_by(Claim.id)).all()
        held = [c for c in claims if c.status == "claimed"]
        waiting = [c for c in claims if c.status == "waiting"]
        assert len(held) == 10 and len(waiting) == THREADS - 10
        task = db.session.get(Task, task_id)
        assert (task.taken, task.status) == (10, "full")
        positions = [service.waitlist_position(db.session, c) for c in waiting]
        assert positions == list(range(1, THREADS - 9))
        # Cancelling one slot promotes exactly the first in the waitlist.
        scope = _member_scope(db.session, held[0].member_id)
        service.cancel_claim(db.session, scope, held[0].id, service_now())
        db.session.commit()
        assert db.session.get(Claim, waiting[0].id).status == "claimed"
        assert db.session.get(Claim, waiting[1].id).status == "waiting"
        assert db.session.get(Task, task_id).taken == 10
        db.session.remove()


def test_verifying_the_same_claim_from_two_threads_awards_once(app, loop, session, api):
    from service.points.models import LedgerEntry
    from service.people.scope import scope_for
    from service.periods import app_timezone

    task = make_task(session, loop, start=-1, length=3)
    c = api.as_("member").post(f"/api/v1/tasks/{task.id}/claims", json={}).json
    api.as_("member").post(f"/api/v1/claims/{c['id']}/done", json={"hours": 2})
    admin = loop.accounts["community_admin"]
    admin_type, admin_id = type(admin), admin.id
    session.close()  # the threads below must not wait behind this test's own transaction
    barrier = threading.Barrier(2, timeout=60)
    results = []

    def worker():
        with app.app_context():
            try:
                scope = scope_for(db.session, db.session.get(admin_type, admin_id))
                db.session.rollback()  # on SQLite, holding a transaction at the barrier would block the other
                barrier.wait()
                claim = service.verify_claim(db.session, scope, c["id"], service_now(), app_timezone())
                db.session.commit()
                results.append(claim.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["verified", "verified"]
    with app.app_context():
        assert len(db.session.scalars(select(LedgerEntry)).all()) == 1
        db.session.remove()


def service_now():
    from datetime import datetime

    return datetime.now(UTC)


def _member_scope(session, member_id):
    from service.people.scope import Scope

    return Scope(account_id=None, member_id=member_id)
