"""From the database into the matcher's arrays: one matching run's tasks and the members who could serve them.

``load(session, TaskFilter(...), now=, tz=)`` answers a ``Loaded``: the ``Problem``
(inputs.py / problem.py) plus the lookups the service needs to report answers
(row of a task or member id, names, titles). It issues one query per table
(tasks, members, skills, registrations, availability, claim history, live claims,
invitations, areas, neighbours, settings), each restricted by SQL subqueries, never
one query per member.

Who is loaded ("the members who could serve these tasks"):

* members with an approved registration (either side) in a task's community,
  or whose home building lies in it;
* for tasks open to everyone, the same for every community of the *street* around
  the task's community (the 15-minute service circle; ``TaskFilter.everyone_reach``,
  "community" keeps to the task's own community): a member from across the city
  would score at most fair + reliable + skill + cover anyway (no nearness, no side
  balance), and loading the whole city for one task would not answer within a request;
* members holding a live invitation to one of the tasks, and any ``extra_member_ids``.

Pending invitations reserve a slot (``Tasks.slots`` = slots - taken - pending
invitations) and, like claims, block a member's overlapping time and count toward
their caps, except invitations to the ``focus`` tasks themselves (so the task's own
invitees still show up in its candidate list, marked as invited).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy.orm import aliased

from ..database import subtree_condition
from ..people.models import AvailabilityWindow, Member, SkillTag, member_skills
from ..periods import period_containing
from ..places.models import Area
from ..registration.models import Registration
from ..tasks.models import SLOT_HOLDING, Claim, Invitation, Task
from .inputs import MemberRow, TaskRow, Vocabulary, build_links, build_members, build_tasks
from .models import AreaNeighbour, MatchingSettings
from .problem import DEFAULT_MIN_COVER, Problem
from .timeline import DAY, WEEK, local_minutes, week_minute

LIVE_INVITATION = ("pending", "accepted")
# Claims and invitations this far around the tasks' windows are loaded (whole weeks for the weekly cap).
CLAIM_MARGIN = timedelta(days=8)
IN_LIST_MOST = 5000


def _id_list(conn, name: str, ids: list[int]):
    """A test "column is one of these ids" with the set passed as ONE parameter (a JSON array on
    SQLite, an array on PostgreSQL): an expanding IN list of a thousand ids costs more to render
    than the query to run. On PostgreSQL ``= ANY(array)`` (not ``IN (SELECT unnest(...))``, whose
    row count the planner cannot see, so it may scan a whole table instead of its index)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        param = bindparam(name, type_=ARRAY(Integer))
        return (lambda column: column == any_(param)), {name: ids}
    subquery: Select[tuple[Any]] = select(literal_column("value")).select_from(
        func.json_each(bindparam(name, type_=String))
    )
    return (lambda column: column.in_(subquery)), {name: json.dumps(ids)}


def _approved():
    # Written so that no planner picks the (unselective) status index over community/member ones:
    # without statistics SQLite would scan every approved registration of the city.
    return func.coalesce(Registration.status, "") == "approved"


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a run covers: given ids, or the open tasks whose place lies under ``area_path``
    and that start in ``[start, end)``. ``statuses`` applies to both forms."""

    task_ids: tuple[int, ...] | None = None
    area_path: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    community_ids: tuple[int, ...] | None = None  # or: tasks of these communities (recommendations)
    everyone_in: tuple[str, ...] = ()  # ...plus everyone-tasks whose community lies under these paths
    invited_member: int | None = None  # ...plus tasks this member holds a live invitation to
    statuses: tuple[str, ...] = ("open",)
    starts_after: datetime | None = None
    # Members loaded for tasks open to everyone: those of the street around the task's
    # community ("street", dispatch), or of the community itself ("community": one task's
    # candidates, answered within a request).
    everyone_reach: str = "street"


@dataclass
class TaskInfo:
    id: int
    title: str
    community_id: int
    community_path: str
    starts_at: datetime
    ends_at: datetime
    slots: int
    taken: int
    pending: int
    status: str
    policy: str


@dataclass
class Loaded:
    problem: Problem
    vocabulary: Vocabulary
    tasks: list[TaskInfo]
    task_row: dict[int, int]
    member_row: dict[int, int]
    member_names: dict[int, str]
    invitations: dict[tuple[int, int], str] = field(default_factory=dict)  # (member, task) -> status, focus tasks
    weights: dict = field(default_factory=dict)
    invitation_hours: int | None = None
    considered: int = 0  # members around the tasks (more than were loaded when ``eligible_only``)


# --- hooks into the standing pairs (service/pairs, written separately) -------------------


def standing_pairs_for(session, member_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active 结对 pairs of these members: {member id: [beneficiary id, ...]}."""
    from ..pairs.models import StandingPair

    ids = list(member_ids)
    out: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(ids):
        for member_id, beneficiary_id in session.execute(
            select(StandingPair.member_id, StandingPair.beneficiary_id).where(
                StandingPair.member_id.in_(chunk), StandingPair.active
            )
        ):
            out[int(member_id)].append(int(beneficiary_id))
    return dict(out)


