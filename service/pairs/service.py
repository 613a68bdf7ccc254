"""结对帮扶: pairing members with residents of the five groups, visit rhythms (五见), and visit generation.

A periodic rhythm (daily, weekly, monthly) makes one ``Visit`` per pair and period. Its
task is an ordinary task with claim policy "invited" and one slot, invited to the paired
member only; the member claims it, reports it done, and staff verify it through the
normal claim path, which pays points through the ledger. A visit whose period ends with
no verified claim is missed and shows in the staff's overdue list.

Periods are local calendar days, ISO weeks (Monday first) and calendar months in the
configured zone. The visit's task is a daytime window on one day of the period (daily:
that day; weekly and monthly: a day spread by the pair's id, never before the day it is
generated), so a claimed visit never blocks the member's other tasks for a whole week.
Staff may move that day through the task's normal edit.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, UTC
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.log import record
from ..errors import Conflict, Forbidden, Invalid, NOT_A_MOBILE, NotFound, REQUIRED, one_of
from ..i18n import N_
from ..notifications.service import notify_member
from ..people.models import Member
from ..people.phones import is_mobile, normalise_phone
from ..people.scope import MANAGE, READ, AreaGrant, Scope
from ..periods import period_containing
from ..places.models import Area
from ..points.catalogue import category_codes
from ..tasks.models import Claim, Invitation
from .models import (
    DEFAULT_RHYTHMS,
    GROUP_LABELS,
    GROUPS,
    PERIODIC,
    RHYTHM_LABELS,
    RHYTHMS,
    Beneficiary,
    StandingPair,
    Visit,
    VisitRhythm,
)

log = logging.getLogger(__name__)

VISIT_CATEGORY = "caring_help"  # 爱心帮扶 in the default catalogue
VISIT_FROM, VISIT_UNTIL = time(9), time(18)  # the visit task's window on its day, local time
PLACE_KINDS = ("community", "compound", "grid", "building")
OPEN_VISITS = ("due", "invited")
OVERDUE_DAYS = 30  # how far back the overdue list looks by default


# --- rhythms --------------------------------------------------------------------------


def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def resolve_rhythms(session, path: str) -> dict[str, tuple[str, Area | None]]:
    """Each group's rhythm at ``path`` and the area it comes from (None: the 五见 default)."""
    resolved: dict[str, tuple[str, Area | None]] = {g: (DEFAULT_RHYTHMS[g], None) for g in GROUPS}
    rows = session.execute(
        select(VisitRhythm, Area)
        .join(Area, Area.id == VisitRhythm.area_id)
        .where(VisitRhythm.area_id.in_(_ancestor_ids(path)))
        .order_by(Area.depth)
    ).all()
    for row, area in rows:  # shallow to deep: the deepest area wins
        resolved[row.beneficiary_group] = (row.rhythm, area)
    return resolved


def rhythm_for(session, path: str, group: str) -> str:
    return resolve_rhythms(session, path)[group][0]


class _RhythmTable:
    """Every rhythm row at once, for the job: resolution without a query per pair."""

    def __init__(self, session):
        self.rows = session.execute(
            select(Area.path, Area.depth, VisitRhythm.beneficiary_group, VisitRhythm.rhythm)
            .join(Area, Area.id == VisitRhythm.area_id)
            .order_by(Area.depth)
        ).all()

    def rhythm(self, path: str, group: str) -> str:
        chosen = DEFAULT_RHYTHMS[group]
        for area_path, _depth, row_group, rhythm in self.rows:
            if row_group == group and path.startswith(area_path):
                chosen = rhythm
        return chosen


def _area_in_scope(session, scope: Scope, area_id: int, at_least: str = READ) -> Area:
    area = session.get(Area, area_id)
    if area is None or not scope.covers(area.path):
        raise NotFound(N_("区域不存在"))
    if not scope.covers(area.path, at_least):
        raise Forbidden(N_("无权设置该区域的走访频次"))
    return area


