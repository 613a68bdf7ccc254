"""The only way points enter the ledger: award, bonus, penalty, adjustment, reversal.

Each posting is keyed by its business event (``award:claim:123``); posting the
same event twice returns the first entry. Postings for one member are
serialised by a row lock on the member (SQLite: the write lock every write
transaction takes at BEGIN), so caps hold under concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from ..audit.log import record
from ..errors import Conflict, Invalid, NOT_A_COMMUNITY, NotFound, REQUIRED
from ..i18n import N_
from ..periods import day_bounds_utc, local_day, period_containing
from ..people.models import Member
from ..places.models import Area
from ..registration.service import sides_at
from .models import LedgerEntry, RuleSet
from .rules import TENTH, Computation, Service, apply_cap, compute, load_body


@dataclass
class RulesInForce:
    rule_set: RuleSet
    body: dict


def rules_in_force(session, community: Area, on: date) -> RulesInForce:
    """The rule set that governs ``community`` on ``on``: the deepest area's, latest version in effect."""
    ancestors = community.ancestor_ids()
    candidates = session.scalars(
        select(RuleSet)
        .where(RuleSet.area_id.in_(ancestors), RuleSet.effective_from <= on)
        .order_by(RuleSet.effective_from.desc(), RuleSet.version.desc())
    ).all()
    if not candidates:
        raise Invalid(N_("该社区在此日期没有生效的积分规则"), fields={"occurred_at": [N_("没有生效的积分规则")]})
    depth = {area_id: i for i, area_id in enumerate(ancestors)}
    deepest = max(depth[r.area_id] for r in candidates)
    # A community's own rules win over its street's, and the street's over the city's.
    best = next(r for r in candidates if depth[r.area_id] == deepest)
    return RulesInForce(best, load_body(best.body))


def side_for(session, member_id: int, community_id: int, when: datetime) -> str:
    sides = sides_at(session, member_id, when)
    if sides.get("residence") == community_id:
        return "residence"
    if sides.get("unit") == community_id:
        return "unit"
    return "other"


def lock_member(session, member_id: int) -> Member:
    member = session.scalar(select(Member).where(Member.id == member_id).with_for_update())
    if member is None:
        raise NotFound(N_("成员不存在"))
    return member


def _existing(session, key: str) -> LedgerEntry | None:
    return session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))


def _award_total(session, member_id: int, start: datetime, end: datetime, side: str | None) -> Decimal:
    """Award points already granted (net of their reversals) for service in [start, end)."""
    original = LedgerEntry.__table__.alias("original")
    reversed_award = select(original.c.id).where(original.c.kind == "award")
    conditions = [
        LedgerEntry.member_id == member_id,
        LedgerEntry.occurred_at >= start,
        LedgerEntry.occurred_at < end,
        or_(
            LedgerEntry.kind == "award",
            and_(LedgerEntry.kind == "reversal", LedgerEntry.reverses_id.in_(reversed_award)),
        ),
    ]
    if side is not None:
        conditions.append(LedgerEntry.side == side)
    used = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(*conditions))
    return Decimal(used) * TENTH


def capped(
    session, rules: dict, member_id: int, service: Service, side: str, comp: Computation, tz: ZoneInfo
) -> Decimal:
    caps = rules["caps"]
    side_filter = side if caps["per_side"] else None
    amount = comp.amount
    if caps["per_day"] is not None:
        start, end = day_bounds_utc(local_day(service.occurred_at, tz), tz)
        used = _award_total(session, member_id, start, end, side_filter)
        amount = apply_cap(amount, caps["per_day"], used, "每日", comp.lines)
    if caps["per_month"] is not None:
        month = period_containing("month", local_day(service.occurred_at, tz), tz)
        used = _award_total(session, member_id, month.start_utc, month.end_utc, side_filter)
        amount = apply_cap(amount, caps["per_month"], used, "每月", comp.lines)
    return amount


