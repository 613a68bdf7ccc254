"""What each role's home page shows: counts and next steps, computed without the request."""

from __future__ import annotations

from sqlalchemy import func, select

from ..people.models import Member
from ..people.scope import Scope
from ..people.service import member_visibility
from ..i18n import N_
from ..places.models import Area


def staff_summary(session, scope: Scope) -> dict:
    members = session.scalar(select(func.count()).select_from(Member).where(member_visibility(scope))) or 0
    areas = session.execute(select(Area.kind, func.count()).where(scope.within(Area.path)).group_by(Area.kind)).all()
    return {"members": members, "areas": dict(areas)}


def member_next_steps(member: Member) -> list[str]:
    steps = []
    if not member.skills:
        steps.append(N_("填写你的技能，方便社区为你推荐合适的任务"))
    if not member.availability:
        steps.append(N_("填写每周空闲时段，派单时会优先考虑你有空的时间"))
    return steps
