"""Catch-up: periods that ended while no scheduler ran are published at start, oldest first."""

from datetime import date

from sqlalchemy import func, select

from service.jobs import cli
from service.jobs.models import JobRun
from service.rankings.models import RankingSnapshot
from service.rankings.service import backlog
from tests.rankings.conftest import TZ, at

from .conftest import SCOPES


def _months(session):
    return session.execute(
        select(RankingSnapshot.period_start, func.count(), func.min(RankingSnapshot.id), func.max(RankingSnapshot.id))
        .where(RankingSnapshot.period_kind == "month")
        .group_by(RankingSnapshot.period_start)
        .order_by(RankingSnapshot.period_start)
    ).all()


def test_a_two_month_gap_is_published_at_start_in_order(app, session, ledger):
    assert cli.run_in_app(app, "rankings_month", at(2026, 10, 1, 1))["outcome"] == "ok"  # September, on time
    session.rollback()
    assert [m[0] for m in _months(session)] == [date(2026, 9, 1)]
    session.rollback()
    # Down from early October until 1 December 00:30: October and November ended meanwhile.
    results = {r["job"]: r for r in cli.catch_up(app, at(2026, 12, 1, 0, 30))}
    assert results["rankings_month"] == {
        "job": "rankings_month",
        "outcome": "ok",
        "items": 2 * SCOPES * 3,
        "error": None,
    }
    months = _months(session)
    assert [(m[0], m[1]) for m in months] == [
        (date(2026, 9, 1), SCOPES * 3),
        (date(2026, 10, 1), SCOPES * 3),
        (date(2026, 11, 1), SCOPES * 3),
    ]
    assert months[1][3] < months[2][2]  # every October snapshot was written before any of November's
    # The other kinds caught up too: Q3 ended on 1 October; the weeks since the first entry.
    quarters = session.scalars(
        select(RankingSnapshot.period_start).where(RankingSnapshot.period_kind == "quarter").distinct()
    ).all()
    assert quarters == [date(2026, 7, 1)]
    weeks = session.scalars(
        select(RankingSnapshot.period_start)
        .where(RankingSnapshot.period_kind == "week")
        .distinct()
        .order_by(RankingSnapshot.period_start)
    ).all()
    assert weeks[0] == date(2026, 8, 31) and weeks[-1] == date(2026, 11, 23) and len(weeks) == 13
    assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.outcome != "ok")) == 0


def test_the_first_start_begins_at_the_earliest_ledger_entry_and_a_half_done_period_is_finished(
    app, session, world, ledger
):
    assert [p.label for p in backlog(session, "month", at(2026, 12, 1, 1), TZ)] == ["2026-09", "2026-10", "2026-11"]
    session.rollback()
    # A run that stopped half-way through October: a few snapshots exist.
    from service.rankings import service

    october = backlog(session, "month", at(2026, 12, 1, 1), TZ)[1]
    service.publish_snapshot(session, "city", world.city.id, october, "total", at(2026, 11, 1, 1))
    session.commit()
    assert [p.label for p in backlog(session, "month", at(2026, 12, 1, 1), TZ)] == ["2026-10", "2026-11"]
    session.rollback()
    result = cli.run_in_app(app, "rankings_month", at(2026, 12, 1, 1))
    assert result["items"] == 2 * SCOPES * 3 - 1
    assert [(m[0], m[1]) for m in _months(session)] == [
        (date(2026, 10, 1), SCOPES * 3),
        (date(2026, 11, 1), SCOPES * 3),
    ]
