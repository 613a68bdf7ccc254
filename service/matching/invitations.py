"""Invitations (派单邀请): staff invite one member, or a dispatch invites many; the member
accepts (an atomic claim) or declines before the deadline; a decline or an expiry offers
the slot to the next best eligible candidate not yet invited.

Rules kept here:

* at most one pending invitation per open slot: ``pending <= slots - taken``, checked
  under a lock on the task row (PostgreSQL; SQLite serialises writers anyway);
* one live (pending or accepted) invitation per member and task;
* accepting goes through ``tasks.service.claim_task(via_invitation=...)``, whose
  conditional UPDATE on ``taken`` is what makes concurrent accepts unable to overbook;
  the member row lock taken there serialises a member's own double clicks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..audit.log import record
from ..errors import Conflict, Invalid, NotFound
from ..i18n import N_
from ..notifications.service import notify_member
from ..people.models import Member
from ..people.scope import MANAGE, Scope
from ..tasks.models import LIVE_CLAIM, Claim, Invitation, Task
from .candidates import build_candidates
from .eligibility import MISSING_SKILLS, TIME_CONFLICT, WEEKLY_CAP
from .loading import TaskFilter, load, settings_for
from .lookup import DEFAULT_TZ, staff_task
from .reasons import explain

DEFAULT_HOURS = 24
LIVE = ("pending", "accepted")
# Filters an invitation cannot override; "not registered" and "invite only" it answers by itself,
# and staff may know better than the weekly availability pattern.
BLOCKING = (MISSING_SKILLS, TIME_CONFLICT, WEEKLY_CAP)


def invitation_hours(session, task: Task, hours: int | None = None) -> int:
    """The answer deadline: given, else the area's matching settings, else MATCHING_INVITATION_HOURS (24)."""
    if hours:
        return int(hours)
    _w, _c, configured = settings_for(session, task.community.path)
    if configured:
        return int(configured)
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return int(current_app.config.get("MATCHING_INVITATION_HOURS", DEFAULT_HOURS))
    except ImportError:  # pragma: no cover
        pass
    return DEFAULT_HOURS


def link_for(invitation: Invitation) -> str:
    return f"/invitations#invitation-{invitation.id}"


def _lock_task(session, task_id: int) -> Task | None:
    return session.scalar(
        select(Task).where(Task.id == task_id).with_for_update().execution_options(populate_existing=True)
    )


def _pending(session, task_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.task_id == task_id, Invitation.status == "pending")
        )
        or 0
    )


def create_invitation(
    session,
    task: Task,
    member_id: int,
    now: datetime,
    *,
    score: float | None = None,
    reason: str = "",
    dispatch_id: int | None = None,
    created_by_id: int | None = None,
    hours: int | None = None,
    raise_conflict: bool = True,
):
    """Write one pending invitation and notify the member. Returns (invitation, None), or
    (None, why) when it may not be made and ``raise_conflict`` is false."""

    def refuse(message: str):
        if raise_conflict:
            raise Conflict(message)
        return None, message

    locked = _lock_task(session, task.id)
    if locked is None or locked.status != "open" or locked.starts_at <= now:
        return refuse(N_("该任务当前不接受邀请"))
    task = locked
    if (
        session.scalar(
            select(Invitation.id).where(
                Invitation.task_id == task.id, Invitation.member_id == member_id, Invitation.status.in_(LIVE)
            )
        )
        is not None
    ):
        return refuse(N_("已邀请该成员"))
    if (
        session.scalar(
            select(Claim.id).where(Claim.task_id == task.id, Claim.member_id == member_id, Claim.status.in_(LIVE_CLAIM))
        )
        is not None
    ):
        return refuse(N_("该成员已认领此任务"))
    if _pending(session, task.id) >= task.slots - task.taken:
        return refuse(N_("待答复的邀请已占满剩余名额"))
    expires = min(now + timedelta(hours=invitation_hours(session, task, hours)), task.starts_at)
    invitation = Invitation(
        task_id=task.id,
        member_id=member_id,
        status="pending",
        reason=reason,
        dispatch_id=dispatch_id,
        score=score,
        created_by_id=created_by_id,
        created_at=now,
        expires_at=expires,
    )
    session.add(invitation)
    session.flush()
    notify_member(
        session,
        member_id,
        "invitation.new",
        N_("派单邀请：%(task)s"),
        link=link_for(invitation),
        params={"task": task.title},
        detail=reason,
    )
    return invitation, None