def task_beneficiaries(session, task_ids: Iterable[int]) -> dict[int, int]:
    """The resident (beneficiary id) each task serves, where the pairs package knows it:
    a visit's pair, or a need's resident on file in that community."""
    from ..pairs.service import beneficiary_ids_for_tasks

    ids = list(task_ids)
    if not ids:
        return {}
    return {int(k): int(v) for k, v in beneficiary_ids_for_tasks(session, ids).items() if v is not None}


def _chunks(ids: list[int], size: int = 5000):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# --- settings ---------------------------------------------------------------------------


def settings_for(session, path: str) -> tuple[dict, float | None, int | None]:
    """(weights, min_cover, invitation_hours) from the deepest area on ``path`` with settings."""
    ids = [int(p) for p in path.strip("/").split("/") if p]
    rows = {r.area_id: r for r in session.scalars(select(MatchingSettings).where(MatchingSettings.area_id.in_(ids)))}
    weights: dict = {}
    min_cover = hours = None
    for area_id in ids:  # root first: deeper rows override
        row = rows.get(area_id)
        if row is None:
            continue
        weights.update(row.weights or {})
        min_cover = row.min_cover if row.min_cover is not None else min_cover
        hours = row.invitation_hours if row.invitation_hours is not None else hours
    return weights, min_cover, hours


def _parent_path(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:-1]) + "/" if len(parts) > 1 else path


# --- the load ------------------------------------------------------------------------------


def _task_query(f: TaskFilter):
    place = aliased(Area)
    community = aliased(Area)
    pending = (
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.task_id == Task.id, Invitation.status == "pending")
        .scalar_subquery()
    )
    stmt = (
        select(
            Task.id,
            Task.title,
            Task.community_id,
            community.path,
            Task.place_id,
            place.path,
            place.kind,
            Task.starts_at,
            Task.ends_at,
            Task.slots,
            Task.taken,
            Task.required_skills,
            Task.preferred_skills,
            Task.claim_policy,
            Task.status,
            pending,
        )
        .join(place, place.id == Task.place_id)
        .join(community, community.id == Task.community_id)
    )
    if f.task_ids is not None:
        return stmt.where(Task.id.in_(f.task_ids))
    stmt = stmt.where(Task.status.in_(f.statuses))
    if f.area_path is not None:
        stmt = stmt.where(subtree_condition(place.path, [f.area_path]))
    if f.start is not None:
        stmt = stmt.where(Task.starts_at >= f.start)
    if f.end is not None:
        stmt = stmt.where(Task.starts_at < f.end)
    if f.starts_after is not None:
        stmt = stmt.where(Task.starts_at > f.starts_after)
    if f.community_ids is not None:
        reach = [and_(Task.claim_policy == "registered", Task.community_id.in_(f.community_ids or (-1,)))]
        if f.everyone_in:
            reach.append(and_(Task.claim_policy == "everyone", subtree_condition(community.path, list(f.everyone_in))))
        if f.invited_member is not None:
            reach.append(
                Task.id.in_(
                    select(Invitation.task_id).where(
                        Invitation.member_id == f.invited_member, Invitation.status.in_(LIVE_INVITATION)
                    )
                )
            )
        stmt = stmt.where(or_(*reach))
    return stmt.order_by(Task.starts_at, Task.id)


