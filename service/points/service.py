"""Rule sets, previews, member balances, manual postings, 双评价 and grading."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import cast
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, case, func, select

from .. import policy
from ..audit.log import record
from ..errors import Forbidden, Invalid, NotFound, one_of, unknown
from ..i18n import N_
from ..periods import Period, local_day
from ..people.models import Member
from ..people.scope import MANAGE, Scope
from ..people.service import get_member
from ..places.models import Area, Unit
from ..registration.service import sides_at
from . import adjustments, ledger
from .adjustments import adjustment_community
from .catalogue import category_codes
from .models import SIDES, GradeResult, GradeRun, LedgerEntry, MemberEvaluation, PendingAdjustment, RuleSet
from .rules import TENTH, RuleBodySchema, Service, compute, to_json

RULE_OWNER_KINDS = ("city", "district", "street", "community")


# --- rule sets ---------------------------------------------------------------


def publish_rule_set(
    session, scope: Scope | None, *, area_id: int, effective_from: date, body: dict, note: str = ""
) -> RuleSet:
    """Publish a new version of an area's rules. Earlier versions and entries are untouched."""
    area = session.get(Area, area_id)
    if area is None or (scope is not None and not scope.covers(area.path)):
        raise NotFound(N_("区域不存在"))
    if scope is not None and not scope.covers(area.path, MANAGE):
        raise Forbidden(N_("无权发布该区域的积分规则"))
    if area.kind not in RULE_OWNER_KINDS:
        raise Invalid(
            N_("积分规则只能由市、区县、街道或社区发布"),
            fields={"area_id": [N_("须为市、区县、街道或社区")]},
        )
    validated = RuleBodySchema().load(body)
    unknown_codes = set(validated["categories"]) - category_codes(session)
    if unknown_codes:
        raise Invalid(N_("规则中有未知的服务类别"), fields={"body": {"categories": [unknown(unknown_codes)]}})
    version = (session.scalar(select(func.max(RuleSet.version)).where(RuleSet.area_id == area.id)) or 0) + 1
    rule_set = RuleSet(
        area_id=area.id,
        version=version,
        effective_from=effective_from,
        body=to_json(validated),
        note=note,
        published_by_id=scope.account_id if scope else None,
    )
    session.add(rule_set)
    session.flush()
    record(
        session,
        scope.account_id if scope else None,
        "rules.publish",
        "rule_set",
        rule_set.id,
        area.path,
        version=version,
        effective_from=effective_from.isoformat(),
    )
    return rule_set


def list_rule_sets(session, *, area_id: int | None = None):
    stmt = select(RuleSet).order_by(RuleSet.area_id, RuleSet.version.desc())
    if area_id is not None:
        stmt = stmt.where(RuleSet.area_id == area_id)
    return stmt


def preview(session, *, community_id: int, service: Service, tz: ZoneInfo, member_id: int | None = None) -> dict:
    """What a piece of service would earn, line by line (caps counted for ``member_id`` if given)."""
    community = session.get(Area, community_id)
    if community is None or community.kind != "community":
        raise NotFound(N_("社区不存在"))
    in_force = ledger.rules_in_force(session, community, local_day(service.occurred_at, tz))
    comp = compute(in_force.body, service, tz)
    amount = comp.amount
    side = None
    if member_id is not None:
        side = ledger.side_for(session, member_id, community_id, service.occurred_at)
        amount = ledger.capped(session, in_force.body, member_id, service, side, comp, tz)
    return {
        "points": amount.quantize(TENTH),
        "lines": comp.lines,
        "explanation": "; ".join(comp.lines),
        "rule_set_id": in_force.rule_set.id,
        "rule_version": in_force.rule_set.version,
        "rule_area_id": in_force.rule_set.area_id,
        "side": side,
    }


# --- manual postings ------------------------------------------------------------


def record_service(
    session, scope: Scope, *, member_id: int, community_id: int, service: Service, note: str, tz: ZoneInfo
) -> LedgerEntry:
    """A scoped admin records verified service directly (before tasks exist, or for offline service)."""
    community = adjustment_community(session, scope, community_id, member_id, "points:entry:award")
    # The same service recorded twice (a double-submitted form) is one event.
    fingerprint = f"{member_id}:{community_id}:{service.category}:{service.activity}:{service.occurred_at.isoformat()}:{service.hours}"
    key = "award:manual:" + hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
    entry = ledger.award_service(
        session,
        member_id=member_id,
        community_id=community.id,
        service=service,
        key=key,
        source_type="manual",
        source_id=None,
        actor_id=scope.account_id,
        tz=tz,
        note=note,
    )
    record(
        session,
        scope.account_id,
        "points.award",
        "ledger_entry",
        entry.id,
        community.path,
        member_id=member_id,
        tenths=entry.amount,
    )
    return entry


