"""Real threads against the real database: the checks hold when requests race."""

import threading

from sqlalchemy import func, select

from service.database import db
from service.errors import Conflict
from service.people.models import Account
from service.people.scope import scope_for
from service.registration import service
from service.registration.models import Registration, RegistrationEvent

from ..factories import make_registration, settle

THREADS = 12


def race(app, work):
    barrier = threading.Barrier(THREADS, timeout=120)
    outcomes = []

    def runner():
        with app.app_context():
            try:
                barrier.wait()
                work()
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            except Exception as exc:  # anything else is a failure, reported below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_racing_filings_leave_one_pending(app, world):
    account_id, community_id = world.accounts["member"].id, world.community_a.id

    def work():
        scope = scope_for(db.session, db.session.get(Account, account_id))
        service.file_registration(db.session, scope, community_id=community_id, side="residence")

    assert race(app, work) == ["conflict"] * (THREADS - 1) + ["ok"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_racing_approvals_approve_once(app, world, session):
    registration_id = make_registration(session, world.member_a, world.community_a, "unit", status="pending").id
    settle(session)
    account_id = world.accounts["community_admin"].id

    def work():
        scope = scope_for(db.session, db.session.get(Account, account_id))
        service.approve(db.session, scope, service.get_registration(db.session, scope, registration_id))

    assert race(app, work) == ["conflict"] * (THREADS - 1) + ["ok"]
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(RegistrationEvent.action).where(RegistrationEvent.registration_id == registration_id)
            )
        )
        assert sorted(actions) == ["approved", "filed"]
