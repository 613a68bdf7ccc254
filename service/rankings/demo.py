"""Demo history: the last six months' rankings published, and one 红黑榜 (after build_points)."""

from __future__ import annotations

import random
from datetime import datetime, UTC
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..people.models import Member
from ..periods import local_day, period_containing
from .models import AREA_SCOPES, RANK_SIDES, SCOPE_KINDS
from .service import publish_period
from . import units

TZ = ZoneInfo("Asia/Shanghai")
MONTHS = 6
# Above this many members (the "city" scale) only the area scopes' total rankings are
# published: every scope and side for six months is ~21,000 snapshots there (measured on
# PostgreSQL: 41 s against 18 s for the reduced set). The scheduler's first run fills in
# last month's other scopes and sides (it restarts from the latest month published).
FULL_DEMO_MEMBERS = 20_000


def build_rankings(session, rng: random.Random, city: dict, now: datetime | None = None) -> dict:
    """Publish the monthly snapshots of the six months before ``now`` and the first street's
    红黑榜 for last month. Nothing is committed here (the demo build commits once).
    ``rng`` is unused: publication is a pure function of the ledger, kept for the builders' common signature."""
    now = now or datetime.now(UTC)
    members = session.scalar(select(func.count()).select_from(Member)) or 0
    kinds, sides = (SCOPE_KINDS, RANK_SIDES) if members <= FULL_DEMO_MEMBERS else (AREA_SCOPES, ("total",))
    month = period_containing("month", local_day(now, TZ), TZ)
    periods = []
    for _ in range(MONTHS):
        month = month.previous()
        periods.append(month)
    published = sum(publish_period(session, p, now, kinds=kinds, sides=sides, commit=False) for p in reversed(periods))
    street = city["places"]["streets"][0]["id"]
    red_black, _created = units.publish(session, None, street, periods[0], now)
    return {"snapshots": published, "red_black_list": red_black.id, "full": kinds == SCOPE_KINDS}
