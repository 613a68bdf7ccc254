"""One lock per job name across every process: a PostgreSQL advisory lock, or a lock row (SQLite).

The PostgreSQL lock is session-level on a connection of its own, held for the whole run
(which commits many times on other connections) and released by the server if the
process dies. SQLite has no such thing, so a ``job_locks`` row is taken with a
conditional UPDATE (or the first INSERT) and expires unless renewed: a process killed
while holding it blocks the job only until ``locked_until``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from typing import cast

from sqlalchemy import Connection, Table, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from ..database import utcnow
from .models import JobLock


class LockLost(Exception):
    """The lock row expired and another process took it: stop before doing more."""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name."""
    return int.from_bytes(hashlib.sha256(f"job-lock:{name}".encode()).digest()[:8], "big", signed=True)


class Lock:
    def __init__(self, engine, name: str, owner: str, minutes: int = 10, clock=utcnow, advisory: bool | None = None):
        self.engine, self.name, self.owner, self.minutes, self.clock = engine, name, owner, minutes, clock
        # Advisory on PostgreSQL, the row elsewhere; tests force the row on PostgreSQL too.
        self.uses_advisory = engine.dialect.name == "postgresql" if advisory is None else advisory
        self._connection: Connection | None = None
        self._renewed: datetime | None = None
        self.held = False

    def acquire(self) -> bool:
        self.held = self._acquire_advisory() if self.uses_advisory else self._acquire_row()
        return self.held

    def _acquire_advisory(self) -> bool:
        connection = self.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": advisory_key(self.name)}).scalar()
        connection.commit()  # the lock is the session's, not the transaction's
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def _acquire_row(self) -> bool:
        table = cast(Table, JobLock.__table__)  # a declarative model maps a Table
        now = self.clock()
        until = now + timedelta(minutes=self.minutes)
        try:
            with self.engine.begin() as connection:
                taken = connection.execute(
                    update(table)
                    .where(table.c.job == self.name, or_(table.c.locked_until <= now, table.c.owner == self.owner))
                    .values(owner=self.owner, acquired_at=now, locked_until=until)
                ).rowcount
                if taken:
                    self._renewed = now
                    return True
                if connection.scalar(select(table.c.job).where(table.c.job == self.name)) is not None:
                    return False
                connection.execute(
                    insert(table).values(job=self.name, owner=self.owner, acquired_at=now, locked_until=until)
                )
        except IntegrityError:
            return False  # another process inserted the first row between our two statements
        self._renewed = now
        return True

    def keepalive(self) -> None:
        """Extend the lock row while a long job makes progress (cheap when not yet due)."""
        if not self.held or self.uses_advisory:
            return
        now = self.clock()
        if self._renewed is not None and now - self._renewed < timedelta(minutes=self.minutes) / 3:
            return
        table = cast(Table, JobLock.__table__)  # a declarative model maps a Table
        with self.engine.begin() as connection:
            renewed = connection.execute(
                update(table)
                .where(table.c.job == self.name, table.c.owner == self.owner)
                .values(locked_until=now + timedelta(minutes=self.minutes))
            ).rowcount
        if not renewed:
            self.held = False
            raise LockLost(f"lock {self.name} was taken over by another process")
        self._renewed = now

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if self.uses_advisory:
            connection, self._connection = self._connection, None
            assert connection is not None  # held on an advisory lock: acquire kept the connection
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": advisory_key(self.name)})
                connection.commit()
            except Exception:
                # Never hand a connection that may still hold the lock back to the pool.
                connection.invalidate()
                raise
            finally:
                connection.close()
            return
        table = cast(Table, JobLock.__table__)  # a declarative model maps a Table
        with self.engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.job == self.name, table.c.owner == self.owner)
                .values(locked_until=self.clock())
            )