def rhythm_view(session, scope: Scope, area_id: int) -> dict:
    """What applies at an area, group by group, and where each value comes from."""
    area = _area_in_scope(session, scope, area_id)
    resolved = resolve_rhythms(session, area.path)
    items = []
    for group in GROUPS:
        rhythm, source = resolved[group]
        items.append(
            {
                "group": group,
                "group_label": GROUP_LABELS[group],
                "rhythm": rhythm,
                "rhythm_label": RHYTHM_LABELS[rhythm],
                "periodic": rhythm in PERIODIC,
                "source_area_id": source.id if source else None,
                "source_area_name": source.name if source else None,
                "set_here": source is not None and source.id == area.id,
            }
        )
    return {"area_id": area.id, "area_name": area.name, "items": items}


def set_rhythm(session, scope: Scope, area_id: int, rhythms: dict, now: datetime) -> dict:
    """Set (or, with None, clear) this area's rhythm for some groups; the rest are left as they are."""
    area = _area_in_scope(session, scope, area_id, MANAGE)
    if area.kind == "building":
        raise Invalid(N_("走访频次只能按社区、网格或以上区域设置"), fields={"area_id": [N_("不能是楼栋")]})
    problems = {}
    for group, rhythm in rhythms.items():
        if group not in GROUPS:
            problems[group] = [(N_("未知的人群类别，须为以下之一：%(choices)s"), {"choices": ", ".join(GROUPS)})]
        elif rhythm is not None and rhythm not in RHYTHMS:
            problems[group] = [one_of(RHYTHMS)]
    if problems:
        raise Invalid(N_("走访频次不正确"), fields=problems)
    existing = {
        r.beneficiary_group: r for r in session.scalars(select(VisitRhythm).where(VisitRhythm.area_id == area.id))
    }
    for group, rhythm in rhythms.items():
        row = existing.get(group)
        if rhythm is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                VisitRhythm(
                    area_id=area.id,
                    beneficiary_group=group,
                    rhythm=rhythm,
                    updated_by_id=scope.account_id,
                    updated_at=now,
                )
            )
        else:
            row.rhythm, row.updated_by_id, row.updated_at = rhythm, scope.account_id, now
    session.flush()
    record(
        session,
        scope.account_id,
        "visit_rhythm.set",
        "area",
        area.id,
        area.path,
        rhythms={g: r for g, r in sorted(rhythms.items())},
    )
    return rhythm_view(session, scope, area.id)


# --- residents and pairs ------------------------------------------------------------------


def _community_of(session, place: Area) -> Area | None:
    if place.kind == "community":
        return place
    return session.scalar(select(Area).where(Area.id.in_(_ancestor_ids(place.path)), Area.kind == "community"))


