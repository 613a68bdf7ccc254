"""Tasks and claims: creation, the atomic claim path, waitlists, check-in, verification.

Capacity is one counter on the task, moved only by conditional UPDATEs
(``taken < slots``), so concurrent claims can never overbook on PostgreSQL or
SQLite. Each member's claims are serialised by a lock on the member row, so
one person cannot take two overlapping tasks at once either.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    event,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from .. import policy
from ..audit.log import record
from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound, REQUIRED, UNKNOWN_CATEGORY, one_of, unknown
from ..i18n import N_
from ..needs.models import Need
from ..needs.service import on_five_stars, start_progress
from ..notifications.service import notify_member
from ..people.models import Member, SkillTag
from ..people.scope import MANAGE, READ, Scope
from ..places.models import Area
from ..points import ledger
from ..points.catalogue import category_codes
from ..points.rules import ACTIVITIES, Service
from .models import CLAIM_POLICIES, LIVE_CLAIM, Claim, Invitation, Task

LATE_CANCEL_WINDOW = timedelta(hours=24)
CHECK_IN_EARLY = timedelta(hours=1)

TASK_TRANSITIONS = {
    "publish": ({"draft"}, "open"),
    "start": ({"open", "full"}, "in_progress"),
    "complete": ({"in_progress"}, "completed"),
    "cancel": ({"draft", "open", "full", "in_progress"}, "cancelled"),
}
CLAIM_TRANSITIONS = {
    "check-in": {"claimed"},
    "done": {"claimed", "checked_in"},
    "verify": {"done"},
    "reject": {"done"},
    "no-show": {"claimed", "checked_in"},
    "cancel": {"claimed", "waiting"},
}


def _allowed_actions(table: dict, status: str) -> list[str]:
    return sorted(a for a, spec in table.items() if status in (spec[0] if isinstance(spec, tuple) else spec))


# --- tasks -------------------------------------------------------------------


def get_task(session, scope: Scope, task_id: int, *, for_member: bool = False, at_least: str = READ) -> Task:
    """Staff see tasks in their subtree; members see tasks they could take part in."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(N_("任务不存在"))
    if scope.covers(task.community.path, READ):
        if not scope.covers(task.community.path, at_least):
            raise Forbidden(N_("无权管理该任务"))
        return task
    if at_least == READ and scope.member_id is not None and task.status != "draft":
        if member_may_see(session, scope.member_id, task):
            return task
    raise NotFound(N_("任务不存在"))


def member_may_see(session, member_id: int, task: Task) -> bool:
    if task.claim_policy == "everyone":
        return True
    # Registration first: it is the common case, and the claim path asks it again (memoised).
    if task.claim_policy == "registered" and task.community_id in registered_communities(session, member_id):
        return True
    if session.scalar(select(Claim.id).where(Claim.task_id == task.id, Claim.member_id == member_id)) is not None:
        return True
    if task.claim_policy == "invited":
        return (
            session.scalar(
                select(Invitation.id).where(Invitation.task_id == task.id, Invitation.member_id == member_id)
            )
            is not None
        )
    return False


_REGISTERED = "tasks.registered_communities"


def registered_communities(session, member_id: int) -> frozenset[int]:
    """The communities a member is registered in (approved), read once per transaction:
    seeing a task and claiming it both ask. Any flush or the transaction's end forgets it."""
    from ..registration.models import Registration

    memo = session.info.setdefault(_REGISTERED, {})
    if member_id not in memo:
        memo[member_id] = frozenset(
            session.scalars(
                select(Registration.community_id).where(
                    Registration.member_id == member_id, Registration.status == "approved"
                )
            )
        )
    return memo[member_id]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_registrations(session, *_):
    session.info.pop(_REGISTERED, None)


def _place_in_community(session, community: Area, place_id: int | None) -> Area:
    if place_id is None:
        return community
    place = session.get(Area, place_id)
    if place is None or not place.path.startswith(community.path):
        raise Invalid(N_("地点不在该社区内"), fields={"place_id": [N_("不在该社区内")]})
    return place


