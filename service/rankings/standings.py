"""Standings from the ledger alone.

One aggregate query gives, for every member of a scope, the period's total per side
and the moment their running sum first reached it; ranking them is then a sort.

Who belongs where:
- an area scope (city, district, street, community) holds the members whose approved
  residence registration (双报到, residence side) was active at the membership moment,
  through that community's path; a member with none falls back to their home building's
  path. The residence registration wins because it is the community that vouched for
  the member living there; the home building is a roster entry nobody confirmed.
- a unit scope holds the members whose ``unit_id`` is that unit.
The membership moment is the period's end (now, for a period still running), so a
closed period is ranked with the memberships it had, not today's.

Ordering (documented on the boards): by points, highest first; standard competition
ranks (1, 2, 2, 4); within a tie, whoever first reached their total comes first (the
``booked_at`` of the entry at which the running sum, in booking order, first reached
the final total), then the lower member id. Members without points in the period
follow unranked, by member id; inactive members appear there only if they had points.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import Any, NamedTuple

from sqlalchemy import String, and_, case, func, or_, select, true, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..database import UTCDateTime, subtree_condition
from ..periods import Period
from ..people.models import Member
from ..places.models import Area
from ..points.models import LedgerEntry
from .models import AREA_SCOPES, RANK_SIDES


@dataclass(frozen=True)
class ScopeRef:
    kind: str
    id: int
    name: str
    # The area's path; for a unit, its owner area's path (who administers it).
    path: str


@dataclass
class MemberTotals:
    member_id: int
    path: str | None
    unit_id: int | None
    active: bool
    points: dict  # side -> tenths
    reached: dict  # side -> datetime | None
    rule_sets: dict  # side -> frozenset of rule set ids
    stamps: dict  # side -> reached as canonical text (checksums, COPY), made once per member


class Row(NamedTuple):
    position: int
    member_id: int
    rank: int
    points: int
    reached_at: datetime
    stamp: str


def stamp(moment: datetime) -> str:
    """A moment as canonical text: UTC, microseconds, always the same length."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class Ranking:
    rows: list  # ranked Rows, in display order
    unranked: list  # member ids without points, in display order
    rule_set_ids: list


class distinct_ids(FunctionElement):
    """The distinct non-null integers of a group as "1,5,7" (order unspecified)."""

    type = String()
    inherit_cache = True


@compiles(distinct_ids)
def _distinct_ids_sqlite(element, compiler, **kw):
    return "group_concat(DISTINCT %s)" % compiler.process(element.clauses, **kw)


@compiles(distinct_ids, "postgresql")
def _distinct_ids_pg(element, compiler, **kw):
    return "string_agg(DISTINCT CAST(%s AS TEXT), ',')" % compiler.process(element.clauses, **kw)


def high_water(session) -> int:
    return session.scalar(select(func.max(LedgerEntry.id))) or 0


def membership(asof: datetime):
    """Every member with the path that places them in area scopes (see the module doc)."""
    from ..registration.models import Registration

    reg = Registration.__table__
    current = (
        select(reg.c.member_id, func.max(reg.c.id).label("registration_id"))
        .where(
            reg.c.side == "residence",
            reg.c.approved_at.is_not(None),
            reg.c.approved_at <= asof,
            or_(reg.c.ended_at.is_(None), reg.c.ended_at > asof),
        )
        .group_by(reg.c.member_id)
        .subquery("current_residence")
    )
    chosen = reg.alias("chosen_registration")
    community = Area.__table__.alias("residence_community")
    home = Area.__table__.alias("home_building")
    m = Member.__table__
    return (
        select(
            m.c.id.label("member_id"),
            func.coalesce(community.c.path, home.c.path).label("path"),
            m.c.unit_id,
            m.c.active,
        )
        .select_from(
            m.outerjoin(current, current.c.member_id == m.c.id)
            .outerjoin(chosen, chosen.c.id == current.c.registration_id)
            .outerjoin(community, community.c.id == chosen.c.community_id)
            .outerjoin(home, home.c.id == m.c.home_building_id)
        )
        .subquery("membership")
    )


def _in_scope(members, scope: ScopeRef | None):
    if scope is None:
        return true()
    if scope.kind == "unit":
        return members.c.unit_id == scope.id
    return subtree_condition(members.c.path, [scope.path])


def _reached(run, total, booked_at):
    first = or_(and_(total > 0, run >= total), and_(total < 0, run <= total))
    return type_coerce(func.min(case((first, booked_at))), UTCDateTime())