def _beneficiary_from(session, scope: Scope, data: dict) -> Beneficiary:
    if data.get("beneficiary_id") is not None:
        beneficiary = session.get(Beneficiary, data["beneficiary_id"])
        if beneficiary is None or not scope.covers(beneficiary.place_path):
            raise NotFound(N_("结对对象不存在"))
        if not scope.covers(beneficiary.place_path, MANAGE):
            raise Forbidden(N_("只有社区及以上管理员可以结对"))
        if data.get("beneficiary_group"):
            beneficiary.beneficiary_group = data["beneficiary_group"]
        return beneficiary
    missing = [f for f in ("resident_name", "place_id", "beneficiary_group") if not data.get(f)]
    if missing:
        raise Invalid(N_("请填写居民姓名、住址和人群类别"), fields={f: [N_("未选择结对对象时必填")] for f in missing})
    if data["beneficiary_group"] not in GROUPS:
        raise Invalid(N_("人群类别不正确"), fields={"beneficiary_group": [one_of(GROUPS)]})
    place = session.get(Area, data["place_id"])
    if place is None or not scope.covers(place.path):
        raise NotFound(N_("区域不存在"))
    if place.kind not in PLACE_KINDS:
        raise Invalid(N_("住址须为社区、小区、网格或楼栋"), fields={"place_id": [N_("不是社区内的地点")]})
    if not scope.covers(place.path, MANAGE):
        raise Forbidden(N_("只有社区及以上管理员可以结对"))
    community = _community_of(session, place)
    assert community is not None  # every place of PLACE_KINDS lies in a community
    phone = normalise_phone(data.get("resident_phone") or "") or None
    if phone is not None and not is_mobile(phone):
        raise Invalid(N_("手机号格式不正确"), fields={"resident_phone": [NOT_A_MOBILE]})
    name = data["resident_name"].strip()[:50]
    if not name:
        raise Invalid(N_("请填写居民姓名、住址和人群类别"), fields={"resident_name": [REQUIRED]})
    beneficiary = None
    if phone is not None:
        # The same resident (same mobile in the community) is one record, whoever pairs with them.
        beneficiary = session.scalar(
            select(Beneficiary).where(Beneficiary.community_id == community.id, Beneficiary.phone == phone)
        )
    if beneficiary is None:
        beneficiary = Beneficiary(
            community_id=community.id,
            place_id=place.id,
            place_path=place.path,
            name=name,
            phone=phone,
            beneficiary_group=data["beneficiary_group"],
            note=(data.get("note") or "")[:500],
            created_by_id=scope.account_id,
        )
        session.add(beneficiary)
    else:
        beneficiary.name, beneficiary.beneficiary_group = name, data["beneficiary_group"]
        beneficiary.place_id, beneficiary.place_path = place.id, place.path
    session.flush()
    return beneficiary


def member_for_phone(session, scope: Scope, raw: str) -> Member:
    """The member a form names by phone, among those the caller may see."""
    from ..people.service import list_members

    phone = normalise_phone(raw)
    member = session.scalar(list_members(scope, phone=phone).limit(1)) if phone else None
    if member is None:
        raise Invalid(N_("找不到该手机号的成员（须在本辖区居住或报到）"), fields={"member_phone": [N_("未找到")]})
    return member


def create_pair(session, scope: Scope, data: dict, now: datetime, tz: ZoneInfo) -> StandingPair:
    """Pair a member with a resident (an existing record, or one described in ``data``); the first
    visit of a periodic rhythm is generated at once."""
    from ..people.service import get_member

    if not scope.paths(MANAGE):
        raise Forbidden(N_("只有社区及以上管理员可以结对"))
    beneficiary = _beneficiary_from(session, scope, data)
    member = get_member(session, scope, data["member_id"])
    if not member.active:
        raise Invalid(N_("该成员已停用"), fields={"member_id": [N_("已停用")]})
    live = session.scalar(
        select(StandingPair.id).where(
            StandingPair.member_id == member.id, StandingPair.beneficiary_id == beneficiary.id, StandingPair.active
        )
    )
    if live is not None:
        raise Conflict(N_("该成员已与这位居民结对"), pair_id=live)
    pair = StandingPair(
        member_id=member.id,
        beneficiary_id=beneficiary.id,
        beneficiary_group=beneficiary.beneficiary_group,
        community_id=beneficiary.community_id,
        active=True,
        started_at=now,
        created_by_id=scope.account_id,
    )
    try:
        with session.begin_nested():
            session.add(pair)
            session.flush()
    except IntegrityError:  # the same pair made at the same moment by someone else
        raise Conflict(N_("该成员已与这位居民结对")) from None
    record(
        session,
        scope.account_id,
        "pair.create",
        "standing_pair",
        pair.id,
        beneficiary.place_path,
        member_id=member.id,
        beneficiary_id=beneficiary.id,
        group=pair.beneficiary_group,
    )
    notify_member(
        session,
        member.id,
        "pair.created",
        N_("你已与%(beneficiary)s结对帮扶"),
        link="/my/pairs",
        params={"beneficiary": beneficiary.name},
    )
    rhythm = rhythm_for(session, beneficiary.place_path, pair.beneficiary_group)
    if rhythm in PERIODIC:
        _generate_for_pair(session, pair, rhythm, now, tz)
    return pair