def _check_skills(session, codes: list[str], field: str) -> list[str]:
    codes = sorted(set(codes))
    known = set(session.scalars(select(SkillTag.code).where(SkillTag.code.in_(codes)))) if codes else set()
    if set(codes) - known:
        raise Invalid(N_("未知的技能标签"), fields={field: [unknown(set(codes) - known)]})
    return codes


def create_task(session, scope: Scope, data: dict, now: datetime) -> Task:
    community = session.get(Area, data["community_id"])
    if community is None or community.kind != "community" or not scope.covers(community.path):
        raise NotFound(N_("社区不存在"))
    if not scope.covers(community.path, MANAGE):
        raise Forbidden(N_("只有社区及以上管理员可以发布任务"))
    place = _place_in_community(session, community, data.get("place_id"))
    if data["category"] not in category_codes(session):
        raise Invalid(N_("未知的服务类别"), fields={"category": [UNKNOWN_CATEGORY]})
    if data["starts_at"] >= data["ends_at"]:
        raise Invalid(N_("结束时间必须晚于开始时间"), fields={"ends_at": [N_("须晚于开始时间")]})
    if data["ends_at"] <= now:
        raise Invalid(N_("任务时间已过"), fields={"ends_at": [N_("已过")]})
    if data.get("activity") and data["activity"] not in ACTIVITIES:
        raise Invalid(N_("未知的活动类型"), fields={"activity": [N_("未知的活动类型")]})
    if data.get("claim_policy", "registered") not in CLAIM_POLICIES:
        raise Invalid(N_("认领范围不正确"), fields={"claim_policy": [one_of(CLAIM_POLICIES)]})
    needs = []
    for need_id in data.get("need_ids", []):
        needs.append(_need_for_task(session, scope, need_id, community))
    task = Task(
        title=data["title"].strip(),
        description=data.get("description", ""),
        community_id=community.id,
        place_id=place.id,
        category=data["category"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        slots=data["slots"],
        required_skills=_check_skills(session, data.get("required_skills", []), "required_skills"),
        preferred_skills=_check_skills(session, data.get("preferred_skills", []), "preferred_skills"),
        claim_policy=data.get("claim_policy", "registered"),
        activity=data.get("activity"),
        kind="need" if needs else ("activity" if data.get("activity") else data.get("kind", "service")),
        urgent=data.get("urgent", False) or any(n.urgency == "urgent" for n in needs),
        beneficiary_group=data.get("beneficiary_group")
        or next((n.beneficiary_group for n in needs if n.beneficiary_group), None),
        status="open" if data.get("publish", True) else "draft",
        created_by_id=scope.account_id,
    )
    task.needs = needs
    session.add(task)
    session.flush()
    for need in needs:
        if need.status == "accepted":
            start_progress(session, need, task.id, scope.account_id, now)
    record(session, scope.account_id, "task.create", "task", task.id, community.path, needs=[n.id for n in needs])
    return task


def _need_for_task(session, scope: Scope, need_id: int, community: Area):
    need = session.get(Need, need_id)
    if need is None or need.community_id != community.id:
        raise Invalid(
            N_("诉求 %(id)s 不属于该社区"),
            params={"id": need_id},
            fields={"need_ids": [(N_("%(id)s：不是该社区的诉求"), {"id": need_id})]},
        )
    if need.status not in ("accepted", "in_progress"):
        raise Conflict(N_("只有已受理的诉求可以派生任务"), allowed=["accepted", "in_progress"])
    return need


def update_task(session, scope: Scope, task: Task, changes: dict, now: datetime) -> Task:
    if task.status in ("completed", "cancelled"):
        raise Conflict(N_("任务已结束，不能修改"), allowed=[])
    if "slots" in changes and changes["slots"] < task.taken:
        raise Conflict(
            N_("已有 %(n)s 人认领，名额不能少于此数"),
            params={"n": task.taken},
            fields={"slots": [(N_("不能少于已认领的 %(n)s 人"), {"n": task.taken})]},
        )
    for key in ("title", "description", "starts_at", "ends_at", "slots", "urgent"):
        if key in changes:
            setattr(task, key, changes[key])
    if task.starts_at >= task.ends_at:
        raise Invalid(N_("结束时间必须晚于开始时间"), fields={"ends_at": [N_("须晚于开始时间")]})
    if "required_skills" in changes:
        task.required_skills = _check_skills(session, changes["required_skills"], "required_skills")
    if "preferred_skills" in changes:
        task.preferred_skills = _check_skills(session, changes["preferred_skills"], "preferred_skills")
    if task.status in ("open", "full"):
        task.status = "full" if task.taken >= task.slots else "open"
    session.flush()
    if task.status == "open":
        _promote_waiting(session, task, now)
    _notify_claimants(session, task, "task.changed", N_("任务有变更：%(task)s"))
    record(session, scope.account_id, "task.update", "task", task.id, task.community.path, fields=sorted(changes))
    return task


def change_task_status(session, scope: Scope, task: Task, action: str, now: datetime, reason: str = "") -> Task:
    sources, target = TASK_TRANSITIONS[action]
    if task.status not in sources:
        raise Conflict(
            N_("任务状态为 %(status)s，不能执行 %(action)s"),
            params={"status": task.status, "action": action},
            allowed=_allowed_actions(TASK_TRANSITIONS, task.status),
        )
    if action == "publish":
        target = "full" if task.taken >= task.slots else "open"
    task.status = target
    if action == "cancel":
        for claim in session.scalars(
            select(Claim).where(Claim.task_id == task.id, Claim.status.in_(("waiting", "claimed", "checked_in")))
        ):
            claim.status, claim.cancelled_at, claim.reason = "cancelled", now, reason or "任务取消"
        _notify_claimants(session, task, "task.cancelled", N_("任务已取消：%(task)s"), include_cancelled=True)
    record(session, scope.account_id, f"task.{action}", "task", task.id, task.community.path, reason=reason)
    return task


def _notify_claimants(session, task: Task, kind: str, title: str, include_cancelled: bool = False):
    """``title`` is a message id with the task's title as ``%(task)s``."""
    statuses = LIVE_CLAIM + (("cancelled",) if include_cancelled else ())
    for member_id in session.scalars(
        select(Claim.member_id).where(Claim.task_id == task.id, Claim.status.in_(statuses))
    ):
        notify_member(session, member_id, kind, title, link=f"/tasks/{task.id}", params={"task": task.title})


def list_tasks(scope: Scope, *, community_id=None, status=None, day=None, skill=None, tz: ZoneInfo | None = None):
    stmt = select(Task).join(Area, Area.id == Task.community_id).where(scope.within(Area.path))
    return _filter_tasks(stmt, community_id=community_id, status=status, day=day, skill=skill, tz=tz)


def _filter_tasks(stmt, *, community_id=None, status=None, day=None, skill=None, tz=None, category=None):
    conditions = _task_conditions(
        **_filter_values(community_id=community_id, status=status, day=day, skill=skill, tz=tz, category=category)
    )
    return stmt.where(*conditions).order_by(Task.starts_at, Task.id)


def _filter_values(*, community_id=None, status=None, day=None, skill=None, tz=None, category=None) -> dict:
    """The list filters that are set, as ``_task_conditions`` takes them."""
    day_start = datetime.combine(day, datetime.min.time(), tz) if day is not None else None
    values = {
        "community_id": community_id,
        "status": status or None,
        "day_start": day_start,
        "day_end": day_start + timedelta(days=1) if day_start is not None else None,
        # Skill lists are small JSON arrays; matching the quoted code in their text works on both backends.
        "skill_pattern": f'%"{skill}"%' if skill else None,
        "category": category or None,
    }
    return {name: value for name, value in values.items() if value is not None}


def _task_conditions(
    *, community_id=None, status=None, day_start=None, day_end=None, skill_pattern=None, category=None
) -> list:
    """The list filters staff and members share; a value may be a bound parameter (the hall's
    prebuilt statements) or a value. None leaves a filter out."""
    conditions = []
    if community_id is not None:
        conditions.append(Task.community_id == community_id)
    if status is not None:
        conditions.append(Task.status == status)
    if day_start is not None:
        conditions += [Task.starts_at < day_end, Task.ends_at > day_start]
    if skill_pattern is not None:
        conditions.append(
            or_(
                cast(Task.required_skills, String).like(skill_pattern),
                cast(Task.preferred_skills, String).like(skill_pattern),
            )
        )
    if category is not None:
        conditions.append(Task.category == category)
    return conditions


# --- the task hall -------------------------------------------------------------------

# What a member sees of a task in the hall (TaskPublicSchema's fields), read as plain columns.
_HALL_COLUMNS = (
    "id",
    "title",
    "description",
    "kind",
    "activity",
    "community_id",
    "place_id",
    "category",
    "starts_at",
    "ends_at",
    "slots",
    "taken",
    "required_skills",
    "preferred_skills",
    "claim_policy",
    "status",
    "urgent",
)


@lru_cache(maxsize=1)
def _hall_preface_statement():
    """The member's home path, approved registrations and live invitations in one round trip."""
    from ..registration.models import Registration

    member = bindparam("member_id", type_=Integer)
    return union_all(
        select(literal("home").label("what"), Area.path.label("path"), literal(None, Integer).label("id"))
        .join(Member, Member.home_building_id == Area.id)
        .where(Member.id == member),
        select(literal("registration"), literal(None, String), Registration.community_id).where(
            Registration.member_id == member, Registration.status == "approved"
        ),
        select(literal("invitation"), literal(None, String), Invitation.task_id).where(
            Invitation.member_id == member, Invitation.status.in_(("pending", "accepted"))
        ),
    )


@lru_cache(maxsize=64)
def _hall_statement(as_rows: bool, nearness_levels: int, filters: frozenset[str]):
    """The hall's query for one shape (how deep the member's home is, which filters are set),
    built once: every value is a bound parameter, so a request only binds and runs it."""
    place = aliased(Area)
    visible = or_(
        Task.claim_policy == "everyone",
        and_(Task.claim_policy == "registered", Task.community_id.in_(bindparam("communities", expanding=True))),
        Task.id.in_(bindparam("invited", expanding=True)),
    )
    stmt: Select
    if as_rows:
        community = aliased(Area)
        stmt = select(
            *(getattr(Task, c) for c in _HALL_COLUMNS),
            community.name.label("community_name"),
            place.name.label("place_name"),
            func.count().over().label("total"),
        ).join(community, community.id == Task.community_id)
    else:
        stmt = select(Task, func.count().over().label("total")).options(
            contains_eager(Task.place.of_type(place)), joinedload(Task.community)
        )
    stmt = stmt.join(place, place.id == Task.place_id).where(
        Task.status.in_(("open", "full")), Task.ends_at > bindparam("now"), visible
    )
    stmt = stmt.where(*_task_conditions(**{name: bindparam(name) for name in filters}))
    order = []
    if nearness_levels:
        # Nearness from the materialised paths: same building, then same compound/grid, then community.
        order.append(
            case(
                *[(place.path.startswith(bindparam(f"near_{i}", type_=String)), i) for i in range(nearness_levels)],
                else_=nearness_levels,
            )
        )
    stmt = stmt.order_by(*order, Task.starts_at, Task.id)
    counted = select(func.count()).select_from(stmt.order_by(None).with_only_columns(Task.id).subquery())
    return stmt.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)), counted