def tenths(points: Decimal) -> int:
    """Points as the tenths the ledger stores."""
    return int((points / TENTH).to_integral_value())


def award_service(
    session,
    *,
    member_id: int,
    community_id: int,
    service: Service,
    key: str,
    source_type: str,
    source_id: int | None,
    actor_id: int | None,
    tz: ZoneInfo,
    note: str = "",
) -> LedgerEntry:
    """Award points for verified service, under the rules in force when it happened."""
    member = lock_member(session, member_id)
    existing = _existing(session, key)
    if existing is not None:
        return existing
    community = session.get(Area, community_id)
    if community is None or community.kind != "community":
        raise Invalid(N_("服务社区不存在"), fields={"community_id": [NOT_A_COMMUNITY]})
    in_force = rules_in_force(session, community, local_day(service.occurred_at, tz))
    comp = compute(in_force.body, service, tz)
    side = side_for(session, member_id, community_id, service.occurred_at)
    amount = capped(session, in_force.body, member_id, service, side, comp, tz)
    explanation = "; ".join(comp.lines + ([note] if note else []))
    entry = LedgerEntry(
        member_id=member_id,
        amount=tenths(amount),
        side=side,
        kind="award",
        community_id=community_id,
        unit_id=member.unit_id,
        category=service.category,
        source_type=source_type,
        source_id=source_id,
        rule_set_id=in_force.rule_set.id,
        hours_tenths=tenths(service.hours) if service.hours is not None else None,
        explanation=explanation,
        actor_id=actor_id,
        occurred_at=service.occurred_at,
        idempotency_key=key,
    )
    session.add(entry)
    session.flush()
    return entry


def _post_fixed(
    session,
    *,
    kind: str,
    member_id: int,
    community_id: int,
    points: Decimal,
    occurred_at: datetime,
    key: str,
    source_type: str,
    source_id,
    actor_id,
    explanation: str,
    rule_set_id=None,
    category=None,
) -> LedgerEntry:
    member = lock_member(session, member_id)
    existing = _existing(session, key)
    if existing is not None:
        return existing
    entry = LedgerEntry(
        member_id=member_id,
        amount=tenths(points),
        side=side_for(session, member_id, community_id, occurred_at),
        kind=kind,
        community_id=community_id,
        unit_id=member.unit_id,
        category=category,
        source_type=source_type,
        source_id=source_id,
        rule_set_id=rule_set_id,
        explanation=explanation,
        actor_id=actor_id,
        occurred_at=occurred_at,
        idempotency_key=key,
    )
    session.add(entry)
    session.flush()
    return entry


def award_rating_bonus(
    session,
    *,
    member_id: int,
    community_id: int,
    occurred_at: datetime,
    key: str,
    source_type: str,
    source_id: int,
    tz: ZoneInfo,
    actor_id=None,
) -> LedgerEntry | None:
    """The bonus a 5-star resident rating earns, if the rules in force give one."""
    community = session.get(Area, community_id)
    in_force = rules_in_force(session, community, local_day(occurred_at, tz))
    bonus = in_force.body["rating_bonus"]
    if not bonus:
        return None
    return _post_fixed(
        session,
        kind="bonus",
        member_id=member_id,
        community_id=community_id,
        points=bonus,
        occurred_at=occurred_at,
        key=key,
        source_type=source_type,
        source_id=source_id,
        actor_id=actor_id,
        explanation=f"居民五星好评奖励 {bonus}",
        rule_set_id=in_force.rule_set.id,
    )