def invite(
    session,
    scope: Scope,
    task_id: int,
    member_id: int,
    now: datetime,
    *,
    tz: ZoneInfo = DEFAULT_TZ,
    hours: int | None = None,
) -> Invitation:
    """Staff invite one member (the one-click invitation on the suggestions page)."""
    from ..people.service import member_visibility

    task = staff_task(session, scope, task_id, at_least=MANAGE)
    # Only members this staff member may see: anyone else answers as if they did not exist.
    member = session.scalar(select(Member).where(Member.id == member_id, member_visibility(scope)))
    if member is None:
        raise NotFound(N_("成员不存在"))
    if not member.active:
        raise Invalid(N_("账号已停用"), fields={"member_id": [N_("已停用")]})
    loaded = load(session, TaskFilter(task_ids=(task.id,)), now=now, tz=tz, members=[member.id], focus=(task.id,))
    suggestion = explain(loaded.problem, loaded.member_row[member.id], loaded.task_row[task.id])
    if suggestion.excluded is not None and suggestion.excluded.code in BLOCKING:
        why = suggestion.excluded
        raise Invalid(why.message, params=dict(why.params), fields={"member_id": [(why.message, dict(why.params))]})
    invitation, _ = create_invitation(
        session,
        task,
        member.id,
        now,
        score=round(suggestion.score, 4),
        reason=suggestion.text("zh"),
        created_by_id=scope.account_id,
        hours=hours,
    )
    record(
        session,
        scope.account_id,
        "invitation.create",
        "invitation",
        invitation.id,
        task.community.path,
        task_id=task.id,
        member_id=member.id,
    )
    return invitation