def get_pair(session, scope: Scope, pair_id: int, at_least: str = READ) -> StandingPair:
    """Staff over the resident's place, or the paired member; anyone else is told it does not exist."""
    pair = session.get(StandingPair, pair_id)
    if pair is None:
        raise NotFound(N_("结对不存在"))
    path = pair.beneficiary.place_path
    if scope.covers(path):
        if not scope.covers(path, at_least):
            raise Forbidden(N_("只有社区及以上管理员可以管理结对"))
        return pair
    if at_least == READ and scope.member_id is not None and scope.member_id == pair.member_id:
        return pair
    raise NotFound(N_("结对不存在"))


def end_pair(session, scope: Scope, pair_id: int, reason: str, now: datetime) -> StandingPair:
    """End a pair: no more visits; the current visit's task is cancelled unless the work was already reported."""
    pair = get_pair(session, scope, pair_id, at_least=MANAGE)
    if not pair.active:
        raise Conflict(N_("结对已解除"), allowed=[])
    pair.active, pair.ended_at, pair.ended_by_id, pair.end_reason = False, now, scope.account_id, reason.strip()[:300]
    from ..tasks.service import change_task_status

    for visit in session.scalars(
        select(Visit).where(Visit.pair_id == pair.id, Visit.status.in_(OPEN_VISITS), Visit.due_at > now)
    ):
        task = visit.task
        reported = (
            task is not None
            and session.scalar(select(Claim.id).where(Claim.task_id == task.id, Claim.status.in_(("done", "verified"))))
            is not None
        )
        if reported:
            continue  # the member did the visit: verification still pays it
        if task is not None:
            session.execute(
                update(Invitation)
                .where(Invitation.task_id == task.id, Invitation.status == "pending")
                .values(status="withdrawn", answered_at=now)
            )
            if task.status in ("draft", "open", "full", "in_progress"):
                change_task_status(session, scope, task, "cancel", now, reason="结对已解除")
        visit.status, visit.settled_at = "cancelled", now
    record(
        session,
        scope.account_id,
        "pair.end",
        "standing_pair",
        pair.id,
        pair.beneficiary.place_path,
        reason=pair.end_reason,
    )
    notify_member(
        session,
        pair.member_id,
        "pair.ended",
        N_("与%(beneficiary)s的结对已解除"),
        link="/my/pairs",
        params={"beneficiary": pair.beneficiary.name},
    )
    return pair


def list_pairs(scope: Scope, *, community_id=None, member_id=None, group=None, active: bool | None = True):
    """Pairs whose resident lives in the scope's subtree (for staff)."""
    stmt = (
        select(StandingPair)
        .join(Beneficiary, Beneficiary.id == StandingPair.beneficiary_id)
        .where(scope.within(Beneficiary.place_path))
    )
    if community_id is not None:
        stmt = stmt.where(StandingPair.community_id == community_id)
    if member_id is not None:
        stmt = stmt.where(StandingPair.member_id == member_id)
    if group:
        stmt = stmt.where(StandingPair.beneficiary_group == group)
    if active is not None:
        stmt = stmt.where(StandingPair.active.is_(active))
    return stmt.order_by(StandingPair.started_at.desc(), StandingPair.id.desc())


def member_pairs(member_id: int, *, active: bool | None = True):
    stmt = select(StandingPair).where(StandingPair.member_id == member_id)
    if active is not None:
        stmt = stmt.where(StandingPair.active.is_(active))
    return stmt.order_by(StandingPair.started_at.desc(), StandingPair.id.desc())