def load(
    session,
    tasks: TaskFilter,
    *,
    now: datetime,
    tz: ZoneInfo,
    members: Iterable[int] | None = None,
    extra_member_ids: Iterable[int] = (),
    focus: Iterable[int] = (),
    standing_pairs: Mapping[int, Iterable[int]] | None = None,
    reserve_pending: bool = True,
    weights: dict | None = None,
    min_cover: float | None = None,
    eligible_only: bool = False,
) -> Loaded:
    """Load one matching run. ``members``: exactly these member ids (e.g. one member's
    recommendations) instead of the members around the tasks. ``standing_pairs``:
    {member id: [beneficiary id]}; read through ``standing_pairs_for`` when None.

    ``eligible_only`` (a run of one task, members around it): load only the members who
    pass the hard filters that depend on the member alone -- may claim, every required
    skill, some free time in the task's window (when ``min_cover`` > 0) -- plus the
    task's invitees and ``extra_member_ids``; nobody else could be a candidate, and
    scores and ties (lower member id first) do not depend on who else is loaded.
    ``Loaded.considered`` still counts every member around the task."""
    if session.connection().dialect.name == "postgresql":
        # Every statement below is an id-list lookup whose best plan does not depend on the
        # ids: planning each afresh (a custom plan per call) cost more than running it.
        session.connection().exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    task_rows = session.connection().execute(_task_query(tasks)).all()
    focus = set(focus)
    infos = [
        TaskInfo(r[0], r[1], r[2], r[3], r[7], r[8], r[9], r[10], int(r[15] or 0), r[14], r[13]) for r in task_rows
    ]
    task_ids = [t.id for t in infos]
    kind_of: dict[int, str] = {}
    for r in task_rows:
        kind_of[int(r[4])] = r[6]

    # Settings: the deepest common area of the run (a single community for one task).
    common = _common_path([t.community_path for t in infos]) if infos else None
    set_weights, set_cover, set_hours = settings_for(session, common) if common else ({}, None, None)
    weights = {**set_weights, **(weights or {})}
    min_cover = min_cover if min_cover is not None else (set_cover or DEFAULT_MIN_COVER)

    vocab_rows = (
        session.connection()
        .execute(select(SkillTag.id, SkillTag.code, SkillTag.name, SkillTag.name_en).order_by(SkillTag.id))
        .all()
    )
    vocabulary = Vocabulary.from_pairs((r[1], r[2], r[3] or "") for r in vocab_rows)
    code_of = {int(r[0]): r[1] for r in vocab_rows}

    # Whom to load, as one SQL set reused by every member-side query.
    extra = sorted({int(m) for m in extra_member_ids})
    considered = None
    member_set: Select[int] | CompoundSelect[int]
    if members is not None:
        member_set = select(Member.id).where(Member.id.in_(sorted({int(m) for m in members}) + extra or [-1]))
    else:
        community_ids = sorted({t.community_id for t in infos})
        community_paths = sorted({t.community_path for t in infos})
        circle = sorted(
            {_parent_path(t.community_path) for t in infos if t.policy == "everyone"}
            if tasks.everyone_reach == "street"
            else ()
        )
        home = aliased(Area)
        reg_community = aliased(Area)
        registered = [
            select(Registration.member_id).where(_approved(), Registration.community_id.in_(community_ids or [-1]))
        ]
        if circle:
            registered.append(
                select(Registration.member_id)
                .join(reg_community, reg_community.id == Registration.community_id)
                .where(_approved(), subtree_condition(reg_community.path, circle))
            )
        living = [
            select(Member.id)
            .join(home, home.id == Member.home_building_id)
            .where(subtree_condition(home.path, community_paths + circle))
        ]
        invited = []
        if task_ids:
            invited.append(
                select(Invitation.member_id).where(
                    Invitation.task_id.in_(task_ids), Invitation.status.in_(LIVE_INVITATION)
                )
            )
        if extra:
            invited.append(select(Member.id).where(Member.id.in_(extra)))
        member_set = union(*registered, *living, *invited)
        if eligible_only and len(infos) == 1:
            # The active members around the task, from the indexes alone: all of them (registrations,
            # homes, invitations) less the few deactivated ones (a partial index holds those).
            around = member_set.subquery()
            inactive = select(Member.id).where(~Member.active)
            considered = (
                session.connection()
                .execute(select(func.count(), func.count(case((around.c[0].in_(inactive), 1)))).select_from(around))
                .one()
            )
            considered = int(considered[0]) - int(considered[1])
            member_set = _eligible_set(
                infos[0],
                task_rows[0],
                registered,
                living,
                invited,
                tz=tz,
                min_cover=min_cover,
                skill_ids={c: i for i, c in code_of.items()},
                vocabulary=vocabulary,
            )
    member_ids_q = select(member_set.subquery().c[0])
    home = aliased(Area)
    people = (
        session.connection()
        .execute(
            select(Member.id, Member.name, Member.party_status, Member.home_building_id, home.path, home.kind)
            .outerjoin(home, home.id == Member.home_building_id)
            .where(Member.id.in_(member_ids_q), Member.active)
            .order_by(Member.id)
        )
        .all()
    )
    ids = [int(p[0]) for p in people]
    params = {}

    def among(column):
        return column.in_(member_ids_q)

    if len(people) <= IN_LIST_MOST:
        # An id list lets every later query use its member_id index (the set's subquery
        # is only re-run for very large runs, e.g. a district-wide dispatch); one
        # expanding parameter keeps the statements cached and cheap to build.
        conn = session.connection()
        among, params = _id_list(conn, "member_ids", ids or [-1])
    conn = session.connection()

    def run(stmt):
        return conn.execute(stmt, params)

    for p in people:
        if p[3] is not None:
            kind_of[int(p[3])] = p[5]

    skills: dict[int, list[str]] = defaultdict(list)
    for member_id, skill_id in run(
        select(member_skills.c.member_id, member_skills.c.skill_id).where(among(member_skills.c.member_id))
    ).all():
        skills[int(member_id)].append(code_of[int(skill_id)])

    sides: dict[int, dict[str, int]] = defaultdict(dict)
    for member_id, community_id, side in run(
        select(Registration.member_id, Registration.community_id, Registration.side).where(
            _approved(), among(Registration.member_id)
        )
    ).all():
        sides[int(member_id)][side] = int(community_id)

    windows: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for member_id, weekday, start, end in run(
        select(
            AvailabilityWindow.member_id,
            AvailabilityWindow.weekday,
            AvailabilityWindow.start_minute,
            AvailabilityWindow.end_minute,
        ).where(among(AvailabilityWindow.member_id))
    ).all():
        windows[int(member_id)].append((int(weekday), int(start), int(end)))

    # History: per member and community, all-time outcomes and this month's service.
    month = period_containing("month", now.astimezone(tz).date(), tz)
    in_month = and_(Task.starts_at >= month.start_utc, Task.starts_at < month.end_utc)
    history = run(
        select(
            Claim.member_id,
            Task.community_id,
            func.sum(case((Claim.status.in_(("done", "verified")), 1), else_=0)),
            func.sum(case((Claim.status == "no_show", 1), else_=0)),
            func.sum(case((and_(Claim.status == "cancelled", Claim.late_cancel), 1), else_=0)),
            func.sum(case((and_(Claim.status.in_(SLOT_HOLDING), in_month), 1), else_=0)),
        )
        .join(Task, Task.id == Claim.task_id)
        .where(among(Claim.member_id))
        .group_by(Claim.member_id, Task.community_id)
    ).all()
    done: dict[int, int] = defaultdict(int)
    no_shows: dict[int, int] = defaultdict(int)
    late: dict[int, int] = defaultdict(int)
    recent: dict[int, int] = defaultdict(int)
    recent_in: dict[tuple[int, int], int] = defaultdict(int)
    for member_id, community_id, d, ns, lc, rc in history:
        m = int(member_id)
        done[m] += int(d or 0)
        no_shows[m] += int(ns or 0)
        late[m] += int(lc or 0)
        recent[m] += int(rc or 0)
        recent_in[(m, int(community_id))] += int(rc or 0)

    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if infos:
        lo = min(t.starts_at for t in infos) - CLAIM_MARGIN
        hi = max(t.ends_at for t in infos) + CLAIM_MARGIN
        for member_id, s, e in run(
            select(Claim.member_id, Task.starts_at, Task.ends_at)
            .join(Task, Task.id == Claim.task_id)
            .where(among(Claim.member_id), Claim.status.in_(SLOT_HOLDING), Task.starts_at < hi, Task.ends_at > lo)
        ).all():
            busy[int(member_id)].append((local_minutes(s, tz), local_minutes(e, tz)))
    else:
        lo = hi = now

    # Invitations: live ones to these tasks (links, and who is already invited), and the
    # members' pending ones elsewhere around the window (they hold the member's time).
    invited_pairs: list[tuple[int, int]] = []
    invitation_state: dict[tuple[int, int], str] = {}
    task_set = set(task_ids)
    # Invitations first, then the windows of the few tasks they name: joined in one
    # statement, the planner misjudges how few invitations match and scans every task.
    conditions = [and_(among(Invitation.member_id), Invitation.status == "pending")]
    if task_ids:
        conditions.append(and_(Invitation.task_id.in_(task_ids), Invitation.status.in_(LIVE_INVITATION)))
    found = run(select(Invitation.member_id, Invitation.task_id, Invitation.status).where(or_(*conditions))).all()
    windows_of = {}
    if found:
        named, named_params = _id_list(conn, "invited_task_ids", sorted({int(r[1]) for r in found}))
        windows_of = {
            int(r[0]): (r[1], r[2])
            for r in conn.execute(
                select(Task.id, Task.starts_at, Task.ends_at).where(named(Task.id)), named_params
            ).all()
        }
    for member_id, task_id, status in found:
        m, t = int(member_id), int(task_id)
        s, e = windows_of[t]
        if t in task_set and status in LIVE_INVITATION:
            invited_pairs.append((m, t))
            if t in focus:
                invitation_state[(m, t)] = status
        # A pending invitation elsewhere holds the member's time around the window.
        if status == "pending" and t not in focus and s < hi and e > lo:
            busy[m].append((local_minutes(s, tz), local_minutes(e, tz)))

    # Kinds of the other places on every path (homes and task places are known already).
    on_paths = {
        int(x)
        for path in [r[5] for r in task_rows] + [p[4] for p in people if p[4]]
        for x in path.strip("/").split("/")
        if x
    } - set(kind_of)
    for area_id, kind in conn.execute(
        select(Area.id, Area.kind).where(Area.id.in_(bindparam("area_ids", expanding=True))),
        {"area_ids": sorted(on_paths) or [-1]},
    ).all():
        kind_of[int(area_id)] = kind
    task_zones = sorted(
        {
            int(x)
            for r in task_rows
            for x in r[5].strip("/").split("/")
            if x and kind_of.get(int(x)) in ("compound", "grid")
        }
    )
    neighbours = (
        run(
            select(AreaNeighbour.area_id, AreaNeighbour.neighbour_id).where(
                or_(AreaNeighbour.area_id.in_(task_zones or [-1]), AreaNeighbour.neighbour_id.in_(task_zones or [-1]))
            )
        ).all()
        if task_zones
        else []
    )

    pairs = standing_pairs if standing_pairs is not None else standing_pairs_for(session, ids)
    beneficiary = task_beneficiaries(session, task_ids) if pairs else {}

    member_rows = []
    for p in people:
        m = int(p[0])
        residence = sides[m].get("residence")
        member_rows.append(
            MemberRow(
                id=m,
                skills=skills.get(m, ()),
                residence_community=residence,
                unit_community=sides[m].get("unit"),
                in_service=p[2] == "in_service",
                home_path=[int(x) for x in p[4].strip("/").split("/") if x] if p[4] else (),
                availability=windows.get(m, ()),
                claims=busy.get(m, ()),
                recent_tasks=recent[m],
                completed=done[m],
                no_shows=no_shows[m],
                late_cancels=late[m],
                residence_served=recent_in[(m, residence)] if residence is not None else 0,
            )
        )
    task_objs = []
    for r, info in zip(task_rows, infos):
        open_slots = info.slots - info.taken - (info.pending if reserve_pending else 0)
        task_objs.append(
            TaskRow(
                id=info.id,
                community=info.community_id,
                start=local_minutes(info.starts_at, tz),
                end=local_minutes(info.ends_at, tz),
                slots=max(0, open_slots) if info.status == "open" else 0,
                place_path=[int(x) for x in r[5].strip("/").split("/") if x],
                required=[c for c in (r[11] or []) if c in vocabulary._bit],
                preferred=[c for c in (r[12] or []) if c in vocabulary._bit],
                policy=info.policy,
                beneficiary=beneficiary.get(info.id),
            )
        )
    mem = build_members(member_rows, vocabulary, kind_of)
    tsk = build_tasks(task_objs, vocabulary, kind_of)
    links = build_links(
        mem,
        tsk,
        invitations=invited_pairs,
        standing_pairs=[(m, b) for m, bs in pairs.items() for b in bs],
        neighbours=[(int(a), int(b)) for a, b in neighbours],
    )
    problem = Problem(mem, tsk, links, vocabulary, weights=weights, min_cover=min_cover)
    return Loaded(
        problem=problem,
        vocabulary=vocabulary,
        tasks=infos,
        task_row={t.id: i for i, t in enumerate(infos)},
        member_row={m: i for i, m in enumerate(ids)},
        member_names={int(p[0]): p[1] for p in people},
        invitations=invitation_state,
        weights=weights,
        invitation_hours=set_hours,
        considered=len(ids) if considered is None else int(considered),
    )