def adjust(
    session,
    scope: Scope,
    *,
    member_id: int,
    community_id: int,
    points: Decimal,
    reason: str,
    key: str,
    now: datetime,
    tz: ZoneInfo,
    cap: Decimal | None = None,
) -> LedgerEntry | PendingAdjustment:
    """A manual adjustment: posted within the cap, else pending a second approver (four-eyes)."""
    return adjustments.request_adjustment(
        session,
        scope,
        member_id=member_id,
        community_id=community_id,
        points=points,
        reason=reason,
        key=key,
        now=now,
        tz=tz,
        cap=cap,
    )


def get_entry(session, scope: Scope, entry_id: int) -> LedgerEntry:
    entry = session.get(LedgerEntry, entry_id)
    if entry is None:
        raise NotFound(N_("积分记录不存在"))
    if scope.member_id == entry.member_id or scope.covers(entry.community.path):
        return entry
    raise NotFound(N_("积分记录不存在"))


def reverse(session, scope: Scope, entry_id: int, reason: str) -> LedgerEntry:
    entry = get_entry(session, scope, entry_id)
    policy.check(
        scope,
        "points:entry:reverse",
        policy.Record("ledger_entry", entry.id, entry.community.path, member_id=entry.member_id),
        hidden=N_("积分记录不存在"),
        refused=N_("只有社区及以上管理员可以冲正"),
    )
    return ledger.reverse(
        session, entry=entry, reason=reason, actor_id=scope.account_id, area_path=entry.community.path
    )


def list_entries(scope: Scope, *, community_id=None, member_id=None, kind=None, start=None, end=None):
    stmt = (
        select(LedgerEntry)
        .join(Area, Area.id == LedgerEntry.community_id)
        .where(scope.within(Area.path))
        .order_by(LedgerEntry.id.desc())
    )
    if community_id is not None:
        stmt = stmt.where(LedgerEntry.community_id == community_id)
    if member_id is not None:
        stmt = stmt.where(LedgerEntry.member_id == member_id)
    if kind:
        stmt = stmt.where(LedgerEntry.kind == kind)
    if start is not None:
        stmt = stmt.where(LedgerEntry.booked_at >= start)
    if end is not None:
        stmt = stmt.where(LedgerEntry.booked_at < end)
    return stmt


# --- balances ----------------------------------------------------------------------


def totals(session, member_id: int, period: Period | None = None) -> dict:
    """Points by side (and in total) for a member, from the ledger; all time when no period."""
    stmt = select(LedgerEntry.side, func.sum(LedgerEntry.amount)).where(LedgerEntry.member_id == member_id)
    if period is not None:
        stmt = stmt.where(LedgerEntry.booked_at >= period.start_utc, LedgerEntry.booked_at < period.end_utc)
    return _in_points(dict(session.execute(stmt.group_by(LedgerEntry.side)).all()))


def _in_points(tenths_by_side: dict) -> dict:
    """{side: summed tenths} from the ledger -> points by side and in total."""
    result = {side: Decimal(tenths_by_side.get(side) or 0) * TENTH for side in SIDES}
    result["total"] = sum(result.values(), Decimal("0"))
    return result


