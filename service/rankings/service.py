"""Rankings: publishing snapshots (one scope, or a whole period at once), corrections,
public and staff reads, a member's own ranks, exports.

Functions take a session, a ``Scope`` where a person is asking, and the clock (``now``)
and zone (``tz``) as parameters; they raise ``service.errors`` and never commit, except
the bulk publishers, which commit once per snapshot (``commit=True``) so a crash leaves
whole snapshots or nothing.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.log import record
from ..errors import Conflict, Forbidden, Invalid, NotFound, REQUIRED, one_of
from ..i18n import N_
from ..periods import PERIOD_KINDS, Period, local_day, period_containing
from ..people.models import Member
from ..people.scope import RANK, Scope
from ..people.service import get_member
from ..places.models import Area, Unit
from ..points.models import LedgerEntry
from .models import AREA_SCOPES, RANK_SIDES, SCOPE_KINDS, RankingSnapshot, SnapshotRow
from .standings import (
    Ranking,
    Row,
    ScopeRef,
    area_kinds,
    deal,
    display_order,
    high_water,
    member_totals,
    membership,
    rank,
    ranked,
    scope_keys_of,
    stamp,
)

MASKED_NAME = N_("某党员")
LIVE_NOTICE = N_("实时, 未公示")
NOT_PUBLISHED = N_("该周期的排名尚未公示")
SCOPE_LABELS = {
    "city": N_("全市"),
    "district": N_("区县"),
    "street": N_("街道"),
    "community": N_("社区"),
    "unit": N_("单位"),
}
SIDE_LABELS = {"total": N_("总积分"), "residence": N_("居住地社区积分"), "unit": N_("单位挂点社区积分")}
CORRECTOR = "street_admin"


# --- scopes and who may see them -----------------------------------------------------


def resolve_scope(session, kind: str, scope_id: int) -> ScopeRef:
    if kind not in SCOPE_KINDS:
        raise Invalid(N_("未知的排名范围"), fields={"scope": [one_of(SCOPE_KINDS)]})
    if kind == "unit":
        unit = session.get(Unit, scope_id)
        if unit is None:
            raise NotFound(N_("单位不存在"))
        return ScopeRef("unit", unit.id, unit.name, unit.area.path)
    area = session.get(Area, scope_id)
    if area is None or area.kind != kind:
        raise NotFound(N_("区域不存在"))
    return ScopeRef(kind, area.id, area.name, area.path)


def may_see_live(scope: Scope, ref: ScopeRef) -> bool:
    if ref.kind == "unit" and ref.id in scope.unit_ids:
        return True
    return scope.covers(ref.path)


def _require_live_reader(scope: Scope, ref: ScopeRef) -> None:
    if not may_see_live(scope, ref):
        raise NotFound(N_("区域不存在") if ref.kind != "unit" else N_("单位不存在"))


def period_of(kind: str, day: date, tz: ZoneInfo) -> Period:
    if kind not in PERIOD_KINDS:
        raise Invalid(N_("未知的周期"), fields={"period": [one_of(PERIOD_KINDS)]})
    return period_containing(kind, day, tz)


def membership_moment(period: Period, now: datetime) -> datetime:
    return min(period.end_utc, now)


def _require_ended(period: Period, now: datetime) -> None:
    if period.end_utc > now:
        raise Invalid(N_("该周期尚未结束，不能公示"), fields={"start": [N_("该周期尚未结束")]})


def _check_side(side: str) -> None:
    if side not in RANK_SIDES:
        raise Invalid(N_("未知的积分类别"), fields={"side": [one_of(RANK_SIDES)]})


# --- snapshots -------------------------------------------------------------------------


def _line(r) -> str:
    moment = r.stamp if isinstance(r, Row) else stamp(r.reached_at)
    return f"{r.position}\t{r.member_id}\t{r.rank}\t{r.points}\t{moment}\n"


def checksum(rows, unranked, lines: list[str] | None = None) -> str:
    """SHA-256 of the rows in a canonical text form (position, member, rank, tenths, reached in UTC),
    then the unranked member ids."""
    text_ = "".join(lines if lines is not None else map(_line, rows))
    text_ += "unranked\t" + ",".join(map(str, unranked)) + "\n"
    return hashlib.sha256(text_.encode()).hexdigest()


def verify(session, snapshot: RankingSnapshot) -> bool:
    """Whether the stored rows still hash to the snapshot's checksum."""
    rows = session.scalars(
        select(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot.id).order_by(SnapshotRow.position)
    ).all()
    return checksum(rows, snapshot.unranked_member_ids or []) == snapshot.checksum


