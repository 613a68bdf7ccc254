"""双报到 workflow: filing, approval, withdrawal, supersession, and the views built on them.

Functions take a session and a ``Scope`` and raise ``service.errors``; the API,
the pages, the demo builder and the points ledger all call them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ..api import error_detail
from ..audit.log import record
from ..database import utcnow
from ..errors import Conflict, DomainError, Forbidden, Invalid, NOT_A_COMMUNITY, NotFound, REQUIRED, one_of
from ..i18n import N_
from ..people.models import Member
from ..people.scope import MANAGE, READ, Scope
from ..people.service import get_member, member_visibility
from .. import policy
from ..places.models import Area, Unit, UnitPairing
from .models import ACTIVE, SIDES, Registration, RegistrationEvent

ACTIONS = ("approve", "reject")
BATCH_LIMIT = 200

# What may happen next, by status; ``supersede`` is done by approving a newer one.
NEXT_ACTIONS = {
    "pending": ("approve", "reject"),
    "approved": ("withdraw",),
    "rejected": (),
    "withdrawn": (),
    "superseded": (),
}

MISSING = {"residence": N_("尚未报到居住地社区"), "unit": N_("尚未报到单位挂点社区")}
WAITING = {"residence": N_("居住地社区报到待审核"), "unit": N_("单位挂点社区报到待审核")}

NOT_FOUND = N_("报到记录不存在")


# --- the question the points ledger asks ---------------------------------------


def sides_at(session, member_id: int, when: datetime) -> dict[str, int]:
    """Side → community id of the member's registrations active at ``when``.

    Active means approved by then and not yet ended: ended rows stay in the
    table, so a past moment is answered from the same rows as the present.
    """
    rows = session.execute(
        select(Registration.side, Registration.community_id)
        .where(
            Registration.member_id == member_id,
            Registration.approved_at.is_not(None),
            Registration.approved_at <= when,
            or_(Registration.ended_at.is_(None), Registration.ended_at > when),
        )
        .order_by(Registration.approved_at, Registration.id)
    ).all()
    return {side: community_id for side, community_id in rows}


# --- visibility ------------------------------------------------------------------


def registration_visibility(scope: Scope, at_least: str = READ):
    """Registrations a scope may see: its own, those with a community in its
    subtree, and (for a unit admin) those of the unit's members."""
    condition: ColumnElement[bool] = exists(
        select(Area.id).where(Area.id == Registration.community_id, scope.within(Area.path, at_least))
    )
    if scope.member_id is not None:
        condition = condition | (Registration.member_id == scope.member_id)
    if scope.unit_ids:
        condition = condition | exists(
            select(Member.id).where(Member.id == Registration.member_id, Member.unit_id.in_(scope.unit_ids))
        )
    return condition


def get_registration(session, scope: Scope, registration_id: int) -> Registration:
    registration = session.scalar(
        select(Registration).where(Registration.id == registration_id, registration_visibility(scope))
    )
    if registration is None:
        raise NotFound(NOT_FOUND)
    return registration


def list_registrations(scope: Scope, *, community_id=None, side=None, status=None, member_id=None):
    stmt = (
        select(Registration)
        .where(registration_visibility(scope))
        .options(selectinload(Registration.member), selectinload(Registration.community))
    )
    if community_id is not None:
        stmt = stmt.where(Registration.community_id == community_id)
    if side:
        stmt = stmt.where(Registration.side == side)
    if status:
        stmt = stmt.where(Registration.status == status)
    if member_id is not None:
        stmt = stmt.where(Registration.member_id == member_id)
    return stmt.order_by(Registration.id)


# --- places a member may register with ------------------------------------------


def community_of(session, area: Area | None) -> Area | None:
    """The community an area (a home building, usually) lies in."""
    if area is None:
        return None
    if area.kind == "community":
        return area
    ids = area.ancestor_ids()
    return session.scalar(select(Area).where(Area.id.in_(ids), Area.kind == "community")) if ids else None