def member_points(session, scope: Scope, member_id: int, period: Period, page: int, per_page: int) -> dict:
    """A member's page of entries in a period, with totals by side for the period and all time.

    Members open this often: the page and its count come in one statement (a window count),
    both sets of totals in another (one pass over the member's entries)."""
    member = get_member(session, scope, member_id)
    in_period = and_(LedgerEntry.booked_at >= period.start_utc, LedgerEntry.booked_at < period.end_utc)
    rows = session.execute(
        select(LedgerEntry, func.count().over())
        .where(LedgerEntry.member_id == member.id, in_period)
        .order_by(LedgerEntry.booked_at.desc(), LedgerEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if rows:
        count = rows[0][1]
    elif page == 1:  # an empty first page: nothing in the period (most members, most months)
        count = 0
    else:  # past the last page the window count has no row to ride on
        count = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.member_id == member.id, in_period)
        )
    sums = session.execute(
        select(LedgerEntry.side, func.sum(LedgerEntry.amount), func.sum(case((in_period, LedgerEntry.amount), else_=0)))
        .where(LedgerEntry.member_id == member.id)
        .group_by(LedgerEntry.side)
    ).all()
    return {
        "member_id": member.id,
        "period": {"kind": period.kind, "start": period.start, "end": period.end, "label": period.label},
        "totals": _in_points({row[0]: row[2] for row in sums}),
        "all_time": _in_points({row[0]: row[1] for row in sums}),
        "entries": {"items": [entry for entry, _ in rows], "page": page, "per_page": per_page, "total": count},
    }


# --- 双评价 ---------------------------------------------------------------------------

RATINGS = ("excellent", "good", "fair", "poor")


def evaluate(
    session, scope: Scope, *, member_id: int, month: date, rating: str, comment: str, now: datetime
) -> MemberEvaluation:
    """The residence community's evaluation of a member for a month (one per month, replaced by a new one)."""
    if rating not in RATINGS:
        raise Invalid(N_("评价等级不正确"), fields={"rating": [one_of(RATINGS)]})
    get_member(session, scope, member_id)
    community_id = sides_at(session, member_id, now).get("residence")
    community = session.get(Area, community_id) if community_id else None
    if community is None:
        raise Invalid(N_("该成员尚未在居住地社区报到，无法评价"), fields={"member_id": [N_("没有已通过的居住地报到")]})
    if not scope.covers(community.path, MANAGE):
        raise Forbidden(N_("只有居住地社区的管理员可以评价"))
    month = month.replace(day=1)
    evaluation = session.scalar(
        select(MemberEvaluation).where(
            MemberEvaluation.member_id == member_id,
            MemberEvaluation.community_id == community.id,
            MemberEvaluation.period_start == month,
        )
    )
    if evaluation is None:
        evaluation = MemberEvaluation(member_id=member_id, community_id=community.id, period_start=month)
        session.add(evaluation)
    evaluation.rating, evaluation.comment, evaluation.author_id = rating, comment.strip(), scope.account_id
    session.flush()
    record(
        session,
        scope.account_id,
        "evaluation.save",
        "member_evaluation",
        evaluation.id,
        community.path,
        member_id=member_id,
        rating=rating,
        month=month.isoformat(),
    )
    return evaluation