def _insert_rows(session, snapshot_id: int, rows, lines: list[str] | None = None) -> None:
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # COPY inside the snapshot's own transaction: several times faster than INSERTs,
        # and a city publication writes a few hundred thousand rows.
        prefix = f"{snapshot_id}\t"
        data = prefix + prefix.join(lines if lines is not None else map(_line, rows))
        cursor = connection.connection.driver_connection.cursor()
        columns = "snapshot_id, position, member_id, rank, points, reached_at"
        with cursor.copy(f"COPY snapshot_rows ({columns}) FROM STDIN") as copy:
            copy.write(data.encode())
        return
    session.execute(
        insert(SnapshotRow),
        [
            {
                "snapshot_id": snapshot_id,
                "position": r.position,
                "member_id": r.member_id,
                "rank": r.rank,
                "points": r.points,
                "reached_at": r.reached_at,
            }
            for r in rows
        ],
    )


def _store(
    session,
    ref: ScopeRef,
    period: Period,
    side: str,
    ranking: Ranking,
    *,
    hwm: int,
    asof: datetime,
    now: datetime,
    supersedes: RankingSnapshot | None = None,
    reason: str | None = None,
    author_id: int | None = None,
) -> int:
    """Insert a snapshot and its rows in the caller's transaction; its id."""
    table = cast(Table, RankingSnapshot.__table__)  # a declarative model maps a Table
    lines = [_line(r) for r in ranking.rows]
    snapshot_id = session.execute(
        insert(table).returning(table.c.id),
        {
            "scope_kind": ref.kind,
            "scope_id": ref.id,
            "period_kind": period.kind,
            "period_start": period.start,
            "period_end": period.end,
            "side": side,
            "version": supersedes.version + 1 if supersedes else 1,
            "supersedes_id": supersedes.id if supersedes else None,
            "rule_set_ids": ranking.rule_set_ids,
            "ledger_high_water": hwm,
            "membership_at": asof,
            "generated_at": now,
            "ranked_count": len(ranking.rows),
            "unranked_member_ids": ranking.unranked,
            "checksum": checksum(ranking.rows, ranking.unranked, lines),
            "reason": reason,
            "author_id": author_id,
        },
    ).scalar_one()
    _insert_rows(session, snapshot_id, ranking.rows, lines)
    return snapshot_id


def _first_version(session, kind: str, scope_id: int, period: Period, side: str) -> RankingSnapshot | None:
    return session.scalar(
        select(RankingSnapshot).where(
            RankingSnapshot.scope_kind == kind,
            RankingSnapshot.scope_id == scope_id,
            RankingSnapshot.period_kind == period.kind,
            RankingSnapshot.period_start == period.start,
            RankingSnapshot.side == side,
            RankingSnapshot.version == 1,
        )
    )


def compute(session, ref: ScopeRef, period: Period, side: str, now: datetime) -> tuple[Ranking, int, datetime]:
    """The scope's standings from the ledger as it is now: one aggregate query."""
    hwm = high_water(session)
    asof = membership_moment(period, now)
    return rank(member_totals(session, period, hwm=hwm, asof=asof, scope=ref), side), hwm, asof