# --- for the matcher ---------------------------------------------------------------------


def active_pair_links(session, member_ids=None) -> list[tuple[int, int]]:
    """(member id, beneficiary id) of every active pair (optionally only these members')."""
    stmt = select(StandingPair.member_id, StandingPair.beneficiary_id).where(StandingPair.active)
    if member_ids is not None:
        stmt = stmt.where(StandingPair.member_id.in_(list(member_ids)))
    return [(m, b) for m, b in session.execute(stmt)]


def is_visit_task(session, task_id: int) -> bool:
    """A pair's visit: its slot belongs to the paired member and must never be offered to anyone else."""
    return session.scalar(select(Visit.id).where(Visit.task_id == task_id)) is not None


def beneficiary_ids_for_tasks(session, task_ids) -> dict[int, int]:
    """The resident each task serves, where known: a visit's pair, or a need's resident matched by
    mobile number within the need's community."""
    from ..needs.models import Need
    from ..tasks.models import task_needs

    task_ids = list(task_ids)
    if not task_ids:
        return {}
    found: dict[int, int] = {}
    for task_id, beneficiary_id in session.execute(
        select(Visit.task_id, StandingPair.beneficiary_id)
        .join(StandingPair, StandingPair.id == Visit.pair_id)
        .where(Visit.task_id.in_(task_ids))
    ):
        found[task_id] = beneficiary_id
    rows = session.execute(
        select(task_needs.c.task_id, Beneficiary.id)
        .join(Need, Need.id == task_needs.c.need_id)
        .join(
            Beneficiary, and_(Beneficiary.community_id == Need.community_id, Beneficiary.phone == Need.resident_phone)
        )
        .where(task_needs.c.task_id.in_(task_ids))
        .order_by(task_needs.c.task_id, Beneficiary.id)
    )
    for task_id, beneficiary_id in rows:
        found.setdefault(task_id, beneficiary_id)
    return found


# --- periods and generation ------------------------------------------------------------------


def visit_period(rhythm: str, day: date, tz: ZoneInfo) -> tuple[date, date]:
    """The local period (first day, first day after) of a periodic rhythm containing ``day``."""
    if rhythm == "daily":
        return day, day + timedelta(days=1)
    if rhythm == "weekly":
        period = period_containing("week", day, tz)
    elif rhythm == "monthly":
        period = period_containing("month", day, tz)
    else:
        raise ValueError(f"{rhythm!r} is not a periodic rhythm")
    return period.start, period.end


def visit_day(pair_id: int, start: date, end: date, now: datetime, tz: ZoneInfo) -> date | None:
    """The day of the period the visit task is on: spread by pair, never one whose window has passed.
    None when no such day is left in the period."""
    span = (end - start).days
    day = start + timedelta(days=pair_id % span)
    local_now = now.astimezone(tz)
    if day < local_now.date():
        day = local_now.date()
    if day == local_now.date() and local_now.time() >= VISIT_UNTIL:
        day += timedelta(days=1)
    return day if day < end else None


def _system_scope(community: Area) -> Scope:
    """The job acts for the community (no account): enough to create its visit tasks."""
    return Scope(account_id=None, area_grants=(AreaGrant(MANAGE, community.id, community.path, community.kind),))


def _period_words(rhythm: str, start: date) -> str:
    if rhythm == "daily":
        return f"{start.month}月{start.day}日"
    if rhythm == "weekly":
        return f"{start.month}月{start.day}日起当周"
    return f"{start.year}年{start.month}月"


