"""Manual adjustments, four-eyes: one admin asks, a second one approves anything above the cap.

An adjustment whose absolute amount is above the cap (``ADJUSTMENT_CAP_POINTS``, 20 by
default), or that would take the member's adjustments booked in the calendar month (absolute
sum, in the app's time zone) past it, is not posted: it waits as a ``PendingAdjustment``. A
second admin with the same or a higher area role over the community approves it (the ledger
entry is written then, under the request's idempotency key, with both people in its audit
entry) or rejects it with a reason. Neither the requester nor the member it is about may
decide (``self_dealing``, audited).
"""

from __future__ import annotations

import secrets

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .. import policy
from ..audit.log import record
from ..errors import REQUIRED, Conflict, Forbidden, Invalid, NotFound
from ..i18n import N_
from ..periods import local_day, period_containing
from ..people.models import AREA_ROLES
from ..people.scope import MANAGE, RANK, Scope
from ..people.service import get_member
from ..places.models import Area
from . import ledger
from .models import LedgerEntry, PendingAdjustment
from .rules import TENTH

DEFAULT_CAP = Decimal("20")
NO_SUCH_COMMUNITY = N_("社区不存在")
NO_SUCH_REQUEST = N_("调整申请不存在")
NOT_A_MANAGER = N_("只有社区及以上管理员可以记录积分")
NOT_YOUR_LEVEL = N_("须由与申请人同级或更高级别的管理员复核")


def configured_cap() -> Decimal:
    """The cap in the app's settings (outside an app: the default)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return DEFAULT_CAP
    return Decimal(str(current_app.config.get("ADJUSTMENT_CAP_POINTS", DEFAULT_CAP)))


def adjustment_community(session, scope: Scope, community_id: int, member_id: int, permission: str) -> Area:
    """The community an admin posts points in for a member: theirs to manage, never for their
    own member record (award and adjust share it)."""
    community = session.get(Area, community_id)
    if community is None or community.kind != "community":
        raise NotFound(NO_SUCH_COMMUNITY)
    policy.check(
        scope,
        permission,
        policy.Record("member", member_id, community.path, member_id=member_id),
        hidden=NO_SUCH_COMMUNITY,
        refused=NOT_A_MANAGER,
    )
    get_member(session, scope, member_id)
    return community


def _cause(session, member_id: int, amount: int, cap: Decimal, now: datetime, tz: ZoneInfo) -> str | None:
    """Why this adjustment needs a second approver, if it does."""
    cap_tenths = ledger.tenths(cap)
    if abs(amount) > cap_tenths:
        return "per_entry"
    month = period_containing("month", local_day(now, tz), tz)
    if ledger.adjustments_booked(session, member_id, month.start_utc, month.end_utc) + abs(amount) > cap_tenths:
        return "monthly"
    return None


def ledger_key(account_id: int, key: str | None) -> str:
    """The ledger's key for an adjustment: the caller's own key carries their account, so two
    callers' equal keys are two entries (never one caller's entry handed to another)."""
    return f"adjustment:{account_id}:{key}" if key else "adjustment:" + secrets.token_hex(12)


def request_adjustment(
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
    """Adjust a member's points: posted at once within the cap, else left pending for a second
    approver. Repeating the same ``key`` answers what the first request gave."""
    community = adjustment_community(session, scope, community_id, member_id, "points:entry:adjust")
    ledger.check_adjustment(points, reason)
    ledger.lock_member(session, member_id)  # the month's sum holds under concurrent requests
    posted = session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))
    if posted is not None:
        return posted
    waiting = session.scalar(select(PendingAdjustment).where(PendingAdjustment.idempotency_key == key))
    if waiting is not None:
        return waiting
    amount = ledger.tenths(points)
    cause = _cause(session, member_id, amount, configured_cap() if cap is None else cap, now, tz)
    if cause is None:
        return ledger.adjust(
            session,
            member_id=member_id,
            community_id=community.id,
            points=points,
            reason=reason,
            actor_id=scope.account_id,
            key=key,
            occurred_at=now,
            area_path=community.path,
        )
    pending = PendingAdjustment(
        member_id=member_id,
        community_id=community.id,
        amount=amount,
        reason=reason.strip(),
        cause=cause,
        status="pending",
        idempotency_key=key,
        requested_by_id=scope.account_id,
        requester_role=AREA_ROLES[scope.rank_over(community.path) - 1],
        requested_at=now,
    )
    session.add(pending)
    session.flush()
    record(
        session,
        scope.account_id,
        "points.adjustment_request",
        "pending_adjustment",
        pending.id,
        community.path,
        member_id=member_id,
        tenths=amount,
        cause=cause,
        reason=pending.reason,
    )
    return pending


def _record(pending: PendingAdjustment) -> policy.Record:
    return policy.Record("pending_adjustment", pending.id, pending.community.path, member_id=pending.member_id)


def _decidable(session, scope: Scope, pending_id: int, action: str) -> PendingAdjustment:
    """The request a second admin decides about: in their scope, with as high a role as the
    requester's, not about their own member record and not their own request."""
    pending = session.get(PendingAdjustment, pending_id)
    if pending is None:
        raise NotFound(NO_SUCH_REQUEST)
    permission = f"points:adjustment:{action}"
    target = _record(pending)
    policy.check(scope, permission, target, hidden=NO_SUCH_REQUEST, refused=N_("无权复核该调整"))
    if scope.account_id == pending.requested_by_id:
        raise policy.SelfDealing(permission, scope, target)
    if scope.rank_over(pending.community.path) < RANK[pending.requester_role]:
        raise Forbidden(NOT_YOUR_LEVEL)
    ledger.lock_member(session, pending.member_id)
    session.refresh(pending, with_for_update=True)
    if pending.status != "pending":
        raise Conflict(N_("该调整申请已处理"), current_status=pending.status)
    return pending