def residence_community(session, member: Member) -> Area | None:
    return community_of(session, member.home_building)


def unit_communities(session, member: Member) -> list[Area]:
    if member.unit_id is None:
        return []
    return list(
        session.scalars(
            select(Area)
            .join(UnitPairing, UnitPairing.community_id == Area.id)
            .where(UnitPairing.unit_id == member.unit_id)
            .order_by(Area.path)
        )
    )


def rule_refusal(session, member: Member, community: Area, side: str) -> Invalid | None:
    """Why ``member`` may not register with ``community`` on ``side``, or None if they may."""
    if side == "residence":
        if member.home_building is None:
            return Invalid(N_("未登记住址楼栋，无法报到居住地社区"), fields={"community_id": [N_("未登记住址楼栋")]})
        if not member.home_building.path.startswith(community.path):
            return Invalid(
                N_("住址不在该社区：居住地报到须选择住址楼栋所在的社区"),
                fields={"community_id": [N_("住址楼栋不在该社区")]},
            )
        return None
    if member.unit_id is None:
        return Invalid(N_("未登记工作单位，无法报到单位挂点社区"), fields={"community_id": [N_("未登记工作单位")]})
    paired = session.scalar(
        select(UnitPairing.id).where(UnitPairing.unit_id == member.unit_id, UnitPairing.community_id == community.id)
    )
    if paired is None:
        return Invalid(
            N_("工作单位未与该社区结对挂点：单位报到须选择单位的挂点社区"),
            fields={"community_id": [N_("工作单位未与该社区结对挂点")]},
        )
    return None


# --- filing ----------------------------------------------------------------------


def _lock_member(session, member_id: int) -> Member | None:
    # Everything that changes a member's registrations queues on the member row,
    # so two approvals (or a filing and an approval) cannot both pass the checks.
    return session.scalar(select(Member).where(Member.id == member_id).with_for_update())


def _event(session, registration: Registration, actor_id, action: str, from_status, reason=None, at=None):
    event = RegistrationEvent(
        registration=registration,
        actor_id=actor_id,
        action=action,
        from_status=from_status,
        to_status=registration.status,
        reason=reason,
        at=at or utcnow(),
    )
    session.add(event)
    return event


def _member_for_filing(session, scope: Scope, member_id: int, community: Area, side: str) -> Member:
    """The member staff file for: one they may see, or one the rule places in their community."""
    member = session.scalar(select(Member).where(Member.id == member_id, member_visibility(scope)))
    if member is None:
        candidate = session.get(Member, member_id)
        if candidate is not None and rule_refusal(session, candidate, community, side) is None:
            member = candidate
    if member is None:
        raise NotFound(N_("成员不存在"))
    return member


