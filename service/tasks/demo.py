"""Demo tasks: upcoming activities and service items in every community, past ones with claims."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, UTC
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from ..people.models import Member
from ..points.ledger import award_service
from ..points.rules import Service
from .models import Claim, Task, task_needs

TZ = ZoneInfo("Asia/Shanghai")

TEMPLATES = [
    ("楼道杂物清理", "environment", None, 4, []),
    ("独居老人探访", "caring_help", None, 2, []),
    ("便民理发", "everyday_help", None, 2, ["haircut"]),
    ("义务磨刀、缝补", "everyday_help", None, 3, []),
    ("电动车充电隐患排查", "safety", None, 3, []),
    ("夜间平安巡逻", "safety", None, 4, ["patrol"]),
    ("垃圾分类督导", "civility", None, 3, []),
    ("早高峰交通劝导", "civility", None, 4, []),
    ("反诈骗政策宣讲", "outreach", None, 2, ["policy_talk"]),
    ("智能手机使用教学", "outreach", None, 2, ["digital_help"]),
    ("邻里纠纷调解", "mediation", None, 1, ["mediation"]),
    ("主题党日：社区志愿服务", "outreach", "theme_party_day", 20, []),
    ("在职党员回家日", "environment", "home_day", 30, []),
    ("便民大集市", "everyday_help", "market_day", 15, []),
]


def _third_saturday(day: date) -> date:
    first = day.replace(day=1)
    offset = (5 - first.weekday()) % 7
    return first + timedelta(days=offset + 14)


def build_tasks(session, rng: random.Random, city: dict, now: datetime | None = None) -> None:
    from ..registration.models import Registration

    now = now or datetime.now(UTC)
    today = now.astimezone(TZ).date()
    places = city["places"]
    grids_by_community: dict[int, list[int]] = {}
    for g in places["grids"]:
        parent = int(g["path"].strip("/").split("/")[-2])
        grids_by_community.setdefault(parent, []).append(g["id"])
    registered: dict[int, list[int]] = {}
    for member_id, community_id in session.execute(
        select(Registration.member_id, Registration.community_id).where(Registration.status == "approved")
    ):
        registered.setdefault(community_id, []).append(member_id)
    rows = []
    for community in places["communities"]:
        for _ in range(rng.randint(10, 16)):
            title, category, activity, slots, skills = rng.choice(TEMPLATES)
            if activity == "market_day":
                day = (
                    _third_saturday(today)
                    if _third_saturday(today) >= today
                    else _third_saturday(today + timedelta(days=31))
                )
            else:
                day = today + timedelta(days=rng.randint(0, 20))
            hour = rng.choice((8, 9, 14, 15, 19)) if "夜间" not in title else 19
            start = datetime.combine(day, time(hour), TZ)
            if start <= now:
                start += timedelta(days=1)
            rows.append(
                {
                    "title": title,
                    "community_id": community["id"],
                    "place_id": rng.choice(grids_by_community.get(community["id"], [community["id"]])),
                    "category": category,
                    "activity": activity,
                    "kind": "activity" if activity else "service",
                    "starts_at": start.astimezone(UTC),
                    "ends_at": (start + timedelta(hours=2)).astimezone(UTC),
                    "slots": slots,
                    "taken": 0,
                    "required_skills": skills,
                    "preferred_skills": [],
                    "claim_policy": "everyone" if activity == "market_day" else "registered",
                    "status": "open",
                    "urgent": rng.random() < 0.08,
                    "created_at": now,
                    "updated_at": now,
                    "description": "",
                }
            )
    ids = list(session.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True), rows))
    claims = []
    for task_id, row in zip(ids, rows):
        pool = [m for m in registered.get(row["community_id"], []) if not row["required_skills"]]
        taken = min(len(pool), rng.randint(0, row["slots"]))
        for member_id in rng.sample(pool, taken):
            claims.append(
                {
                    "task_id": task_id,
                    "member_id": member_id,
                    "status": "claimed",
                    "claimed_at": now,
                    "created_at": now,
                    "note": "",
                    "reason": "",
                    "late_cancel": False,
                }
            )
        row["taken"] = taken
    # One claim per member per window: drop repeats from the random draw.
    seen, unique = set(), []
    counts: dict[int, int] = {}
    for c in claims:
        if c["member_id"] not in seen:
            seen.add(c["member_id"])
            unique.append(c)
            counts[c["task_id"]] = counts.get(c["task_id"], 0) + 1
    if unique:
        session.execute(insert(Claim), unique)
    from sqlalchemy import update

    updates = [
        {
            "id": task_id,
            "taken": counts.get(task_id, 0),
            "status": "full" if counts.get(task_id, 0) >= row["slots"] else "open",
        }
        for task_id, row in zip(ids, rows)
    ]
    session.execute(update(Task), updates)
    _tasks_from_needs(session, rng, now)
    _demo_member_story(session, city, now)


def _tasks_from_needs(session, rng: random.Random, now: datetime) -> None:
    """Needs already in progress have the task that serves them."""
    from ..needs.models import Need

    needs = session.scalars(select(Need).where(Need.status == "in_progress")).all()
    for need in needs:
        start = now + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
        task = Task(
            title=f"诉求办理：{(need.description or '')[:20]}",
            community_id=need.community_id,
            place_id=need.place_id or need.community_id,
            category=need.category,
            kind="need",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            slots=rng.randint(1, 2),
            taken=0,
            required_skills=[],
            preferred_skills=[],
            claim_policy="registered",
            status="open",
            urgent=need.urgency == "urgent",
            beneficiary_group=need.beneficiary_group,
        )
        session.add(task)
        session.flush()
        session.execute(insert(task_needs), [{"task_id": task.id, "need_id": need.id}])


def _demo_member_story(session, city: dict, now: datetime) -> None:
    """The demo member has an upcoming claim and one finished service waiting for verification."""
    member = session.scalar(select(Member).where(Member.phone == "13800000006"))
    if member is None:
        return
    community = city["places"]["communities"][0]
    past_start = now - timedelta(hours=5)
    past = Task(
        title="帮独居老人更换灯泡",
        community_id=community["id"],
        place_id=member.home_building_id,
        category="caring_help",
        kind="service",
        starts_at=past_start,
        ends_at=past_start + timedelta(hours=2),
        slots=1,
        taken=1,
        required_skills=[],
        preferred_skills=[],
        claim_policy="registered",
        status="in_progress",
        beneficiary_group="special",
    )
    session.add(past)
    session.flush()
    session.add(
        Claim(
            task_id=past.id,
            member_id=member.id,
            status="done",
            claimed_at=past_start - timedelta(days=2),
            checked_in_at=past_start,
            done_at=past_start + timedelta(hours=2),
            hours_tenths=15,
            note="更换了厨房和卫生间灯泡",
        )
    )
    earlier_start = now - timedelta(days=3, hours=2)
    earlier = Task(
        title="楼道小广告清理",
        community_id=community["id"],
        place_id=member.home_building_id,
        category="environment",
        kind="service",
        starts_at=earlier_start,
        ends_at=earlier_start + timedelta(hours=2),
        slots=2,
        taken=1,
        required_skills=[],
        preferred_skills=[],
        claim_policy="registered",
        status="completed",
    )
    session.add(earlier)
    session.flush()
    claim = Claim(
        task_id=earlier.id,
        member_id=member.id,
        status="verified",
        claimed_at=earlier_start - timedelta(days=1),
        checked_in_at=earlier_start,
        done_at=earlier_start + timedelta(hours=2),
        hours_tenths=20,
        decided_at=earlier_start + timedelta(hours=4),
    )
    session.add(claim)
    session.flush()
    entry = award_service(
        session,
        member_id=member.id,
        community_id=community["id"],
        service=Service("environment", earlier_start, Decimal("2")),
        key=f"award:claim:{claim.id}",
        source_type="claim",
        source_id=claim.id,
        actor_id=None,
        tz=TZ,
        note=earlier.title,
    )
    claim.ledger_entry_id = entry.id
