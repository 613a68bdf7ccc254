"""Job locks: the SQLite lock row (forced on PostgreSQL too) and the PostgreSQL advisory lock."""

from datetime import timedelta

import pytest

from service.database import db
from service.jobs.locks import Lock, LockLost
from tests.rankings.conftest import at


class Clock:
    def __init__(self, moment):
        self.moment = moment

    def __call__(self):
        return self.moment


def test_the_lock_row_is_taken_once_expires_and_is_renewed(ctx):
    clock = Clock(at(2026, 11, 1, 1))
    first = Lock(db.engine, "rankings", "host:1", minutes=10, clock=clock, advisory=False)
    second = Lock(db.engine, "rankings", "host:2", minutes=10, clock=clock, advisory=False)
    assert first.acquire() and not second.acquire()
    clock.moment += timedelta(minutes=9)
    first.keepalive()  # due (more than a third of the time gone): extended to 1:19
    clock.moment += timedelta(minutes=9)  # 1:18, past the first expiry
    assert not second.acquire()
    clock.moment += timedelta(minutes=2)  # 1:20: the holder stopped renewing (say it was killed)
    assert second.acquire()
    with pytest.raises(LockLost):
        first.keepalive()
    second.release()
    assert first.acquire()
    first.release()


def test_other_lock_names_do_not_interfere(ctx):
    clock = Clock(at(2026, 11, 1, 1))
    a = Lock(db.engine, "one", "host:1", clock=clock, advisory=False)
    b = Lock(db.engine, "two", "host:2", clock=clock, advisory=False)
    assert a.acquire() and b.acquire()


def test_the_advisory_lock_is_held_across_connections_until_released(ctx, is_postgres):
    if not is_postgres:
        pytest.skip("advisory locks are PostgreSQL's; SQLite uses the lock row (tested above)")
    first = Lock(db.engine, "rankings", "host:1")
    second = Lock(db.engine, "rankings", "host:2")
    assert first.uses_advisory
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
