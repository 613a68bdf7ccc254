"""Figures for the staff dashboard, each one query over the staff member's area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from ..database import subtree_condition
from ..periods import Period, local_day, period_containing
from ..places.models import Area
from ..points.models import LedgerEntry
from .standings import high_water
from .units import UnitFigures, unit_figures

WEEKS = 12
MONTHS = 6
UNITS_SHOWN = 15


def _last(kind: str, count: int, now: datetime, tz: ZoneInfo) -> list[Period]:
    period = period_containing(kind, local_day(now, tz), tz)
    periods = [period]
    for _ in range(count - 1):
        period = period.previous()
        periods.append(period)
    return periods[::-1]


def weekly_points(session, area: Area, now: datetime, tz: ZoneInfo) -> list[tuple[Period, float]]:
    """Points booked per week for service in the area's communities, the last 12 weeks (this one included)."""
    weeks = _last("week", WEEKS, now, tz)
    e = LedgerEntry
    sums = [
        func.coalesce(func.sum(case((and_(e.booked_at >= w.start_utc, e.booked_at < w.end_utc), e.amount), else_=0)), 0)
        for w in weeks
    ]
    row = session.execute(
        select(*sums)
        .select_from(e)
        .join(Area, Area.id == e.community_id)
        .where(
            e.booked_at >= weeks[0].start_utc,
            e.booked_at < weeks[-1].end_utc,
            subtree_condition(Area.path, [area.path]),
        )
    ).one()
    return [(w, int(v or 0) / 10) for w, v in zip(weeks, row)]


@dataclass
class NeedMonth:
    period: Period
    taken_on: int
    finished: int
    rated: int
    satisfied: int

    @property
    def closure_pct(self) -> float | None:
        return round(self.finished * 100 / self.taken_on, 1) if self.taken_on else None

    @property
    def satisfaction_pct(self) -> float | None:
        return round(self.satisfied * 100 / self.rated, 1) if self.rated else None


def _need_model():
    """The needs table's model, if its package has one with the fields used here; None otherwise
    (the needs capability is written separately, and the dashboard must not break without it)."""
    try:
        from ..needs import models
    except ImportError:
        return None, {}
    need = getattr(models, "Need", None)
    wanted = ("status", "created_at", "resolved_at", "rating", "place_path")
    if need is None or any(not hasattr(need, field) for field in wanted):
        return None, {}
    return need, {
        "taken_on": getattr(models, "TAKEN_ON", ("accepted", "in_progress", "transferred", "resolved", "closed")),
        "finished": getattr(models, "FINISHED", ("resolved", "closed")),
    }


def needs_by_month(session, area: Area, now: datetime, tz: ZoneInfo) -> list[NeedMonth] | None:
    """Per month, the last six: closure rate (of needs taken on that month, the share resolved or
    closed) and satisfaction (of needs resolved that month and rated, the share rated 4 or 5)."""
    need, statuses = _need_model()
    if need is None:
        return None
    months = _last("month", MONTHS, now, tz)
    columns = []
    for m in months:
        created = and_(need.created_at >= m.start_utc, need.created_at < m.end_utc)
        resolved = and_(need.resolved_at >= m.start_utc, need.resolved_at < m.end_utc, need.rating.is_not(None))
        columns += [
            func.sum(case((and_(created, need.status.in_(statuses["taken_on"])), 1), else_=0)),
            func.sum(case((and_(created, need.status.in_(statuses["finished"])), 1), else_=0)),
            func.sum(case((resolved, 1), else_=0)),
            func.sum(case((and_(resolved, need.rating >= 4), 1), else_=0)),
        ]
    row = session.execute(select(*columns).where(subtree_condition(need.place_path, [area.path]))).one()
    values = [int(v or 0) for v in row]
    return [NeedMonth(m, *values[i * 4 : i * 4 + 4]) for i, m in enumerate(months)]


def unit_participation(session, area: Area, now: datetime, tz: ZoneInfo) -> tuple[Period, list[UnitFigures]]:
    """This month's participation of the units of the area (ranking order)."""
    month = period_containing("month", local_day(now, tz), tz)
    return month, unit_figures(session, area, month, hwm=high_water(session), asof=now)