def publish_snapshot(
    session, kind: str, scope_id: int, period: Period, side: str, now: datetime
) -> tuple[RankingSnapshot, bool]:
    """Publish version 1 of one scope's ranking; (snapshot, created). Publishing again returns the first."""
    _check_side(side)
    _require_ended(period, now)
    ref = resolve_scope(session, kind, scope_id)
    existing = _first_version(session, kind, scope_id, period, side)
    if existing is not None:
        return existing, False
    ranking, hwm, asof = compute(session, ref, period, side, now)
    snapshot_id = _store(session, ref, period, side, ranking, hwm=hwm, asof=asof, now=now)
    return session.get(RankingSnapshot, snapshot_id), True


def all_scopes(session, kinds=SCOPE_KINDS) -> list[ScopeRef]:
    """Every rankable area and unit, broadest first."""
    refs = []
    area_kinds_wanted = [k for k in AREA_SCOPES if k in kinds]
    if area_kinds_wanted:
        order = {k: i for i, k in enumerate(AREA_SCOPES)}
        areas = session.execute(
            select(Area.id, Area.kind, Area.name, Area.path).where(Area.kind.in_(area_kinds_wanted))
        ).all()
        refs += [ScopeRef(k, i, n, p) for i, k, n, p in sorted(areas, key=lambda a: (order[a.kind], a.id))]
    if "unit" in kinds:
        units = session.execute(
            select(Unit.id, Unit.name, Area.path).join(Area, Area.id == Unit.area_id).order_by(Unit.id)
        ).all()
        refs += [ScopeRef("unit", i, n, p) for i, n, p in units]
    return refs


@contextmanager
def _writer(session, commit: bool):
    """Where a bulk publication writes. PostgreSQL: a connection of its own whose commits do
    not wait for their WAL flush (synchronous_commit off, reset before the connection goes
    back to the pool). Each snapshot stays atomic, whole or absent; only a server crash in
    the next moments could drop one, which the next run's catch-up publishes again, and
    the run record's ordinary commit flushes everything before it. Elsewhere: the session."""
    engine = session.get_bind()
    if not commit or engine.dialect.name != "postgresql":
        yield session
        return
    connection = engine.connect()
    try:
        connection.exec_driver_sql("SET synchronous_commit TO off")
        connection.commit()
        writer = Session(bind=connection)
        try:
            yield writer
        finally:
            writer.close()
        connection.exec_driver_sql("RESET synchronous_commit")
        connection.commit()
    except BaseException:
        connection.invalidate()  # never pool a connection that may still commit lazily
        raise
    finally:
        connection.close()


def publish_period(
    session, period: Period, now: datetime, *, kinds=SCOPE_KINDS, sides=RANK_SIDES, commit: bool = True, keepalive=None
) -> int:
    """Publish every scope's ranking for an ended period; returns how many were new.

    One aggregate query serves the whole period (every member's totals per side); members
    are then put in display order once per side and dealt to their scopes, so each
    scope's ranking is one pass over its members with points. Each snapshot is its own transaction when ``commit``
    (the scheduler); the demo builder passes False and commits once at the end.
    """
    _require_ended(period, now)
    scopes = all_scopes(session, kinds)
    done = {
        tuple(row)
        for row in session.execute(
            select(RankingSnapshot.scope_kind, RankingSnapshot.scope_id, RankingSnapshot.side).where(
                RankingSnapshot.period_kind == period.kind,
                RankingSnapshot.period_start == period.start,
                RankingSnapshot.version == 1,
            )
        )
    }
    wanted = {side: [ref for ref in scopes if (ref.kind, ref.id, side) not in done] for side in sides}
    if not any(wanted.values()):
        return 0
    hwm = high_water(session)
    asof = membership_moment(period, now)
    totals = member_totals(session, period, hwm=hwm, asof=asof)
    kinds_by_area = area_kinds(session)
    if commit:
        session.commit()  # end the long read before the writes begin
    published = 0
    with _writer(session, commit) as writer:
        for side in sides:
            if not wanted[side]:
                continue
            groups = deal(sorted(totals, key=display_order(side)), kinds_by_area, side)
            for ref in wanted[side]:
                scored, idle = groups.get((ref.kind, ref.id), ([], []))
                ranking = ranked(scored, idle, side)
                if not commit:
                    _store(writer, ref, period, side, ranking, hwm=hwm, asof=asof, now=now)
                    published += 1
                    continue
                try:
                    _store(writer, ref, period, side, ranking, hwm=hwm, asof=asof, now=now)
                    writer.commit()
                except IntegrityError:
                    # Another publisher (a second scheduler started by mistake) was first: theirs stands.
                    writer.rollback()
                    continue
                published += 1
                if keepalive is not None:
                    keepalive()
    return published


