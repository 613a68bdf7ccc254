"""The jobs' own targets (those of other packages are named in the registry directly).

Each is idempotent in the database: publications by their unique keys, reminders by a
row per claim, expiry by a conditional UPDATE, so a second run finds nothing to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError

from ..i18n import N_
from ..points.models import SIDES, LedgerEntry
from ..rankings import service as rankings
from ..rankings import units
from .models import ClaimReminder

REMIND_AHEAD = timedelta(hours=24)


# --- publications ---------------------------------------------------------------------------


def publish_weeks(session, now: datetime, tz: ZoneInfo, keepalive=None) -> int:
    return rankings.publish_due(session, "week", now, tz, keepalive)


def publish_months(session, now: datetime, tz: ZoneInfo, keepalive=None) -> int:
    return rankings.publish_due(session, "month", now, tz, keepalive)


def publish_quarters(session, now: datetime, tz: ZoneInfo, keepalive=None) -> int:
    return rankings.publish_due(session, "quarter", now, tz, keepalive)


def publish_years(session, now: datetime, tz: ZoneInfo, keepalive=None) -> int:
    return rankings.publish_due(session, "year", now, tz, keepalive)


def publish_red_black_lists(session, now: datetime, tz: ZoneInfo, keepalive=None) -> int:
    return units.publish_due(session, now, tz, keepalive)


def publish_everything(session, now: datetime, tz: ZoneInfo, keepalive=None) -> int:
    """Every kind's backlog and the 红黑榜: what a failed or missed run left behind."""
    done = sum(rankings.publish_due(session, kind, now, tz, keepalive) for kind in ("week", "month", "quarter", "year"))
    return done + units.publish_due(session, now, tz, keepalive)


# --- tasks and invitations ---------------------------------------------------------------------


def remind_claims(session, now: datetime, tz: ZoneInfo) -> int:
    """Remind each member with a claim on a task starting within 24 hours, once per claim."""
    from ..notifications.service import notify_member
    from ..tasks.models import Claim, Task

    due = session.execute(
        select(Claim.id, Claim.member_id, Task.id, Task.title, Task.starts_at)
        .join(Task, Task.id == Claim.task_id)
        .where(
            Claim.status == "claimed",
            Task.status.in_(("open", "full", "in_progress")),
            Task.starts_at > now,
            Task.starts_at <= now + REMIND_AHEAD,
            ~exists(select(ClaimReminder.id).where(ClaimReminder.claim_id == Claim.id)),
        )
        .order_by(Task.starts_at, Claim.id)
    ).all()
    sent = 0
    for claim_id, member_id, task_id, title, starts_at in due:
        try:
            with session.begin_nested():
                session.add(ClaimReminder(claim_id=claim_id, sent_at=now))
                session.flush()
                when = starts_at.astimezone(tz).strftime("%m-%d %H:%M")
                notify_member(
                    session,
                    member_id,
                    "task.reminder",
                    N_("任务提醒：%(task)s 将于 %(when)s 开始"),
                    link=f"/tasks/{task_id}",
                    params={"task": title, "when": when},
                )
        except IntegrityError:
            continue  # reminded by another run in the meantime
        session.commit()
        sent += 1
    return sent


# --- the ledger ----------------------------------------------------------------------------------

SAMPLE = 20


def check_ledger(session, now: datetime) -> dict:
    """There is no cached total to compare with, so check what the ledger must hold by itself:
    every reversal cancels an existing non-reversal entry, exactly, and at most once; only
    reversals point at another entry; and each member's sum equals the sum of their sides."""
    e = LedgerEntry.__table__
    original = e.alias("original")
    problems = []
    entries, high_water = session.execute(select(func.count(), func.max(e.c.id)).select_from(e)).one()
    dangling = session.scalars(
        select(e.c.id)
        .select_from(e.outerjoin(original, original.c.id == e.c.reverses_id))
        .where(e.c.kind == "reversal", or_(original.c.id.is_(None), original.c.kind == "reversal"))
        .order_by(e.c.id)
        .limit(SAMPLE)
    ).all()
    if dangling:
        problems.append(f"reversals not pointing at an existing non-reversal entry: {dangling}")
    stray = session.scalars(
        select(e.c.id).where(e.c.kind != "reversal", e.c.reverses_id.is_not(None)).order_by(e.c.id).limit(SAMPLE)
    ).all()
    if stray:
        problems.append(f"non-reversal entries pointing at another entry: {stray}")
    twice = session.scalars(
        select(e.c.reverses_id)
        .where(e.c.reverses_id.is_not(None))
        .group_by(e.c.reverses_id)
        .having(func.count() > 1)
        .order_by(e.c.reverses_id)
        .limit(SAMPLE)
    ).all()
    if twice:
        problems.append(f"entries reversed more than once: {twice}")
    inexact = session.scalars(
        select(e.c.id)
        .select_from(e.join(original, original.c.id == e.c.reverses_id))
        .where(e.c.kind == "reversal", e.c.amount != -original.c.amount)
        .order_by(e.c.id)
        .limit(SAMPLE)
    ).all()
    if inexact:
        problems.append(f"reversals whose amount is not the exact opposite: {inexact}")
    by_side = sum(
        (func.coalesce(func.sum(case((e.c.side == side, e.c.amount), else_=0)), 0) for side in SIDES), literal(0)
    )
    per_member = (
        select(e.c.member_id, func.sum(e.c.amount).label("total"), by_side.label("sides"))
        .group_by(e.c.member_id)
        .subquery("per_member")
    )
    members = session.scalar(select(func.count()).select_from(per_member)) or 0
    unequal = session.scalars(
        select(per_member.c.member_id)
        .where(per_member.c.total != per_member.c.sides)
        .order_by(per_member.c.member_id)
        .limit(SAMPLE)
    ).all()
    if unequal:
        problems.append(f"members whose sum differs from the sum by side: {unequal}")
    return {
        "items": int(entries or 0),
        "high_water": high_water or 0,
        "members": int(members),
        "problems": problems,
        "checked_at": now.isoformat(),
    }