def charge_no_show(
    session,
    *,
    member_id: int,
    community_id: int,
    occurred_at: datetime,
    key: str,
    source_type: str,
    source_id: int,
    tz: ZoneInfo,
    actor_id=None,
) -> LedgerEntry | None:
    community = session.get(Area, community_id)
    in_force = rules_in_force(session, community, local_day(occurred_at, tz))
    penalty = in_force.body["no_show_penalty"]
    if not penalty:
        return None
    return _post_fixed(
        session,
        kind="penalty",
        member_id=member_id,
        community_id=community_id,
        points=-penalty,
        occurred_at=occurred_at,
        key=key,
        source_type=source_type,
        source_id=source_id,
        actor_id=actor_id,
        explanation=f"报名未到扣分 -{penalty}",
        rule_set_id=in_force.rule_set.id,
    )


def check_adjustment(points: Decimal, reason: str) -> None:
    """An adjustment says why, and moves the balance."""
    if not reason.strip():
        raise Invalid(N_("调整积分必须写明原因"), fields={"reason": [REQUIRED]})
    if points == 0:
        raise Invalid(N_("调整分值不能为 0"), fields={"points": [N_("不能为 0")]})


def adjustments_booked(session, member_id: int, start: datetime, end: datetime) -> int:
    """The absolute sum (tenths) of a member's adjustments booked in [start, end)."""
    return session.scalar(
        select(func.coalesce(func.sum(func.abs(LedgerEntry.amount)), 0)).where(
            LedgerEntry.member_id == member_id,
            LedgerEntry.kind == "adjustment",
            LedgerEntry.booked_at >= start,
            LedgerEntry.booked_at < end,
        )
    )


def adjust(
    session,
    *,
    member_id: int,
    community_id: int,
    points: Decimal,
    reason: str,
    actor_id: int | None,
    key: str,
    occurred_at: datetime,
    area_path: str | None,
    source_type: str = "manual",
    source_id: int | None = None,
    **audit_details,
) -> LedgerEntry:
    """Post a manual adjustment (``audit_details`` go into its audit entry: who asked, who approved)."""
    check_adjustment(points, reason)
    entry = _post_fixed(
        session,
        kind="adjustment",
        member_id=member_id,
        community_id=community_id,
        points=points,
        occurred_at=occurred_at,
        key=key,
        source_type=source_type,
        source_id=source_id,
        actor_id=actor_id,
        explanation=f"人工调整 {points:+}: {reason.strip()}",
    )
    record(
        session,
        actor_id,
        "points.adjust",
        "ledger_entry",
        entry.id,
        area_path,
        member_id=member_id,
        tenths=entry.amount,
        reason=reason.strip(),
        **audit_details,
    )
    return entry


def reverse(session, *, entry: LedgerEntry, reason: str, actor_id: int | None, area_path: str | None) -> LedgerEntry:
    """Cancel an entry with its exact opposite; an entry is reversed at most once."""
    if not reason.strip():
        raise Invalid(N_("冲正必须写明原因"), fields={"reason": [REQUIRED]})
    if entry.kind == "reversal":
        raise Conflict(N_("冲正记录不能再冲正"))
    lock_member(session, entry.member_id)
    key = f"reversal:entry:{entry.id}"
    existing = _existing(session, key)
    if existing is not None:
        raise Conflict(N_("该记录已冲正"), reversal_id=existing.id)
    reversal = LedgerEntry(
        member_id=entry.member_id,
        amount=-entry.amount,
        side=entry.side,
        kind="reversal",
        community_id=entry.community_id,
        unit_id=entry.unit_id,
        category=entry.category,
        source_type="ledger_entry",
        source_id=entry.id,
        rule_set_id=entry.rule_set_id,
        hours_tenths=None,
        explanation=f"冲正 #{entry.id}: {reason.strip()}",
        actor_id=actor_id,
        occurred_at=entry.occurred_at,
        idempotency_key=key,
        reverses_id=entry.id,
    )
    session.add(reversal)
    session.flush()
    record(
        session,
        actor_id,
        "points.reverse",
        "ledger_entry",
        reversal.id,
        area_path,
        reverses=entry.id,
        tenths=reversal.amount,
        reason=reason.strip(),
    )
    return reversal