def file_registration(
    session,
    scope: Scope,
    *,
    community_id: int,
    side: str,
    member_id: int | None = None,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> Registration:
    """File a pending registration for the caller, or (staff managing the community) for a member."""
    now = now or utcnow()
    if side not in SIDES:
        raise Invalid(N_("报到方向不正确"), fields={"side": [one_of(SIDES)]})
    community = session.get(Area, community_id)
    if community is None or community.kind != "community":
        raise Invalid(N_("社区不存在"), fields={"community_id": [NOT_A_COMMUNITY]})
    override_reason = (override_reason or "").strip() or None
    on_behalf = member_id is not None and member_id != scope.member_id
    if (on_behalf or override_reason) and not scope.covers(community.path, MANAGE):
        raise Forbidden(N_("只有该社区的管理员可以代成员报到或例外办理"))
    if on_behalf and member_id is not None:
        member = _member_for_filing(session, scope, member_id, community, side)
    elif scope.member_id is not None:
        member = session.get(Member, scope.member_id)
    else:
        raise Invalid(N_("你还没有成员档案，无法报到"), fields={"member_id": [N_("必填：该账号没有成员档案")]})
    _lock_member(session, member.id)

    refusal = rule_refusal(session, member, community, side)
    if refusal is not None and override_reason is None:
        raise refusal
    used_override = override_reason if refusal is not None else None

    current = session.scalars(
        select(Registration).where(
            Registration.member_id == member.id, Registration.side == side, Registration.status.in_(("pending", ACTIVE))
        )
    ).all()
    for other in current:
        if other.status == "pending":
            raise Conflict(N_("该方向已有一条待审核的报到，请等待社区审核"), existing_id=other.id)
        if other.community_id == community.id:
            raise Conflict(N_("已在该社区报到，无需重复报到"), existing_id=other.id)

    registration = Registration(
        member_id=member.id,
        community_id=community.id,
        side=side,
        status="pending",
        filed_by_id=scope.account_id,
        override_reason=used_override,
        created_at=now,
    )
    session.add(registration)
    _event(session, registration, scope.account_id, "filed", None, used_override, now)
    session.flush()
    record(
        session,
        scope.account_id,
        "registration.file",
        "registration",
        registration.id,
        community.path,
        member_id=member.id,
        side=side,
        override_reason=used_override,
    )
    return registration


# --- transitions -----------------------------------------------------------------


def _refuse_unless(registration: Registration, action: str) -> None:
    allowed = list(NEXT_ACTIONS[registration.status])
    if action not in allowed:
        raise Conflict(N_("报到当前状态不允许此操作"), current_status=registration.status, allowed=allowed)


def _fresh(session, registration: Registration) -> Registration:
    _lock_member(session, registration.member_id)
    session.refresh(registration, with_for_update=True)
    return registration


def _require_manager(scope: Scope, registration: Registration, action: str) -> None:
    """Only the community's admins decide, and never about their own registration."""
    policy.check(
        scope,
        f"registration:registration:{action}",
        policy.Record(
            "registration",
            registration.id,
            registration.community.path,
            unit_id=registration.member.unit_id,
            member_id=registration.member_id,
        ),
        hidden=NOT_FOUND,
        refused=N_("只有该社区的管理员可以审核报到"),
    )


def approve(session, scope: Scope, registration: Registration, now: datetime | None = None) -> Registration:
    """Approve a pending registration; an older active one on the same side ends as superseded."""
    now = now or utcnow()
    _require_manager(scope, registration, "approve")
    _fresh(session, registration)
    _refuse_unless(registration, "approve")
    previous = session.scalar(
        select(Registration).where(
            Registration.member_id == registration.member_id,
            Registration.side == registration.side,
            Registration.status == ACTIVE,
            Registration.id != registration.id,
        )
    )
    if previous is not None:
        previous.status = "superseded"
        previous.ended_at = now
        previous.superseded_by_id = registration.id
        _event(session, previous, scope.account_id, "superseded", ACTIVE, None, now)
        # The old row must leave 'approved' before the new one enters it (unique index).
        session.flush()
        record(
            session,
            scope.account_id,
            "registration.supersede",
            "registration",
            previous.id,
            previous.community.path,
            superseded_by=registration.id,
        )
    registration.status = ACTIVE
    registration.approved_at = now
    registration.decided_at = now
    registration.decided_by_id = scope.account_id
    _event(session, registration, scope.account_id, "approved", "pending", None, now)
    session.flush()
    record(
        session,
        scope.account_id,
        "registration.approve",
        "registration",
        registration.id,
        registration.community.path,
        member_id=registration.member_id,
        side=registration.side,
        superseded=previous.id if previous is not None else None,
    )
    return registration


def _required_reason(reason: str | None, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(message, fields={"reason": [REQUIRED]})
    return reason


def reject(
    session, scope: Scope, registration: Registration, reason: str | None, now: datetime | None = None
) -> Registration:
    now = now or utcnow()
    _require_manager(scope, registration, "reject")
    reason = _required_reason(reason, N_("驳回报到需要填写理由"))
    _fresh(session, registration)
    _refuse_unless(registration, "reject")
    registration.status = "rejected"
    registration.reason = reason
    registration.decided_at = now
    registration.decided_by_id = scope.account_id
    _event(session, registration, scope.account_id, "rejected", "pending", reason, now)
    session.flush()
    record(
        session,
        scope.account_id,
        "registration.reject",
        "registration",
        registration.id,
        registration.community.path,
        member_id=registration.member_id,
        reason=reason,
    )
    return registration


def withdraw(
    session, scope: Scope, registration: Registration, reason: str | None = None, now: datetime | None = None
) -> Registration:
    """The member ends their own active registration (moved away, changed job …)."""
    now = now or utcnow()
    if scope.member_id != registration.member_id:
        raise Forbidden(N_("只有本人可以撤回报到"))
    _fresh(session, registration)
    _refuse_unless(registration, "withdraw")
    reason = (reason or "").strip() or None
    registration.status = "withdrawn"
    registration.ended_at = now
    registration.reason = reason
    _event(session, registration, scope.account_id, "withdrawn", ACTIVE, reason, now)
    session.flush()
    record(
        session,
        scope.account_id,
        "registration.withdraw",
        "registration",
        registration.id,
        registration.community.path,
        member_id=registration.member_id,
        reason=reason,
    )
    return registration


def decide(
    session,
    scope: Scope,
    registration: Registration,
    action: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Registration:
    if action == "approve":
        return approve(session, scope, registration, now)
    if action == "reject":
        return reject(session, scope, registration, reason, now)
    raise Invalid(N_("未知的审核操作"), fields={"action": [one_of(ACTIONS)]})


def decide_many(
    session, scope: Scope, ids, action: str, reason: str | None = None, now: datetime | None = None
) -> list[dict]:
    """Approve or reject many at once; each id succeeds or fails on its own."""
    if action not in ACTIONS:
        raise Invalid(N_("未知的审核操作"), fields={"action": [one_of(ACTIONS)]})
    if action == "reject":
        reason = _required_reason(reason, N_("驳回报到需要填写理由"))
    ids = list(dict.fromkeys(ids))
    if not ids or len(ids) > BATCH_LIMIT:
        raise Invalid(
            N_("一次可审核 1 至 200 条报到"), fields={"ids": [(N_("1 至 %(limit)s 个"), {"limit": BATCH_LIMIT})]}
        )
    now = now or utcnow()
    results = []
    for registration_id in ids:
        try:
            # A refusal must not leave half a change behind, nor undo the others.
            with session.begin_nested():
                registration = get_registration(session, scope, registration_id)
                decide(session, scope, registration, action, reason, now)
        except DomainError as error:
            error.audit(session)  # the refusal of one's own registration is kept
            detail = error_detail(error.status, error.text(), error.code, error.rendered_fields(), error.extra)
            results.append({"id": registration_id, "ok": False, "status": error.status, "error": detail})
        else:
            results.append({"id": registration_id, "ok": True, "status": 200, "registration": registration})
    return results


# --- what each audience sees -----------------------------------------------------


@dataclass
class SideState:
    side: str
    active: Registration | None = None
    pending: Registration | None = None

    @property
    def done(self) -> bool:
        return self.active is not None


@dataclass
class DoubleStatus:
    """A member's 双报到 at a glance: per side what is active or waiting, and what is missing."""

    member: Member
    sides: dict[str, SideState]
    history: list[Registration] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(s.done for s in self.sides.values())

    @property
    def missing(self) -> list[str]:
        return [side for side in SIDES if not self.sides[side].done]

    @property
    def messages(self) -> list[str]:
        """Untranslated catalogue strings, one per side still to do."""
        return [WAITING[s] if self.sides[s].pending else MISSING[s] for s in self.missing]


def double_status(session, member: Member) -> DoubleStatus:
    history = list(
        session.scalars(
            select(Registration)
            .where(Registration.member_id == member.id)
            .options(selectinload(Registration.community), selectinload(Registration.events))
            .order_by(Registration.created_at.desc(), Registration.id.desc())
        )
    )
    sides = {side: SideState(side) for side in SIDES}
    for registration in history:
        state = sides[registration.side]
        if registration.status == ACTIVE:
            state.active = registration
        elif registration.status == "pending":
            state.pending = registration
    return DoubleStatus(member, sides, history)


def member_status(session, scope: Scope, member_id: int) -> DoubleStatus:
    """A member's status for themself or for staff who may see them (404 otherwise)."""
    return double_status(session, get_member(session, scope, member_id))


def managed_communities(session, scope: Scope) -> list[Area]:
    """Communities where the scope approves registrations."""
    if not scope.paths(MANAGE):
        return []
    return list(
        session.scalars(
            select(Area).where(Area.kind == "community", scope.within(Area.path, MANAGE)).order_by(Area.path)
        )
    )


def registered_members_count(session, community_id: int) -> dict[str, int]:
    """Side → number of members with an active registration in the community."""
    rows = session.execute(
        select(Registration.side, func.count())
        .where(Registration.community_id == community_id, Registration.status == ACTIVE)
        .group_by(Registration.side)
    ).all()
    counts = {side: 0 for side in SIDES}
    counts.update(dict(rows))
    return counts


def registered_members(scope: Scope, community_id: int, side: str):
    """The active registrations of a community on one side, by member name."""
    return (
        list_registrations(scope, community_id=community_id, side=side, status=ACTIVE)
        .join(Member, Member.id == Registration.member_id)
        .order_by(None)
        .order_by(Member.name, Member.id)
    )


# --- unit compliance -------------------------------------------------------------


def get_compliance_unit(session, scope: Scope, unit_id: int) -> Unit:
    """A unit whose members' compliance the scope may read: its own unit, or one its area owns."""
    unit = session.get(Unit, unit_id)
    if unit is None or not (unit.id in scope.unit_ids or scope.covers(unit.area.path, MANAGE)):
        raise NotFound(N_("单位不存在"))
    return unit


def compliance(session, scope: Scope, unit_id: int) -> dict:
    """The unit's in-service party members who have not completed both registrations."""
    unit = get_compliance_unit(session, scope, unit_id)
    members = session.execute(
        select(Member.id, Member.name, Member.phone)
        .where(Member.unit_id == unit.id, Member.party_status == "in_service", Member.active.is_(True))
        .order_by(Member.name, Member.id)
    ).all()
    states: dict[int, dict[str, tuple[str, str]]] = {}
    if members:
        registrations = session.execute(
            select(Registration.member_id, Registration.side, Registration.status, Area.name)
            .join(Area, Area.id == Registration.community_id)
            .join(Member, Member.id == Registration.member_id)
            .where(
                Member.unit_id == unit.id,
                Member.party_status == "in_service",
                Registration.status.in_(("pending", ACTIVE)),
            )
        ).all()
        for member_id, side, status, community_name in registrations:
            held = states.setdefault(member_id, {}).get(side)
            if held is None or status == ACTIVE:  # an active one outranks a waiting one
                states[member_id][side] = (status, community_name)
    rows = []
    for member_id, name, phone in members:
        by_side = states.get(member_id, {})
        missing = [side for side in SIDES if by_side.get(side, ("",))[0] != ACTIVE]
        if not missing:
            continue
        row = {"member_id": member_id, "name": name, "phone": phone, "missing": missing}
        for side in SIDES:
            status, community_name = by_side.get(side, ("missing", None))
            row[f"{side}_status"] = status
            row[f"{side}_community"] = community_name
        rows.append(row)
    return {
        "unit_id": unit.id,
        "unit_name": unit.name,
        "total": len(members),
        "complete": len(members) - len(rows),
        "rows": rows,
    }
