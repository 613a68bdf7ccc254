"""Demo history: a city rule set (and a later street version), six months of verified service."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, UTC
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from ..people.models import Member
from .catalogue import DEFAULT_CATALOGUE, ensure_default_catalogue
from .models import LedgerEntry, MemberEvaluation
from .rules import DEFAULT_RULES, Service, compute, load_body
from .service import publish_rule_set

TZ = ZoneInfo("Asia/Shanghai")
MONTHS_OF_HISTORY = 6


def _active_sides(session) -> dict[int, dict[str, int]]:
    from ..registration.models import Registration

    sides: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(Registration.member_id, Registration.side, Registration.community_id).where(
            Registration.status == "approved"
        )
    )
    for member_id, side, community_id in rows:
        sides.setdefault(member_id, {})[side] = community_id
    return sides


def build_points(session, rng: random.Random, city: dict, now: datetime | None = None) -> None:
    ensure_default_catalogue(session)
    now = now or datetime.now(UTC)
    start = (now.astimezone(TZ).date().replace(day=1) - timedelta(days=MONTHS_OF_HISTORY * 31)).replace(day=1)
    city_rules = publish_rule_set(
        session,
        None,
        area_id=city["places"]["city"]["id"],
        effective_from=start,
        body=DEFAULT_RULES,
        note="市委组织部《红色积分管理办法》",
    )
    # Three months in, the first street publishes its own version with evening service worth more.
    street = city["places"]["streets"][0]
    street_body = dict(DEFAULT_RULES, multipliers=dict(DEFAULT_RULES["multipliers"], evening="1.5"))
    street_from = _add_months(start, 3)
    street_rules = publish_rule_set(
        session,
        None,
        area_id=street["id"],
        effective_from=street_from,
        body=street_body,
        note="光明街道细则：夜间服务系数 1.5",
    )
    bodies = {city_rules.id: load_body(city_rules.body), street_rules.id: load_body(street_rules.body)}
    community_street = {c["id"]: c["path"] for c in city["places"]["communities"]}
    sides = _active_sides(session)
    members = session.execute(
        select(Member.id, Member.unit_id, Member.party_status).where(Member.active.is_(True))
    ).all()
    categories = list(DEFAULT_CATALOGUE)
    entries = []
    key = 0
    for member_id, unit_id, status in members:
        registered = sides.get(member_id, {})
        if not registered:
            continue
        services = rng.choice((0, 1, 2, 3, 4, 6, 8, 10)) if status != "in_service" else rng.choice((0, 2, 3, 4, 5, 6))
        for _ in range(services):
            side = rng.choice(sorted(registered))
            community_id = registered[side]
            day = start + timedelta(days=rng.randrange((now.astimezone(TZ).date() - start).days))
            hour = rng.choice((9, 10, 14, 15, 19))
            occurred = datetime.combine(day, time(hour), TZ)
            if occurred >= now:
                continue
            in_street = community_street[community_id].startswith(street["path"])
            rule_set = street_rules if in_street and day >= street_from else city_rules
            hours = Decimal(rng.choice(("1", "1.5", "2", "2.5", "3", "4")))
            service = Service(
                category=rng.choice(categories),
                occurred_at=occurred,
                hours=hours,
                beneficiary_group=rng.choice((None, None, None, "special", "hardship")),
            )
            comp = compute(bodies[rule_set.id], service, TZ)
            key += 1
            booked = min(occurred + timedelta(days=rng.choice((0, 1, 1, 2, 3))), now)
            entries.append(
                {
                    "member_id": member_id,
                    "amount": comp.tenths,
                    "side": side,
                    "kind": "award",
                    "community_id": community_id,
                    "unit_id": unit_id,
                    "category": service.category,
                    "source_type": "demo",
                    "source_id": key,
                    "rule_set_id": rule_set.id,
                    "hours_tenths": int(hours * 10),
                    "explanation": "; ".join(comp.lines),
                    "actor_id": None,
                    "occurred_at": occurred,
                    "booked_at": booked,
                    "idempotency_key": f"award:demo:{key}",
                }
            )
    for i in range(0, len(entries), 5000):
        session.execute(insert(LedgerEntry), entries[i : i + 5000])
    _demo_member_history(session, city, now)
    _evaluations(session, rng, sides, now)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _demo_member_history(session, city: dict, now: datetime) -> None:
    """The demo member's page shows both sides of 双积分 with real explanations."""
    from .ledger import award_service

    member = session.scalar(select(Member).where(Member.phone == "13800000006"))
    if member is None:
        return
    sides = _active_sides(session).get(member.id, {})
    plan = [
        ("residence", "everyday_help", 2, "2"),
        ("residence", "caring_help", 9, "1.5"),
        ("unit", "outreach", 16, "2"),
        ("residence", "environment", 30, "3"),
    ]
    for i, (side, category, days_ago, hours) in enumerate(plan):
        community_id = sides.get(side) or sides.get("residence")
        if community_id is None:
            continue
        occurred = (now - timedelta(days=days_ago)).astimezone(TZ).replace(hour=9, minute=30, second=0, microsecond=0)
        award_service(
            session,
            member_id=member.id,
            community_id=community_id,
            key=f"award:demo-member:{i}",
            service=Service(
                category=category,
                occurred_at=occurred,
                hours=Decimal(hours),
                beneficiary_group="special" if i == 1 else None,
            ),
            source_type="demo",
            source_id=None,
            actor_id=None,
            tz=TZ,
        )


def _evaluations(session, rng: random.Random, sides: dict, now: datetime) -> None:
    last_month = (now.astimezone(TZ).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    rows = []
    for member_id, registered in sides.items():
        if "residence" in registered and "unit" in registered and rng.random() < 0.3:
            rows.append(
                {
                    "member_id": member_id,
                    "community_id": registered["residence"],
                    "period_start": last_month,
                    "rating": rng.choice(("excellent", "good", "good", "fair")),
                    "comment": rng.choice(("", "积极参加楼道清理", "主动联系独居老人", "按时参加主题党日")),
                    "created_at": now,
                }
            )
    if rows:
        session.execute(insert(MemberEvaluation), rows)