def backlog(session, kind: str, now: datetime, tz: ZoneInfo) -> list[Period]:
    """Ended periods that may still lack snapshots, oldest first: from the latest period
    published (again, in case a run stopped half-way), or from the earliest ledger entry."""
    latest = session.scalar(select(func.max(RankingSnapshot.period_start)).where(RankingSnapshot.period_kind == kind))
    if latest is not None:
        period = period_containing(kind, latest, tz)
    else:
        earliest = session.scalar(select(func.min(LedgerEntry.booked_at)))
        if earliest is None:
            return []
        period = period_containing(kind, local_day(earliest, tz), tz)
    periods = []
    while period.end_utc <= now:
        periods.append(period)
        period = period.next()
    return periods


def publish_due(session, kind: str, now: datetime, tz: ZoneInfo, keepalive=None) -> int:
    """Publish every ended period of ``kind`` not yet published, oldest first (the catch-up)."""
    published = 0
    for period in backlog(session, kind, now, tz):
        published += publish_period(session, period, now, keepalive=keepalive)
        session.commit()
    return published


# --- corrections --------------------------------------------------------------------------


def correct(session, scope: Scope, snapshot_id: int, reason: str, now: datetime, tz: ZoneInfo) -> RankingSnapshot:
    """Recompute a published ranking from the ledger as it is now and publish it as the next
    version, superseding the given one (which stays readable)."""
    old = session.get(RankingSnapshot, snapshot_id)
    if old is None:
        raise NotFound(N_("排名快照不存在"))
    ref = resolve_scope(session, old.scope_kind, old.scope_id)
    _require_live_reader(scope, ref)
    if scope.rank_over(ref.path) < RANK[CORRECTOR]:
        raise Forbidden(N_("只有街道或市级管理员可以更正排名"))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(N_("更正必须写明原因"), fields={"reason": [REQUIRED]})
    newer = session.scalar(select(RankingSnapshot.id).where(RankingSnapshot.supersedes_id == old.id))
    if newer is not None:
        raise Conflict(N_("该版本已被更正，请更正最新版本"), latest_id=newer)
    period = Period(old.period_kind, old.period_start, old.period_end, tz)
    ranking, hwm, asof = compute(session, ref, period, old.side, now)
    snapshot = session.get(
        RankingSnapshot,
        _store(
            session,
            ref,
            period,
            old.side,
            ranking,
            hwm=hwm,
            asof=asof,
            now=now,
            supersedes=old,
            reason=reason,
            author_id=scope.account_id,
        ),
    )
    record(
        session,
        scope.account_id,
        "ranking.correct",
        "ranking_snapshot",
        snapshot.id,
        ref.path,
        supersedes=old.id,
        version=snapshot.version,
        reason=reason,
        checksum_before=old.checksum,
        checksum_after=snapshot.checksum,
    )
    return snapshot


# --- reading ---------------------------------------------------------------------------------


def public_name(member) -> str:
    """The name a public board shows: masked for inactive members and those who asked."""
    return MASKED_NAME if member.hide_public or not member.active else member.name