def _generate_for_pair(session, pair: StandingPair, rhythm: str, now: datetime, tz: ZoneInfo) -> Visit | None:
    """This period's visit of one pair, with its task and invitation; None if it exists or no day is left."""
    from ..tasks.service import create_task

    start, end = visit_period(rhythm, now.astimezone(tz).date(), tz)
    if session.scalar(select(Visit.id).where(Visit.pair_id == pair.id, Visit.period_start == start)) is not None:
        return None
    day = visit_day(pair.id, start, end, now, tz)
    if day is None:
        return None
    beneficiary = pair.beneficiary
    try:
        with session.begin_nested():
            visit = Visit(
                pair_id=pair.id,
                rhythm=rhythm,
                period_start=start,
                period_end=end,
                due_at=datetime.combine(end, time(), tz).astimezone(UTC),
                status="due",
                created_at=now,
            )
            session.add(visit)
            session.flush()
    except IntegrityError:  # made meanwhile by another run: the unique (pair, period) holds
        return None
    community = pair.community
    place_id = beneficiary.place_id if beneficiary.place_path.startswith(community.path) else None
    task = create_task(
        session,
        _system_scope(community),
        {
            "title": f"结对走访：{beneficiary.name}（{_period_words(rhythm, start)}）"[:100],
            "description": (
                f"{GROUP_LABELS[pair.beneficiary_group]} · {RHYTHM_LABELS[rhythm]}。"
                f"请在 {start.isoformat()} 至 {(end - timedelta(days=1)).isoformat()} 期间走访，"
                f"完成后报告服务时长，社区核实后计入红色积分。"
            ),
            "community_id": community.id,
            "place_id": place_id,
            "category": VISIT_CATEGORY,
            "starts_at": datetime.combine(day, VISIT_FROM, tz).astimezone(UTC),
            "ends_at": datetime.combine(day, VISIT_UNTIL, tz).astimezone(UTC),
            "slots": 1,
            "claim_policy": "invited",
            "beneficiary_group": pair.beneficiary_group,
            "kind": "service",
        },
        now,
    )
    # No expiry: a visit is the paired member's alone and is never offered to anyone else.
    session.add(
        Invitation(task_id=task.id, member_id=pair.member_id, status="pending", reason="结对帮扶走访", created_at=now)
    )
    visit.task_id, visit.status = task.id, "invited"
    session.flush()
    notify_member(
        session,
        pair.member_id,
        "visit.invited",
        N_("结对走访：%(task)s"),
        link=f"/tasks/{task.id}",
        params={"task": task.title},
    )
    return visit


def _verified(task_column):
    return exists(select(Claim.id).where(Claim.task_id == task_column, Claim.status == "verified"))