def _unit_for_report(session, scope: Scope, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or not (unit.id in scope.unit_ids or scope.covers(unit.area.path, MANAGE)):
        raise NotFound(N_("单位不存在"))
    return unit


def double_evaluation(session, scope: Scope, unit_id: int, period: Period) -> dict:
    """双评价 for a unit: each member's service by side in the period and the residence community's word."""
    unit = _unit_for_report(session, scope, unit_id)
    members = session.scalars(select(Member).where(Member.unit_id == unit.id).order_by(Member.id)).all()
    ids = [m.id for m in members]
    stats: dict[int, dict] = {}
    if ids:
        rows = session.execute(
            select(
                LedgerEntry.member_id,
                LedgerEntry.side,
                func.sum(case((LedgerEntry.kind == "award", 1), else_=0)),
                func.sum(func.coalesce(LedgerEntry.hours_tenths, 0)),
                func.sum(LedgerEntry.amount),
            )
            .where(
                LedgerEntry.member_id.in_(ids),
                LedgerEntry.booked_at >= period.start_utc,
                LedgerEntry.booked_at < period.end_utc,
            )
            .group_by(LedgerEntry.member_id, LedgerEntry.side)
        ).all()
        for member_id, side, services, hours, amount in rows:
            stats.setdefault(member_id, {})[side] = {
                "services": int(services or 0),
                "hours": Decimal(hours or 0) * TENTH,
                "points": Decimal(amount or 0) * TENTH,
            }
    evaluations = {}
    if ids:
        for ev in session.scalars(
            select(MemberEvaluation)
            .where(
                MemberEvaluation.member_id.in_(ids),
                MemberEvaluation.period_start >= period.start,
                MemberEvaluation.period_start < period.end,
            )
            .order_by(MemberEvaluation.period_start)
        ):
            evaluations[ev.member_id] = ev  # the latest month in the period wins
    empty = {"services": 0, "hours": Decimal("0"), "points": Decimal("0")}
    rows = []
    for m in members:
        by_side = {side: stats.get(m.id, {}).get(side, empty) for side in SIDES}
        ev = evaluations.get(m.id)
        rows.append(
            {
                "member_id": m.id,
                "name": m.name,
                "party_status": m.party_status,
                "by_side": by_side,
                "total_points": sum((s["points"] for s in by_side.values()), Decimal("0")),
                "evaluation": {"rating": ev.rating, "comment": ev.comment} if ev else None,
            }
        )
    return {
        "unit_id": unit.id,
        "unit_name": unit.name,
        "period": {"kind": period.kind, "start": period.start, "end": period.end, "label": period.label},
        "rows": rows,
    }


# --- 评定等次 -------------------------------------------------------------------------


def compute_grades(session, scope: Scope, *, area_id: int, period: Period) -> GradeRun:
    area = session.get(Area, area_id)
    if area is None or not scope.covers(area.path):
        raise NotFound(N_("区域不存在"))
    if not scope.covers(area.path, MANAGE):
        raise Forbidden(N_("无权评定等次"))
    in_force = ledger.rules_in_force(session, area, period.end)
    grades = in_force.body.get("grades")
    if not grades:
        raise Invalid(N_("生效的积分规则没有定义等次"), fields={"area_id": [N_("生效的规则没有定义等次")]})
    home = select(Area.id).where(Area.id == Member.home_building_id, Area.path.startswith(area.path, autoescape=True))
    points = (
        select(LedgerEntry.member_id, func.sum(LedgerEntry.amount).label("points"))
        .where(LedgerEntry.booked_at >= period.start_utc, LedgerEntry.booked_at < period.end_utc)
        .group_by(LedgerEntry.member_id)
        .subquery()
    )
    rows = session.execute(
        select(Member.id, func.coalesce(points.c.points, 0))
        .outerjoin(points, points.c.member_id == Member.id)
        .where(home.exists(), Member.active.is_(True))
        .order_by(func.coalesce(points.c.points, 0).desc(), Member.id)
    ).all()
    run = GradeRun(
        area_id=area.id,
        period_kind=period.kind,
        period_start=period.start,
        rule_set_id=in_force.rule_set.id,
        method=grades["method"],
        computed_by_id=scope.account_id,
    )
    session.add(run)
    session.flush()
    total = len(rows)
    results = []
    for position, (member_id, tenths) in enumerate(rows, start=1):
        value = Decimal(tenths) * TENTH
        grade = grades["otherwise"]
        for level in grades["levels"]:
            if grades["method"] == "thresholds" and value >= level["min_points"]:
                grade = level["name"]
                break
            if grades["method"] == "percentiles" and value > 0 and Decimal(position) / total <= level["top_share"]:
                grade = level["name"]
                break
        results.append(
            {"run_id": run.id, "member_id": member_id, "position": position, "points": int(tenths), "grade": grade}
        )
    if results:
        session.execute(cast(Table, GradeResult.__table__).insert(), results)  # Core executemany
    record(
        session,
        scope.account_id,
        "grades.compute",
        "grade_run",
        run.id,
        area.path,
        period=period.label,
        rule_set_id=in_force.rule_set.id,
        members=total,
    )
    return run


def get_grade_run(session, scope: Scope, run_id: int) -> GradeRun:
    run = session.get(GradeRun, run_id)
    if run is None:
        raise NotFound(N_("评定记录不存在"))
    area = session.get(Area, run.area_id)
    if not scope.covers(area.path):
        raise NotFound(N_("评定记录不存在"))
    return run


def residence_members(session, community_ids: list[int], now: datetime, month: date | None = None) -> list[dict]:
    """Members whose approved residence registration is with one of these communities."""
    from ..registration.models import Registration

    rows = session.execute(
        select(Member, Registration.community_id)
        .join(Registration, Registration.member_id == Member.id)
        .where(
            Registration.community_id.in_(community_ids),
            Registration.side == "residence",
            Registration.status == "approved",
        )
        .order_by(Member.name, Member.id)
        .limit(500)
    ).all()
    return [{"member": m, "community_id": c} for m, c in rows]