def latest_version(
    session, kind: str, scope_id: int, period_kind: str, start: date, side: str, version: int | None = None
) -> RankingSnapshot | None:
    stmt = select(RankingSnapshot).where(
        RankingSnapshot.scope_kind == kind,
        RankingSnapshot.scope_id == scope_id,
        RankingSnapshot.period_kind == period_kind,
        RankingSnapshot.period_start == start,
        RankingSnapshot.side == side,
    )
    if version is not None:
        stmt = stmt.where(RankingSnapshot.version == version)
    return session.scalar(stmt.order_by(RankingSnapshot.version.desc()).limit(1))


def latest_published(
    session, kind: str, scope_id: int, period_kind: str = "month", side: str = "total"
) -> RankingSnapshot | None:
    """The newest period published for a scope (its latest version): what a board shows by default."""
    return session.scalar(
        select(RankingSnapshot)
        .where(
            RankingSnapshot.scope_kind == kind,
            RankingSnapshot.scope_id == scope_id,
            RankingSnapshot.period_kind == period_kind,
            RankingSnapshot.side == side,
        )
        .order_by(RankingSnapshot.period_start.desc(), RankingSnapshot.version.desc())
        .limit(1)
    )


def published(
    session, kind: str, scope_id: int, period: Period, side: str, version: int | None = None
) -> RankingSnapshot:
    _check_side(side)
    ref = resolve_scope(session, kind, scope_id)
    snapshot = latest_version(session, ref.kind, ref.id, period.kind, period.start, side, version)
    if snapshot is None:
        raise NotFound(NOT_PUBLISHED, period=period.label)
    return snapshot