def get_own(session, scope: Scope, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or scope.member_id is None or invitation.member_id != scope.member_id:
        raise NotFound(N_("邀请不存在"))
    return invitation


def list_mine(scope: Scope, status: str | None = None):
    if scope.member_id is None:
        raise Invalid(N_("只有成员有派单邀请"))
    stmt = select(Invitation).where(Invitation.member_id == scope.member_id)
    if status:
        stmt = stmt.where(Invitation.status == status)
    return stmt.order_by(Invitation.created_at.desc(), Invitation.id.desc())


def _lock_member(session, member_id: int) -> None:
    session.scalar(select(Member.id).where(Member.id == member_id).with_for_update())


def _fresh(session, invitation_id: int) -> Invitation:
    return session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def accept(session, scope: Scope, invitation_id: int, now: datetime) -> tuple[Invitation, Claim]:
    """Take the slot: one atomic claim, never more than the task's slots whoever accepts at once."""
    from ..tasks.service import claim_task

    invitation = get_own(session, scope, invitation_id)
    _lock_member(session, invitation.member_id)  # a member's answers are serialised
    invitation = _fresh(session, invitation_id)
    if invitation.status != "pending":
        raise Conflict(N_("该邀请已处理"), fields={"status": [invitation.status]})
    if invitation.expires_at is not None and invitation.expires_at <= now:
        raise Conflict(N_("邀请已过期"), fields={"status": ["expired"]})
    claim = claim_task(
        session,
        task_id=invitation.task_id,
        member_id=invitation.member_id,
        now=now,
        waitlist=False,
        via_invitation=invitation,
    )
    invitation.status, invitation.answered_at = "accepted", now
    record(
        session,
        scope.account_id,
        "invitation.accept",
        "invitation",
        invitation.id,
        invitation.task.community.path,
        claim_id=claim.id,
    )
    return invitation, claim


def decline(
    session, scope: Scope, invitation_id: int, now: datetime, reason: str = "", *, tz: ZoneInfo = DEFAULT_TZ
) -> tuple[Invitation, Invitation | None]:
    """Say no; the slot is offered at once to the next best candidate not yet invited."""
    invitation = get_own(session, scope, invitation_id)
    _lock_member(session, invitation.member_id)
    invitation = _fresh(session, invitation_id)
    if invitation.status != "pending":
        raise Conflict(N_("该邀请已处理"), fields={"status": [invitation.status]})
    invitation.status, invitation.answered_at = "declined", now
    invitation.reason = (reason or "").strip()[:500] or invitation.reason
    session.flush()
    nxt = reoffer(
        session, invitation.task_id, now, tz, dispatch_id=invitation.dispatch_id, created_by_id=invitation.created_by_id
    )
    record(
        session,
        scope.account_id,
        "invitation.decline",
        "invitation",
        invitation.id,
        invitation.task.community.path,
        next_invitation_id=nxt.id if nxt else None,
    )
    return invitation, nxt


def reoffer(
    session,
    task_id: int,
    now: datetime,
    tz: ZoneInfo,
    *,
    dispatch_id: int | None = None,
    created_by_id: int | None = None,
) -> Invitation | None:
    """Invite the best eligible candidate who was never invited to this task, if a slot is free."""
    from ..pairs.service import is_visit_task

    task = session.get(Task, task_id)
    if task is None or task.status != "open" or task.starts_at <= now:
        return None
    if is_visit_task(session, task.id):  # a pair's visit belongs to the paired member; never offered on
        return None
    if _pending(session, task.id) >= task.slots - task.taken:
        return None
    asked = set(session.scalars(select(Invitation.member_id).where(Invitation.task_id == task.id)))
    loaded = load(
        session, TaskFilter(task_ids=(task.id,), everyone_reach="community"), now=now, tz=tz, focus=(task.id,)
    )
    p = loaded.problem
    graph = build_candidates(p)
    for r in graph.rows_of(loaded.task_row[task.id]):
        member_id = int(p.members.ids[graph.member[r]])
        if member_id in asked:
            continue
        s = graph.describe(p, r)
        invitation, _ = create_invitation(
            session,
            task,
            member_id,
            now,
            score=round(s.score, 4),
            reason=s.text("zh"),
            dispatch_id=dispatch_id,
            created_by_id=created_by_id,
            raise_conflict=False,
        )
        if invitation is not None:
            return invitation
    return None


def expire_and_reoffer(session, now: datetime, tz: ZoneInfo) -> int:
    """The scheduled job: unanswered invitations past their deadline expire, and each one's
    slot goes to the next best candidate. Returns how many expired."""
    due = session.scalars(
        select(Invitation)
        .where(Invitation.status == "pending", Invitation.expires_at.is_not(None), Invitation.expires_at <= now)
        .order_by(Invitation.expires_at, Invitation.id)
        .with_for_update()
    ).all()
    for invitation in due:
        invitation.status = "expired"
        notify_member(
            session,
            invitation.member_id,
            "invitation.expired",
            N_("派单邀请已过期：%(task)s"),
            link=f"/tasks/{invitation.task_id}",
            params={"task": invitation.task.title},
        )
    session.flush()
    for invitation in due:
        reoffer(
            session,
            invitation.task_id,
            now,
            tz,
            dispatch_id=invitation.dispatch_id,
            created_by_id=invitation.created_by_id,
        )
    return len(due)


__all__ = [
    "accept",
    "create_invitation",
    "decline",
    "expire_and_reoffer",
    "get_own",
    "invitation_hours",
    "invite",
    "list_mine",
    "reoffer",
]