def may_decide(scope: Scope, pending: PendingAdjustment) -> bool:
    """Whether ``scope`` may approve or reject ``pending`` (the page shows its buttons then)."""
    return (
        policy.allows(scope, "points:adjustment:approve", _record(pending))
        and scope.account_id != pending.requested_by_id
        and scope.rank_over(pending.community.path) >= RANK[pending.requester_role]
    )


def approve(session, scope: Scope, pending_id: int, *, now: datetime) -> PendingAdjustment:
    """The second approver's yes: the ledger entry is written, naming requester and approver."""
    pending = _decidable(session, scope, pending_id, "approve")
    path = pending.community.path
    entry = ledger.adjust(
        session,
        member_id=pending.member_id,
        community_id=pending.community_id,
        points=Decimal(pending.amount) * TENTH,
        reason=pending.reason,
        actor_id=scope.account_id,
        key=pending.idempotency_key,
        occurred_at=now,
        area_path=path,
        source_type="pending_adjustment",
        source_id=pending.id,
        requested_by=pending.requested_by_id,
        approved_by=scope.account_id,
    )
    pending.status, pending.decided_by_id, pending.decided_at, pending.entry_id = (
        "approved",
        scope.account_id,
        now,
        entry.id,
    )
    session.flush()
    record(
        session,
        scope.account_id,
        "points.adjustment_approve",
        "pending_adjustment",
        pending.id,
        path,
        member_id=pending.member_id,
        tenths=pending.amount,
        requested_by=pending.requested_by_id,
        entry_id=entry.id,
    )
    return pending


def reject(session, scope: Scope, pending_id: int, reason: str, *, now: datetime) -> PendingAdjustment:
    """The second approver's no, with the reason; nothing reaches the ledger."""
    pending = _decidable(session, scope, pending_id, "reject")
    if not reason.strip():
        raise Invalid(N_("驳回必须写明原因"), fields={"reason": [REQUIRED]})
    pending.status, pending.decided_by_id, pending.decided_at, pending.decision_reason = (
        "rejected",
        scope.account_id,
        now,
        reason.strip(),
    )
    session.flush()
    record(
        session,
        scope.account_id,
        "points.adjustment_reject",
        "pending_adjustment",
        pending.id,
        pending.community.path,
        member_id=pending.member_id,
        tenths=pending.amount,
        requested_by=pending.requested_by_id,
        reason=pending.decision_reason,
    )
    return pending


def list_adjustments(scope: Scope, *, status: str | None = "pending", community_id=None, member_id=None):
    """Adjustment requests in the communities ``scope`` manages, oldest first."""
    stmt = (
        select(PendingAdjustment)
        .join(Area, Area.id == PendingAdjustment.community_id)
        .where(scope.within(Area.path, MANAGE))
        .order_by(PendingAdjustment.id)
    )
    if status:
        stmt = stmt.where(PendingAdjustment.status == status)
    if community_id is not None:
        stmt = stmt.where(PendingAdjustment.community_id == community_id)
    if member_id is not None:
        stmt = stmt.where(PendingAdjustment.member_id == member_id)
    return stmt
