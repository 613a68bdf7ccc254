"""Demo pairs: members paired with residents of the five groups in every community, and their visits.

Visits are made by the real job at a few past moments and now, so the overdue list has missed
visits, some are verified and paid, and the demo member (13800000006) has a visit to make today.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta, UTC
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..demo.names import GIVEN, SURNAMES
from ..errors import DomainError
from ..people.models import Member
from ..registration.models import Registration
from .models import GROUPS, Beneficiary, StandingPair, Visit
from .service import _system_scope, generate_due_visits, settle_visits

TZ = ZoneInfo("Asia/Shanghai")
GROUP_WEIGHTS = (3, 3, 2, 1, 1)  # special, hardship, key, volunteer, ordinary


def _resident(rng: random.Random, community: dict, buildings: list[dict], group: str, n: int) -> Beneficiary:
    building = rng.choice(buildings) if buildings else community
    elder = rng.choice(("奶奶", "爷爷", "阿姨", "大爷", "")) if group in ("special", "hardship") else ""
    name = rng.choice(SURNAMES) + (elder or rng.choice(GIVEN))
    return Beneficiary(
        community_id=community["id"],
        place_id=building["id"],
        place_path=building["path"],
        name=name,
        phone=None if rng.random() < 0.3 else f"159{community['id'] % 100:02d}{n:06d}",
        beneficiary_group=group,
        note="",
    )


def build_pairs(session, rng: random.Random, city: dict, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    places = city["places"]
    registered: dict[int, list[int]] = {}
    for member_id, community_id in session.execute(
        select(Registration.member_id, Registration.community_id)
        .where(Registration.status == "approved")
        .order_by(Registration.id)
    ):
        registered.setdefault(community_id, []).append(member_id)
    demo_member = session.scalar(select(Member).where(Member.phone == "13800000006"))
    started = now - timedelta(days=60)
    n = 0
    for index, community in enumerate(places["communities"]):
        buildings = [b for b in places["buildings"] if b["path"].startswith(community["path"])]
        pool = sorted(set(registered.get(community["id"], [])))
        if demo_member is not None and index == 0:
            pool = [demo_member.id] + [m for m in pool if m != demo_member.id]
        if not pool:
            continue
        for k in range(min(len(pool), rng.randint(8, 14))):
            group = "special" if k == 0 else rng.choices(GROUPS, GROUP_WEIGHTS)[0]
            n += 1
            resident = _resident(rng, community, buildings, group, n)
            session.add(resident)
            session.flush()
            member_id = pool[0] if k == 0 else rng.choice(pool)
            if (
                session.scalar(
                    select(StandingPair.id).where(
                        StandingPair.member_id == member_id, StandingPair.beneficiary_id == resident.id
                    )
                )
                is None
            ):
                session.add(
                    StandingPair(
                        member_id=member_id,
                        beneficiary_id=resident.id,
                        beneficiary_group=group,
                        community_id=community["id"],
                        active=True,
                        started_at=started,
                    )
                )
    session.flush()
    # History through the job itself: last month, last week, two days ago, then today before the visits.
    today = now.astimezone(TZ).date()
    for days in (35, 8, 2):
        moment = datetime.combine(today - timedelta(days=days), time(0, 20), TZ).astimezone(UTC)
        generate_due_visits(session, moment, TZ)
        _serve_some(session, rng, moment + timedelta(hours=9), 0.6)
    generate_due_visits(session, now, TZ)
    settle_visits(session, now)


def _serve_some(session, rng: random.Random, moment: datetime, share: float) -> None:
    """Most members go: claim, report, and the community verifies (points through the ledger)."""
    from ..tasks import service as tasks

    for visit in session.scalars(
        select(Visit).where(Visit.status == "invited", Visit.task_id.is_not(None)).order_by(Visit.id)
    ).all():
        task = visit.task
        if rng.random() > share or task.ends_at <= moment:
            continue
        start = max(moment, task.starts_at)
        hours = Decimal(rng.choice(("1", "1.5", "2")))
        note = rng.choice(("陪老人聊天，查看用电安全", "帮忙打扫卫生、代购药品", "了解近况，无新诉求"))
        try:
            with session.begin_nested():
                claim = tasks.claim_task(
                    session, task_id=task.id, member_id=visit.pair.member_id, now=start, waitlist=False
                )
                tasks.report_done(
                    session, _member_scope(visit.pair.member_id), claim.id, hours, note, start + timedelta(hours=1)
                )
                tasks.verify_claim(session, _system_scope(task.community), claim.id, start + timedelta(hours=3), TZ)
                visit.status, visit.settled_at = "done", start + timedelta(hours=3)
        except DomainError:  # e.g. the member holds another claim then: this visit stays unmade
            continue


def _member_scope(member_id: int):
    from ..people.scope import Scope

    return Scope(account_id=None, member_id=member_id)