def settle_visits(session, now: datetime) -> int:
    """Open visits with a verified claim are done; those whose period ended without one are missed
    (a late verification still turns a missed visit into done)."""
    done = session.execute(
        update(Visit)
        .where(Visit.status.in_(OPEN_VISITS + ("missed",)), Visit.task_id.is_not(None), _verified(Visit.task_id))
        .values(status="done", settled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    missed = session.execute(
        update(Visit)
        .where(Visit.status.in_(OPEN_VISITS), Visit.due_at <= now)
        .values(status="missed", settled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return (done or 0) + (missed or 0)


def generate_due_visits(session, now: datetime, tz: ZoneInfo):
    """The scheduled job: settle past visits, then make this period's visit of every active pair
    with a periodic rhythm. Idempotent: a second run creates nothing. Returns how many visits it
    made (with the problems, if some pairs failed, so the run shows as failed on /staff/jobs)."""
    settle_visits(session, now)
    today = now.astimezone(tz).date()
    rhythms = _RhythmTable(session)
    pairs = session.execute(
        select(StandingPair, Beneficiary.place_path)
        .join(Beneficiary, Beneficiary.id == StandingPair.beneficiary_id)
        .join(Member, Member.id == StandingPair.member_id)
        .where(StandingPair.active, Member.active)
        .order_by(StandingPair.id)
    ).all()
    wanted = []
    for pair, path in pairs:
        rhythm = rhythms.rhythm(path, pair.beneficiary_group)
        if rhythm in PERIODIC:
            wanted.append((pair, rhythm, visit_period(rhythm, today, tz)[0]))
    if not wanted:
        return 0
    # One read of what exists, so a second run is cheap as well as harmless.
    earliest = min(start for _p, _r, start in wanted)
    have = {
        tuple(row)
        for row in session.execute(select(Visit.pair_id, Visit.period_start).where(Visit.period_start >= earliest))
    }
    todo = [(p, r) for p, r, start in wanted if (p.id, start) not in have]
    if todo and VISIT_CATEGORY not in category_codes(session):
        return {"items": 0, "problems": [f"the service catalogue has no {VISIT_CATEGORY!r} category"]}
    made, problems = 0, []
    for pair, rhythm in todo:
        try:
            with session.begin_nested():
                made += _generate_for_pair(session, pair, rhythm, now, tz) is not None
        except (Invalid, NotFound, Forbidden, Conflict) as error:
            log.warning("visit for pair %s not generated: %s", pair.id, error)
            problems.append(f"pair {pair.id}: {error}")
    if problems:
        return {"items": made, "problems": problems}
    return made


# --- visits for staff and members ---------------------------------------------------------------


def _visits_in_scope(scope: Scope):
    return (
        select(Visit)
        .join(StandingPair, StandingPair.id == Visit.pair_id)
        .join(Beneficiary, Beneficiary.id == StandingPair.beneficiary_id)
        .where(scope.within(Beneficiary.place_path))
    )


def overdue_query(scope: Scope, now: datetime, *, days: int = OVERDUE_DAYS, community_id=None):
    """Visits whose period ended (within ``days``) without a verified claim, most recent first.
    Judged at the moment of asking, whether or not the job has settled them yet."""
    stmt = _visits_in_scope(scope).where(
        Visit.status.in_(OPEN_VISITS + ("missed",)),
        Visit.due_at <= now,
        Visit.due_at > now - timedelta(days=days),
        ~_verified(Visit.task_id),
    )
    if community_id is not None:
        stmt = stmt.where(StandingPair.community_id == community_id)
    return stmt.order_by(Visit.due_at.desc(), Visit.id.desc())


def overdue_visits(
    session, scope: Scope, now: datetime, *, days: int = OVERDUE_DAYS, community_id=None, limit: int = 200
) -> list[Visit]:
    """The staff's overdue list: missed visits in their scope, each with its claim's status
    (``claim_status`` "done" means reported and waiting for verification)."""
    stmt = overdue_query(scope, now, days=days, community_id=community_id).limit(limit)
    return annotate_visits(session, session.scalars(stmt).all())


def list_visits(scope: Scope, *, status=None, pair_id=None, community_id=None):
    stmt = _visits_in_scope(scope)
    if status:
        stmt = stmt.where(Visit.status == status)
    if pair_id is not None:
        stmt = stmt.where(Visit.pair_id == pair_id)
    if community_id is not None:
        stmt = stmt.where(StandingPair.community_id == community_id)
    return stmt.order_by(Visit.period_start.desc(), Visit.id.desc())


def annotate_visits(session, visits) -> list:
    """Attach each visit's latest claim status (None: not claimed) for display."""
    task_ids = [v.task_id for v in visits if v.task_id is not None]
    latest: dict[int, str] = {}
    if task_ids:
        for task_id, status in session.execute(
            select(Claim.task_id, Claim.status).where(Claim.task_id.in_(task_ids)).order_by(Claim.id)
        ):
            latest[task_id] = status
    for v in visits:
        v.claim_status = latest.get(v.task_id)
    return visits


def current_visits(session, pair_ids, now: datetime) -> dict[int, Visit]:
    """Each pair's latest visit (for the member's page)."""
    out: dict[int, Visit] = {}
    if pair_ids:
        for visit in session.scalars(
            select(Visit).where(Visit.pair_id.in_(list(pair_ids))).order_by(Visit.period_start, Visit.id)
        ):
            out[visit.pair_id] = visit
    return out