def get_snapshot(session, snapshot_id: int) -> RankingSnapshot:
    snapshot = session.get(RankingSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(N_("排名快照不存在"))
    return snapshot


def superseded_by(session, snapshot: RankingSnapshot) -> int | None:
    return session.scalar(select(RankingSnapshot.id).where(RankingSnapshot.supersedes_id == snapshot.id))


def _members(session, ids) -> dict[int, Member]:
    ids = list(ids)
    found = {}
    for i in range(0, len(ids), 900):
        for m in session.scalars(select(Member).where(Member.id.in_(ids[i : i + 900]))):
            found[m.id] = m
    return found


def _display(position, member_id, rank_, points, reached_at, member) -> dict:
    return {
        "position": position,
        "rank": rank_,
        "member_id": member_id,
        "points": points / 10,
        "reached_at": reached_at,
        "name": member.name if member else "",
        "public_name": public_name(member) if member else MASKED_NAME,
        "masked": member is None or member.hide_public or not member.active,
    }


def snapshot_rows(session, snapshot: RankingSnapshot, offset: int = 0, limit: int = 50) -> list[dict]:
    """Rows ``offset+1 … offset+limit`` in display order: ranked rows first, then the unranked."""
    ranked = (
        session.execute(
            select(SnapshotRow)
            .where(
                SnapshotRow.snapshot_id == snapshot.id,
                SnapshotRow.position > offset,
                SnapshotRow.position <= offset + limit,
            )
            .order_by(SnapshotRow.position)
        )
        .scalars()
        .all()
    )
    start = max(0, offset - snapshot.ranked_count)
    idle = (snapshot.unranked_member_ids or [])[start : start + limit - len(ranked)]
    members = _members(session, [r.member_id for r in ranked] + list(idle))
    rows = [_display(r.position, r.member_id, r.rank, r.points, r.reached_at, members.get(r.member_id)) for r in ranked]
    first = snapshot.ranked_count + start + 1
    rows += [_display(first + i, mid, None, 0, None, members.get(mid)) for i, mid in enumerate(idle)]
    return rows


def ranking_rows(session, ranking: Ranking, offset: int = 0, limit: int = 50) -> list[dict]:
    """The same display rows for a live (unpublished) ranking."""
    ranked = ranking.rows[offset : offset + limit]
    start = max(0, offset - len(ranking.rows))
    idle = ranking.unranked[start : start + limit - len(ranked)]
    members = _members(session, [r.member_id for r in ranked] + list(idle))
    rows = [_display(r.position, r.member_id, r.rank, r.points, r.reached_at, members.get(r.member_id)) for r in ranked]
    first = len(ranking.rows) + start + 1
    rows += [_display(first + i, mid, None, 0, None, members.get(mid)) for i, mid in enumerate(idle)]
    return rows


def describe(session, snapshot: RankingSnapshot, tz: ZoneInfo) -> dict:
    ref = resolve_scope(session, snapshot.scope_kind, snapshot.scope_id)
    period = Period(snapshot.period_kind, snapshot.period_start, snapshot.period_end, tz)
    return {
        "id": snapshot.id,
        "scope": ref.kind,
        "scope_id": ref.id,
        "scope_name": ref.name,
        "period": period,
        "side": snapshot.side,
        "version": snapshot.version,
        "supersedes_id": snapshot.supersedes_id,
        "superseded_by_id": superseded_by(session, snapshot),
        "reason": snapshot.reason,
        "author_id": snapshot.author_id,
        "generated_at": snapshot.generated_at,
        "ledger_high_water": snapshot.ledger_high_water,
        "rule_set_ids": snapshot.rule_set_ids,
        "checksum": snapshot.checksum,
        "ranked_count": snapshot.ranked_count,
        "row_count": snapshot.row_count,
    }


def public_board(session, snapshot: RankingSnapshot, tz: ZoneInfo, page: int = 1, per_page: int = 50) -> dict:
    return {
        "live": False,
        "notice": None,
        "snapshot": describe(session, snapshot, tz),
        "rows": snapshot_rows(session, snapshot, (page - 1) * per_page, per_page),
        "page": page,
        "per_page": per_page,
        "total": snapshot.row_count,
    }


@dataclass
class LiveRanking:
    ref: ScopeRef
    period: Period
    side: str
    ranking: Ranking
    hwm: int
    generated_at: datetime


def live(session, scope: Scope, kind: str, scope_id: int, period: Period, side: str, now: datetime) -> LiveRanking:
    """Standings for a period from the ledger as it is now, for staff over the scope (not published)."""
    _check_side(side)
    ref = resolve_scope(session, kind, scope_id)
    _require_live_reader(scope, ref)
    ranking, hwm, _asof = compute(session, ref, period, side, now)
    return LiveRanking(ref, period, side, ranking, hwm, now)


def live_board(session, standing: LiveRanking, page: int = 1, per_page: int = 50) -> dict:
    ref = standing.ref
    total = len(standing.ranking.rows) + len(standing.ranking.unranked)
    return {
        "live": True,
        "notice": LIVE_NOTICE,
        "snapshot": {
            "id": None,
            "scope": ref.kind,
            "scope_id": ref.id,
            "scope_name": ref.name,
            "period": standing.period,
            "side": standing.side,
            "generated_at": standing.generated_at,
            "ledger_high_water": standing.hwm,
            "rule_set_ids": standing.ranking.rule_set_ids,
            "ranked_count": len(standing.ranking.rows),
            "row_count": total,
        },
        "rows": ranking_rows(session, standing.ranking, (page - 1) * per_page, per_page),
        "page": page,
        "per_page": per_page,
        "total": total,
    }


# --- a member's own ranks ------------------------------------------------------------------


def member_scopes(session, member_id: int, unit_id: int | None, asof: datetime) -> list[ScopeRef]:
    """The scopes a member belongs to at ``asof``, broadest first."""
    members = membership(asof)
    path = session.scalar(select(members.c.path).where(members.c.member_id == member_id))
    ids = [int(i) for i in path.strip("/").split("/")] if path else []
    areas = {}
    if ids:
        areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ids), Area.kind.in_(AREA_SCOPES)))}
    refs = [
        ScopeRef(areas[i].kind, i, areas[i].name, areas[i].path)
        for _kind, i in scope_keys_of(path, None, {i: a.kind for i, a in areas.items()})
    ]
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is not None:
            refs.append(ScopeRef("unit", unit.id, unit.name, unit.area.path))
    return refs