def task_hall(
    session,
    member_id: int,
    now: datetime,
    *,
    community_id=None,
    day=None,
    skill=None,
    category=None,
    tz: ZoneInfo | None = None,
    page: int = 1,
    per_page: int = 20,
    as_rows: bool = False,
) -> dict:
    """Open tasks this member may claim: nearest first (building, compound, community), then soonest.

    The hall is the busiest read of the service, so it costs two statements: the member's
    home, registrations and invitations, then one query that pages, counts (a window count)
    and brings each task's community and place along. Both are built once per shape and only
    bound per request. With ``as_rows`` the items are plain rows (the public fields,
    ``community_name`` and ``place_name``) rather than Task objects: the API needs nothing
    more, and building ORM objects was most of its cost."""
    home, communities, invited = None, set(), []
    for what, path, ident in session.execute(_hall_preface_statement(), {"member_id": member_id}):
        if what == "home":
            home = path
        elif what == "registration":
            communities.add(int(ident))
        else:
            invited.append(int(ident))
    params = {
        "now": now,
        "communities": sorted(communities) or [-1],
        "invited": invited or [-1],
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    filters = _filter_values(community_id=community_id, day=day, skill=skill, tz=tz, category=category)
    params.update(filters)
    prefixes = []
    if home:
        parts = home.strip("/").split("/")
        prefixes = ["/" + "/".join(parts[:n]) + "/" for n in range(len(parts), 2, -1)]
        params.update({f"near_{i}": p for i, p in enumerate(prefixes)})
    stmt, counted = _hall_statement(as_rows, len(prefixes), frozenset(filters))
    rows = session.execute(stmt, params).all()
    if rows:
        total = rows[0].total
    else:  # past the last page the window count has no row to ride on
        total = session.scalar(counted, params)
    items = rows if as_rows else [row[0] for row in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total or 0}


# --- claims ---------------------------------------------------------------------------


def _lock_member(session, member_id: int) -> Member:
    member = session.scalar(select(Member).where(Member.id == member_id).with_for_update())
    if member is None:
        raise NotFound(N_("成员不存在"))
    return member


def eligibility_problem(session, member: Member, task: Task) -> tuple[str, dict] | None:
    """Why this member may not claim this task (a message id and its parameters), or None."""
    if not member.active:
        return N_("账号已停用"), {}
    if task.claim_policy == "registered" and task.community_id not in registered_communities(session, member.id):
        return N_("只有在该社区报到的成员可以认领"), {}
    if (
        task.claim_policy == "invited"
        and session.scalar(
            select(Invitation.id).where(
                Invitation.task_id == task.id,
                Invitation.member_id == member.id,
                Invitation.status.in_(("pending", "accepted")),
            )
        )
        is None
    ):
        return N_("该任务仅限受邀成员认领"), {}
    missing = set(task.required_skills or [])
    if missing:
        missing -= {s.code for s in member.skills}
    if missing:
        return N_("缺少所需技能：%(skills)s"), {"skills": ", ".join(sorted(missing))}
    return None


def _overlapping_claim(session, member_id: int, task: Task) -> Claim | None:
    return session.scalar(
        select(Claim)
        .join(Task, Task.id == Claim.task_id)
        .where(
            Claim.member_id == member_id,
            Claim.status.in_(("claimed", "checked_in")),
            Task.id != task.id,
            Task.starts_at < task.ends_at,
            Task.ends_at > task.starts_at,
        )
    )


def claim_as_member(session, scope: Scope, task_id: int, now: datetime, *, waitlist: bool = True) -> Claim:
    """The signed-in member claims a task they can see (a staff account without a member record
    cannot: claiming is a member's action)."""
    if scope.member_id is None:
        raise Forbidden(N_("只有成员可以认领任务"), code="not_a_member")
    # Held, not discarded: the session's identity map is weak, and claim_task looks it up again.
    task = get_task(session, scope, task_id)  # noqa: F841
    return claim_task(session, task_id=task_id, member_id=scope.member_id, now=now, waitlist=waitlist)


def claim_task(
    session,
    *,
    task_id: int,
    member_id: int,
    now: datetime,
    waitlist: bool = True,
    via_invitation: Invitation | None = None,
) -> Claim:
    """Take a slot, or a place on the waitlist when the task is full (if ``waitlist``)."""
    member = _lock_member(session, member_id)
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(N_("任务不存在"))
    if task.status not in ("open", "full") or task.ends_at <= now:
        raise Conflict(N_("该任务当前不可认领"), fields={"status": [task.status]})
    existing = session.scalar(
        select(Claim).where(Claim.task_id == task.id, Claim.member_id == member_id, Claim.status.in_(LIVE_CLAIM))
    )
    if existing is not None:
        raise Conflict(
            N_("你已认领该任务") if existing.status != "waiting" else N_("你已在候补名单中"), claim_id=existing.id
        )
    if via_invitation is None:
        problem = eligibility_problem(session, member, task)
        if problem:
            message, params = problem
            raise Invalid(message, params=params, fields={"task_id": [N_("不符合认领条件")]})
    overlap = _overlapping_claim(session, member_id, task)
    if overlap is not None:
        raise Conflict(
            N_("与你已认领的任务「%(title)s」时间冲突"), params={"title": overlap.task.title}, claim_id=overlap.id
        )
    took = session.execute(
        update(Task)
        .where(Task.id == task.id, Task.taken < Task.slots, Task.status == "open")
        .values(taken=Task.taken + 1, status=case((Task.taken + 1 >= Task.slots, "full"), else_=Task.status))
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(task, ["taken", "status"])
    if took:
        claim = Claim(task_id=task.id, member_id=member_id, status="claimed", claimed_at=now)
        session.add(claim)
        session.flush()
        notify_member(
            session,
            member_id,
            "claim.confirmed",
            N_("认领成功：%(task)s"),
            link=f"/tasks/{task.id}",
            params={"task": task.title},
        )
        return claim
    if not waitlist:
        raise Conflict(N_("名额已满"), fields={"slots": [N_("已满")]})
    claim = Claim(task_id=task.id, member_id=member_id, status="waiting")
    session.add(claim)
    session.flush()
    return claim


def waitlist_position(session, claim: Claim) -> int | None:
    if claim.status != "waiting":
        return None
    return session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(Claim.task_id == claim.task_id, Claim.status == "waiting", Claim.id <= claim.id)
    )


def _promote_waiting(session, task: Task, now: datetime) -> list[Claim]:
    """Fill free slots from the waitlist, first come first served."""
    promoted = []
    while True:
        first = session.scalar(
            select(Claim)
            .where(Claim.task_id == task.id, Claim.status == "waiting")
            .order_by(Claim.id)
            .limit(1)
            .with_for_update()
        )
        if first is None:
            break
        took = session.execute(
            update(Task)
            .where(Task.id == task.id, Task.taken < Task.slots, Task.status.in_(("open", "full")))
            .values(taken=Task.taken + 1, status=case((Task.taken + 1 >= Task.slots, "full"), else_="open"))
            .execution_options(synchronize_session=False)
        ).rowcount
        if not took:
            break
        first.status, first.claimed_at = "claimed", now
        notify_member(
            session,
            first.member_id,
            "claim.promoted",
            N_("候补转正：%(task)s"),
            link=f"/tasks/{task.id}",
            params={"task": task.title},
        )
        promoted.append(first)
    session.expire(task, ["taken", "status"])
    return promoted


def _release_slot(session, task: Task) -> None:
    session.execute(
        update(Task)
        .where(Task.id == task.id, Task.taken > 0)
        .values(taken=Task.taken - 1, status=case((Task.status == "full", "open"), else_=Task.status))
        .execution_options(synchronize_session=False)
    )
    session.expire(task, ["taken", "status"])


def _claim_for_update(session, claim_id: int) -> Claim:
    claim = session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update())
    if claim is None:
        raise NotFound(N_("认领记录不存在"))
    return claim