def totals_query(period: Period, *, hwm: int, asof: datetime, scope: ScopeRef | None = None):
    """The one aggregate query: a row per member of ``scope`` (every member when None)."""
    e = LedgerEntry.__table__
    conditions = [e.c.booked_at >= period.start_utc, e.c.booked_at < period.end_utc, e.c.id <= hwm]
    if scope is not None and scope.kind != "city":
        # Only the scope's members' entries enter the window, so a community's standings
        # read a community's worth of ledger, not the city's.
        inner = membership(asof)
        conditions.append(e.c.member_id.in_(select(inner.c.member_id).where(_in_scope(inner, scope))))
    amounts = {
        "total": e.c.amount,
        "residence": case((e.c.side == "residence", e.c.amount), else_=0),
        "unit": case((e.c.side == "unit", e.c.amount), else_=0),
    }
    in_order: dict[str, Any] = {"partition_by": e.c.member_id, "order_by": (e.c.booked_at, e.c.id), "rows": (None, 0)}
    columns = [e.c.member_id, e.c.booked_at, e.c.side, e.c.rule_set_id]
    for side, amount in amounts.items():
        columns.append(func.sum(amount).over(**in_order).label(f"run_{side}"))
        columns.append(func.sum(amount).over(partition_by=e.c.member_id).label(f"sum_{side}"))
    windowed = select(*columns).where(*conditions).subquery("windowed")
    w = windowed.c
    aggregates = [w.member_id]
    for side in RANK_SIDES:
        aggregates.append(func.max(w[f"sum_{side}"]).label(f"points_{side}"))
        aggregates.append(_reached(w[f"run_{side}"], w[f"sum_{side}"], w.booked_at).label(f"reached_{side}"))
        rule = w.rule_set_id if side == "total" else case((w.side == side, w.rule_set_id))
        aggregates.append(distinct_ids(rule).label(f"rules_{side}"))
    per_member = select(*aggregates).group_by(w.member_id).subquery("per_member")
    members = membership(asof)
    p = per_member.c
    return (
        select(
            members.c.member_id,
            members.c.path,
            members.c.unit_id,
            members.c.active,
            *[p[f"{what}_{side}"] for side in RANK_SIDES for what in ("points", "reached", "rules")],
        )
        .select_from(members.outerjoin(per_member, p.member_id == members.c.member_id))
        # Inactive members without entries are nobody's business on a board.
        .where(_in_scope(members, scope), or_(members.c.active.is_(True), p.member_id.is_not(None)))
    )


_EMPTY: frozenset[int] = frozenset()


def member_totals(
    session, period: Period, *, hwm: int, asof: datetime, scope: ScopeRef | None = None
) -> list[MemberTotals]:
    parsed: dict = {None: _EMPTY, "": _EMPTY}
    result = []
    # Positional access: this loop runs once per member of the city (10^5), so it stays lean.
    for row in session.execute(totals_query(period, hwm=hwm, asof=asof, scope=scope)):
        points, reached, rules, stamps = {}, {}, {}, {}
        for i, side in enumerate(RANK_SIDES):
            tenths, moment, text = row[4 + 3 * i], row[5 + 3 * i], row[6 + 3 * i]
            points[side] = int(tenths or 0)
            reached[side] = moment if tenths else None
            stamps[side] = stamp(moment) if tenths else None
            if text not in parsed:
                parsed[text] = frozenset(int(x) for x in text.split(","))
            rules[side] = parsed[text]
        result.append(MemberTotals(row[0], row[1], row[2], bool(row[3]), points, reached, rules, stamps))
    return result


def display_order(side: str):
    """The sort key of the documented order: points (highest first), first reached, member id;
    members without points after everyone else, by id."""

    def key(t: MemberTotals):
        points = t.points[side]
        return (0, -points, t.reached[side], t.member_id) if points else (1, t.member_id)

    return key


def rank(totals, side: str) -> Ranking:
    """Standard competition ranks (1, 2, 2, 4) over the members of one scope."""
    ordered = sorted(totals, key=display_order(side))
    scored = [t for t in ordered if t.points[side]]
    return ranked(scored, [t.member_id for t in ordered if not t.points[side] and t.active], side)


def ranked(scored: list[MemberTotals], unranked: list[int], side: str) -> Ranking:
    """Ranks for members with points already in display order, and the unranked ids as given."""
    rows, rule_sets = [], set()
    current, previous = 0, None
    for position, t in enumerate(scored, start=1):
        points = t.points[side]
        if points != previous:
            current, previous = position, points
        rows.append(Row(position, t.member_id, current, points, t.reached[side], t.stamps[side]))
        rule_sets.add(t.rule_sets[side])
    return Ranking(rows, unranked, sorted(set().union(*rule_sets)))


def area_kinds(session) -> dict[int, str]:
    """Every rankable area id with its kind (a few hundred rows even for a city)."""
    return dict(session.execute(select(Area.id, Area.kind).where(Area.kind.in_(AREA_SCOPES))).all())


def deal(totals: list[MemberTotals], kinds: dict[int, str], side: str) -> dict[tuple[str, int], tuple[list, list]]:
    """Every member to every scope they belong to (the rankable ancestors on their path, and
    their unit): per scope, the members with points on ``side`` and the ids of the active ones
    without, each list keeping the order of ``totals``."""
    groups: dict = defaultdict(lambda: ([], []))
    ancestors: dict = {None: ()}
    for t in totals:
        if t.path is not None and t.path not in ancestors:
            ancestors[t.path] = tuple((kinds[i], i) for i in map(int, t.path.strip("/").split("/")) if i in kinds)
        keys = ancestors[t.path] + ((("unit", t.unit_id),) if t.unit_id is not None else ())
        if t.points[side]:
            for key in keys:
                groups[key][0].append(t)
        elif t.active:
            for key in keys:
                groups[key][1].append(t.member_id)
    return groups


def scope_keys_of(path: str | None, unit_id: int | None, kinds: dict[int, str]) -> list[tuple[str, int]]:
    keys = []
    if path:
        keys = [(kinds[i], i) for i in map(int, path.strip("/").split("/")) if i in kinds]
    if unit_id is not None:
        keys.append(("unit", unit_id))
    return keys
