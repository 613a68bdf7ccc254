"""The matcher on live data: candidates for a task, why a member is not one, tasks for a
member, and dispatch (派单) preview and sending. Plain functions over a session and a Scope.

Every answer carries its reasons in Chinese and English (``reasons``: key, zh, en; ``text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..audit.log import record
from ..errors import Forbidden, Invalid, NotFound
from ..i18n import N_
from ..people.models import Member
from ..people.scope import MANAGE, READ, Scope
from ..places.models import Area
from ..tasks.models import Claim, Invitation, Task, LIVE_CLAIM
from .assignment import DispatchSettings, dispatch
from .candidates import build_candidates, recommend
from .eligibility import REASONS, TIME_CONFLICT
from .invitations import create_invitation
from .loading import Loaded, TaskFilter, load
from .lookup import DEFAULT_TZ, staff_task
from .models import DispatchRun
from .reasons import explain

MAX_CANDIDATES = 50
MAX_WINDOW = timedelta(days=31)
INACTIVE = {"code": "inactive", "zh": "账号已停用", "en": "the member's account is deactivated"}


def _limit(limit: int | None, default: int = 10) -> int:
    return max(1, min(int(limit or default), MAX_CANDIDATES))


def _item(loaded: Loaded, suggestion, rank: int | None = None) -> dict:
    out = suggestion.as_dict()
    out["name"] = loaded.member_names.get(out["member_id"], "")
    out["invitation"] = loaded.invitations.get((out["member_id"], out["task_id"]))
    if rank is not None:
        out["rank"] = rank
    return out


def _load_task(session, task: Task, now: datetime, tz: ZoneInfo, extra=(), eligible_only: bool = False) -> Loaded:
    """One task and the members of its community (and its invitees): a request's worth.
    ``eligible_only``: just those of them who could be candidates (see ``load``)."""
    return load(
        session,
        TaskFilter(task_ids=(task.id,), everyone_reach="community"),
        now=now,
        tz=tz,
        extra_member_ids=extra,
        focus=(task.id,),
        eligible_only=eligible_only,
    )


def candidates_for_task(
    session, scope: Scope, task_id: int, now: datetime, limit: int = 10, *, tz: ZoneInfo = DEFAULT_TZ
) -> dict:
    """The best members for a task, ranked, each with score, breakdown and reasons in words."""
    task = staff_task(session, scope, task_id)
    # Only members who pass the member-side hard filters are loaded: the ranking is the same
    # (scores and ties do not depend on who else is loaded), the load a fraction.
    loaded = _load_task(session, task, now, tz, eligible_only=True)
    p = loaded.problem
    graph = build_candidates(p)
    rows = list(graph.rows_of(loaded.task_row[task.id]))[: _limit(limit)]
    items = [_item(loaded, graph.describe(p, r), rank=i + 1) for i, r in enumerate(rows)]
    return {"task_id": task.id, "open_slots": int(p.tasks.slots[0]), "considered": loaded.considered, "items": items}


def why_not(session, scope: Scope, task_id: int, member_id: int, now: datetime, *, tz: ZoneInfo = DEFAULT_TZ) -> dict:
    """Why a member is (not) suggested for a task: the first hard filter that excludes them,
    or, when eligible, their score and rank among the candidates."""
    from ..people.service import member_visibility

    task = staff_task(session, scope, task_id)
    member = session.scalar(select(Member).where(Member.id == member_id, member_visibility(scope)))
    if member is None:
        raise NotFound(N_("成员不存在"))
    held = session.scalar(
        select(Claim.status).where(Claim.task_id == task.id, Claim.member_id == member_id, Claim.status.in_(LIVE_CLAIM))
    )
    base = {"task_id": task.id, "member_id": member.id, "name": member.name, "claim": held}
    if not member.active:
        return base | {
            "eligible": False,
            "excluded": INACTIVE,
            "score": None,
            "breakdown": {},
            "reasons": [],
            "text": {"zh": "", "en": ""},
            "rank": None,
            "invitation": None,
        }
    loaded = _load_task(session, task, now, tz, extra=(member.id,))
    p = loaded.problem
    m, t = loaded.member_row[member.id], loaded.task_row[task.id]
    answer = explain(p, m, t).as_dict()
    graph = build_candidates(p)
    ranked = [int(graph.member[r]) for r in graph.rows_of(t)]
    answer.update(base)
    answer["eligible"] = answer["excluded"] is None
    answer["rank"] = ranked.index(m) + 1 if m in ranked else None
    answer["invitation"] = loaded.invitations.get((member.id, task.id))
    if held and answer["excluded"] and answer["excluded"]["code"] == REASONS[TIME_CONFLICT][0]:
        answer["excluded"] = {"code": "holds_task", "zh": "已认领该任务", "en": "already holds this task"}
    return answer


def _member_reach(session, member_id: int) -> tuple[list[int], list[str]]:
    """Communities a member may take registered tasks in, and the street paths around
    the communities they belong to (for tasks open to everyone)."""
    from ..registration.models import Registration

    communities = sorted(
        set(
            session.scalars(
                select(Registration.community_id).where(
                    Registration.member_id == member_id, Registration.status == "approved"
                )
            )
        )
    )
    member = session.get(Member, member_id)
    paths = set(session.scalars(select(Area.path).where(Area.id.in_(communities or [-1]))))
    if member is not None and member.home_building is not None:
        parts = member.home_building.path.strip("/").split("/")
        kinds = dict(session.execute(select(Area.id, Area.kind).where(Area.id.in_([int(x) for x in parts]))).all())
        paths.update(
            "/" + "/".join(parts[: i + 1]) + "/" for i, x in enumerate(parts) if kinds.get(int(x)) == "community"
        )
    circle = sorted({"/" + "/".join(p.strip("/").split("/")[:-1]) + "/" for p in paths if p.count("/") > 2})
    return communities, circle


def recommend_for(session, member_id: int, now: datetime, limit: int, tz: ZoneInfo) -> list[tuple[Task, dict]]:
    """(task, explained suggestion) pairs, best first, of open tasks this member could take."""
    communities, circle = _member_reach(session, member_id)
    loaded = load(
        session,
        TaskFilter(
            community_ids=tuple(communities), everyone_in=tuple(circle), invited_member=member_id, starts_after=now
        ),
        now=now,
        tz=tz,
        members=[member_id],
        reserve_pending=False,
    )
    if member_id not in loaded.member_row or not loaded.tasks:
        return []
    p = loaded.problem
    picks = recommend(p, loaded.member_row[member_id], k=_limit(limit))
    ids = [s.task_id for s in picks]
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(ids or [-1])))}
    return [(tasks[s.task_id], s.as_dict()) for s in picks if s.task_id in tasks]


def recommended_tasks(
    session, scope: Scope, member_id: int, now: datetime, limit: int = 10, *, tz: ZoneInfo = DEFAULT_TZ
) -> list[tuple[Task, dict]]:
    """Tasks ranked for a member: the member themselves, or staff who may see the member."""
    from ..people.service import get_member

    get_member(session, scope, member_id)
    return recommend_for(session, member_id, now, limit, tz)


# --- dispatch (派单) ---------------------------------------------------------------------------


@dataclass
class DispatchPlan:
    area: Area
    start: datetime
    end: datetime
    solver: str
    note: str
    tasks: int
    slots: int
    filled: int
    score: float
    assignments: list[dict] = field(default_factory=list)
    unfilled: list[dict] = field(default_factory=list)
    dispatch_id: int | None = None
    invitations: list[Invitation] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "area_id": self.area.id,
            "area_name": self.area.name,
            "from": self.start,
            "to": self.end,
            "solver": self.solver,
            "note": self.note,
            "tasks": self.tasks,
            "slots": self.slots,
            "filled": self.filled,
            "score": round(self.score, 3),
            "assignments": self.assignments,
            "unfilled": self.unfilled,
            "dispatch_id": self.dispatch_id,
            "invitation_ids": [i.id for i in self.invitations],
            "skipped": self.skipped,
        }


def _dispatch_area(session, scope: Scope, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None or not scope.covers(area.path, READ):
        raise NotFound(N_("区域不存在"))
    if not scope.covers(area.path, MANAGE):
        raise Forbidden(N_("只有社区及以上管理员可以派单"))
    return area


def preview_dispatch(
    session,
    scope: Scope,
    area_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    tz: ZoneInfo = DEFAULT_TZ,
    method: str = "exact",
    settings: DispatchSettings = DispatchSettings(),
) -> DispatchPlan:
    """Who would be invited to the open slots of the area's tasks starting in [start, end), why,
    and what stays empty and why. Nothing is written."""
    area = _dispatch_area(session, scope, area_id)
    if start >= end:
        raise Invalid(N_("结束时间必须晚于开始时间"), fields={"to": [N_("须晚于开始时间")]})
    if end - start > MAX_WINDOW:
        raise Invalid(N_("派单时段最长 31 天"), fields={"to": [N_("最多比开始时间晚 31 天")]})
    if method not in ("exact", "greedy"):
        raise Invalid(N_("method 只能是 exact 或 greedy"), fields={"method": [N_("只能是 exact 或 greedy")]})
    start = max(start, now)
    if start >= end:
        raise Invalid(N_("派单时段已过"), fields={"to": [N_("已过")]})
    loaded = load(session, TaskFilter(area_path=area.path, start=start, end=end), now=now, tz=tz)
    p = loaded.problem
    graph = build_candidates(p)
    result = dispatch(p, graph, settings, method=method)
    info = {t.id: t for t in loaded.tasks}
    assignments = []
    for r in result.rows:
        item = _item(loaded, graph.describe(p, int(r)))
        t = info[item["task_id"]]
        item.update(task_title=t.title, starts_at=t.starts_at, ends_at=t.ends_at)
        assignments.append(item)
    assignments.sort(key=lambda a: (a["starts_at"], a["task_id"], -a["score"]))
    unfilled = []
    for u in result.unfilled(p):
        t = info[u["task_id"]]
        unfilled.append(u | {"task_title": t.title, "starts_at": t.starts_at})
    return DispatchPlan(
        area=area,
        start=start,
        end=end,
        solver=result.solver,
        note=result.note,
        tasks=len(loaded.tasks),
        slots=result.slots,
        filled=result.filled,
        score=result.total_score,
        assignments=assignments,
        unfilled=unfilled,
    )


def send_dispatch(
    session,
    scope: Scope,
    area_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    tz: ZoneInfo = DEFAULT_TZ,
    method: str = "exact",
    hours: int | None = None,
    settings: DispatchSettings = DispatchSettings(),
) -> DispatchPlan:
    """Run the dispatch afresh and turn its assignments into invitations (with a deadline)."""
    plan = preview_dispatch(session, scope, area_id, start, end, now, tz=tz, method=method, settings=settings)
    run = DispatchRun(
        area_id=plan.area.id,
        window_start=plan.start,
        window_end=plan.end,
        solver=plan.solver,
        note=plan.note,
        slots=plan.slots,
        filled=plan.filled,
        total_score=plan.score,
        unfilled=[_jsonable(u) for u in plan.unfilled],
        created_by_id=scope.account_id,
        created_at=now,
    )
    session.add(run)
    session.flush()
    plan.dispatch_id = run.id
    for a in plan.assignments:
        task = session.get(Task, a["task_id"])
        invitation, problem = create_invitation(
            session,
            task,
            a["member_id"],
            now,
            score=a["score"],
            reason=a["text"]["zh"],
            dispatch_id=run.id,
            created_by_id=scope.account_id,
            hours=hours,
            raise_conflict=False,
        )
        if invitation is None:
            plan.skipped.append({"task_id": task.id, "member_id": a["member_id"], "reason": problem})
        else:
            plan.invitations.append(invitation)
    record(
        session,
        scope.account_id,
        "dispatch.send",
        "dispatch_run",
        run.id,
        plan.area.path,
        solver=plan.solver,
        filled=plan.filled,
        slots=plan.slots,
        invitations=len(plan.invitations),
    )
    return plan


def _jsonable(d: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in d.items()}


__all__ = [
    "DispatchPlan",
    "candidates_for_task",
    "preview_dispatch",
    "recommend_for",
    "recommended_tasks",
    "send_dispatch",
    "staff_task",
    "why_not",
]
