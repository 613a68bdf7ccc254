"""Synthetic ledger rows in bulk, for benchmarks that need 10^6 entries."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, UTC

from sqlalchemy import insert, select

from service.people.models import Member
from service.places.models import Area
from service.points.models import LedgerEntry, RuleSet


def fill_ledger(
    session, entries: int, *, seed: int = 1, days: int = 365, now: datetime | None = None, chunk: int = 20_000
) -> int:
    """Spread ``entries`` award rows over every member, within the last ``days`` days."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    members = session.execute(select(Member.id, Member.unit_id)).all()
    communities = list(session.scalars(select(Area.id).where(Area.kind == "community")))
    rule_set_id = session.scalar(select(RuleSet.id).order_by(RuleSet.id))
    # A skewed activity profile: a few very active members, a long tail of occasional ones.
    weights = [rng.paretovariate(1.2) for _ in members]
    picks = rng.choices(range(len(members)), weights=weights, k=entries)
    rows = []
    written = 0
    for n, index in enumerate(picks):
        member_id, unit_id = members[index]
        occurred = now - timedelta(seconds=rng.randrange(days * 86400))
        rows.append(
            {
                "member_id": member_id,
                "amount": rng.choice((20, 30, 40, 50, 60, 80)),
                "side": rng.choice(("residence", "residence", "unit", "other")),
                "kind": "award",
                "community_id": communities[member_id % len(communities)],
                "unit_id": unit_id,
                "category": "caring_help",
                "source_type": "bench",
                "source_id": n,
                "rule_set_id": rule_set_id,
                "hours_tenths": 20,
                "explanation": "2.0 h × 2.0/h = 4.0",
                "actor_id": None,
                "occurred_at": occurred,
                "booked_at": occurred,
                "idempotency_key": f"award:bench:{seed}:{n}",
            }
        )
        if len(rows) == chunk:
            session.execute(insert(LedgerEntry), rows)
            session.commit()
            written += len(rows)
            rows = []
    if rows:
        session.execute(insert(LedgerEntry), rows)
        session.commit()
        written += len(rows)
    return written
