"""Run one job: record the run, take its lock, call its target, record how it ended.

Everything a job does is idempotent in the database (a unique key per period or per
item), so the lock is about not doing work twice, not about correctness: two
schedulers started by mistake, or a run restarted half-way, still publish each
snapshot once.
"""

from __future__ import annotations

import importlib
import os
import socket
import traceback
import uuid
from collections.abc import Sized
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..database import utcnow
from .locks import Lock
from .models import JobRun
from .registry import Job, get_job

ERROR_LIMIT = 4000


class MissingTarget(Exception):
    pass


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def resolve(path: str):
    """The function a dotted path names, imported now; MissingTarget says clearly what is missing."""
    module_name, _, name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise MissingTarget(f"job target missing: {path} (module {module_name} cannot be imported: {error})") from error
    target = getattr(module, name, None)
    if not callable(target):
        raise MissingTarget(f"job target missing: {path} ({module_name} has no function {name} yet)")
    return target


def _items(result) -> tuple[int, dict]:
    if isinstance(result, dict):
        return int(result.get("items", 0)), result
    if isinstance(result, bool) or result is None:
        return 0, {}
    if isinstance(result, int):
        return result, {}
    if isinstance(result, Sized):
        return len(result), {}
    return 0, {}


def _finish(
    session,
    run_id: int,
    outcome: str,
    *,
    items: int = 0,
    error: str | None = None,
    details: dict | None = None,
    clock=utcnow,
) -> JobRun:
    run = session.get(JobRun, run_id)
    run.outcome, run.items, run.finished_at = outcome, items, clock()
    run.error = error[:ERROR_LIMIT] if error else None
    run.details = details or {}
    session.commit()
    return run


def _describe(error: BaseException) -> str:
    if isinstance(error, MissingTarget):
        return str(error)
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)[-6:]).strip()


def run_job(session, job_id: str, *, now: datetime, tz: ZoneInfo, owner: str | None = None, clock=utcnow) -> JobRun:
    """Run ``job_id`` once for the business time ``now``; the run is recorded whatever happens."""
    job: Job = get_job(job_id)
    owner = owner or process_owner()
    run = JobRun(job=job.id, as_of=now, started_at=clock(), outcome="running", owner=owner, details={})
    session.add(run)
    session.flush()
    run_id = run.id
    # Nothing may touch the session between this commit and taking the lock: on SQLite a
    # new transaction would hold the write lock the lock row needs.
    session.commit()
    lock = Lock(session.get_bind(), job.lock_name, f"{owner}:{uuid.uuid4().hex[:8]}", job.lock_minutes, clock)
    if not lock.acquire():
        return _finish(
            session, run_id, "skipped", error=f"lock {job.lock_name} is held by another process", clock=clock
        )
    try:
        target = resolve(job.target)
        available = {"session": session, "now": now, "tz": tz, "keepalive": lock.keepalive}
        result = target(**{name: available[name] for name in job.passes})
        session.commit()
        items, details = _items(result)
        problems = details.get("problems") or []
        if problems:
            return _finish(
                session,
                run_id,
                "failed",
                items=items,
                details=details,
                clock=clock,
                error="; ".join(str(p) for p in problems[:20]),
            )
        return _finish(session, run_id, "ok", items=items, details=details, clock=clock)
    except Exception as error:  # recorded for staff; the scheduler keeps running
        session.rollback()
        return _finish(session, run_id, "failed", error=_describe(error), clock=clock)
    finally:
        lock.release()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted(session, clock=utcnow) -> int:
    """Runs this host left "running" in processes that no longer exist end as failed (interrupted)."""
    host = socket.gethostname()
    count = 0
    mine = JobRun.owner.startswith(host + ":", autoescape=True)
    for run in session.scalars(select(JobRun).where(JobRun.outcome == "running", mine)):
        pid = run.owner.rsplit(":", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            run.outcome, run.finished_at, run.error = "failed", clock(), "interrupted: the process ended during the run"
            count += 1
    session.commit()
    return count