def _eligible_set(
    info: TaskInfo,
    row,
    registered: list,
    living: list,
    invited: list,
    *,
    tz: ZoneInfo,
    min_cover: float,
    skill_ids: dict[str, int],
    vocabulary: Vocabulary,
):
    """The members around one task who pass the member-side hard filters (eligibility.py:
    may claim, required skills, availability), plus its invitees and the extra members.

    Every condition is necessary for eligibility, never sufficient: the matcher still runs
    all filters on whoever is loaded."""
    if info.policy == "registered":
        base = registered
    elif info.policy == "everyone":
        base = registered + living
    else:  # invitation only: the invitees are all
        base = []
    if not base:
        return union(*invited) if invited else select(Member.id).where(Member.id == -1)
    around = union(*base).subquery()
    who = around.c[0]
    conditions = []
    for code in sorted({c for c in (row[11] or []) if c in vocabulary._bit}):
        conditions.append(
            select(member_skills.c.member_id)
            .where(member_skills.c.member_id == who, member_skills.c.skill_id == skill_ids[code])
            .exists()
        )
    start, end = local_minutes(info.starts_at, tz), local_minutes(info.ends_at, tz)
    duration = end - start
    if min_cover > 1e-9 and 0 < duration < WEEK:
        # Coverage > 0 needs a weekly window overlapping the task's (cyclic) window in week minutes.
        lo = int(week_minute(start))
        hi = lo + duration
        pieces = [(lo, min(hi, WEEK))] + ([(0, hi - WEEK)] if hi > WEEK else [])
        begin = AvailabilityWindow.weekday * DAY + AvailabilityWindow.start_minute
        finish = AvailabilityWindow.weekday * DAY + AvailabilityWindow.end_minute
        conditions.append(
            select(AvailabilityWindow.member_id)
            .where(AvailabilityWindow.member_id == who, or_(*(and_(begin < b, finish > a) for a, b in pieces)))
            .exists()
        )
    parts = [select(who).where(*conditions)] + invited
    return union(*parts)


def _common_path(paths: list[str]) -> str:
    split = [p.strip("/").split("/") for p in paths]
    common = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/" + "/".join(common) + "/" if common else "/"


__all__ = ["Loaded", "TaskFilter", "TaskInfo", "load", "settings_for", "standing_pairs_for", "task_beneficiaries"]
