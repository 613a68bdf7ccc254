"""Running a job: every run recorded, failures explained, locks honoured, targets idempotent."""

from sqlalchemy import func, select

from service.database import db
from service.jobs import registry, runner
from service.jobs.locks import Lock
from service.jobs.models import JobRun
from service.points.models import LedgerEntry
from service.rankings.models import RankingSnapshot
from tests.factories import make_entry, settle
from tests.rankings.conftest import TZ, at

from .conftest import SCOPES


def test_a_run_is_recorded_with_what_it_did(session, ledger):
    run = runner.run_job(session, "rankings_month", now=at(2026, 10, 1, 1), tz=TZ, owner="host:1")
    assert (run.job, run.outcome, run.items, run.error) == ("rankings_month", "ok", SCOPES * 3, None)
    assert run.as_of == at(2026, 10, 1, 1) and run.finished_at >= run.started_at and run.owner == "host:1"
    assert session.scalar(select(func.count()).select_from(RankingSnapshot)) == SCOPES * 3
    again = runner.run_job(session, "rankings_month", now=at(2026, 10, 1, 1, 5), tz=TZ)
    assert (again.outcome, again.items) == ("ok", 0)


def test_a_missing_target_fails_with_a_clear_message(session, world, monkeypatch):
    job = registry.Job("needs_later", "interval", {"minutes": 15}, "service.needs.service.escalate_overdue_v2")
    monkeypatch.setitem(registry.BY_ID, job.id, job)
    run = runner.run_job(session, job.id, now=at(2026, 11, 1), tz=TZ)
    assert run.outcome == "failed"
    assert run.error == (
        "job target missing: service.needs.service.escalate_overdue_v2 "
        "(service.needs.service has no function escalate_overdue_v2 yet)"
    )


def test_an_error_rolls_back_the_run_and_is_recorded(session, world, monkeypatch):
    def explode(session, now, tz):
        make_entry(session, world.member_a, world.community_a, 5, now)  # written, then the job fails
        raise ValueError("something broke")

    monkeypatch.setattr("service.jobs.tasks.remind_claims", explode)
    run = runner.run_job(session, "claim_reminders", now=at(2026, 11, 1), tz=TZ)
    assert run.outcome == "failed" and "ValueError: something broke" in run.error and "Traceback" in run.error
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_a_held_lock_skips_the_run(session, world):
    holder = Lock(db.engine, registry.PUBLICATIONS, "elsewhere:1", clock=lambda: at(2026, 11, 1, 1))
    assert holder.acquire()
    try:
        run = runner.run_job(
            session, "rankings_month", now=at(2026, 11, 1, 1), tz=TZ, clock=lambda: at(2026, 11, 1, 1, 1)
        )
        assert run.outcome == "skipped" and "publications" in run.error
        assert session.scalar(select(func.count()).select_from(RankingSnapshot)) == 0
    finally:
        session.rollback()  # the lock row's writer must not wait behind this read (SQLite)
        holder.release()


def test_the_ledger_check_passes_on_a_sound_ledger_and_names_what_is_wrong(session, world, ledger):
    run = runner.run_job(session, "ledger_check", now=at(2026, 11, 30), tz=TZ)
    assert run.outcome == "ok" and run.items == 18 and run.details["problems"] == [] and run.details["members"] == 6
    first = session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).first()
    reversal = make_entry(session, ledger[0], world.community_a, 0, at(2026, 11, 20), reverses=first)
    # Damage the ledger the append-only triggers cannot stop: reversals of a reversal, with a wrong amount.
    bad = make_entry(session, ledger[0], world.community_a, 3, at(2026, 11, 21), kind="reversal")
    settle(session)
    session.execute(
        LedgerEntry.__table__.insert().values(
            member_id=ledger[0].id,
            amount=7,
            side="residence",
            kind="reversal",
            community_id=world.community_a.id,
            category=None,
            source_type="test",
            explanation="bad",
            occurred_at=at(2026, 11, 21),
            booked_at=at(2026, 11, 21),
            idempotency_key="test:bad-reversal",
            reverses_id=reversal.id,
        )
    )
    session.commit()
    run = runner.run_job(session, "ledger_check", now=at(2026, 11, 30), tz=TZ)
    assert run.outcome == "failed"
    assert f"reversals not pointing at an existing non-reversal entry: [{bad.id}, " in run.error
    assert "not the exact opposite" in run.error


def test_interrupted_runs_of_dead_processes_are_closed(session, world):
    session.add(
        JobRun(
            job="rankings_month",
            as_of=at(2026, 11, 1, 1),
            outcome="running",
            owner=f"{runner.socket.gethostname()}:999999999",
            details={},
        )
    )
    session.add(
        JobRun(
            job="rankings_month", as_of=at(2026, 11, 1, 1), outcome="running", owner=runner.process_owner(), details={}
        )
    )
    session.commit()
    assert runner.mark_interrupted(session) == 1
    outcomes = sorted(r.outcome for r in session.scalars(select(JobRun)))
    assert outcomes == ["failed", "running"]