def _require(claim: Claim, action: str) -> None:
    if claim.status not in CLAIM_TRANSITIONS[action]:
        raise Conflict(
            N_("认领状态为 %(status)s，不能执行 %(action)s"),
            params={"status": claim.status, "action": action},
            allowed=_allowed_actions(CLAIM_TRANSITIONS, claim.status),
        )


def get_claim(session, scope: Scope, claim_id: int, at_least: str | None = None) -> Claim:
    """The claim if it is the caller's own, or in a community the caller's scope covers."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(N_("认领记录不存在"))
    own = scope.member_id == claim.member_id
    staff = scope.covers(claim.task.community.path, READ)
    if not (own or staff):
        raise NotFound(N_("认领记录不存在"))
    if at_least and not scope.covers(claim.task.community.path, at_least):
        raise Forbidden(N_("无权处理该认领"))
    return claim


def cancel_claim(session, scope: Scope, claim_id: int, now: datetime) -> Claim:
    claim = get_claim(session, scope, claim_id)
    if scope.member_id != claim.member_id:
        raise Forbidden(N_("只有本人可以取消认领"))
    _lock_member(session, claim.member_id)
    claim = _claim_for_update(session, claim_id)
    _require(claim, "cancel")
    task = claim.task
    if task.starts_at <= now:
        raise Conflict(N_("任务已开始，不能取消"), allowed=_allowed_actions(CLAIM_TRANSITIONS, claim.status))
    held = claim.status == "claimed"
    claim.status, claim.cancelled_at = "cancelled", now
    claim.late_cancel = held and task.starts_at - now < LATE_CANCEL_WINDOW
    if held:
        _release_slot(session, task)
        _promote_waiting(session, task, now)
    return claim


def check_in(session, scope: Scope, claim_id: int, now: datetime) -> Claim:
    claim = get_claim(session, scope, claim_id)
    if scope.member_id != claim.member_id and not scope.covers(claim.task.community.path, READ):
        raise NotFound(N_("认领记录不存在"))
    claim = _claim_for_update(session, claim_id)
    _require(claim, "check-in")
    if now < claim.task.starts_at - CHECK_IN_EARLY or now > claim.task.ends_at:
        raise Conflict(N_("只能在任务开始前 1 小时到结束之间签到"), allowed=[])
    claim.status, claim.checked_in_at = "checked_in", now
    return claim


def report_done(session, scope: Scope, claim_id: int, hours: Decimal, note: str, now: datetime) -> Claim:
    claim = get_claim(session, scope, claim_id)
    if scope.member_id != claim.member_id:
        raise Forbidden(N_("只有本人可以报告完成"))
    claim = _claim_for_update(session, claim_id)
    _require(claim, "done")
    if now < claim.task.starts_at:
        raise Conflict(N_("任务尚未开始"), allowed=[])
    window_hours = Decimal((claim.task.ends_at - claim.task.starts_at).total_seconds()) / 3600
    if hours <= 0 or hours > window_hours + Decimal("2"):
        raise Invalid(
            N_("服务时长不合理"), fields={"hours": [(N_("须在 0 到 %(max)s 之间"), {"max": f"{window_hours + 2:.1f}"})]}
        )
    claim.status, claim.done_at = "done", now
    claim.hours_tenths = int(hours * 10)
    claim.note = note.strip()
    return claim


def _decide_about(session, scope: Scope, claim_id: int, action: str) -> Claim:
    """The claim a community admin decides about: never one of their own member record."""
    claim = get_claim(session, scope, claim_id, at_least=MANAGE)
    policy.check(
        scope,
        f"tasks:claim:{action}",
        policy.Record("claim", claim.id, claim.task.community.path, member_id=claim.member_id),
        hidden=N_("认领记录不存在"),
        refused=N_("无权处理该认领"),
    )
    return claim


def verify_claim(session, scope: Scope, claim_id: int, now: datetime, tz: ZoneInfo) -> Claim:
    """Staff confirm the service; points go through the ledger, once, whoever clicks twice."""
    _decide_about(session, scope, claim_id, "verify")
    claim = _claim_for_update(session, claim_id)
    if claim.status == "verified":
        return claim
    _require(claim, "verify")
    task = claim.task
    entry = ledger.award_service(
        session,
        member_id=claim.member_id,
        community_id=task.community_id,
        service=Service(
            category=task.category,
            occurred_at=task.starts_at,
            hours=Decimal(claim.hours_tenths or 0) / 10,
            urgent=task.urgent,
            beneficiary_group=task.beneficiary_group,
            activity=task.activity,
        ),
        key=f"award:claim:{claim.id}",
        source_type="claim",
        source_id=claim.id,
        actor_id=scope.account_id,
        tz=tz,
        note=task.title,
    )
    claim.status, claim.decided_at, claim.decided_by_id, claim.ledger_entry_id = (
        "verified",
        now,
        scope.account_id,
        entry.id,
    )
    notify_member(
        session,
        claim.member_id,
        "claim.verified",
        N_("服务已核实，获得 %(points)s 分：%(task)s"),
        link="/points/me",
        params={"points": f"{entry.amount / 10:.1f}", "task": task.title},
    )
    record(session, scope.account_id, "claim.verify", "claim", claim.id, task.community.path, entry_id=entry.id)
    return claim


def verify_many(session, scope: Scope, claim_ids, now: datetime, tz: ZoneInfo) -> list[dict]:
    """Verify many claims; each succeeds or fails on its own (a refusal undoes only its own part,
    and a refusal of one's own claim is audited)."""
    results = []
    for claim_id in list(dict.fromkeys(claim_ids)):
        try:
            with session.begin_nested():
                claim = verify_claim(session, scope, claim_id, now, tz)
        except DomainError as error:
            error.audit(session)
            results.append({"id": claim_id, "ok": False, "error": error.text(), "code": error.code})
        else:
            results.append({"id": claim_id, "ok": True, "status": claim.status})
    return results


def reject_claim(session, scope: Scope, claim_id: int, reason: str, now: datetime) -> Claim:
    _decide_about(session, scope, claim_id, "reject")
    claim = _claim_for_update(session, claim_id)
    _require(claim, "reject")
    if not reason.strip():
        raise Invalid(N_("请填写驳回原因"), fields={"reason": [REQUIRED]})
    claim.status, claim.decided_at, claim.decided_by_id, claim.reason = (
        "rejected",
        now,
        scope.account_id,
        reason.strip(),
    )
    notify_member(
        session,
        claim.member_id,
        "claim.rejected",
        N_("服务未通过核实：%(task)s"),
        params={"task": claim.task.title},
        detail=reason.strip(),
    )
    record(
        session, scope.account_id, "claim.reject", "claim", claim.id, claim.task.community.path, reason=reason.strip()
    )
    return claim


def mark_no_show(session, scope: Scope, claim_id: int, now: datetime, tz: ZoneInfo) -> Claim:
    _decide_about(session, scope, claim_id, "no_show")
    claim = _claim_for_update(session, claim_id)
    _require(claim, "no-show")
    task = claim.task
    if now < task.starts_at:
        raise Conflict(N_("任务尚未开始，不能记为未到"), allowed=[])
    claim.status, claim.decided_at, claim.decided_by_id = "no_show", now, scope.account_id
    # The slot is free again: if the task is still taking people, the waitlist moves up.
    _release_slot(session, task)
    _promote_waiting(session, task, now)
    entry = ledger.charge_no_show(
        session,
        member_id=claim.member_id,
        community_id=task.community_id,
        occurred_at=task.starts_at,
        key=f"penalty:claim:{claim.id}",
        source_type="claim",
        source_id=claim.id,
        tz=tz,
        actor_id=scope.account_id,
    )
    claim.ledger_entry_id = entry.id if entry else None
    notify_member(session, claim.member_id, "claim.no_show", N_("记为未到：%(task)s"), params={"task": task.title})
    record(session, scope.account_id, "claim.no_show", "claim", claim.id, task.community.path)
    return claim


def verification_queue(scope: Scope, *, community_id=None, status="done"):
    stmt = (
        select(Claim)
        .join(Task, Task.id == Claim.task_id)
        .join(Area, Area.id == Task.community_id)
        .where(scope.within(Area.path, MANAGE), Claim.status == status)
    )
    if community_id is not None:
        stmt = stmt.where(Task.community_id == community_id)
    return stmt.order_by(Claim.done_at, Claim.id)


def member_claims(session, scope: Scope, member_id: int, status=None):
    from ..people.service import get_member

    get_member(session, scope, member_id)
    stmt = select(Claim).join(Task, Task.id == Claim.task_id).where(Claim.member_id == member_id)
    if status:
        stmt = stmt.where(Claim.status == status)
    return stmt.order_by(Task.starts_at.desc(), Claim.id.desc())


@on_five_stars
def award_rating_bonus(session, need_id: int, now: datetime, tz: ZoneInfo) -> int:
    """A 5-star rating of a need earns its verified volunteers the rules' bonus, once each."""
    from .models import task_needs

    claims = session.scalars(
        select(Claim)
        .join(task_needs, task_needs.c.task_id == Claim.task_id)
        .where(task_needs.c.need_id == need_id, Claim.status == "verified")
    ).all()
    given = 0
    for claim in claims:
        entry = ledger.award_rating_bonus(
            session,
            member_id=claim.member_id,
            community_id=claim.task.community_id,
            occurred_at=now,
            key=f"bonus:rating:need:{need_id}:claim:{claim.id}",
            source_type="claim",
            source_id=claim.id,
            tz=tz,
        )
        given += entry is not None
    return given