def _rank_in_snapshot(session, snapshot: RankingSnapshot, member_id: int) -> dict:
    row = session.scalar(
        select(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot.id, SnapshotRow.member_id == member_id)
    )
    if row is not None:
        return {"rank": row.rank, "position": row.position, "points": row.points / 10}
    return {"rank": None, "position": None, "points": 0.0}


def _rank_in(ranking: Ranking, member_id: int) -> dict:
    for row in ranking.rows:
        if row.member_id == member_id:
            return {"rank": row.rank, "position": row.position, "points": row.points / 10}
    return {"rank": None, "position": None, "points": 0.0}


def ranks_of(
    session, member_id: int, unit_id: int | None, period: Period, side: str, now: datetime, published_only: bool = False
) -> list[dict]:
    """The member's rank in each scope they belong to: from the published snapshot (latest
    version) when there is one, otherwise live (one aggregate query per scope)."""
    results = []
    hwm = None
    for ref in member_scopes(session, member_id, unit_id, membership_moment(period, now)):
        snapshot = latest_version(session, ref.kind, ref.id, period.kind, period.start, side)
        entry = {"scope": ref.kind, "scope_id": ref.id, "scope_name": ref.name, "side": side}
        if snapshot is not None:
            entry |= {
                "published": True,
                "snapshot_id": snapshot.id,
                "ranked_count": snapshot.ranked_count,
                "member_count": snapshot.row_count,
            } | _rank_in_snapshot(session, snapshot, member_id)
        elif published_only:
            continue
        else:
            hwm = hwm if hwm is not None else high_water(session)
            ranking = rank(
                member_totals(session, period, hwm=hwm, asof=membership_moment(period, now), scope=ref), side
            )
            entry |= {
                "published": False,
                "snapshot_id": None,
                "ranked_count": len(ranking.rows),
                "member_count": len(ranking.rows) + len(ranking.unranked),
            } | _rank_in(ranking, member_id)
        results.append(entry)
    return results


def member_ranks(session, scope: Scope, member_id: int, period: Period, side: str, now: datetime) -> dict:
    """A member's ranks for a period (the member themself, or staff who may see them)."""
    _check_side(side)
    member = get_member(session, scope, member_id)
    return {
        "member_id": member.id,
        "period": period,
        "side": side,
        "scopes": ranks_of(session, member.id, member.unit_id, period, side, now),
    }


def member_rank_card(session, member_id: int, now: datetime, tz: ZoneInfo) -> dict | None:
    """Last month's published ranks for the member's home page (cheap: snapshot lookups only)."""
    member = session.get(Member, member_id)
    if member is None:
        return None
    period = period_containing("month", local_day(now, tz), tz).previous()
    scopes = ranks_of(session, member.id, member.unit_id, period, "total", now, published_only=True)
    return {"period": period, "scopes": scopes}


# --- export ------------------------------------------------------------------------------------

EXPORT_HEADERS = [N_("名次"), N_("排名"), N_("成员编号"), N_("姓名"), N_("公示名称"), N_("积分"), N_("达到该积分时间")]


def export_table(session, scope: Scope, snapshot_id: int, tz: ZoneInfo) -> tuple[str, list[list]]:
    """A snapshot's every row for staff over its scope (names in full, never phone numbers)."""
    snapshot = get_snapshot(session, snapshot_id)
    ref = resolve_scope(session, snapshot.scope_kind, snapshot.scope_id)
    _require_live_reader(scope, ref)
    period = Period(snapshot.period_kind, snapshot.period_start, snapshot.period_end, tz)
    rows = []
    for r in snapshot_rows(session, snapshot, 0, snapshot.row_count):
        reached = r["reached_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M") if r["reached_at"] else ""
        rows.append(
            [
                r["position"],
                r["rank"] if r["rank"] is not None else "",
                r["member_id"],
                r["name"],
                r["public_name"],
                r["points"],
                reached,
            ]
        )
    name = f"{ref.name}-{period.label}-{snapshot.side}-v{snapshot.version}"
    return name, rows
